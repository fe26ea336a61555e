"""What a streamed answer sends, in order: the sources, each sentence once it has passed the
guard, then the final ``Answer`` (with its ``verification``). Typed, for the chat and the CLI."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from guide_assistant.models import Answer, Citation


class SourcesReady(BaseModel):
    """The passages the model was given, numbered as its sentences will cite them; sent
    before the first sentence."""

    kind: Literal["sources"] = "sources"
    citations: list[Citation] = Field(description="The passages, numbered [1]..[k].")
    note: str | None = Field(
        None,
        description="Said before the sentences, as the final answer begins with it: the "
        "guidance doesn't cover the question, so these are the user's own documents.",
    )


class SentenceShown(BaseModel):
    """One written sentence that passed the guard, with its [n] markers; never taken back."""

    kind: Literal["sentence"] = "sentence"
    text: str = Field(description="The sentence (a list item starts '- '), markers included.")


class AnswerReady(BaseModel):
    """The final answer. It begins with the sentences already shown, if any; when it fell back
    after some were shown, the extractive answer follows them (``note`` says why)."""

    kind: Literal["answer"] = "answer"
    answer: Answer


StreamEvent = SourcesReady | SentenceShown | AnswerReady
