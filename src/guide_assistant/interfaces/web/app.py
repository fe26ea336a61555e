"""The browser chat (Gradio): cited answers, their sources, feedback and export.

``build_app`` wires an already-loaded ``Assistant`` into a ``gr.Blocks``; ``serve`` loads it once,
refuses to expose the chat beyond this machine without authentication, and launches.
"""

from __future__ import annotations

import ipaddress
import logging
from functools import partial
from pathlib import Path
from typing import Any

import gradio as gr

from guide_assistant.interfaces.web import render as ui_render
from guide_assistant.models import Answer, QuestionError
from guide_assistant.settings import Settings
from guide_assistant.storage.feedback import FeedbackRecord, FeedbackStore

log = logging.getLogger(__name__)

PRIVACY_NOTICE = "**Don't enter personal information about service users.**"
GENERIC_ERROR = "Sorry, something went wrong while answering. Please try again."
ALL_SOURCES = "all"
HELPFUL, NOT_HELPFUL = "Helpful", "Not helpful"

EXAMPLES: dict[str, list[str]] = {
    "New social worker": [
        "How often should I get supervision once I've finished ASYE?",
        "What's a practice supervisor?",
        "Do I still have to do ASYE if I'm newly qualified in an NHS trust?",
    ],
    "HR": [
        "What must a trust record about social workers' registration?",
        "Should our supervision policy be different for social workers?",
        "Do we need a separate registration policy for social workers?",
    ],
    "Manager": [
        "How do we split line management from professional supervision?",
        "What should we base capability reviews for social workers on?",
        "What makes a professional leadership function for social work work?",
    ],
}


class UnsafeBind(Exception):
    """Refusal to bind a non-loopback address without authentication."""


def is_loopback(host: str) -> bool:
    """True for localhost, 127.0.0.0/8 and ::1."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(settings: Settings) -> tuple[str, str] | None:
    """The auth pair to launch with; raises ``UnsafeBind`` for an open non-loopback bind."""
    auth = (
        (settings.auth_username, settings.auth_password)
        if settings.auth_username and settings.auth_password
        else None
    )
    if auth is None and not is_loopback(settings.host):
        raise UnsafeBind(
            f"refusing to serve on {settings.host}: set GUIDE_AUTH_USERNAME and "
            "GUIDE_AUTH_PASSWORD to serve beyond this machine, or use 127.0.0.1"
        )
    return auth


def _history(turns: list[dict]) -> list[dict]:
    """Previous turns as plain user/assistant messages (not the rendered chat)."""
    out: list[dict] = []
    for t in turns:
        out += [
            {"role": "user", "content": t["question"]},
            {"role": "assistant", "content": t["answer"]["answer"]},
        ]
    return out


def _notice(chat: list[dict], text: str) -> list[dict]:
    return [*chat, {"role": "assistant", "content": f"**Note:** {text}"}]


def build_app(assistant: Any, settings: Settings) -> gr.Blocks:
    """The chat app for ``assistant`` (an ``Assistant``); feedback goes to ``data_dir``."""
    store = FeedbackStore(settings.data_dir / "feedback.sqlite3")
    corpus_dir = Path(settings.corpus_dir)
    source_choices = [("All documents", ALL_SOURCES)] + [
        (s["title"], s["source_id"]) for s in assistant.sources
    ]

    def respond(question: str, chat: list[dict] | None, source: str | None, turns: list[dict]):
        """Answer ``question`` in the context of earlier turns; returns every updated output."""
        chat, turns = list(chat or []), list(turns or [])
        sources = None if not source or source == ALL_SOURCES else [source]
        try:
            answer = assistant.ask(question or "", history=_history(turns), sources=sources)
        except QuestionError as exc:
            gr.Warning(str(exc))
            return question, _notice(chat, str(exc)), gr.skip(), turns, gr.skip()
        except Exception as exc:
            # Type only: the message could echo the user's question, which we never log.
            log.error("answer failed: %s", type(exc).__name__)
            gr.Warning(GENERIC_ERROR)
            return question, _notice(chat, GENERIC_ERROR), gr.skip(), turns, gr.skip()
        title, body = ui_render.chat_sources(answer, corpus_dir)
        chat += [
            {"role": "user", "content": answer.question},
            {"role": "assistant", "content": ui_render.chat_answer(answer)},
        ]
        turn = {"question": answer.question, "answer": answer.model_dump(), "at": len(chat) - 1}
        if body:
            chat.append(
                {
                    "role": "assistant",
                    "content": body,
                    "metadata": {"title": title, "status": "done"},
                }
            )
        turns.append(turn)
        status = "Was this answer helpful? Rate it below."
        return "", chat, ui_render.panel_html(answer, corpus_dir), turns, status

    def record(label: str, comment: str, turns: list[dict], index: int = -1):
        """Store feedback on turn ``index`` (the latest by default)."""
        if not turns:
            gr.Warning("Ask a question first, then rate the answer.")
            return "No answer to rate yet.", comment
        answer = Answer.model_validate(turns[index]["answer"])
        store.record(
            FeedbackRecord(
                helpful=label == HELPFUL,
                comment=(comment or "").strip(),
                question=answer.question,
                answer=answer.answer,
                citations=answer.shown_citations,
                abstained=answer.abstained,
            )
        )
        return "Thank you — your feedback was saved on the server running Guide Assistant.", ""

    def record_like(comment: str, turns: list[dict], data: gr.LikeData):
        """Thumbs on a chat message: rate the answer that message belongs to (with any comment
        already typed, which is then saved, not lost)."""
        index = data.index[0] if isinstance(data.index, list | tuple) else data.index
        owners = [i for i, t in enumerate(turns or []) if t["at"] <= index]
        if not owners:
            return gr.skip(), gr.skip()
        label = HELPFUL if data.liked else NOT_HELPFUL
        return record(label, comment, turns, owners[-1])

    def export(turns: list[dict]):
        if not turns:
            gr.Warning("Nothing to export yet.")
            return gr.skip()
        path = ui_render.write_export([Answer.model_validate(t["answer"]) for t in turns])
        return str(path)

    def examples_for(role: str):
        return [gr.Button(value=q) for q in EXAMPLES.get(role, EXAMPLES["New social worker"])]

    with gr.Blocks(title="Guide Assistant", analytics_enabled=False) as demo:
        gr.Markdown(
            "# Guide Assistant\nAnswers from the guidance on supporting mental health social "
            "workers. Every answer cites the passages it quotes."
        )
        turns = gr.State([])
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"), gr.Row():
                with gr.Column(scale=3):
                    chatbot = gr.Chatbot(
                        label="Conversation",
                        elem_id="chatbot",
                        height=520,
                        buttons=["copy", "copy_all"],
                        feedback_options=("Like", "Dislike"),
                        placeholder="Ask about supervision, registration, leadership …",
                    )
                    gr.Markdown(PRIVACY_NOTICE, elem_id="privacy-notice")
                    with gr.Row():
                        question = gr.Textbox(
                            label="Your question",
                            placeholder="Type a question and press Enter",
                            lines=1,
                            max_lines=4,
                            scale=5,
                            elem_id="question",
                            autofocus=True,
                        )
                        send = gr.Button("Ask", variant="primary", scale=1, elem_id="ask")
                    gr.Markdown("**Example questions** (click one to put it in the box)")
                    with gr.Row():
                        example_buttons = [
                            gr.Button(q, size="sm", elem_classes=["example-question"])
                            for q in EXAMPLES["New social worker"]
                        ]
                    with gr.Group():
                        status = gr.Markdown("Rate the latest answer:", elem_id="fb-status")
                        with gr.Row():
                            helpful = gr.Button(HELPFUL, elem_id="fb-helpful")
                            unhelpful = gr.Button(NOT_HELPFUL, elem_id="fb-unhelpful")
                        comment = gr.Textbox(
                            label="Comment on the answer (optional)",
                            lines=1,
                            elem_id="fb-comment",
                        )
                    with gr.Row():
                        export_btn = gr.Button("Export conversation as Markdown")
                        export_file = gr.File(
                            label="Conversation (.md)",
                            interactive=False,
                            elem_id="export",
                            visible=False,
                        )
                with gr.Column(scale=2):
                    role = gr.Radio(list(EXAMPLES), value="New social worker", label="I am a…")
                    source = gr.Radio(
                        source_choices,
                        value=ALL_SOURCES,
                        label="Answer from",
                        elem_id="source-filter",
                    )
                    gr.Markdown("### Sources")
                    panel = gr.HTML(ui_render.panel_html(None), elem_id="sources-panel")
            with gr.Tab("Obligations", id="obligations"):
                try:
                    from guide_assistant.interfaces.web import obligations_tab as obligations_ui
                except ImportError:
                    gr.Markdown("The obligations checklist is not available yet.")
                else:
                    obligations_ui.render(settings)

        gr.on(
            [question.submit, send.click],
            respond,
            inputs=[question, chatbot, source, turns],
            outputs=[question, chatbot, panel, turns, status],
            api_name="ask",
        )
        helpful.click(
            partial(record, HELPFUL),
            inputs=[comment, turns],
            outputs=[status, comment],
            api_name="feedback_helpful",
        )
        unhelpful.click(
            partial(record, NOT_HELPFUL),
            inputs=[comment, turns],
            outputs=[status, comment],
            api_name="feedback_not_helpful",
        )
        chatbot.like(
            record_like,
            inputs=[comment, turns],
            outputs=[status, comment],
            api_visibility="private",
        )
        export_btn.click(export, inputs=[turns], outputs=[export_file], api_name="export").then(
            lambda: gr.File(visible=True), outputs=[export_file], api_visibility="private"
        )
        role.change(examples_for, inputs=[role], outputs=example_buttons, api_visibility="private")
        for button in example_buttons:
            button.click(lambda q: q, inputs=[button], outputs=[question], api_visibility="private")
    return demo


def serve(settings: Settings) -> None:
    """Load the assistant once and serve the chat until interrupted."""
    auth = check_bind(settings)  # before the slow load: fail fast on an unsafe bind
    from guide_assistant.assistant import Assistant

    assistant = Assistant.load(settings)
    demo = build_app(assistant, settings)
    demo.queue(default_concurrency_limit=settings.concurrency_limit)
    print(f"Guide Assistant: http://{settings.host}:{settings.port}/", flush=True)
    demo.launch(
        server_name=settings.host,
        server_port=settings.port,
        auth=auth,
        share=False,
        show_error=False,
        quiet=True,
        run_history=False,  # it would keep users' questions in browser storage
        allowed_paths=[str(Path(settings.corpus_dir).resolve())],
    )
