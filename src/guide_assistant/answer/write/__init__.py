"""The write stage (llm mode): the prompts, the model's answer from the retrieved passages,
guarded sentence by sentence, and the events of a streamed answer."""
