"""The Chat tab: its layout, and its handlers for asking, rating, exporting and examples."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import gradio as gr

from guide_assistant.answer.question.scope import NATIONAL
from guide_assistant.interfaces.web import a11y, replies
from guide_assistant.interfaces.web import render as ui_render
from guide_assistant.interfaces.web.replies import Message, Turn
from guide_assistant.models import Answer
from guide_assistant.settings import Settings
from guide_assistant.storage.feedback import FeedbackRecord, FeedbackStore

if TYPE_CHECKING:  # importing it loads torch; the caller has already loaded one
    from guide_assistant.assistant import Assistant


PRIVACY_NOTICE = "**Don't enter personal information about service users.**"
ALL_SOURCES = "all"
HELPFUL, NOT_HELPFUL = "Helpful", "Not helpful"
# Feedback is stored: nothing in it may identify a service user or a colleague.
PERSONAL_DATA_WARNING = (
    "Please don't include names or other details that could identify a service user or a "
    "colleague: comments are stored with the answer."
)
SAVED = "Thank you — your feedback was saved on the server running Guide Assistant."
DEFAULT_ROLE = "New social worker"

EXAMPLES: dict[str, list[str]] = {
    DEFAULT_ROLE: [
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

ApiVisibility = Literal["public", "private"]


@dataclass(frozen=True)
class ChatTab:
    """The tab's components that events read or write."""

    chatbot: gr.Chatbot
    question: gr.Textbox
    send: gr.Button
    examples: list[gr.Button]
    status: gr.Markdown
    helpful: gr.Button
    unhelpful: gr.Button
    comment: gr.Textbox
    export_button: gr.Button
    export_text: gr.Textbox  # hidden: carries the Markdown to the browser's download
    role: gr.Radio
    source: gr.Radio
    panel: gr.HTML
    turns: gr.State


class ChatHandlers:
    """The tab's event handlers, over one assistant and one feedback store."""

    def __init__(self, assistant: Assistant, settings: Settings) -> None:
        self.assistant = assistant
        self.store = FeedbackStore(settings.data_dir / "feedback.sqlite3")
        self.corpus_dir = Path(settings.corpus_dir)

    def source_choices(self) -> list[tuple[str, str]]:
        """(label, value) pairs for the 'Answer from' filter."""
        documents = [
            (f"Local: {s['file_name']}" if s["kind"] == "user" else s["title"], s["source_id"])
            for s in self.assistant.sources
        ]
        local = any(s["kind"] == "user" for s in self.assistant.sources)
        national = [("National guidance only", NATIONAL)] if local else []
        return [("All documents", ALL_SOURCES), *national, *documents]

    def respond(
        self, question: str, chat: list[Message] | None, source: str | None, turns: list[Turn]
    ) -> Iterator[tuple[Any, ...]]:
        """Answer ``question`` in the context of earlier turns, streaming every update of the
        outputs (in llm mode: the sources, then each verified sentence)."""
        sources = None if not source or source == ALL_SOURCES else [source]
        yield from replies.respond(
            self.assistant, self.corpus_dir, question, list(chat or []), sources, list(turns or [])
        )

    def record(self, label: str, comment: str, turns: list[Turn]) -> tuple[str, str]:
        """Store feedback, with its comment, on the latest answer."""
        if not turns:
            gr.Warning("Ask a question first, then rate the answer.")
            return "No answer to rate yet.", comment
        answer = Answer.model_validate(turns[-1]["answer"])
        self.store.record(
            FeedbackRecord(
                helpful=label == HELPFUL,
                comment=(comment or "").strip(),
                question=answer.question,
                answer=answer.answer,
                citations=answer.shown_citations,
                abstained=answer.abstained,
            )
        )
        return SAVED, ""

    def export(self, turns: list[Turn]) -> Any:
        """The conversation as Markdown text, which the browser saves: nothing is written on
        the server (nothing when there is no answer yet)."""
        if not turns:
            gr.Warning("Nothing to export yet.")
            return gr.skip()
        return ui_render.conversation_markdown([Answer.model_validate(t["answer"]) for t in turns])


def examples_for(role: str) -> list[gr.Button]:
    """The example-question buttons, relabelled for ``role``."""
    return [gr.Button(value=q) for q in EXAMPLES.get(role, EXAMPLES[DEFAULT_ROLE])]


def _conversation() -> tuple[gr.Chatbot, gr.Textbox, gr.Button, list[gr.Button]]:
    """The chat, the privacy notice, the question box and the example questions."""
    chatbot = gr.Chatbot(
        label="Conversation",
        elem_id="chatbot",
        height=520,
        buttons=["copy", "copy_all"],
        feedback_options=None,  # one feedback control: the labelled buttons under the chat
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
        examples = [
            gr.Button(q, size="sm", elem_classes=["example-question"])
            for q in EXAMPLES[DEFAULT_ROLE]
        ]
    return chatbot, question, send, examples


def _sidebar(source_choices: list[tuple[str, str]]) -> tuple[gr.Radio, gr.Radio, gr.HTML]:
    """The role and source pickers, and the latest answer's sources."""
    role = gr.Radio(list(EXAMPLES), value=DEFAULT_ROLE, label="I am a…")
    source = gr.Radio(
        source_choices, value=ALL_SOURCES, label="Answer from", elem_id="source-filter"
    )
    gr.Markdown("### Sources")
    panel = gr.HTML(ui_render.panel_html(None), elem_id="sources-panel")
    return role, source, panel


def layout(source_choices: list[tuple[str, str]]) -> ChatTab:
    """Build the tab's components (inside the caller's open Tab) and return them."""
    turns = gr.State([])
    with gr.Row():
        with gr.Column(scale=3):
            chatbot, question, send, examples = _conversation()
            with gr.Group():
                status = gr.Markdown("Rate the latest answer:", elem_id="fb-status")
                with gr.Row():
                    helpful = gr.Button(HELPFUL, elem_id="fb-helpful")
                    unhelpful = gr.Button(NOT_HELPFUL, elem_id="fb-unhelpful")
                comment = gr.Textbox(
                    label="Comment on the answer (optional)",
                    info=PERSONAL_DATA_WARNING,
                    lines=1,
                    elem_id="fb-comment",
                )
            export_button = gr.Button("Export conversation as Markdown", elem_id="export")
            export_text = gr.Textbox(visible=False)
        with gr.Column(scale=2):
            role, source, panel = _sidebar(source_choices)
    return ChatTab(
        chatbot=chatbot,
        question=question,
        send=send,
        examples=examples,
        status=status,
        helpful=helpful,
        unhelpful=unhelpful,
        comment=comment,
        export_button=export_button,
        export_text=export_text,
        role=role,
        source=source,
        panel=panel,
        turns=turns,
    )


def _same(value: Any) -> Any:
    return value


def wire(tab: ChatTab, handlers: ChatHandlers, api: ApiVisibility = "public") -> None:
    """Connect the tab's events; the named ones are the app's API (listed when ``api`` is
    "public")."""
    gr.on(
        [tab.question.submit, tab.send.click],
        handlers.respond,
        inputs=[tab.question, tab.chatbot, tab.source, tab.turns],
        outputs=[tab.question, tab.chatbot, tab.panel, tab.turns, tab.status],
        api_name="ask",
        api_visibility=api,
    )
    rate_in, rate_out = [tab.comment, tab.turns], [tab.status, tab.comment]
    tab.helpful.click(
        partial(handlers.record, HELPFUL),
        rate_in,
        rate_out,
        api_name="feedback_helpful",
        api_visibility=api,
    )
    tab.unhelpful.click(
        partial(handlers.record, NOT_HELPFUL),
        rate_in,
        rate_out,
        api_name="feedback_not_helpful",
        api_visibility=api,
    )
    tab.export_button.click(
        handlers.export,
        inputs=[tab.turns],
        outputs=[tab.export_text],
        api_name="export",
        api_visibility=api,
    ).then(None, inputs=[tab.export_text], js=a11y.DOWNLOAD)
    tab.role.change(examples_for, inputs=[tab.role], outputs=tab.examples, api_visibility="private")
    for button in tab.examples:
        button.click(_same, inputs=[button], outputs=[tab.question], api_visibility="private")


def render(assistant: Assistant, settings: Settings, api: ApiVisibility = "public") -> None:
    """The Chat tab, built and wired inside the caller's open Tab."""
    handlers = ChatHandlers(assistant, settings)
    wire(layout(handlers.source_choices()), handlers, api)
