"""The llm mode's prompts: files in ``prompts/`` loaded as llama-index templates, the passages
numbered one per line, and everything fitted into the model's context window."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from llama_index.core.base.llms.types import ChatMessage as LlamaMessage
from llama_index.core.base.llms.types import MessageRole
from llama_index.core.prompts import ChatPromptTemplate, PromptTemplate

from guide_assistant.models import SECTION_SEP, ChatMessage, Passage
from guide_assistant.settings import Settings

# What the model replies when the passages don't answer the question (named in answer.txt).
REFUSAL = "NOT_IN_SOURCES"
FILES = ("system.txt", "answer.txt", "condense.txt")


class PromptsMissing(FileNotFoundError):
    """A prompt file is missing: the message names it."""


@dataclass
class Prompts:
    """The three prompts of the llm mode."""

    answer: ChatPromptTemplate  # system message, then the answer request
    condense: PromptTemplate

    @classmethod
    def load(cls, folder: Path) -> Prompts:
        texts = {}
        for name in FILES:
            path = folder / name
            if not path.is_file():
                raise PromptsMissing(f"the llm mode needs the prompt file {path}")
            texts[name] = path.read_text(encoding="utf-8").strip()
        answer = ChatPromptTemplate(
            message_templates=[
                LlamaMessage(role=MessageRole.SYSTEM, content=texts["system.txt"]),
                LlamaMessage(role=MessageRole.USER, content=texts["answer.txt"]),
            ]
        )
        return cls(answer=answer, condense=PromptTemplate(texts["condense.txt"]))


def passage_line(n: int, passage: Passage) -> str:
    """``[n] title › section: text``, on one line."""
    where = SECTION_SEP.join([passage.title, *passage.section])
    return f"[{n}] {where}: {' '.join(passage.text.split())}"


def budget_chars(settings: Settings, template_chars: int) -> int:
    """Characters of passages (or history) that fit beside a template and the reply."""
    tokens = settings.llm_context_window - settings.llm_max_tokens
    return max(int(tokens * settings.llm_chars_per_token) - template_chars, 0)


def fit_passages(passages: Sequence[Passage], budget: int) -> list[Passage]:
    """The best passages, in rank order, that fit ``budget`` characters (at least the first)."""
    kept: list[Passage] = []
    used = 0
    for i, passage in enumerate(passages, 1):
        used += len(passage_line(i, passage)) + 1
        if kept and used > budget:
            break
        kept.append(passage)
    return kept


def answer_messages(
    prompts: Prompts, question: str, passages: Sequence[Passage]
) -> list[LlamaMessage]:
    numbered = "\n".join(passage_line(i, p) for i, p in enumerate(passages, 1))
    return prompts.answer.format_messages(passages=numbered, question=question, refusal=REFUSAL)


def template_chars(prompts: Prompts, question: str) -> int:
    """Length of the answer prompt without passages."""
    return sum(len(m.content or "") for m in answer_messages(prompts, question, []))


def trimmed_history(history: Sequence[ChatMessage], budget: int) -> str:
    """The latest turns that fit ``budget`` characters, oldest first, one per line."""
    lines: list[str] = []
    used = 0
    for message in reversed(history):
        line = f"{message.role}: {' '.join(message.content.split())}"
        used += len(line) + 1
        if used > budget:
            break
        lines.insert(0, line)
    return "\n".join(lines)


def condense_prompt(
    prompts: Prompts, question: str, history: Sequence[ChatMessage], settings: Settings
) -> str:
    """The condense request, with as much recent history as the context window holds."""
    empty = prompts.condense.format(history="", question=question)
    shown = trimmed_history(history, budget_chars(settings, len(empty)))
    return prompts.condense.format(history=shown, question=question)


def as_user(prompt: str) -> list[LlamaMessage]:
    return [LlamaMessage(role=MessageRole.USER, content=prompt)]
