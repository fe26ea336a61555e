"""The question stage: check what was typed, and make a follow-up searchable on its own."""

from __future__ import annotations

import re

from guide_assistant.models import ChatMessage, QuestionError
from guide_assistant.text import content_stems

FOLLOW_UP = re.compile(
    r"^\s*(and|but|so|ok|okay|what about|how about|also|then|same|is that|does that|"
    r"do they|does it|can it|can they|what if)\b|\b(it|that|this|they|them|those|these|there|"
    r"he|she|his|her|their)\b",
    re.IGNORECASE,
)


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


def standalone_query(question: str, history: list[ChatMessage]) -> str:
    """A follow-up ('and how often?') is searched together with the question(s) before it."""
    asked = [m.content for m in history if m.role == "user" and m.content.strip()]
    if not asked or not (FOLLOW_UP.search(question) or len(content_stems(question)) <= 3):
        return question
    context = [asked[-1]]
    if len(asked) > 1 and (FOLLOW_UP.search(asked[-1]) or len(content_stems(asked[-1])) <= 3):
        context.insert(0, asked[-2])
    return " ".join([*context, question])
