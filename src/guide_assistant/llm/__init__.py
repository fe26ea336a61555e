"""Adapters to language model servers (llama-index's Ollama and OpenAILike), apart from the
pipeline: bounded waits, and failures turned into one-line messages."""
