"""In a real browser: a local source is labelled as local (screenshot), and the header lists the
indexed documents with their dates."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("Debian chromium (/usr/bin/chromium) is not installed", allow_module_level=True)
playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

from guide_assistant.models import LOCAL_LABEL  # noqa: E402
from tests.helpers import CHROMIUM_ARGS, running_app, tiny_corpus  # noqa: E402

SHOTS = Path(__file__).parent / "screenshots"
TIMEOUT = 30_000


@pytest.fixture(scope="module")
def local_app(tmp_path_factory) -> Iterator[str]:
    from guide_assistant.assistant import Assistant

    settings = tiny_corpus(tmp_path_factory.mktemp("local-ui"))
    settings.user_docs_dir.mkdir()
    (settings.user_docs_dir / "parking.md").write_text(
        "# Staff parking\n\nStaff park in the visitors' car park on level two and display a "
        "permit.\n"
    )
    assistant = Assistant.load(settings)
    with running_app(assistant, settings) as url:
        yield url


def test_a_local_source_is_labelled_local_in_the_chat(local_app):
    SHOTS.mkdir(exist_ok=True)
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
            page.set_default_timeout(TIMEOUT)
            page.goto(local_app)
            indexed = page.locator("#indexed-documents")
            expect(indexed).to_contain_text("Doc A on supervision (2020)")
            expect(indexed).to_contain_text("parking.md")
            expect(indexed).to_contain_text("file modified")
            box = page.get_by_label("Your question")
            box.fill("where do staff park?")
            box.press("Enter")
            expect(box).to_have_value("", timeout=TIMEOUT)
            answer = page.locator("#chatbot .bot-row").first
            expect(answer).to_contain_text("Your organisation's document ‘parking.md’ says")
            source = page.locator('#sources-panel details.source[data-kind="local"]').first
            expect(source).to_contain_text(f"{LOCAL_LABEL}: parking.md — “Staff parking”")
            source.locator("summary").click()
            expect(source.locator("mark")).to_contain_text("visitors' car park")
            page.screenshot(path=str(SHOTS / "local-source.png"), full_page=True)
        finally:
            browser.close()
