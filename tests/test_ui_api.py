"""The chat through its API: a real index, a real Gradio server, gradio_client."""

from __future__ import annotations

import logging
import sqlite3

import httpx
import pytest

from guide_assistant.interfaces.web import app as ui
from guide_assistant.settings import Settings
from guide_assistant.storage.feedback import FeedbackStore
from tests.helpers import running_app

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
    assert [m["role"] for m in chat] == ["user", "assistant"]  # sources inside the answer
    answer = _text(chat[1])
    assert "[1]</a>" in answer
    assert 'href="#a1-source-1"' in answer
    assert "monthly" in answer
    assert '<details class="sources"><summary>Sources (' in answer
    assert '<details class="source" id="a1-source-1"' in answer
    assert "<mark>" in answer
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


def test_questions_and_comments_never_reach_the_logs(client, caplog):
    """What users type may name a service user: no logger, the libraries' included, gets it."""
    caplog.set_level(logging.DEBUG)
    question = "Mrs Jacinta Example on ward 7 - who supervises her AMHP?"
    client.predict(question, [], "all", api_name="/ask")
    client.predict("Jacinta was upset", api_name="/feedback_helpful")
    assert caplog.records  # logging was captured at all
    assert "Jacinta" not in caplog.text


def test_export_returns_markdown_with_sources(client):
    client.predict(SUPERVISION, [], "all", api_name="/ask")
    text = client.predict(api_name="/export")  # the text itself: no file on the server
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


# What an unauthenticated visitor could fetch: the page, Gradio's API descriptions and config.
PUBLIC_PATHS = [
    "/",
    "/?all_endpoints=true",
    "/config",
    "/gradio_api/info",
    "/gradio_api/info?all_endpoints=true",
    "/gradio_api/openapi.json",
    "/openapi.json",
    "/gradio_api/startup-events",
    "/gradio_api/app_id",
    "/gradio_api/token",
    "/manifest.json",
    "/gradio_api/runs",
]
# Endpoint names, source ids and labels that only the app itself holds.
APP_ONLY = [
    "/ask",
    "feedback_helpful",
    "feedback_not_helpful",
    "/export",
    "export_report",
    "hee-2020-guidance",
    "tcsw-2014-role",
    "Your question",
]


def _leaks(base: str, client: httpx.Client) -> dict[str, list[str]]:
    """For each public path, the app-only strings its response holds."""
    out = {}
    for path in PUBLIC_PATHS:
        body = client.get(base.rstrip("/") + path).text
        found = [s for s in APP_ONLY if s in body]
        if found:
            out[path] = found
    return out


def test_without_a_login_the_page_lists_the_api(served):
    # The check below can fail: an open (loopback) app names its endpoints and sources.
    with httpx.Client() as http:
        leaks = _leaks(served[0], http)
    assert "feedback_helpful" in leaks["/"]
    assert "hee-2020-guidance" in leaks["/config"]


def test_with_a_login_nothing_but_the_login_form_is_served(assistant, served):
    settings = served[1].model_copy(update={"auth_username": "team", "auth_password": "s3cret"})
    with running_app(assistant, settings) as url, httpx.Client() as http:
        assert _leaks(url, http) == {}
        assert http.get(url + "config").status_code == 401
        assert '"auth_required":true' in http.get(url).text.replace(" ", "")
        # Logged in, the app is all there, but still lists no API.
        login = http.post(url + "login", data={"username": "team", "password": "s3cret"})
        assert login.status_code == 200
        config = http.get(url + "config")
        assert "hee-2020-guidance" in config.text
        assert "Your question" in config.text
        assert "api" not in config.json()["footer_links"]
        assert "feedback_helpful" not in http.get(url + "gradio_api/info").text


def test_markers_become_named_links_to_entries_in_the_same_message():
    from guide_assistant.interfaces.web import render
    from guide_assistant.models import Answer, Citation

    cite = Citation(
        n=1, source_id="s", title='The "A" guide', section="Part 1", text="One.\n\nTwo."
    )
    answer = Answer(question="q", answer="Do this [1]. See [2].", citations=[cite])
    message = render.chat_message(answer, turn=3)
    text, sources = message.rsplit("\n\n", 1)  # the text (and how it was made), the sources
    assert text.startswith(
        'Do this <a class="cite" href="#a3-source-1" '
        'title="source 1: The &quot;A&quot; guide">[1]</a>. See [2].'  # [2] is no source
    )
    assert '<details class="source" id="a3-source-1"' in sources
    # A blank line would end the HTML block in the chat's Markdown and show the rest as text.
    assert "\n" not in sources
    assert "One.&#10;&#10;Two." in sources
