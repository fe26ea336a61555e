"""`guide-assistant doctor`: what it uses, and a non-zero exit naming the fix when something is
missing (no index build, no model, an unwritable home, no Chroma server, a bad setting)."""

from __future__ import annotations

import pytest
from pydantic import SecretStr
from typer.testing import CliRunner

from guide_assistant.index import build as indexing
from guide_assistant.interfaces import doctor
from guide_assistant.interfaces.cli import app
from tests.helpers import free_port, tiny_corpus

runner = CliRunner()


@pytest.fixture
def home(monkeypatch, tmp_path):
    """A fresh GUIDE_HOME (nothing built), no other GUIDE_ setting from outside."""
    for name in ("GUIDE_INDEX_DIR", "GUIDE_DATA_DIR", "GUIDE_USER_DOCS_DIR", "GUIDE_CORPUS_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GUIDE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("GUIDE_CONFIG", str(tmp_path / "absent.toml"))
    return tmp_path / "home"


def line(output: str, name: str) -> str:
    """The report line of finding ``name`` and the fix line under it, if any."""
    lines = output.splitlines()
    i = next(i for i, text in enumerate(lines) if text[6:].startswith(name))
    fix = lines[i + 1] if i + 1 < len(lines) and "fix: " in lines[i + 1] else ""
    return f"{lines[i]}\n{fix}"


def test_without_an_index_it_fails_and_names_ingest(home):
    result = runner.invoke(app, ["doctor"])
    assert result.exit_code == 1
    report = result.stdout
    assert line(report, "home").startswith("OK")
    assert f"{home} (set by GUIDE_HOME)" in line(report, "home")
    assert str(home / "indexes") in line(report, "index folder")
    assert str(home / "data") in line(report, "data folder")
    assert str(home / "user_docs") in line(report, "user documents")
    assert "packaged; 2 editions" in line(report, "corpus")
    assert "packaged:guide-minilm" in line(report, "embedding model")
    assert "torch" in line(report, "embedding backend")
    assert "embedded" in line(report, "chroma")
    index = line(report, "index build")
    assert index.startswith("FAIL")
    assert "no index build" in index
    assert "fix: run `guide-assistant ingest`" in index
    assert not (home / "indexes").exists()  # the check made nothing


def test_with_a_current_build_it_is_ready(monkeypatch, tmp_path):
    settings = tiny_corpus(tmp_path)
    report = indexing.build(settings)
    for name in ("corpus_dir", "user_docs_dir", "index_dir", "data_dir"):
        monkeypatch.setenv(f"GUIDE_{name.upper()}", str(getattr(settings, name)))
    result = runner.invoke(app, ["doctor"])
    assert result.exit_code == 0, result.stdout
    index = line(result.stdout, "index build")
    assert index.startswith("OK")
    assert report.build_id in index
    assert "built 20" in index  # its date
    assert "GUIDE_CORPUS_DIR" in line(result.stdout, "corpus")
    assert result.stdout.rstrip().endswith("Ready to answer.")

    (settings.corpus_dir / "doc-a.md").write_text(
        (settings.corpus_dir / "doc-a.md").read_text() + "\nA new line.\n"
    )
    stale = runner.invoke(app, ["doctor"])
    assert stale.exit_code == 0  # still answers, from the older build
    assert line(stale.stdout, "index build").startswith("WARN")
    assert "out of date" in stale.stdout


def test_secrets_are_never_printed(home, monkeypatch):
    monkeypatch.setenv("GUIDE_AUTH_USERNAME", "hr-team")
    monkeypatch.setenv("GUIDE_AUTH_PASSWORD", "correct-horse-battery")
    result = runner.invoke(app, ["doctor"])
    assert "correct-horse-battery" not in result.output
    assert "password set (hidden)" in line(result.stdout, "chat")
    assert doctor.shown("llm_api_key", SecretStr("sk-live-123")) == "set (hidden)"
    assert doctor.shown("llm_api_key", None) == "not set"
    assert doctor.shown("llm_model", "llama3") == "'llama3'"


def test_an_unwritable_home_fails_and_names_the_setting(home, monkeypatch, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("GUIDE_HOME", str(blocker / "home"))
    result = runner.invoke(app, ["doctor"])
    assert result.exit_code == 1
    found = line(result.stdout, "home")
    assert found.startswith("FAIL")
    assert "is not a folder" in found
    assert "fix: set GUIDE_HOME" in found


def test_a_missing_model_fails_and_names_the_setting(home, monkeypatch, tmp_path):
    monkeypatch.setenv("GUIDE_EMBEDDING_MODEL", str(tmp_path / "no-such-model"))
    result = runner.invoke(app, ["doctor"])
    assert result.exit_code == 1
    found = line(result.stdout, "embedding model")
    assert found.startswith("FAIL")
    assert "fix: set GUIDE_EMBEDDING_MODEL" in found


def test_an_unreachable_chroma_server_fails_and_names_the_fix(home, monkeypatch):
    monkeypatch.setenv("GUIDE_CHROMA_MODE", "server")
    monkeypatch.setenv("GUIDE_CHROMA_PORT", str(free_port()))  # nothing listens there
    result = runner.invoke(app, ["doctor"])
    assert result.exit_code == 1
    found = line(result.stdout, "chroma")
    assert "not reachable" in found
    assert "GUIDE_CHROMA_MODE=embedded" in found


def test_a_bad_setting_is_one_line_not_a_traceback(home, monkeypatch):
    monkeypatch.setenv("GUIDE_TOP_K", "five")
    result = runner.invoke(app, ["doctor"])
    assert result.exit_code == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert "'top_k'" in result.stderr
    assert "Traceback" not in result.output
