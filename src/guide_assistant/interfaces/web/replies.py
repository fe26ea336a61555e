"""The chat's answer handler, a generator Gradio streams: in llm mode the sources panel first,
then each sentence once the guard has passed it, then the finished message; in extractive mode,
the finished message at once. Nothing already on screen is ever removed from the message.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr

from guide_assistant.answer.compose.layout import layout
from guide_assistant.answer.write.events import AnswerReady, SentenceShown, SourcesReady
from guide_assistant.interfaces.web import render
from guide_assistant.models import Answer, Citation, QuestionError

if TYPE_CHECKING:
    from guide_assistant.assistant import Assistant

log = logging.getLogger(__name__)

GENERIC_ERROR = "Sorry, something went wrong while answering. Please try again."
CHECKING = "Writing the answer: each sentence appears once it has been checked against its source."
RATE = "Was this answer helpful? Rate it below."

Message = dict[str, Any]  # a Gradio chat message: role, content and optional metadata
Turn = dict[str, Any]  # an answered question: question, answer (an Answer dump)
Outputs = tuple[Any, ...]  # question box, chat, sources panel, turns, status


def history(turns: list[Turn]) -> list[Message]:
    """Previous turns as plain user/assistant messages (not the rendered chat)."""
    out: list[Message] = []
    for t in turns:
        out += [
            {"role": "user", "content": t["question"]},
            {"role": "assistant", "content": t["answer"]["answer"]},
        ]
    return out


def _notice(chat: list[Message], text: str) -> list[Message]:
    return [*chat, {"role": "assistant", "content": f"**Note:** {text}"}]


def respond(
    assistant: Assistant,
    corpus_dir: Path,
    question: str,
    chat: list[Message],
    sources: list[str] | None,
    turns: list[Turn],
) -> Iterator[Outputs]:
    """Every update of the outputs while ``question`` is answered."""
    asked = {"role": "user", "content": question or ""}
    turn = len(turns) + 1
    given: list[Citation] = []
    lines: list[str] = []
    note = ""  # said above the sentences when they come from the user's own documents
    answer: Answer | None = None
    try:
        for event in assistant.ask_stream(question or "", history(turns), sources):
            if isinstance(event, SourcesReady):
                given, note = event.citations, event.note or ""
                panel = render.given_panel_html(given, corpus_dir)
                yield "", [*chat, asked], panel, gr.skip(), CHECKING
            elif isinstance(event, SentenceShown):
                lines.append(event.text)
                text = render.streaming_message(lines, given, turn, note)
                reply = {"role": "assistant", "content": text}
                yield gr.skip(), [*chat, asked, reply], gr.skip(), gr.skip(), gr.skip()
            elif isinstance(event, AnswerReady):
                answer = event.answer
    except QuestionError as exc:
        gr.Warning(str(exc))
        yield question, _notice(chat, str(exc)), gr.skip(), turns, gr.skip()
        return
    except Exception as exc:
        # Type only: the message could echo the user's question, which we never log.
        log.error("answer failed: %s", type(exc).__name__)
        gr.Warning(GENERIC_ERROR)
        if lines:  # what was shown stays: each sentence of it was checked
            text = render.streaming_message(lines, given, turn, note)
            chat = [*chat, asked, {"role": "assistant", "content": text}]
        # "Writing the answer…" no longer holds; the panel stays: the shown sentences cite it.
        yield question, _notice(chat, GENERIC_ERROR), gr.skip(), turns, ""
        return
    assert answer is not None  # the pipeline always ends with its answer
    shown = layout(lines)
    # One message per answer: its text with [n] links, then its sources (native <details>).
    final = [
        *chat,
        {"role": "user", "content": answer.question},
        {"role": "assistant", "content": render.chat_message(answer, turn, corpus_dir, shown)},
    ]
    turns = [*turns, {"question": answer.question, "answer": answer.model_dump()}]
    yield "", final, render.panel_html(answer, corpus_dir), turns, RATE
