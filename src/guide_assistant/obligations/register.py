"""The obligations register: every duty and recommendation the corpus editions place on
organisations and people, as verbatim spans with offsets (rules in ``obligations.rules``;
topic tags in ``obligations.topics``; search in ``obligations.search``).
"""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Literal

from pydantic import BaseModel, Field, computed_field

from guide_assistant.ingest import corpus
from guide_assistant.ingest.chunking import LIST_ITEM, section_groups
from guide_assistant.models import SECTION_SEP
from guide_assistant.obligations import rules as R
from guide_assistant.obligations import topics
from guide_assistant.obligations.terms import phrases
from guide_assistant.settings import Settings
from guide_assistant.text import abbreviations, strip_markup, unique_id

Modality = Literal["must", "should", "recommended", "good practice", "consider"]
MODALITIES: tuple[str, ...] = ("must", "should", "recommended", "good practice", "consider")
Format = Literal["table", "json", "csv", "md"]
CSV_FIELDS = ["id", "source_id", "consideration", "section", "actor", "modality", "topics"]
CSV_FIELDS += ["lead_in", "text", "start", "end"]
CONSIDERATION = re.compile(r"^(Consideration \d+)(?::\s*\((\w+)\))?")


class Obligation(BaseModel):
    """One duty or recommendation: a verbatim span ``text == edition[start:end]``."""

    id: str = Field(description="Stable id: source short name + hash of section and text.")
    text: str
    lead_in: str = Field("", description="The verbatim lead-in a list item needs to make sense.")
    source_id: str
    section: str = Field(description="Heading path joined with ' › '.")
    consideration: str = Field(description="'Consideration 2' or the top-level section.")
    actor: str = Field(description="Who the duty falls on (first actor named).")
    actors: list[str] = Field(default_factory=list)
    modality: Modality
    topics: list[str] = Field(default_factory=list)
    start: int
    end: int

    @computed_field(description="The text as shown and exported: Markdown markup removed.")  # type: ignore[prop-decorator]
    @property
    def display_text(self) -> str:
        return strip_markup(self.text)


def _modality(text: str) -> str | None:
    text = R.NEUTRAL.sub(" ", text)
    for name, pattern in R.MODALITY_RULES:
        if pattern.search(text):
            return name
    return None


def classify(text: str, lead_in: str, action_scope: bool, kind: str = "para") -> str | None:
    """The modality of a candidate, or None when it states no duty."""
    if (kind == "para" and R.LEAD_IN.search(text)) or R.REFERENCE.match(text):
        return None
    lead_modal = _modality(lead_in) if lead_in and R.LEAD_IN.search(lead_in) else None
    imperative = R.IMPERATIVE.match(text)
    if imperative and (action_scope or lead_modal):
        return "consider" if imperative.group(1).lower() == "consider" else "should"
    own = _modality(text)
    if own:
        return own
    # A noun-phrase item completing "AMHP roles should be supported by:" carries its duty.
    if lead_modal and not R.PERMISSIVE.search(text):
        return lead_modal
    return None


def _actors_in(text: str) -> list[str]:
    found = [(m.start(), name) for name, p in R.ACTOR_RULES if (m := p.search(text))]
    return [name for _, name in sorted(found)]


def find_actors(text: str, lead_in: str = "") -> list[str]:
    """Who a duty falls on: the subject of its modal verb, else the lead-in's, else default.

    An imperative ("Encourage social workers to…") falls on the lead-in's actor or the
    default; actors named as subjects later in it are kept as secondary actors.
    """
    found: list[str] = []
    modal = R.SUBJECT_END.search(text)
    if modal and R.PASSIVE_BENEFIT.match(text[modal.end() :]):
        found = [R.DEFAULT_ACTOR]  # "social workers should receive care": employers act
    elif modal:
        sentence = re.split(r"(?<=[.:;])\s+", text[: modal.start()])[-1]
        found = _actors_in(re.split(r"\bthat\b", sentence)[-1])
    elif addressee := R.ADDRESSEE.search(text):
        found = _actors_in(addressee.group(1))
    if R.IMPERATIVE.match(text) or not found:
        lead = R.SUBJECT_END.search(lead_in) if lead_in else None
        first = (_actors_in(lead_in[: lead.start()]) if lead else []) or [R.DEFAULT_ACTOR]
        found = first + [a for a in found if a not in first]
    return found


def consideration_of(path: list[str]) -> str:
    """'Consideration 1 (strategic)' for Part Two sections, else the top-level heading."""
    for name in path[1:2]:
        if m := CONSIDERATION.match(name):
            return f"{m.group(1)} ({m.group(2)})" if m.group(2) else m.group(1)
    return path[0]


def _candidates(doc: corpus.LoadedDocument, section) -> list[tuple[int, int, str, str]]:
    """(start, end, kind, lead_in) of each sentence, list item and table cell of a section."""
    text, out = doc.text, []
    for group in section_groups(doc, section):
        items: dict[int, list] = {}  # line start -> units of that item
        for unit in group.units:
            if unit.kind == "para" and not text.startswith("[^", unit.start):
                out.append((unit.start, unit.end, "para", ""))
            elif unit.kind == "item":
                items.setdefault(text.rfind("\n", 0, unit.start) + 1, []).append(unit)
            elif unit.kind == "row":
                out.extend(_cells(text, unit.start, unit.end))
        parents: list[tuple[int, str]] = []  # (indent, last sentence) of open items
        for line_start, units in items.items():
            line = text[line_start : text.find("\n", line_start)]
            marker = LIST_ITEM.match(line)
            indent = len(marker.group(1)) if marker else 0
            while parents and parents[-1][0] >= indent:
                parents.pop()
            lead_in = parents[-1][1] if parents else group.lead_in
            out.append((units[0].start, units[-1].end, "item", lead_in))
            parents.append((indent, text[units[-1].start : units[-1].end]))
    return out


def _cells(text: str, start: int, end: int) -> list[tuple[int, int, str, str]]:
    cells, pos = [], start
    for piece in text[start:end].split("|"):
        stripped = piece.strip()
        if stripped:
            offset = pos + piece.index(stripped)
            cells.append((offset, offset + len(stripped), "cell", ""))
        pos += len(piece) + 1
    return cells


def extract(doc: corpus.LoadedDocument) -> list[Obligation]:
    """The obligations of one edition, in reading order."""
    short = "".join(doc.meta.source_id.split("-")[:2])
    entries: list[Obligation] = []
    seen: set[str] = set()
    for section in doc.sections:
        if R.EXCLUDED_TOP.match(section.path[0]):
            continue
        label = SECTION_SEP.join(section.path)
        scope = bool(R.ACTION_SCOPE.match(section.path[0]))
        for start, end, kind, lead_in in _candidates(doc, section):
            span = doc.text[start:end]
            if kind == "cell":
                best = R.BEST_PRACTICE_TABLE.search(section.path[-1])
                modality = "good practice" if best and R.NUMBERED_CELL.match(span) else None
            else:
                modality = classify(span, lead_in, scope, kind)
            if modality is None:
                continue
            actors = find_actors(span, lead_in)
            oid = unique_id(f"{short}-", f"{label}\n{span}", seen, length=10)
            entries.append(
                Obligation(
                    id=oid,
                    text=span,
                    lead_in=lead_in if kind == "item" else "",
                    source_id=doc.meta.source_id,
                    section=label,
                    consideration=consideration_of(section.path),
                    actor=actors[0],
                    actors=actors,
                    modality=modality,
                    start=start,
                    end=end,
                )
            )
    return entries


def editions(settings: Settings) -> list[corpus.LoadedDocument]:
    manifest = corpus.load_manifest(settings.corpus_dir)
    return [corpus.load_edition(settings.corpus_dir / d["file"]) for d in manifest["documents"]]


def extract_all(docs: list[corpus.LoadedDocument]) -> list[Obligation]:
    """Every obligation of ``docs``, in reading order (about 0.1 s for the corpus), tagged
    with the topics the documents' own headings name (``topics.py``)."""
    entries = [e for doc in docs for e in extract(doc)]
    defined = glossary(docs)
    known = phrases(defined)
    duties = [topics.said(e.text, e.lead_in, e.section, known) for e in entries]
    headings = {part for e in entries for part in e.section.split(SECTION_SEP)}
    vocabulary = topics.vocabulary(sorted(headings), duties, defined)
    for entry, terms in zip(entries, duties, strict=True):
        entry.topics = topics.tag(terms, vocabulary)
    return entries


def load_register(settings: Settings) -> list[Obligation]:
    """Every obligation of the corpus editions (callers load it once and keep it)."""
    return extract_all(editions(settings))


def glossary(docs: list[corpus.LoadedDocument]) -> dict[str, str]:
    """The short forms the documents define ('amhp' → 'approved mental health professional');
    the first definition of a short form wins."""
    found: dict[str, str] = {}
    for doc in docs:
        found = abbreviations(doc.text) | found
    return found


def passage_context(text: str, entry: Obligation) -> str:
    """The paragraph or list (blank-line delimited block) around an entry, verbatim, from
    ``text``, the entry's edition."""
    start = text.rfind("\n\n", 0, entry.start)
    end = text.find("\n\n", entry.end)
    return text[start + 2 if start >= 0 else 0 : end if end >= 0 else len(text)]


def filter_entries(
    entries: list[Obligation],
    actor: str | None = None,
    topic: str | None = None,
    source: str | None = None,
    modality: str | None = None,
    text: str | None = None,
) -> list[Obligation]:
    """Entries matching every given filter (case-insensitive; text is a substring)."""

    def low(value: str | None) -> str | None:
        return value.strip().lower() if value and value.strip() else None

    actor, topic, source, modality, text = map(low, (actor, topic, source, modality, text))
    return [
        e
        for e in entries
        if (not actor or actor in (a.lower() for a in e.actors))
        and (not topic or topic in (t.lower() for t in e.topics))
        and (not source or source == e.source_id.lower())
        and (not modality or modality == e.modality)
        and (not text or text in f"{e.lead_in} {e.text} {e.section}".lower())
    ]


def _row(e: Obligation) -> dict:
    """A spreadsheet row: readable text (no ``**``); start/end still locate the verbatim span."""
    row = e.model_dump(include=set(CSV_FIELDS))
    row.update(topics="; ".join(e.topics), lead_in=strip_markup(e.lead_in), text=e.display_text)
    return row


def shown(e: Obligation) -> str:
    """The entry as read: its lead-in (when a list item) and its text, without markup."""
    return f"{strip_markup(e.lead_in)} {e.display_text}".strip()


def render(entries: list[Obligation], fmt: Format = "table") -> str:
    """The entries as a terminal table, a JSON list, CSV or a Markdown table."""
    if fmt == "json":
        return json.dumps([e.model_dump() for e in entries], indent=2, ensure_ascii=False)
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=CSV_FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(_row(e) for e in entries)
        return buf.getvalue()
    if fmt == "md":
        lines = [
            "| Consideration | Modality | Actor | Obligation | Section |",
            "|---|---|---|---|---|",
        ]
        for e in entries:
            cells = [e.consideration, e.modality, e.actor, shown(e), e.section]
            lines.append(
                "| " + " | ".join(c.replace("|", "\\|").replace("\n", " ") for c in cells) + " |"
            )
        return "\n".join(lines) + "\n"
    if fmt != "table":
        raise ValueError(f"unknown format {fmt!r}: use table, json, csv or md")
    lines = [f"{'ID':<19} {'MODALITY':<13} {'ACTOR':<17} {'CONSIDERATION':<28} TEXT"]
    for e in entries:
        text = e.display_text
        text = text if len(text) <= 90 else text[:87] + "..."
        lines.append(f"{e.id:<19} {e.modality:<13} {e.actor:<17} {e.consideration[:28]:<28} {text}")
    lines.append(f"{len(entries)} obligations")
    return "\n".join(lines)
