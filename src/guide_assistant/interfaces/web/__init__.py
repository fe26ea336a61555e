"""The browser chat (Gradio): the app, the chat tab, rendering and the obligations tab."""
