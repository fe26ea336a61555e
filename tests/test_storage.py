"""The SQLite helper and the two stores on it: files from before migrations, fresh files,
newer files, failed migrations, and two processes opening one new file at once."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import time
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest

from guide_assistant.models import Citation
from guide_assistant.obligations import assessment
from guide_assistant.obligations.assessment import AssessmentStore, Mark
from guide_assistant.storage import feedback
from guide_assistant.storage.feedback import FeedbackRecord, FeedbackStore
from guide_assistant.storage.sqlite import Migration, SchemaTooNewError, SQLiteFile

# Files as the code before migrations wrote them, dumped to SQL (``iterdump``) from the stores
# of that code: frozen here, so a change to a store's version 1 makes these tests fail.
DATA = Path(__file__).with_name("fixtures")
CITATION = Citation(n=1, source_id="hee2020", title="Guide", section="A › B", text="Passage.")


def schema(path: Path) -> dict[str, str]:
    """Every table and index in the file, name -> its CREATE statement."""
    with closing(sqlite3.connect(path)) as conn:
        return dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL"))


def described(path: Path) -> list[tuple[int, str, str]]:
    """(version, description, applied_at) of every migration the file has had."""
    with closing(sqlite3.connect(path)) as conn:
        query = "SELECT version, description, applied_at FROM schema_version ORDER BY version"
        return conn.execute(query).fetchall()


def versions(path: Path) -> list[tuple[int, str]]:
    with closing(sqlite3.connect(path)) as conn:
        rows = conn.execute("SELECT version, applied_at FROM schema_version ORDER BY version")
        return rows.fetchall()


def old_file(path: Path, dump: str) -> None:
    """A store's file in the format of the code before migrations (WAL, as it set)."""
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.executescript((DATA / dump).read_text(encoding="utf-8"))


def test_old_feedback_file_reads_back_unchanged_and_is_migrated(tmp_path):
    path = tmp_path / "feedback.sqlite3"
    records = [
        FeedbackRecord(
            created_at=datetime(2026, 11, 20, 14, 5, 12, tzinfo=UTC),
            helpful=True,
            question="Q1",
            answer="A1 [1]",
            citations=[CITATION],
        ),
        FeedbackRecord(
            created_at=datetime(2024, 5, 1, 9, 30, tzinfo=UTC),
            helpful=False,
            comment="No source — «wrong»",
            question="Q2",
            answer="I cannot say.",
            abstained=True,
        ),
    ]
    old_file(path, "feedback-before-migrations.sql")
    before = schema(path)

    store = FeedbackStore(path)

    expected = [r.model_copy(update={"id": i}) for i, r in enumerate(records, start=1)]
    assert store.list_all() == expected
    assert [v for v, _ in versions(path)] == [1, 2]
    after = schema(path)
    assert after["feedback"] == before["feedback"]  # version 1 left the old table as it was
    assert "feedback_created_at" in after
    assert "feedback_created_at" not in before
    added = store.record(FeedbackRecord(helpful=True, question="Q3", answer="A3"))
    assert added.id == 3
    assert [r.question for r in FeedbackStore(path).list_all()] == ["Q1", "Q2", "Q3"]


def test_old_assessment_file_reads_back_unchanged_and_is_migrated(tmp_path):
    path = tmp_path / "data" / "assessment.sqlite3"
    path.parent.mkdir()
    marks = [
        Mark(obligation_id="a", status="not met", owner="HR", note="n", updated_at="2024-05-01"),
        Mark(obligation_id="b", status="met", updated_at="2024-05-02T10:00:00+00:00"),
    ]
    old_file(path, "assessment-before-migrations.sql")
    before = schema(path)

    store = AssessmentStore(path)

    assert store.all() == {m.obligation_id: m for m in marks}
    assert store.get("a") == marks[0]
    assert [v for v, _ in versions(path)] == [1, 2]
    after = schema(path)
    assert after["assessment"] == before["assessment"]
    assert "assessment_updated_at" in after
    assert "assessment_updated_at" not in before
    store.save("a", "met", " PSW ")
    assert AssessmentStore(path).get("a").owner == "PSW"


@pytest.mark.parametrize("migrations", [feedback.MIGRATIONS, assessment.MIGRATIONS])
def test_fresh_file_gets_every_migration_once(tmp_path, migrations):
    path = tmp_path / "fresh.sqlite3"
    first = SQLiteFile(path, migrations)
    assert first.applied_now == [1, 2]
    history = described(path)
    assert [(v, d) for v, d, _ in history] == [(m.version, m.description) for m in migrations]
    again = SQLiteFile(path, migrations)
    assert again.applied_now == []
    assert described(path) == history  # same rows, same applied_at: nothing re-run
    assert max(v for v, _, _ in history) == 2


def test_reopening_runs_no_step_twice_and_new_steps_apply_later(tmp_path):
    path = tmp_path / "log.sqlite3"
    # Not idempotent on purpose: a second run of version 2 would add a second row.
    steps = [
        Migration(1, "log table", ("CREATE TABLE log (entry TEXT NOT NULL)",)),
        Migration(2, "first entry", ("INSERT INTO log VALUES ('v2')",)),
    ]
    for _ in range(3):
        SQLiteFile(path, steps)
    later = SQLiteFile(path, [*steps, Migration(3, "second", ("INSERT INTO log VALUES ('v3')",))])
    assert later.applied_now == [3]
    with later.read() as conn:
        assert conn.execute("SELECT entry FROM log").fetchall() == [("v2",), ("v3",)]


def test_failed_migration_is_rolled_back_whole(tmp_path):
    path = tmp_path / "bad.sqlite3"
    good = Migration(1, "table", ("CREATE TABLE t (x INTEGER)",))
    bad = Migration(2, "half", ("CREATE TABLE u (y INTEGER)", "INSERT INTO missing VALUES (1)"))
    with pytest.raises(sqlite3.OperationalError, match="missing"):
        SQLiteFile(path, [good, bad])
    assert [v for v, _ in versions(path)] == [1]
    assert "u" not in schema(path)  # the step's first statement was undone with it
    fixed = Migration(2, "half", ("CREATE TABLE u (y INTEGER)",))
    assert SQLiteFile(path, [good, fixed]).applied_now == [2]


@pytest.mark.parametrize("store", [FeedbackStore, AssessmentStore])
def test_newer_file_is_refused_and_left_untouched(tmp_path, store):
    path = tmp_path / "newer.sqlite3"
    store(path)
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("INSERT INTO schema_version VALUES (7, 'from the future', '2099-01-01')")
    before = (schema(path), versions(path))

    with pytest.raises(SchemaTooNewError) as refused:
        store(path)

    message = str(refused.value)
    assert str(path) in message
    assert "schema version 7" in message
    assert "up to 2" in message
    assert (refused.value.found, refused.value.known) == (7, 2)
    assert (schema(path), versions(path)) == before


def test_migrations_must_be_numbered_in_order(tmp_path):
    steps = [Migration(1, "a", ()), Migration(3, "c", ())]
    with pytest.raises(ValueError, match=r"\[1, 3\]"):
        SQLiteFile(tmp_path / "x.sqlite3", steps)
    assert not (tmp_path / "x.sqlite3").exists()


def test_write_commits_or_rolls_back_and_durable_sets_synchronous_full(tmp_path):
    db = SQLiteFile(tmp_path / "t.sqlite3", feedback.MIGRATIONS[:1], durable=True)
    insert = "INSERT INTO feedback (created_at, helpful, question, answer) VALUES ('t', 1, ?, '')"
    with db.write() as conn:
        conn.execute(insert, ("kept",))

    def insert_then_fail() -> None:
        with db.write() as conn:
            conn.execute(insert, ("dropped",))
            raise RuntimeError("fails before commit")

    with pytest.raises(RuntimeError, match="before commit"):
        insert_then_fail()
    with db.read() as conn:
        assert conn.execute("SELECT question FROM feedback").fetchall() == [("kept",)]
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


CHILD = """
import sys, time
from pathlib import Path
from guide_assistant.obligations.assessment import AssessmentStore
from guide_assistant.storage.feedback import FeedbackRecord, FeedbackStore
from guide_assistant.storage.sqlite import Migration, SQLiteFile

folder, who = Path(sys.argv[1]), sys.argv[2]
while not (folder / "go").exists():  # start together: both open the new files at once
    time.sleep(0.001)
feedback = FeedbackStore(folder / "feedback.sqlite3")
marks = AssessmentStore(folder / "assessment.sqlite3")
SQLiteFile(folder / "log.sqlite3", [
    Migration(1, "log", ("CREATE TABLE log (entry TEXT)",)),
    Migration(2, "entry", ("INSERT INTO log VALUES ('once')",)),
])
for i in range(40):
    feedback.record(FeedbackRecord(helpful=i % 2 == 0, question=f"{who}-{i}", answer="a"))
    marks.save(f"{who}-{i}", "met", who)
"""


def test_two_processes_open_and_write_one_new_file_at_once(tmp_path):
    names = ["p1", "p2"]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(CHILD), str(tmp_path), name],
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in names
    ]
    time.sleep(2)  # let both interpreters start and wait at the line
    (tmp_path / "go").touch()
    errors = [proc.communicate(timeout=120)[1] for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0], errors

    expected = {f"{who}-{i}" for who in names for i in range(40)}
    rows = FeedbackStore(tmp_path / "feedback.sqlite3").list_all()
    assert {r.question for r in rows} == expected
    assert len(rows) == len(expected)
    marks = AssessmentStore(tmp_path / "assessment.sqlite3").all()
    assert set(marks) == expected
    for name in ("feedback", "assessment"):
        assert [v for v, _ in versions(tmp_path / f"{name}.sqlite3")] == [1, 2]
    with closing(sqlite3.connect(tmp_path / "log.sqlite3")) as conn:
        assert conn.execute("SELECT entry FROM log").fetchall() == [("once",)]
