"""``guide-assistant ask --mode llm`` against a real scripted server: the written answer says
so, a failing server gives the extractive answer with exit 0, and the API key never shows."""

from __future__ import annotations

import logging

import pytest
from typer.testing import CliRunner

from guide_assistant.interfaces.cli import app
from guide_assistant.models import Answer
from tests.helpers import free_port
from tests.llm_servers import Reply, scripted_server
from tests.test_llm_mode import FIRST, MODEL, QUESTION, SECOND, citing

runner = CliRunner()
KEY = "sk-test-DO-NOT-PRINT-7f3a9c"


@pytest.fixture
def env(monkeypatch, index_settings):
    for name in ("index_dir", "user_docs_dir", "data_dir"):
        monkeypatch.setenv(f"GUIDE_{name.upper()}", str(getattr(index_settings, name)))
    monkeypatch.setenv("GUIDE_LLM_PROVIDER", "openai")
    monkeypatch.setenv("GUIDE_LLM_MODEL", MODEL)
    monkeypatch.setenv("GUIDE_LLM_API_KEY", KEY)
    monkeypatch.setenv("GUIDE_LLM_TIMEOUT_S", "10")
    return monkeypatch


def test_ask_in_llm_mode_prints_the_checked_answer_and_never_the_key(env, caplog):
    caplog.set_level(logging.DEBUG)  # everything any library logs, too
    with scripted_server(citing(FIRST, SECOND)) as server:
        env.setenv("GUIDE_LLM_BASE_URL", server.openai_url)
        shown = runner.invoke(app, ["ask", "--mode", "llm", QUESTION])
        as_json = runner.invoke(app, ["ask", "--mode", "llm", "--json", QUESTION])
    assert shown.exit_code == 0, shown.output
    assert shown.stdout.startswith(f"(Written by {MODEL} and checked against the sources.)")
    assert "18 hours" in shown.stdout
    answer = Answer.model_validate_json(as_json.stdout)
    assert answer.mode == "llm"
    assert answer.verification is not None
    assert answer.verification.shown == 2
    # The key was sent to the server, and appears nowhere else.
    assert server.requests[0].headers["Authorization"] == f"Bearer {KEY}"
    for text in (shown.stdout, shown.stderr, as_json.stdout, as_json.stderr, caplog.text):
        assert KEY not in text
    assert QUESTION not in caplog.text  # nor is what the user typed logged


def test_ask_in_llm_mode_with_the_server_down_exits_0_with_the_extractive_answer(env, caplog):
    caplog.set_level(logging.DEBUG)
    env.setenv("GUIDE_LLM_BASE_URL", f"http://127.0.0.1:{free_port()}/v1")
    result = runner.invoke(app, ["ask", "--mode", "llm", QUESTION])
    assert result.exit_code == 0, result.output
    first = result.stdout.splitlines()[0]
    assert first.startswith("(The model couldn't write an answer")
    assert "could not be reached" in first
    assert "Sources:" in result.stdout
    assert "Traceback" not in result.output
    assert KEY not in result.output + caplog.text


def test_ask_with_a_junk_reply_exits_0(env):
    with scripted_server(Reply(body=b"<html>502 Bad Gateway</html>")) as server:
        env.setenv("GUIDE_LLM_BASE_URL", server.openai_url)
        result = runner.invoke(app, ["ask", "--mode", "llm", QUESTION])
    assert result.exit_code == 0, result.output
    assert "could not be read" in result.stdout.splitlines()[0]


def test_the_extractive_flag_overrides_the_setting(env):
    env.setenv("GUIDE_ANSWER_MODE", "llm")
    env.setenv("GUIDE_LLM_BASE_URL", f"http://127.0.0.1:{free_port()}/v1")
    result = runner.invoke(app, ["ask", "--mode", "extractive", "--json", QUESTION])
    answer = Answer.model_validate_json(result.stdout)
    assert answer.mode == "extractive"
    assert answer.note is None  # the model was never asked


def test_the_key_is_masked_in_settings(env):
    from guide_assistant.settings import Settings

    settings = Settings()
    assert settings.llm_api_key is not None
    assert settings.llm_api_key.get_secret_value() == KEY
    for shown in (repr(settings), str(settings), settings.model_dump_json()):
        assert KEY not in shown


def test_an_unknown_mode_is_a_one_line_error(env):
    result = runner.invoke(app, ["ask", "--mode", "poetry", QUESTION])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: unknown mode")
    assert len(result.stderr.strip().splitlines()) == 1


def _on_a_terminal(argv: list[str], env: dict[str, str], server) -> list[tuple[int, str]]:
    """Run the CLI with a pseudo-terminal as stdout: (words the server had sent, text) per
    read, until it exits."""
    import os
    import pty
    import select
    import subprocess
    import sys

    leader, follower = pty.openpty()
    code = "from guide_assistant.interfaces.cli import app; app()"
    process = subprocess.Popen(
        [sys.executable, "-c", code, *argv], stdout=follower, stderr=follower, env=env
    )
    os.close(follower)
    reads: list[tuple[int, str]] = []
    try:
        while True:
            ready, _, _ = select.select([leader], [], [], 120)
            if not ready:
                raise AssertionError("the CLI printed nothing for 120 s")
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the terminal closed: the process has exited
                break
            if not chunk:
                break
            reads.append((server.sent, chunk.decode("utf-8", "replace")))
    finally:
        process.wait(timeout=60)
        os.close(leader)
    assert process.returncode == 0, "".join(t for _, t in reads)
    return reads


def test_ask_on_a_terminal_streams_the_verified_sentences(env, index_settings):
    import os

    from tests.test_llm_stream import INVENTED, streaming

    script = streaming(FIRST, INVENTED, SECOND, token_delay_s=0.08)
    total = len(Reply(" ".join([FIRST, INVENTED, SECOND])).words())
    with scripted_server(script) as server:
        env.setenv("GUIDE_LLM_BASE_URL", server.openai_url)
        reads = _on_a_terminal(["ask", "--mode", "llm", QUESTION], dict(os.environ), server)
    printed = "".join(t for _, t in reads)
    assert "Traceback" not in printed
    # The first sentence was on the terminal before the model had sent its last word.
    so_far = ""
    first_at = None
    for sent, text in reads:
        so_far += text
        if first_at is None and "18 hours" in so_far:
            first_at = sent
    assert first_at is not None
    assert first_at < total
    assert "company car" not in printed
    assert printed.index("18 hours") < printed.index("forums")
    assert printed.index("forums") < printed.index(f"(Written by {MODEL} and checked")
    assert printed.index("(Written by") < printed.index("Sources:")
    assert KEY not in printed
