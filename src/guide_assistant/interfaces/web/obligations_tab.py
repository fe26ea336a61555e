"""The Obligations tab: the register as a filterable table, the selected obligation's passage,
its self-assessment controls, and CSV / report downloads.

``render`` is called by the app inside an open ``with gr.Tab("Obligations"):`` block.
No ``from __future__ import annotations``: Gradio reads the ``gr.SelectData`` hint at runtime.
"""

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import gradio as gr

from guide_assistant.obligations import assessment, topics
from guide_assistant.obligations import register as obligations
from guide_assistant.obligations.rules import ACTOR_RULES
from guide_assistant.obligations.search import search
from guide_assistant.settings import Settings

ALL = "(all)"
COLUMNS = ["Consideration", "Modality", "Actor", "Obligation", "Section", "Status", "Id"]
NO_SELECTION = "Select an obligation to see its passage."
INTRO = (
    "Every duty and recommendation the guidance places on organisations and people. "
    "Filter the register, select a row to read its passage, and record your "
    "organisation's self-assessment."
)


def _choices(values: list[str]) -> list[str]:
    return [ALL, *values]


def _value(choice: str | None) -> str | None:
    return None if not choice or choice == ALL else choice


def _rows(
    entries: list[obligations.Obligation], marks: dict[str, assessment.Mark]
) -> list[list[str]]:
    return [
        [
            e.consideration,
            e.modality,
            e.actor,
            e.display_text,
            e.section,
            marks[e.id].status if e.id in marks else assessment.NOT_ASSESSED,
            e.id,
        ]
        for e in entries
    ]


def _csv(folder: Path, entries: list[obligations.Obligation]) -> str:
    path = folder / "obligations.csv"
    path.write_text(obligations.render(entries, "csv"), encoding="utf-8")
    return str(path)


def _passage(text: str, entry: obligations.Obligation) -> str:
    """The obligation with its lead-in and section, then its surrounding paragraph of
    ``text`` (its edition)."""
    lead = f"*{entry.lead_in}*\n\n" if entry.lead_in else ""
    context = obligations.passage_context(text, entry)
    quoted = "\n".join(f"> {line}" for line in context.splitlines())
    return (
        f"**{entry.section}** ({entry.source_id}; {entry.modality}; {entry.actor})\n\n"
        f"{lead}{entry.display_text}\n\n**In context:**\n\n{quoted}"
    )


class RegisterView:
    """The tab's data (the register, the self-assessment store, a download folder) and its
    event handlers."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        editions = obligations.editions(settings)  # read once: every search and click uses them
        self.texts = {d.meta.source_id: d.text for d in editions}
        self.glossary = obligations.glossary(editions)
        self.register = obligations.extract_all(editions)
        self.store = assessment.AssessmentStore.for_settings(settings)
        self.by_id = {e.id: e for e in self.register}
        # Gradio serves files from the temp dir; the register is public text, so a shared
        # file is fine.
        self.tmp = Path(tempfile.mkdtemp(prefix="obligations-"))

    def count(self, entries: list[obligations.Obligation]) -> str:
        return f"{len(entries)} of {len(self.register)} obligations"

    def apply(
        self,
        actor_v: str | None,
        topic_v: str | None,
        modality_v: str | None,
        source_v: str | None,
        text_v: str | None,
    ) -> tuple[Any, ...]:
        """The filtered (and, given text, searched) rows, their ids, count and CSV."""
        entries = obligations.filter_entries(
            self.register, _value(actor_v), _value(topic_v), _value(source_v), _value(modality_v)
        )
        if text_v and text_v.strip():
            entries = search(entries, text_v, self.settings, self.glossary)  # matching rows only
        folder = Path(tempfile.mkdtemp(dir=self.tmp))
        return (
            _rows(entries, self.store.all()),
            [e.id for e in entries],
            self.count(entries),
            gr.DownloadButton(value=_csv(folder, entries)),
            str(folder),
        )

    def choose(self, ids: list[str], evt: gr.SelectData) -> tuple[Any, ...]:
        """The selected row's id, passage and saved assessment (status, owner, note)."""
        row = evt.index[0] if isinstance(evt.index, list | tuple) else evt.index
        if row is None or row >= len(ids):
            return None, NO_SELECTION, None, "", ""
        entry = self.by_id[ids[row]]
        mark = self.store.get(entry.id)
        return (
            entry.id,
            _passage(self.texts[entry.source_id], entry),
            mark.status if mark else None,
            mark.owner if mark else "",
            mark.note if mark else "",
        )

    def record(
        self,
        oid: str | None,
        status_v: str | None,
        owner_v: str | None,
        note_v: str | None,
        ids: list[str],
    ) -> tuple[Any, ...]:
        """Save the selected obligation's assessment; returns a message and the redrawn rows."""
        if not oid:
            return "Select an obligation first.", gr.skip()
        if not status_v:
            return "Choose a status before saving.", gr.skip()
        mark = self.store.save(oid, status_v, owner_v or "", note_v or "")
        # Redraw the rows on show (not from unsubmitted filter text): row numbers must keep
        # pointing at the obligations the user sees, or the next save lands on another one.
        entries = [self.by_id[i] for i in ids]
        return f"Saved: {mark.status} ({mark.updated_at}).", _rows(entries, self.store.all())

    def export_report(self) -> tuple[Any, str]:
        """The report files, copied where the browser can download them, and their folder."""
        # Kept under data_dir/reports; copies in the temp dir are what the browser downloads.
        out = Path(tempfile.mkdtemp(dir=self.tmp))
        paths = assessment.export(self.settings, self.register)
        copies = [str(shutil.copy(p, out / p.name)) for p in paths]
        return gr.File(value=copies, visible=True), str(out)


def _forget(folder: str | None) -> None:
    """Delete a download's folder once Gradio holds its copy (pruned by ``delete_cache``)."""
    if folder:
        shutil.rmtree(folder, ignore_errors=True)


@dataclass(frozen=True)
class RegisterTab:
    """The tab's components that events read or write."""

    filters: list[gr.Dropdown]  # actor, topic, modality, source: the order ``apply`` takes
    query: gr.Textbox
    count: gr.Markdown
    table: gr.Dataframe
    shown: gr.State  # ids of the rows on show, in order
    selected: gr.State  # id of the selected obligation
    download: gr.DownloadButton
    passage: gr.Markdown
    status: gr.Radio
    owner: gr.Textbox
    note: gr.Textbox
    save: gr.Button
    saved: gr.Markdown
    export: gr.Button
    files: gr.File
    handed: gr.State  # the temp folder of the latest download, deleted once it is handed out


def _filters(register: list[obligations.Obligation]) -> list[gr.Dropdown]:
    actors = [name for name, _ in ACTOR_RULES]
    sources = sorted({e.source_id for e in register})
    with gr.Row():
        return [
            gr.Dropdown(_choices(actors), value=ALL, label="Actor"),
            gr.Dropdown(
                _choices(topics.names(e.topics for e in register)), value=ALL, label="Topic"
            ),
            gr.Dropdown(_choices(list(obligations.MODALITIES)), value=ALL, label="Modality"),
            gr.Dropdown(_choices(sources), value=ALL, label="Source"),
        ]


def _table(view: RegisterView) -> gr.Dataframe:
    return gr.Dataframe(
        headers=COLUMNS,
        value=_rows(view.register, view.store.all()),
        interactive=False,
        wrap=True,
        # The duty itself gets the room; without widths the long labels crowd it off-screen.
        column_widths=["12%", "8%", "10%", "42%", "14%", "7%", "7%"],
        label="Obligations register (select a row)",
    )


def _layout(view: RegisterView) -> RegisterTab:
    """Build the tab's components and return them."""
    gr.Markdown(INTRO)
    filters = _filters(view.register)
    query = gr.Textbox(label="Search the obligations", placeholder="e.g. AMHP supervision")
    count = gr.Markdown(view.count(view.register))
    table = _table(view)
    shown = gr.State([e.id for e in view.register])
    selected = gr.State(None)
    download = gr.DownloadButton("Download these as CSV", value=_csv(view.tmp, view.register))
    with gr.Row():
        with gr.Column(scale=3):
            passage = gr.Markdown(NO_SELECTION)
        with gr.Column(scale=2):
            status = gr.Radio(list(assessment.STATUSES), label="Status")
            owner = gr.Textbox(label="Owner")
            note = gr.Textbox(label="Note", lines=3)
            save = gr.Button("Save assessment", variant="primary")
            saved = gr.Markdown()
    export = gr.Button("Export report")
    # Hidden until there is a report: an empty file box is a mislabelled element for axe.
    files = gr.File(label="Report files (Markdown and CSV)", file_count="multiple", visible=False)
    return RegisterTab(
        filters=filters,
        query=query,
        count=count,
        table=table,
        shown=shown,
        selected=selected,
        download=download,
        passage=passage,
        status=status,
        owner=owner,
        note=note,
        save=save,
        saved=saved,
        export=export,
        files=files,
        handed=gr.State(None),
    )


def _wire(tab: RegisterTab, view: RegisterView, api: Literal["public", "private"]) -> None:
    """Connect the tab's events (their API listed when ``api`` is "public")."""
    inputs = [*tab.filters, tab.query]
    outputs = [tab.table, tab.shown, tab.count, tab.download, tab.handed]
    for control in tab.filters:
        control.change(view.apply, inputs, outputs, api_visibility=api).then(
            _forget, tab.handed, None, api_visibility="private"
        )
    tab.query.submit(view.apply, inputs, outputs, api_visibility=api).then(
        _forget, tab.handed, None, api_visibility="private"
    )
    mark = [tab.status, tab.owner, tab.note]
    tab.table.select(
        view.choose, [tab.shown], [tab.selected, tab.passage, *mark], api_visibility=api
    )
    tab.save.click(
        view.record, [tab.selected, *mark, tab.shown], [tab.saved, tab.table], api_visibility=api
    )
    tab.export.click(view.export_report, None, [tab.files, tab.handed], api_visibility=api).then(
        _forget, tab.handed, None, api_visibility="private"
    )


def render(settings: Settings, api: Literal["public", "private"] = "public") -> None:
    """Build the tab's components and wire their events (inside the caller's open Tab)."""
    view = RegisterView(settings)
    _wire(_layout(view), view, api)
