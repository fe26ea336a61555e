"""The chat streaming a written answer, against a real server on 127.0.0.1 that streams a word
at a time: through the app's API (every update gradio_client receives) and in a real browser
(the page watched while the answer arrives).
"""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import CHROMIUM_ARGS, running_app
from tests.llm_servers import Reply, ScriptedServer, scripted_server
from tests.test_llm_mode import FIRST, MODEL, QUESTION, SECOND, in_llm_mode
from tests.test_llm_stream import INVENTED, streaming

INVENTED_TEXT = "company car"
PROVENANCE = f"Written by {MODEL} and checked against the sources"
WORDS = len(Reply(" ".join([FIRST, INVENTED, SECOND])).words())


@pytest.fixture(scope="module")
def llm_app(assistant, index_settings, tmp_path_factory) -> Iterator[tuple[str, ScriptedServer]]:
    """(URL, server) of the chat app in llm mode, its model a scripted streaming server."""
    settings = index_settings.model_copy(
        update={"data_dir": tmp_path_factory.mktemp("llm-ui") / "data"}
    )
    with scripted_server(streaming(FIRST, SECOND)) as server:
        written = in_llm_mode(assistant, server.openai_url)
        with running_app(written, settings) as url:
            yield url, server


def _text(message: dict[str, Any]) -> str:
    content = message["content"]
    return content if isinstance(content, str) else "".join(p.get("text", "") for p in content)


def _plain(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def test_the_api_streams_sources_then_each_verified_sentence(llm_app):
    from gradio_client import Client

    url, server = llm_app
    server.script = streaming(FIRST, INVENTED, SECOND, token_delay_s=0.01)
    client = Client(url, verbose=False)
    job = client.submit(QUESTION, [], "all", api_name="/ask")
    job.result(timeout=60)
    updates = job.outputs()
    assert len(updates) >= 4  # sources, two sentences, the finished answer
    _, chat, panel, _ = updates[0]
    assert "Passages given to the model" in panel
    assert [m["role"] for m in chat] == ["user"]  # the sources come before any sentence
    bot = [_text(chat[-1]) for _, chat, _, _ in updates if chat and chat[-1]["role"] != "user"]
    assert all(INVENTED_TEXT not in text for text in bot)
    assert "18 hours" in bot[0]
    assert "forums" not in bot[0]
    assert "forums" in bot[1]
    for before, after in itertools.pairwise(bot):
        assert _plain(before) in _plain(after)  # nothing taken back
    final_chat, final_panel = updates[-1][1], updates[-1][2]
    assert PROVENANCE in _text(final_chat[-1])
    assert "Sources for the latest answer" in final_panel
    assert "<mark>" in final_panel


def test_the_api_shows_a_late_fallback_below_the_sentences_shown(llm_app):
    from gradio_client import Client

    url, server = llm_app
    words = len(Reply(FIRST).words())
    server.script = streaming(FIRST, SECOND, break_after=words + 3)
    _, chat, panel, _ = Client(url, verbose=False).predict(QUESTION, [], "all", api_name="/ask")
    text = _text(chat[-1])
    assert text.index("18 hours") < text.index("couldn't be read") < text.index("<details")
    assert "Sources for the latest answer" in panel


# The browser: the page watched while the answer streams.
WATCH = """() => {
  window.__seen = [];
  const record = () => {
    const bots = document.querySelectorAll('#chatbot .bot-row');
    const bot = bots.length ? bots[bots.length - 1].textContent : '';
    const panel = document.querySelector('#sources-panel').textContent;
    const last = window.__seen[window.__seen.length - 1];
    if (!last || last.bot !== bot || last.panel !== panel) window.__seen.push({bot, panel});
  };
  new MutationObserver(record).observe(document.body,
    {subtree: true, childList: true, characterData: true});
}"""


def test_the_page_shows_each_verified_sentence_as_it_arrives(assistant, llm_app):
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("Debian chromium (/usr/bin/chromium) is not installed")
    from tests.test_ui_browser import assert_accessible

    url, server = llm_app
    server.script = streaming(FIRST, INVENTED, SECOND, token_delay_s=0.08)
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(30_000)
            page.goto(url)
            playwright_api.expect(page.get_by_label("Your question")).to_be_visible()
            page.evaluate(WATCH)
            sent_at_start = server.sent
            box = page.get_by_label("Your question")
            box.fill(QUESTION)
            box.press("Enter")
            polled = _poll(page, server, sent_at_start)
            seen = page.evaluate("window.__seen")
            assert_accessible(page, "llm answer")
        finally:
            browser.close()
    # The first verified sentence was on the page before the model had sent its last word.
    first = next((sent for sent, bot in polled if "18 hours" in bot), None)
    assert first is not None
    assert first < WORDS
    # The sources panel was there before the first sentence, at every moment.
    with_sentence = [s for s in seen if "18 hours" in s["bot"]]
    assert with_sentence
    assert all(
        "Passages given to the model" in s["panel"] or "Sources for the latest answer" in s["panel"]
        for s in with_sentence
    )
    # The invented sentence never appeared, at any moment; nothing shown was taken back.
    assert all(INVENTED_TEXT not in s["bot"] for s in seen)
    later = seen[seen.index(with_sentence[0]) :]
    assert all("18 hours" in s["bot"] for s in later)
    assert PROVENANCE in seen[-1]["bot"]


def _poll(page, server: ScriptedServer, sent_at_start: int) -> list[tuple[int, str]]:
    """(words the server had sent, the latest answer's text), until the answer is finished."""
    polled: list[tuple[int, str]] = []
    until = time.monotonic() + 60
    while time.monotonic() < until:
        bot = page.evaluate(
            "() => { const b = document.querySelectorAll('#chatbot .bot-row');"
            " return b.length ? b[b.length - 1].textContent : ''; }"
        )
        polled.append((server.sent - sent_at_start, bot))
        if PROVENANCE in bot:
            return polled
        time.sleep(0.05)
    raise AssertionError("the answer did not finish")


def test_an_error_mid_stream_keeps_what_was_shown_and_stops_saying_it_is_writing(tmp_path):
    """A failure after some sentences: they stay (each was checked), a notice follows, and
    the status no longer claims the answer is being written."""
    from guide_assistant.answer.write.events import SentenceShown, SourcesReady
    from guide_assistant.interfaces.web import replies

    class Breaking:  # an assistant whose answering fails after its first sentence
        def ask_stream(self, question, history, sources):
            yield SourcesReady(citations=[])
            yield SentenceShown(text="Supervision is monthly.")
            raise RuntimeError("the index went away")

    updates = list(replies.respond(Breaking(), tmp_path, "how often?", [], None, []))
    assert updates[0][-1] == replies.CHECKING
    box, chat, _panel, turns, status = updates[-1]
    assert status == ""
    assert box == "how often?"  # the question is kept to try again
    assert [m["content"] for m in chat][-2:] == [
        "Supervision is monthly.",
        f"**Note:** {replies.GENERIC_ERROR}",
    ]
    assert turns == []
