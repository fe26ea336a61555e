"""The employer self-assessment: HR marks each obligation met / partly met / not met / not
applicable, with an owner and a note, in a local SQLite file; exports a dated report.

Each save is its own committed transaction in WAL mode, so stopping the app mid-edit loses at
most the edit in progress.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from guide_assistant.obligations.register import Obligation
from guide_assistant.settings import Settings
from guide_assistant.storage.sqlite import Migration, SQLiteFile

Status = Literal["met", "partly met", "not met", "not applicable"]
STATUSES: tuple[str, ...] = ("met", "partly met", "not met", "not applicable")
NOT_ASSESSED = "not assessed"
SCHEMA = """
CREATE TABLE IF NOT EXISTS assessment (
    obligation_id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    owner TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL
)
"""


class Mark(BaseModel):
    """HR's assessment of one obligation."""

    obligation_id: str
    status: Status
    owner: str = ""
    note: str = ""
    updated_at: str = ""


def store_path(settings: Settings) -> Path:
    """The self-assessment's SQLite file under ``settings.data_dir``."""
    return settings.data_dir / "assessment.sqlite3"


# Version 1 is SCHEMA, exactly as created before migrations existed, so older files are
# recognised as version 1 unchanged.
MIGRATIONS = (
    Migration(1, "assessment table", (SCHEMA,)),
    # "What changed since the last health check?" is a range on updated_at; the index answers
    # it without reading every mark, and keeps the mechanism exercised in this store too.
    Migration(
        2,
        "index assessment by updated_at",
        ("CREATE INDEX IF NOT EXISTS assessment_updated_at ON assessment (updated_at)",),
    ),
)


class AssessmentStore:
    """The marks, in one SQLite file; a connection per call keeps it safe across threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        # durable: synchronous=FULL, so a committed save survives power loss too.
        self._db = SQLiteFile(path, MIGRATIONS, durable=True)

    @classmethod
    def for_settings(cls, settings: Settings) -> AssessmentStore:
        """The store at ``store_path(settings)``."""
        return cls(store_path(settings))

    def save(self, obligation_id: str, status: str, owner: str = "", note: str = "") -> Mark:
        """Insert or update one mark and commit it at once."""
        mark = Mark(
            obligation_id=obligation_id,
            status=status,
            owner=owner.strip(),
            note=note.strip(),
            updated_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        with self._db.write() as conn:  # committed when the block ends
            conn.execute(
                "INSERT INTO assessment (obligation_id, status, owner, note, updated_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT(obligation_id) DO UPDATE SET "
                "status=excluded.status, owner=excluded.owner, note=excluded.note, "
                "updated_at=excluded.updated_at",
                (mark.obligation_id, mark.status, mark.owner, mark.note, mark.updated_at),
            )
        return mark

    def all(self) -> dict[str, Mark]:
        """Every mark, by obligation id."""
        return {m.obligation_id: m for m in self._select("")}

    def get(self, obligation_id: str) -> Mark | None:
        """The mark for ``obligation_id``, or None if it is not assessed yet."""
        found = self._select(" WHERE obligation_id = ?", obligation_id)
        return found[0] if found else None

    def _select(self, where: str, *args: str) -> list[Mark]:
        columns = ", ".join(Mark.model_fields)  # the table's columns, in the model's order
        with self._db.read() as conn:
            rows = conn.execute(f"SELECT {columns} FROM assessment{where}", args).fetchall()
        return [Mark(**dict(zip(Mark.model_fields, r, strict=True))) for r in rows]


def counts(entries: list[Obligation], marks: dict[str, Mark]) -> dict[str, Counter]:
    """Per consideration, how many obligations have each status (or none yet)."""
    out: dict[str, Counter] = {}
    for e in entries:
        mark = marks.get(e.id)
        out.setdefault(e.consideration, Counter())[mark.status if mark else NOT_ASSESSED] += 1
    return out


def report_markdown(entries: list[Obligation], marks: dict[str, Mark], day: date) -> str:
    """The employer health check: counts per consideration, then the open items."""
    columns = [*STATUSES, NOT_ASSESSED]
    lines = [
        f"# Employer health check: mental health social work obligations ({day.isoformat()})",
        "",
        f"{len(entries)} obligations from the guidance; {sum(e.id in marks for e in entries)} "
        "assessed.",
        "",
        "| Consideration | " + " | ".join(c.capitalize() for c in columns) + " | Total |",
        "|---|" + "---:|" * (len(columns) + 1),
    ]
    table = counts(entries, marks)
    total: Counter = Counter()
    for name, row in table.items():
        total.update(row)
        cells = [str(row[c]) for c in columns] + [str(sum(row.values()))]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    cells = [str(total[c]) for c in columns] + [str(sum(total.values()))]
    lines += ["| **All** | " + " | ".join(cells) + " |", ""]
    for status in ("not met", "partly met"):
        open_items = [e for e in entries if e.id in marks and marks[e.id].status == status]
        lines += [f"## {status.capitalize()} ({len(open_items)})", ""]
        for e in open_items:
            mark = marks[e.id]
            lines.append(f"- **{e.consideration}** — {e.display_text}")
            lines.append(f"  - Section: {e.section}")
            lines.append(f"  - Owner: {mark.owner or '(none)'}; note: {mark.note or '(none)'}")
            lines.append(f"  - Id: `{e.id}`; updated {mark.updated_at}")
        lines.append("")
    return "\n".join(lines)


CSV_FIELDS = ["report_date", "consideration", "id", "section", "modality", "actor", "status"]
CSV_FIELDS += ["owner", "note", "updated_at", "text"]


def report_csv(entries: list[Obligation], marks: dict[str, Mark], day: date) -> str:
    """One row per obligation with its status, owner and note (for a spreadsheet)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for e in entries:
        mark = marks.get(e.id)
        writer.writerow(
            {
                "report_date": day.isoformat(),
                "consideration": e.consideration,
                "id": e.id,
                "section": e.section,
                "modality": e.modality,
                "actor": e.actor,
                "status": mark.status if mark else NOT_ASSESSED,
                "owner": mark.owner if mark else "",
                "note": mark.note if mark else "",
                "updated_at": mark.updated_at if mark else "",
                "text": e.display_text,  # readable; the id leads back to the verbatim span
            }
        )
    return buf.getvalue()


def report(
    entries: list[Obligation], marks: dict[str, Mark], fmt: str = "md", day: date | None = None
) -> str:
    day = day or date.today()
    if fmt == "md":
        return report_markdown(entries, marks, day)
    if fmt == "csv":
        return report_csv(entries, marks, day)
    raise ValueError(f"unknown report format {fmt!r}: use md or csv")


def export(
    settings: Settings, entries: list[Obligation], out_dir: Path | None = None
) -> list[Path]:
    """Write the dated Markdown and CSV reports; returns their paths."""
    out_dir = out_dir or settings.data_dir / "reports"
    out_dir.mkdir(parents=True, exist_ok=True)
    marks = AssessmentStore.for_settings(settings).all()
    day = date.today()
    paths = []
    for fmt in ("md", "csv"):
        path = out_dir / f"employer-health-check-{day.isoformat()}.{fmt}"
        path.write_text(report(entries, marks, fmt, day), encoding="utf-8")
        paths.append(path)
    return paths
