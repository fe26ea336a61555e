"""The self-assessment store: persistence, upsert, report counts, and crash safety."""

from __future__ import annotations

import csv
import io
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from datetime import date

from guide_assistant.obligations import assessment
from guide_assistant.obligations import register as obligations
from guide_assistant.settings import Settings


def make_settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path / "data", user_docs_dir=tmp_path / "user_docs")


def test_save_reload_and_upsert(tmp_path):
    settings = make_settings(tmp_path)
    store = assessment.AssessmentStore.for_settings(settings)
    store.save("hee2020-a", "not met", "Head of HR", "No registration policy yet")
    store.save("hee2020-b", "met")
    again = assessment.AssessmentStore.for_settings(settings)  # a fresh object, same file
    assert again.get("hee2020-a").owner == "Head of HR"
    first = again.get("hee2020-a").updated_at
    again.save("hee2020-a", "partly met", "PSW", "Draft policy")
    marks = assessment.AssessmentStore(assessment.store_path(settings)).all()
    assert len(marks) == 2
    assert (marks["hee2020-a"].status, marks["hee2020-a"].note) == ("partly met", "Draft policy")
    assert marks["hee2020-a"].updated_at >= first
    mode = sqlite3.connect(assessment.store_path(settings)).execute("PRAGMA journal_mode")
    assert mode.fetchone()[0] == "wal"


def test_report_counts_and_open_items(tmp_path):
    settings = make_settings(tmp_path)
    register = obligations.load_register(settings)
    c5 = [e for e in register if e.consideration == "Consideration 5"]
    c2 = [e for e in register if e.consideration == "Consideration 2"]
    store = assessment.AssessmentStore.for_settings(settings)
    store.save(c5[0].id, "not met", "Wellbeing lead", "No wellbeing data gathered")
    store.save(c5[1].id, "partly met", "HR", "Tracked in one partner only")
    store.save(c5[2].id, "met")
    store.save(c2[0].id, "not applicable")
    marks = store.all()
    table = assessment.counts(register, marks)
    assert table["Consideration 5"]["not met"] == 1
    assert table["Consideration 5"]["partly met"] == 1
    assert table["Consideration 5"]["met"] == 1
    assert table["Consideration 5"][assessment.NOT_ASSESSED] == len(c5) - 3
    assert table["Consideration 2"]["not applicable"] == 1

    md = assessment.report(register, marks, "md", date(2024, 5, 1))
    assert "(2024-05-01)" in md
    assert f"| Consideration 5 | 1 | 1 | 1 | 0 | {len(c5) - 3} | {len(c5)} |" in md
    assert f"| **All** | 1 | 1 | 1 | 1 | {len(register) - 4} | {len(register)} |" in md
    assert "## Not met (1)" in md
    assert "## Partly met (1)" in md
    assert "Wellbeing lead" in md
    assert "No wellbeing data gathered" in md
    assert "Tracked in one partner only" in md

    rows = list(csv.DictReader(io.StringIO(assessment.report(register, marks, "csv"))))
    assert len(rows) == len(register)
    statuses = {r["id"]: r["status"] for r in rows}
    assert statuses[c5[0].id] == "not met"
    assert statuses[c5[3].id] == assessment.NOT_ASSESSED


def test_export_writes_dated_files(tmp_path):
    settings = make_settings(tmp_path)
    register = obligations.load_register(settings)
    paths = assessment.export(settings, register)
    assert [p.suffix for p in paths] == [".md", ".csv"]
    assert all(date.today().isoformat() in p.name and p.read_text() for p in paths)


def test_cli_assessment_export(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from guide_assistant.interfaces.cli import app

    monkeypatch.setenv("GUIDE_DATA_DIR", str(tmp_path / "data"))
    settings = make_settings(tmp_path)
    entry = obligations.load_register(settings)[0]
    assessment.AssessmentStore.for_settings(settings).save(entry.id, "not met", "Ann", "todo")
    out = tmp_path / "report.csv"
    result = CliRunner().invoke(app, ["assessment", "--format", "csv", "--output", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open()))
    assert next(r for r in rows if r["id"] == entry.id)["owner"] == "Ann"
    md = CliRunner().invoke(app, ["assessment"]).stdout
    assert "## Not met (1)" in md


def test_kill_mid_edit_loses_no_committed_rows(tmp_path):
    """A writer killed (SIGKILL) after committing some saves: all committed rows survive."""
    path = tmp_path / "data" / "assessment.sqlite3"
    progress = tmp_path / "progress"
    script = textwrap.dedent(
        f"""
        import time
        from pathlib import Path
        from guide_assistant.obligations.assessment import AssessmentStore
        store = AssessmentStore(Path({str(path)!r}))
        for i in range(10_000):
            store.save(f"id-{{i}}", "met", "owner", "note")
            tmp = Path({str(progress)!r} + ".tmp")
            tmp.write_text(str(i))
            tmp.replace({str(progress)!r})  # atomic: the file only ever names a committed save
            if i >= 20:
                time.sleep(0.01)  # keep writing until killed
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script])
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            done = progress.read_text().strip() if progress.exists() else ""
            if done.isdigit() and int(done) >= 25:
                break
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    committed = int(progress.read_text())  # every save up to here had been committed
    marks = assessment.AssessmentStore(path).all()
    assert committed >= 25
    assert all(f"id-{i}" in marks for i in range(committed + 1))
