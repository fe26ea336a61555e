"""The command line: one-line errors with exit codes, JSON output, summaries."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from guide_assistant.interfaces.cli import app
from guide_assistant.models import Answer
from tests.helpers import tiny_corpus

runner = CliRunner()


@pytest.fixture
def env(monkeypatch, index_settings):
    for name in ("index_dir", "user_docs_dir", "data_dir"):
        monkeypatch.setenv(f"GUIDE_{name.upper()}", str(getattr(index_settings, name)))


def test_ask_json_is_an_answer(env):
    result = runner.invoke(app, ["ask", "--json", "how many hours of AMHP training a year?"])
    assert result.exit_code == 0, result.output
    answer = Answer.model_validate_json(result.stdout)
    assert answer.citations
    assert "[1]" in answer.answer


def test_ask_prints_answer_and_sources(env):
    result = runner.invoke(app, ["ask", "--source", "tcsw-2014-role", "what is category E?"])
    assert result.exit_code == 0
    assert "Sources:" in result.stdout
    assert "The Role of the Social Worker" in result.stdout
    assert "Guidance on the support" not in result.stdout


@pytest.mark.parametrize("question", ["", "    ", "x" * 2001])
def test_bad_question_exits_2_with_one_line(env, question):
    result = runner.invoke(app, ["ask", question])
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith("error: ")
    assert "Traceback" not in result.output


def test_mismatched_index_is_a_clear_error(monkeypatch, tmp_path):
    from guide_assistant.index import build as indexing
    from guide_assistant.index import store

    settings = tiny_corpus(tmp_path)
    indexing.build(settings)
    manifest_path = store.current_build(settings) / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["versions"]["chromadb"] = "0.4.24"
    manifest_path.write_text(json.dumps(manifest))
    for name in ("corpus_dir", "user_docs_dir", "index_dir"):
        monkeypatch.setenv(f"GUIDE_{name.upper()}", str(getattr(settings, name)))
    result = runner.invoke(app, ["ask", "who supervises AMHPs?"])
    assert result.exit_code == 1
    assert "chromadb 0.4.24" in result.stderr
    assert "ingest --rebuild" in result.stderr
    assert "Traceback" not in result.output


def test_ingest_prints_a_summary_and_names_bad_files(monkeypatch, tmp_path):
    settings = tiny_corpus(tmp_path)
    settings.user_docs_dir.mkdir()
    (settings.user_docs_dir / "broken.txt").write_bytes(b"\xff\xfe\xfa not text")
    for name in ("corpus_dir", "user_docs_dir", "index_dir"):
        monkeypatch.setenv(f"GUIDE_{name.upper()}", str(getattr(settings, name)))
    first = runner.invoke(app, ["ingest"])
    assert first.exit_code == 0, first.output
    assert "Index built" in first.stdout
    assert "2 documents" in first.stdout
    assert "broken.txt" in first.stderr
    assert "UTF-8" in first.stderr
    again = runner.invoke(app, ["ingest"])
    assert "up to date" in again.stdout
    assert "embedded 0" in again.stdout


def test_sources_lists_nice_resources():
    result = runner.invoke(app, ["sources", "--json"])
    payload = json.loads(result.stdout)
    codes = {r["code"] for r in payload["resources"]}
    assert {"CG136", "QS147", "NG10"} <= codes
    assert {d["source_id"] for d in payload["documents"]} == {"hee-2020-guidance", "tcsw-2014-role"}


def test_unknown_source_is_named_not_answered_as_uncovered(env):
    result = runner.invoke(app, ["ask", "--source", "hee-2021", "who supervises AMHPs?"])
    assert result.exit_code == 2
    assert "unknown source hee-2021" in result.stderr
    assert "tcsw-2014-role" in result.stderr
