"""Answers as terminal text, printed at once, or streamed (llm mode, on a terminal): each
sentence as soon as the guard has passed it, then how the answer was produced and its sources.

A terminal can't take text back, so the streamed print follows the same rule as the chat: the
sentences shown stay first, and a late fallback's note and the quoted guidance follow them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO, TYPE_CHECKING

from guide_assistant.answer.write.events import AnswerReady, SentenceShown, SourcesReady
from guide_assistant.models import Answer, ChatMessage

if TYPE_CHECKING:
    from guide_assistant.assistant import Assistant


def sources_text(answer: Answer) -> list[str]:
    """The numbered sources (or related passages) and linked resources, as lines."""
    out: list[str] = []
    cited = answer.shown_citations
    if cited:
        out.append("Related passages:" if answer.abstained else "Sources:")
    for c in cited:
        out.append(f"[{c.n}] {c.label} — {c.section}")
        out.append("    " + c.text.replace("\n", "\n    "))
        if c.withheld:
            out.append("    (not used: text addressed to the assistant, never quoted or obeyed)")
    for r in answer.resources:
        out.append(f"See also: {r.code} {r.title} <{r.url}>")
    return out


def render(answer: Answer) -> str:
    """An answer as terminal text: the answer, then numbered sources. A written answer, or a
    fallback from one, first says how it was produced."""
    out = [answer.answer, ""]
    if answer.note or (answer.mode == "llm" and not answer.abstained):
        out.insert(0, f"({answer.provenance})")
    return "\n".join(out + sources_text(answer))


def separator(previous: str | None, line: str) -> str:
    """What goes before ``line`` so the printed lines read as ``extractive.layout`` lays them
    out: prose runs on as a paragraph, list items each on a line, a blank line between."""
    if previous is None:
        return ""
    item, was_item = line.startswith("- "), previous.startswith("- ")
    if not item and not was_item and not previous.endswith(":"):
        return " "
    return "\n\n" if item != was_item else "\n"


def streamed(
    assistant: Assistant,
    question: str,
    out: IO[str],
    history: Sequence[ChatMessage | dict[str, str]] | None = None,
    sources: list[str] | None = None,
) -> Answer:
    """Print the answer to ``question`` as it streams; returns it. Raises ``QuestionError``."""
    lines: list[str] = []
    answer: Answer | None = None
    note: str | None = None
    for event in assistant.ask_stream(question, history, sources):
        if isinstance(event, SourcesReady):
            note = event.note  # the latest sources': said only if one of their sentences is
        elif isinstance(event, SentenceShown):
            if note and not lines:
                out.write(f"{note}\n\n")  # before the first sentence it speaks for
            out.write(separator(lines[-1] if lines else None, event.text) + event.text)
            out.flush()
            lines.append(event.text)
        elif isinstance(event, AnswerReady):
            answer = event.answer
    assert answer is not None  # the pipeline always ends with its answer
    if not lines:
        out.write(render(answer) + "\n")
        return answer
    shown = "".join(separator(lines[i - 1] if i else None, x) + x for i, x in enumerate(lines))
    tail = [""]
    if answer.note:
        _, _, rest = answer.answer.partition(shown)
        tail += ["", f"({answer.note})", "", rest.strip()]
    elif not answer.abstained:
        tail += ["", f"({answer.provenance})"]
    out.write("\n".join([*tail, "", *sources_text(answer)]) + "\n")
    out.flush()
    return answer
