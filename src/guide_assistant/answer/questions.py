"""The question stage: check what was typed, and make a follow-up searchable on its own."""

from __future__ import annotations

import re
from collections.abc import Sequence

from pydantic import BaseModel, Field

from guide_assistant.models import ChatMessage, QuestionError
from guide_assistant.settings import Settings
from guide_assistant.text import content_stems

FOLLOW_UP = re.compile(
    r"^\s*(and|but|so|ok|okay|what about|how about|also|then|same|is that|does that|"
    r"do they|does it|can it|can they|what if)\b|\b(it|that|this|they|them|those|these|there|"
    r"he|she|his|her|their)\b",
    re.IGNORECASE,
)


class Question(BaseModel):
    """A question ready for the pipeline: the cleaned text and the query to search with."""

    text: str = Field(description="What was asked, cleaned (the answer picks sentences for it).")
    query: str = Field(description="What is searched: the text, or a follow-up with its context.")

    @property
    def follow_up(self) -> bool:
        return self.query != self.text


def validate_question(question: object, max_chars: int) -> str:
    """The question, cleaned; raises ``QuestionError`` with a user-facing message."""
    if not isinstance(question, str):
        raise QuestionError("Please type a question as text.")
    text = "".join(ch for ch in question if ch.isprintable() or ch in "\n\t").strip()
    if not text:
        raise QuestionError("Please type a question: the input was empty.")
    if len(text) > max_chars:
        raise QuestionError(
            f"That question is {len(text):,} characters long; the limit is {max_chars:,}. "
            "Please ask something shorter."
        )
    if not re.search(r"[^\W\d_]{2,}", text):
        raise QuestionError("That doesn't look like a question in words; please rephrase it.")
    return text


def _leans_on_context(question: str, short: int) -> bool:
    return bool(FOLLOW_UP.search(question)) or len(content_stems(question)) <= short


def standalone_query(question: str, history: Sequence[ChatMessage], short: int = 3) -> str:
    """A follow-up ('and how often?', or at most ``short`` content words) is searched together
    with the question(s) before it."""
    asked = [m.content for m in history if m.role == "user" and m.content.strip()]
    if not asked or not _leans_on_context(question, short):
        return question
    context = [asked[-1]]
    if len(asked) > 1 and _leans_on_context(asked[-1], short):
        context.insert(0, asked[-2])
    return " ".join([*context, question])


def understand(
    question: object, history: Sequence[ChatMessage | dict[str, str]] | None, settings: Settings
) -> Question:
    """The question stage: validate, then condense a follow-up with its history."""
    text = validate_question(question, settings.max_question_chars)
    turns = [m if isinstance(m, ChatMessage) else ChatMessage(**m) for m in history or []]
    return Question(text=text, query=standalone_query(text, turns, settings.follow_up_words))
