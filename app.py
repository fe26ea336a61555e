"""Serve the chat: ``python app.py [--host H] [--port P]`` (what ``make run`` starts)."""

from guide_assistant.interfaces.cli import app

if __name__ == "__main__":
    import sys

    app(["serve", *sys.argv[1:]])
