"""Local store of the chat's answer feedback (helpful / not helpful) in one SQLite file."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, Field

from guide_assistant.models import Citation
from guide_assistant.storage.sqlite import Migration, SQLiteFile

# Version 1 is the table exactly as created before migrations existed, so older files are
# recognised as version 1 unchanged.
_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    helpful INTEGER NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    citations TEXT NOT NULL DEFAULT '[]',
    abstained INTEGER NOT NULL DEFAULT 0
)
"""
MIGRATIONS = (
    Migration(1, "feedback table", (_SCHEMA,)),
    # The table only grows; reviewing feedback means "what came in since the last review",
    # a range on created_at, which without an index scans every row ever stored.
    Migration(
        2,
        "index feedback by created_at",
        ("CREATE INDEX IF NOT EXISTS feedback_created_at ON feedback (created_at)",),
    ),
)


class FeedbackRecord(BaseModel):
    """One rating of one answer, as stored."""

    id: int | None = None
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    helpful: bool
    comment: str = ""
    question: str
    answer: str
    citations: list[Citation] = Field(default_factory=list)
    abstained: bool = False


class FeedbackStore:
    """Append-only feedback table; one short-lived connection per call (safe across threads)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._db = SQLiteFile(self.path, MIGRATIONS)

    def record(self, record: FeedbackRecord) -> FeedbackRecord:
        """Store ``record``; returns it with its row id."""
        citations = json.dumps([c.model_dump() for c in record.citations], ensure_ascii=False)
        with self._db.write() as conn:
            cursor = conn.execute(
                "INSERT INTO feedback (created_at, helpful, comment, question, answer, citations,"
                " abstained) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    record.created_at.isoformat(),
                    int(record.helpful),
                    record.comment,
                    record.question,
                    record.answer,
                    citations,
                    int(record.abstained),
                ),
            )
        return record.model_copy(update={"id": cursor.lastrowid})

    def list_all(self) -> list[FeedbackRecord]:
        """Every stored record, oldest first."""
        with self._db.read() as conn:
            rows = conn.execute(
                "SELECT id, created_at, helpful, comment, question, answer, citations, abstained"
                " FROM feedback ORDER BY id"
            ).fetchall()
        return [
            FeedbackRecord(
                id=row[0],
                created_at=datetime.fromisoformat(row[1]),
                helpful=bool(row[2]),
                comment=row[3],
                question=row[4],
                answer=row[5],
                citations=json.loads(row[6]),
                abstained=bool(row[7]),
            )
            for row in rows
        ]
