"""Adapters for outside libraries (embedding model, Chroma, file readers), kept apart from the
pipeline so the stages above them read as plain data flow."""
