"""The chat through its API: a real index, a real Gradio server, gradio_client."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from guide_assistant.interfaces.web import app as ui
from guide_assistant.settings import Settings
from guide_assistant.storage.feedback import FeedbackStore

SUPERVISION = "How often should I get supervision once I've finished ASYE?"


@pytest.fixture
def client(served):
    from gradio_client import Client

    return Client(served[0], verbose=False)


def _text(message: dict) -> str:
    content = message["content"]
    if isinstance(content, str):
        return content
    return "".join(part.get("text", "") for part in content)


def test_ask_returns_a_cited_answer(client):
    box, chat, panel, _status = client.predict(SUPERVISION, [], "all", api_name="/ask")
    assert box == ""  # the box is cleared after an answer
    assert [m["role"] for m in chat[:2]] == ["user", "assistant"]
    assert "[1]" in _text(chat[1])
    assert "monthly" in _text(chat[1])
    sources = chat[2]
    assert sources["metadata"]["title"].startswith("Sources")
    assert "<mark>" in _text(sources)
    assert "Guidance on the support of mental health social workers" in panel
    assert "<mark>" in panel
    assert "<details" in panel


def test_follow_up_uses_the_history(client):
    _, chat, _, _ = client.predict(SUPERVISION, [], "all", api_name="/ask")
    _, chat, _, _ = client.predict("and what should it cover?", chat, "all", api_name="/ask")
    users = [_text(m) for m in chat if m["role"] == "user"]
    assert users == [SUPERVISION, "and what should it cover?"]


def test_source_filter_limits_citations(client):
    _, _, panel, _ = client.predict(
        "What does social work bring to mental health services?",
        [],
        "tcsw-2014-role",
        api_name="/ask",
    )
    assert "The Role of the Social Worker in Adult Mental Health Services" in panel
    assert "Guidance on the support of mental health social workers" not in panel


def test_empty_question_is_a_clear_message_not_a_crash(client):
    box, chat, _panel, _status = client.predict("   ", [], "all", api_name="/ask")
    assert box == "   "  # the input is kept
    assert chat[-1]["role"] == "assistant"
    assert "question" in _text(chat[-1]).lower()
    assert "Traceback" not in _text(chat[-1])


def test_out_of_scope_question_abstains(client):
    _, chat, panel, _ = client.predict("what pay band will I be on?", [], "all", api_name="/ask")
    assert "doesn't cover this" in _text(chat[1])
    assert 'class="abstain-notice"' in panel


def test_feedback_is_stored_in_sqlite(client, served):
    _, settings = served
    db = settings.data_dir / "feedback.sqlite3"
    before = len(FeedbackStore(db).list_all())
    client.predict(SUPERVISION, [], "all", api_name="/ask")
    status, comment = client.predict("clear and cited", api_name="/feedback_helpful")
    assert "saved" in status
    assert comment == ""
    rows = FeedbackStore(db).list_all()
    assert len(rows) == before + 1
    row = rows[-1]
    assert row.helpful
    assert row.comment == "clear and cited"
    assert row.question == SUPERVISION
    assert row.citations
    assert row.citations[0].n == 1
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_export_writes_markdown_with_sources(client):
    client.predict(SUPERVISION, [], "all", api_name="/ask")
    path = client.predict(api_name="/export")
    text = Path(path).read_text(encoding="utf-8")
    assert text.startswith("# Conversation with Guide Assistant")
    assert f"## Q1. {SUPERVISION}" in text
    assert "### Sources" in text
    assert "**[1]" in text


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "::", "example.org"])
def test_serve_refuses_an_open_non_loopback_bind(host, tmp_path):
    settings = Settings(host=host, data_dir=tmp_path)
    with pytest.raises(ui.UnsafeBind, match="GUIDE_AUTH_USERNAME"):
        ui.serve(settings)  # refused before loading anything or binding


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.1.1", "localhost", "::1"])
def test_loopback_binds_need_no_auth(host):
    assert ui.check_bind(Settings(host=host)) is None


def test_non_loopback_bind_with_auth_passes_the_credentials():
    settings = Settings(host="0.0.0.0", auth_username="team", auth_password="s3cret")
    assert ui.check_bind(settings) == ("team", "s3cret")
