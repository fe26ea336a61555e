"""The chat in a real browser (Debian chromium via Playwright), against a real server and index:
answers, sources, feedback, export, accessibility (axe, keyboard) and what stays on the server."""

from __future__ import annotations

import os
import re
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import pytest

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("Debian chromium (/usr/bin/chromium) is not installed", allow_module_level=True)
playwright_api = pytest.importorskip("playwright.sync_api")
axe_api = pytest.importorskip("axe_playwright_python.sync_playwright")
expect = playwright_api.expect
expect.set_options(timeout=30_000)  # answers can queue behind model start-up

from guide_assistant.storage.feedback import FeedbackStore  # noqa: E402
from tests.helpers import CHROMIUM_ARGS, running_app  # noqa: E402

SHOTS = Path(__file__).parent / "screenshots"
TIMEOUT = 30_000  # ms: first answers include Gradio's queue start-up
SUPERVISION = "How often should I get supervision once I've finished ASYE?"
HEE_TITLE = "Guidance on the support of mental health social workers"

# WCAG 2.2 A and AA, as axe tags them.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING = {"serious", "critical"}
# Violations below serious that remain, by rule id, each with why it is left. None today.
KNOWN_MINOR: dict[str, str] = {}
WIDTHS = [1280, 390]  # desktop, and a phone held upright


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def open_page(browser, url: str, width: int = 1400, scheme: str = "light"):
    context = browser.new_context(
        viewport={"width": width, "height": 1000}, color_scheme=scheme, accept_downloads=True
    )
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    page.goto(url)
    expect(page.get_by_label("Your question")).to_be_visible()
    return page


@pytest.fixture
def page(browser, served):
    page = open_page(browser, served[0])
    yield page
    page.context.close()


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
    ask(page, SUPERVISION)
    chat = page.locator("#chatbot")
    expect(chat.locator(".bot-row").last).to_contain_text("[1]")
    expect(chat).to_contain_text("monthly")
    panel = page.locator("#sources-panel")
    expect(panel).to_contain_text(HEE_TITLE)

    first = panel.locator("details.source").first
    expect(first.locator("mark").first).to_be_hidden()
    first.locator("summary").click()
    expect(first.locator("mark").first).to_be_visible()
    # The answer's key sentence is highlighted in its passage (whichever sentence comes first).
    expect(first.locator("mark").filter(has_text="at least monthly")).to_have_count(1)
    expect(first.get_by_role("link", name="Open the source document")).to_be_visible()
    page.screenshot(path=str(SHOTS / "answer-with-source.png"), full_page=True)

    # The sources under the answer in the chat open too (a collapsed block in the message).
    chat.locator("details.sources > summary").last.click()
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


def test_markers_link_to_their_sources_and_are_named(page):
    ask(page, SUPERVISION)
    answer = page.locator("#chatbot .bot-row").last
    marker = answer.locator("a.cite").first
    expect(marker).to_have_text("[1]")
    # Screen readers hear where the link goes, not "[1]".
    expect(marker).to_have_accessible_name(re.compile(rf"^source 1: {HEE_TITLE}"))
    target = marker.get_attribute("href")
    assert target
    assert target.startswith("#")
    entry = answer.locator(f"details.source[id='{target[1:]}']")
    expect(entry).to_have_count(1)
    expect(entry).to_be_hidden()  # inside the collapsed "Sources" block
    marker.click()
    expect(entry.locator("mark").first).to_be_visible()  # opened, passage and quote shown
    expect(entry.locator("summary")).to_be_focused()


def test_follow_up_uses_the_conversation(page):
    ask(page, "What should supervision for social workers cover?")
    ask(page, "and how often?")
    chat = page.locator("#chatbot")
    expect(chat.locator(".user-row")).to_have_count(2)
    expect(chat.locator(".user-row").last).to_contain_text("and how often?")
    expect(chat.locator(".bot-row").last).to_contain_text("monthly")
    with page.expect_download() as download:
        page.get_by_role("button", name="Export conversation as Markdown").click()
    assert download.value.suggested_filename == "guide-assistant-conversation.md"
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


def test_one_feedback_control_records_not_helpful(page, served):
    ask(page, "What's a practice supervisor?")
    chat = page.locator("#chatbot")
    chat.locator(".bot-row").last.hover()
    # No thumbs on the message: the labelled buttons under the chat are the only control.
    expect(chat.get_by_role("button", name="Like")).to_have_count(0)
    expect(chat.get_by_role("button", name="Dislike")).to_have_count(0)
    expect(page.get_by_role("button", name="Helpful", exact=True)).to_have_count(1)
    expect(page.get_by_text("Please don't include names")).to_be_visible()  # by the comment box
    db = served[1].data_dir / "feedback.sqlite3"
    before = len(FeedbackStore(db).list_all())
    page.get_by_role("button", name="Not helpful").click()
    expect(page.locator("#fb-status")).to_contain_text("saved")
    expect(page.locator("#fb-status[role=status]")).to_contain_text("saved")  # announced
    rows = FeedbackStore(db).list_all()
    assert len(rows) == before + 1
    assert not rows[-1].helpful
    assert rows[-1].question == "What's a practice supervisor?"


# --- Accessibility -----------------------------------------------------------------------


def axe_violations(page) -> list[dict]:
    """axe-core's WCAG 2.2 A/AA violations on the page as it is now."""
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    return axe_api.Axe().run(page, options=options).response["violations"]


def assert_accessible(page, view: str) -> None:
    violations = axe_violations(page)
    blocking = [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']]}"
        for v in violations
        if v["impact"] in BLOCKING
    ]
    assert blocking == [], f"{view}: {blocking}"
    unlisted = {v["id"] for v in violations} - set(KNOWN_MINOR)
    assert unlisted == set(), f"{view}: minor violations not in KNOWN_MINOR: {unlisted}"


def open_assessment(page) -> None:
    """On the Obligations tab, select the first obligation and save an assessment of it."""
    page.locator(".virtual-body [role=row]").first.locator("[role=gridcell]").nth(3).click()
    expect(page.get_by_text("In context:")).to_be_visible()
    page.get_by_label("met", exact=True).check()
    page.get_by_role("button", name="Save assessment").click()
    expect(page.get_by_text("Saved:")).to_be_visible()


@pytest.mark.parametrize("scheme", ["light", "dark"])  # Gradio follows the system's choice
@pytest.mark.parametrize("width", WIDTHS)
def test_every_view_passes_axe(browser, served, width, scheme):
    page = open_page(browser, served[0], width, scheme)
    try:
        ask(page, SUPERVISION)
        page.locator("#chatbot details.sources > summary").last.click()
        page.locator("#sources-panel details.source > summary").first.click()
        assert_accessible(page, f"chat after an answer, {width}px {scheme}")
        page.get_by_role("tab", name="Obligations").click()
        expect(page.get_by_text("Obligations register")).to_be_visible()
        assert_accessible(page, f"obligations, {width}px {scheme}")
        open_assessment(page)
        assert_accessible(page, f"self-assessment, {width}px {scheme}")
    finally:
        page.context.close()


FOCUS_VISIBLE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || !el.matches(':focus-visible')) return false;
  const s = getComputedStyle(el);
  return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2) || s.boxShadow !== 'none';
}"""


def tab_to(page, selector: str, key: str = "Tab", limit: int = 80) -> None:
    """Press ``key`` until the focus is on ``selector``, and check the focus is visible."""
    for _ in range(limit):
        page.keyboard.press(key)
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            assert page.evaluate(FOCUS_VISIBLE), f"the focus on {selector} is not visible"
            return
    raise AssertionError(f"{key} never reached {selector}")


def test_keyboard_only(page):
    page.evaluate("document.activeElement.blur()")
    tab_to(page, "#question textarea")
    page.keyboard.type(SUPERVISION)
    page.keyboard.press("Enter")
    expect(page.locator("#chatbot .user-row")).to_have_count(1)
    expect(page.get_by_label("Your question")).to_have_value("")
    # Back up into the answer: its last [n] link opens that source's entry.
    tab_to(page, "#chatbot a.cite", key="Shift+Tab")
    target = page.evaluate("document.activeElement.getAttribute('href')").lstrip("#")
    page.keyboard.press("Enter")
    entry = page.locator(f'#chatbot details.source[id="{target}"]')
    expect(entry.locator("summary")).to_be_focused()
    expect(entry.locator("mark").first).to_be_visible()
    tab_to(page, "#fb-helpful")
    page.keyboard.press("Enter")
    expect(page.locator("#fb-status")).to_contain_text("saved")
    tab_to(page, "#export")
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    assert f"## Q1. {SUPERVISION}" in Path(download.value.path()).read_text(encoding="utf-8")
    tab_to(page, "#sources-panel details.source > summary")
    page.keyboard.press("Enter")
    expect(page.locator("#sources-panel details.source mark").first).to_be_visible()


# --- What stays on the server ------------------------------------------------------------


@pytest.fixture
def private_app(assistant, served, tmp_path, monkeypatch):
    """(URL, system temp, Gradio cache) of an app whose temp files all land under tmp_path,
    with downloads kept 3 s in Gradio's cache."""
    system_tmp, cache = tmp_path / "tmp", tmp_path / "gradio-cache"
    system_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system_tmp))
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(cache))
    settings = served[1].model_copy(
        update={"data_dir": tmp_path / "data", "download_cache_seconds": 3}
    )
    with running_app(assistant, settings) as url:
        yield url, system_tmp, cache


def files_holding(text: str, *folders: Path) -> list[Path]:
    found = []
    for folder in folders:
        for path in folder.rglob("*"):
            if path.is_file() and text in path.read_text(encoding="utf-8", errors="ignore"):
                found.append(path)
    return found


def eventually_none(text: str, *folders: Path, seconds: float = 60) -> list[Path]:
    """Files under ``folders`` holding ``text``, once none do or ``seconds`` have passed."""
    deadline = time.monotonic() + seconds
    while (found := files_holding(text, *folders)) and time.monotonic() < deadline:
        time.sleep(0.5)
    return found


def test_exports_leave_nothing_on_the_server(browser, private_app):
    url, system_tmp, cache = private_app
    page = open_page(browser, url)
    try:
        ask(page, SUPERVISION)
        with page.expect_download() as download:
            page.get_by_role("button", name="Export conversation as Markdown").click()
        assert SUPERVISION in Path(download.value.path()).read_text(encoding="utf-8")
        # The conversation went straight to the browser: no copy anywhere on the server.
        assert list(system_tmp.glob("guide-export-*")) == []
        assert files_holding(SUPERVISION, system_tmp, cache) == []

        note = "privacy check note " + os.urandom(4).hex()
        page.get_by_role("tab", name="Obligations").click()
        page.locator(".virtual-body [role=row]").first.locator("[role=gridcell]").nth(3).click()
        page.get_by_label("met", exact=True).check()
        page.get_by_label("Note").fill(note)
        page.get_by_role("button", name="Save assessment").click()
        expect(page.get_by_text("Saved:")).to_be_visible()
        page.get_by_role("button", name="Export report").click()
        link = page.locator("a[href*='file='][href$='.md']").first
        expect(link).to_be_visible()
        served_copy = Path(unquote(link.get_attribute("href").split("file=", 1)[1]))
        assert served_copy.is_relative_to(cache)
        # The report's temp copy is gone at once; Gradio's copy once its time is up.
        assert eventually_none(note, system_tmp, seconds=10) == []
        assert eventually_none(note, cache) == []
    finally:
        page.context.close()
