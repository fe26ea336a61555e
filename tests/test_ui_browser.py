"""The chat in a real browser (Debian chromium via Playwright), against a real server and index."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("Debian chromium (/usr/bin/chromium) is not installed", allow_module_level=True)
playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect
expect.set_options(timeout=30_000)  # answers can queue behind model start-up

from guide_assistant.storage.feedback import FeedbackStore  # noqa: E402

SHOTS = Path(__file__).parent / "screenshots"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
TIMEOUT = 30_000  # ms: first answers include Gradio's queue start-up


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser, served):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    page.goto(served[0])
    expect(page.get_by_label("Your question")).to_be_visible()
    yield page
    context.close()


def ask(page, question: str) -> None:
    """Type ``question`` and press Enter, then wait until the chat shows it and is idle."""
    users = page.locator("#chatbot .user-row")
    before = users.count()
    box = page.get_by_label("Your question")
    box.fill(question)
    box.press("Enter")
    expect(users).to_have_count(before + 1)
    expect(box).to_have_value("")  # cleared only once the answer arrived


def test_cited_answer_source_highlight_and_feedback(page, served):
    SHOTS.mkdir(exist_ok=True)
    expect(
        page.get_by_text("Don't enter personal information about service users.")
    ).to_be_visible()
    ask(page, "How often should I get supervision once I've finished ASYE?")
    chat = page.locator("#chatbot")
    expect(chat.locator(".bot-row").last).to_contain_text("[1]")
    expect(chat).to_contain_text("monthly")
    panel = page.locator("#sources-panel")
    expect(panel).to_contain_text("Guidance on the support of mental health social workers")

    first = panel.locator("details.source").first
    expect(first.locator("mark").first).to_be_hidden()
    first.locator("summary").click()
    expect(first.locator("mark").first).to_be_visible()
    # The answer's key sentence is highlighted in its passage (whichever sentence comes first).
    expect(first.locator("mark").filter(has_text="at least monthly")).to_have_count(1)
    expect(first.get_by_role("link", name="Open the source document")).to_be_visible()
    page.screenshot(path=str(SHOTS / "answer-with-source.png"), full_page=True)

    # The sources under the answer in the chat open too (a collapsed 'thought' block).
    chat.get_by_text("Sources (").last.click()
    in_chat = chat.locator("details.source").first
    in_chat.locator("summary").click()
    expect(in_chat.locator("mark").first).to_be_visible()

    page.get_by_label("Comment on the answer (optional)").fill("clear")
    page.locator("#fb-helpful").click()
    expect(page.locator("#fb-status")).to_contain_text("saved")
    rows = FeedbackStore(served[1].data_dir / "feedback.sqlite3").list_all()
    assert rows
    assert rows[-1].helpful
    assert rows[-1].comment == "clear"
    assert "monthly" in rows[-1].answer
    assert rows[-1].citations


def test_follow_up_uses_the_conversation(page):
    ask(page, "What should supervision for social workers cover?")
    ask(page, "and how often?")
    chat = page.locator("#chatbot")
    expect(chat.locator(".user-row")).to_have_count(2)
    expect(chat.locator(".user-row").last).to_contain_text("and how often?")
    expect(chat.locator(".bot-row").last).to_contain_text("monthly")
    page.get_by_role("button", name="Export conversation as Markdown").click()
    link = page.locator("#export a[href$='guide-assistant-conversation.md']")
    expect(link).to_be_visible()
    with page.expect_download() as download:
        link.click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert "## Q2. and how often?" in text
    assert "### Sources" in text
    assert "monthly" in text
    page.screenshot(path=str(SHOTS / "follow-up.png"), full_page=True)


def test_out_of_scope_question_shows_the_abstention(page):
    ask(page, "what pay band will I be on?")
    notice = page.locator("#sources-panel .abstain-notice")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("The guidance doesn't cover this.")
    expect(page.locator("#chatbot .bot-row").last).to_contain_text("doesn't cover this")
    expect(page.locator("#sources-panel details.source").first).to_be_visible()
    page.screenshot(path=str(SHOTS / "abstention.png"), full_page=True)


def test_empty_question_keeps_the_page_working(page):
    box = page.get_by_label("Your question")
    box.fill("   ")
    box.press("Enter")
    expect(page.locator("#chatbot")).to_contain_text("Please type a question")
    expect(page.locator("body")).not_to_contain_text("Traceback")


def test_role_changes_the_example_questions(page):
    page.get_by_label("Manager").check()
    example = page.get_by_role(
        "button", name="How do we split line management from professional supervision?"
    )
    expect(example).to_be_visible()
    example.click()
    expect(page.get_by_label("Your question")).to_have_value(
        "How do we split line management from professional supervision?"
    )


def test_thumbs_on_a_chat_answer_store_feedback(page, served):
    ask(page, "What's a practice supervisor?")
    db = served[1].data_dir / "feedback.sqlite3"
    before = len(FeedbackStore(db).list_all())
    page.locator("#chatbot .bot-row").last.hover()
    page.locator("#chatbot").get_by_role("button", name="Dislike").last.click()
    expect(page.locator("#fb-status")).to_contain_text("saved")
    rows = FeedbackStore(db).list_all()
    assert len(rows) == before + 1
    assert not rows[-1].helpful
    assert rows[-1].question == "What's a practice supervisor?"
