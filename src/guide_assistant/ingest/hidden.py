"""Text a reader of the file can't see is not read: a planted instruction hides there.

- HTML: comments, ``<script>``/``<style>``/``<template>``, elements with ``hidden``,
  ``aria-hidden="true"``, or an inline style of ``display:none``, ``visibility:hidden``, a zero
  font size, zero width/height with overflow hidden, or zero opacity.
- Markdown and text: HTML comments (``<!-- … -->``), which Markdown renderers never show.
- PDF: text drawn invisibly (render mode 3), in white, at a zero size, or off the page.

Each reader returns what it dropped as ``Hidden`` counts, reported per file at ingest.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

HIDING_STYLE = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0(?:\.0+)?(?:px|pt|em|rem|%)?\s*(?:;|$)"
    r"|opacity\s*:\s*0(?:\.0+)?\s*(?:;|$)|(?:width|height)\s*:\s*0(?:px)?\s*;.*overflow\s*:\s*hidden",
    re.IGNORECASE,
)
MARKUP_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
Hidden = Counter[str]  # what was dropped → how many


def strip_comments(text: str) -> tuple[str, Hidden]:
    """Markdown/text without its HTML comments (each replaced by nothing)."""
    found = MARKUP_COMMENT.findall(text)
    dropped: Hidden = Counter()
    if found:
        dropped["HTML comment"] = len(found)
        text = MARKUP_COMMENT.sub("", text)
    return text, dropped


def clean_html(soup: Any) -> Hidden:
    """Remove, in place, what a browser would not show; count it by kind."""
    from bs4 import Comment

    dropped: Hidden = Counter()
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        if comment.strip():
            dropped["HTML comment"] += 1
        comment.extract()
    for tag in soup(["script", "style", "template"]):
        if tag.get_text(strip=True):
            dropped[f"<{tag.name}> element"] += 1
        tag.decompose()
    for tag in soup.find_all(True):
        if tag.decomposed:  # inside an element already removed
            continue
        why = _hides(tag)
        if why:
            if tag.get_text(strip=True):
                dropped[why] += 1
            tag.decompose()
    return dropped


def _hides(tag: Any) -> str | None:
    if tag.attrs is None:
        return None
    if tag.has_attr("hidden"):
        return "element marked hidden"
    if str(tag.get("aria-hidden", "")).lower() == "true":
        return "element marked aria-hidden"
    match = HIDING_STYLE.search(str(tag.get("style", "")))
    if match:
        rule = re.sub(r"\s+", "", match.group(0).split(";")[0]).lower()
        return f"element styled {rule}"
    return None


class PdfVisibility:
    """Tracks a page's fill colour and text render mode while pypdf extracts text, and
    keeps only what is drawn visibly on the page."""

    def __init__(self, page: Any) -> None:
        box = page.mediabox
        self.box = (float(box.left), float(box.bottom), float(box.right), float(box.top))
        self.white = False
        self.invisible = False
        self.kept: list[str] = []
        self.dropped: Hidden = Counter()

    def operand(self, op: bytes, args: list[Any], cm: Any, tm: Any) -> None:
        if op == b"Tr" and args:
            self.invisible = int(args[0]) == 3
        elif op in (b"g", b"rg", b"k", b"sc", b"scn") and args:
            values = [float(a) for a in args if isinstance(a, int | float)]
            if op == b"k":
                self.white = len(values) == 4 and all(v == 0 for v in values)
            else:
                self.white = bool(values) and all(v >= 0.99 for v in values)

    def text(self, text: str, cm: Any, tm: Any, font: Any, size: float) -> None:
        if not text:
            return
        if not text.strip():
            self.kept.append(text)
            return
        why = self._why_hidden(cm, tm, size)
        if why:
            self.dropped[why] += 1
        else:
            self.kept.append(text)

    def _why_hidden(self, cm: Any, tm: Any, size: float) -> str | None:
        if self.invisible:
            return "PDF text drawn invisibly"
        if self.white:
            return "PDF text in white"
        scale = abs(float(tm[0]) * float(cm[0])) or abs(float(tm[3]) * float(cm[3]))
        if size * (scale or 1.0) < 0.5:
            return "PDF text at zero size"
        x = float(tm[4]) * float(cm[0]) + float(cm[4])
        y = float(tm[5]) * float(cm[3]) + float(cm[5])
        left, bottom, right, top = self.box
        if not (left - 1 <= x <= right + 1 and bottom - 1 <= y <= top + 1):
            return "PDF text off the page"
        return None


def describe(dropped: Hidden) -> list[str]:
    """'HTML comment (3)'-style lines for the ingest report."""
    return [f"{kind} ({n})" for kind, n in sorted(dropped.items())]
