"""The Obligations tab: the register as a filterable table, the selected obligation's passage,
its self-assessment controls, and CSV / report downloads.

``render`` is called by the chat UI inside an open ``with gr.Tab("Obligations"):`` block.
No ``from __future__ import annotations``: Gradio reads the ``gr.SelectData`` hint at runtime.
"""

import shutil
import tempfile
from pathlib import Path

from guide_assistant.obligations import assessment
from guide_assistant.obligations import register as obligations
from guide_assistant.obligations.rules import ACTOR_RULES, TOPIC_RULES
from guide_assistant.settings import Settings

ALL = "(all)"
COLUMNS = ["Consideration", "Modality", "Actor", "Obligation", "Section", "Status", "Id"]


def _choices(values: list[str]) -> list[str]:
    return [ALL, *values]


def _value(choice: str | None) -> str | None:
    return None if not choice or choice == ALL else choice


def _rows(entries: list[obligations.Obligation], marks: dict) -> list[list[str]]:
    return [
        [
            e.consideration,
            e.modality,
            e.actor,
            e.text,
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


def _passage(settings: Settings, entry: obligations.Obligation) -> str:
    """The obligation with its lead-in and section, then its surrounding paragraph."""
    lead = f"*{entry.lead_in}*\n\n" if entry.lead_in else ""
    context = obligations.passage_context(settings, entry)
    quoted = "\n".join(f"> {line}" for line in context.splitlines())
    return (
        f"**{entry.section}** ({entry.source_id}; {entry.modality}; {entry.actor})\n\n"
        f"{lead}{entry.text}\n\n**In context:**\n\n{quoted}"
    )


def render(settings: Settings) -> None:
    """Build the tab's components and wire their events (inside the caller's open Tab)."""
    import gradio as gr

    register = obligations.load_register(settings)
    store = assessment.AssessmentStore.for_settings(settings)
    by_id = {e.id: e for e in register}
    sources = sorted({e.source_id for e in register})
    actors = [name for name, _ in ACTOR_RULES]

    gr.Markdown(
        "Every duty and recommendation the guidance places on organisations and people. "
        "Filter the register, select a row to read its passage, and record your "
        "organisation's self-assessment."
    )
    with gr.Row():
        actor = gr.Dropdown(_choices(actors), value=ALL, label="Actor")
        topic = gr.Dropdown(_choices(list(TOPIC_RULES)), value=ALL, label="Topic")
        modality = gr.Dropdown(_choices(list(obligations.MODALITIES)), value=ALL, label="Modality")
        source = gr.Dropdown(_choices(sources), value=ALL, label="Source")
    query = gr.Textbox(label="Search the obligations", placeholder="e.g. AMHP supervision")
    count = gr.Markdown(f"{len(register)} of {len(register)} obligations")
    table = gr.Dataframe(
        headers=COLUMNS,
        value=_rows(register, store.all()),
        interactive=False,
        wrap=True,
        # The duty itself gets the room; without widths the long labels crowd it off-screen.
        column_widths=["12%", "8%", "10%", "42%", "14%", "7%", "7%"],
        label="Obligations register (select a row)",
    )
    shown = gr.State([e.id for e in register])
    selected = gr.State(None)
    # Gradio serves files from the temp dir; the register is public text, so a shared file is fine.
    tmp = Path(tempfile.mkdtemp(prefix="obligations-"))
    download = gr.DownloadButton("Download these as CSV", value=_csv(tmp, register))

    with gr.Row():
        with gr.Column(scale=3):
            passage = gr.Markdown("Select an obligation to see its passage.")
        with gr.Column(scale=2):
            status = gr.Radio(list(assessment.STATUSES), label="Status")
            owner = gr.Textbox(label="Owner")
            note = gr.Textbox(label="Note", lines=3)
            save = gr.Button("Save assessment", variant="primary")
            saved = gr.Markdown()
    export = gr.Button("Export report")
    files = gr.File(label="Report files (Markdown and CSV)", file_count="multiple")

    def apply(actor_v, topic_v, modality_v, source_v, text_v):
        entries = obligations.filter_entries(
            register, _value(actor_v), _value(topic_v), _value(source_v), _value(modality_v)
        )
        if text_v and text_v.strip():
            entries = obligations.search(entries, text_v, limit=len(entries))
        out = _csv(Path(tempfile.mkdtemp(dir=tmp)), entries)
        return (
            _rows(entries, store.all()),
            [e.id for e in entries],
            f"{len(entries)} of {len(register)} obligations",
            gr.DownloadButton(value=out),
        )

    filters = [actor, topic, modality, source, query]
    for control in (actor, topic, modality, source):
        control.change(apply, filters, [table, shown, count, download])
    query.submit(apply, filters, [table, shown, count, download])

    def choose(ids: list[str], evt: gr.SelectData):
        row = evt.index[0] if isinstance(evt.index, list | tuple) else evt.index
        if row is None or row >= len(ids):
            return None, "Select an obligation to see its passage.", None, "", ""
        entry = by_id[ids[row]]
        mark = store.get(entry.id)
        return (
            entry.id,
            _passage(settings, entry),
            mark.status if mark else None,
            mark.owner if mark else "",
            mark.note if mark else "",
        )

    table.select(choose, [shown], [selected, passage, status, owner, note])

    def record(oid, status_v, owner_v, note_v, ids):
        if not oid:
            return "Select an obligation first.", gr.skip()
        if not status_v:
            return "Choose a status before saving.", gr.skip()
        mark = store.save(oid, status_v, owner_v or "", note_v or "")
        # Redraw the rows on show (not from unsubmitted filter text): row numbers must keep
        # pointing at the obligations the user sees, or the next save lands on another one.
        entries = [by_id[i] for i in ids]
        return f"Saved: {mark.status} ({mark.updated_at}).", _rows(entries, store.all())

    save.click(record, [selected, status, owner, note, shown], [saved, table])

    def export_report() -> list[str]:
        # Kept under data_dir/reports; copies in the temp dir are what the browser downloads.
        out = Path(tempfile.mkdtemp(dir=tmp))
        paths = assessment.export(settings, register)
        return [str(shutil.copy(p, out / p.name)) for p in paths]

    export.click(export_report, None, files)
