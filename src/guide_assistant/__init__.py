"""Guide Assistant: cited answers from the guidance on supporting mental health social workers."""

from guide_assistant.models import Answer, Citation, Passage, QuestionError
from guide_assistant.settings import Settings

__all__ = ["Answer", "Assistant", "Citation", "Passage", "QuestionError", "Settings"]


def __getattr__(name: str):
    # Lazy: importing the package must stay cheap (the CLI's no-op ingest, settings, models).
    if name == "Assistant":
        from guide_assistant.assistant import Assistant

        return Assistant
    raise AttributeError(name)
