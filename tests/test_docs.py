"""The documentation: a short README that points at every page of docs/, and no broken
relative link (markdown links and image references) in README.md or docs/*.md.

Reads the Markdown files only; imports nothing from the package.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
SCREENSHOT = DOCS / "screenshot.png"  # added later, by hand: checked on its own below
MAX_README_LINES = 120

FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.DOTALL | re.MULTILINE)
CODE_SPAN = re.compile(r"(`+)(?!`).+?(?<!`)\1(?!`)", re.DOTALL)
# [text](target) and ![alt](target), with an optional "title"; the text may span lines.
LINK = re.compile(r"(!?)\[([^\]]*)\]\(\s*<?([^)\s>]+)>?(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)")
EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//)", re.IGNORECASE)  # http:, https:, mailto:…


def pages() -> list[Path]:
    return [README, *sorted(DOCS.glob("*.md"))]


def links(page: Path) -> list[tuple[bool, str]]:
    """(is an image, target) of every inline link outside code in ``page``."""
    text = FENCE.sub("", page.read_text(encoding="utf-8"))
    text = CODE_SPAN.sub("", text)
    return [(bang == "!", target) for bang, _, target in LINK.findall(text)]


def local_targets(page: Path) -> list[tuple[str, Path]]:
    """(as written, resolved path) of each relative link in ``page``: external links and
    pure #anchors left out, #fragments and ?queries stripped."""
    found = []
    for _, target in links(page):
        if EXTERNAL.match(target) or target.startswith("#"):
            continue
        path = target.split("#", 1)[0].split("?", 1)[0]
        found.append((target, (page.parent / path).resolve()))
    return found


def test_the_pages_exist():
    assert README.is_file()
    assert pages()[1:], "docs/*.md holds no page"


@pytest.mark.parametrize("page", pages(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves(page):
    broken = [
        written
        for written, path in local_targets(page)
        if path != SCREENSHOT.resolve() and not path.exists()
    ]
    assert not broken, f"{page.relative_to(ROOT)}: broken links {broken}"


def test_readme_shows_the_screenshot():
    images = [t for image, t in links(README) if image]
    assert "docs/screenshot.png" in images


@pytest.mark.skipif(
    not (ROOT / "docs" / "screenshot.png").exists(), reason="screenshot not made yet"
)
def test_the_screenshot_exists():
    referenced = {path for _, path in local_targets(README)}
    assert SCREENSHOT.resolve() in referenced
    assert SCREENSHOT.is_file()
    assert SCREENSHOT.stat().st_size > 0


def test_readme_is_short_and_has_the_two_commands():
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= MAX_README_LINES
    assert "make run" in text
    assert "make test" in text


def test_readme_links_to_every_docs_page():
    linked = {path for _, path in local_targets(README)}
    missing = [p.name for p in sorted(DOCS.glob("*.md")) if p.resolve() not in linked]
    assert not missing, f"README.md does not link to docs/{missing}"
