"""Read users' files (PDF, HTML, Markdown, text) into Markdown-ish text with a title.

HTML headings become ATX headings so sections survive; PDFs have none to give. Text a reader
can't see (``hidden.py``) is dropped here, and counted for the ingest report.
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from guide_assistant.ingest import hidden

MAX_BYTES = 50 * 1024 * 1024  # the default of the max_file_mb setting
log = logging.getLogger(__name__)


@contextmanager
def _pypdf_through_logging(path: Path) -> Iterator[None]:
    """pypdf's own complaints about a damaged file ("incorrect startxref pointer") go to
    this module's logger at INFO, not to the terminal: with no logging configured, Python
    prints a library's warnings to stderr, between the ingest's progress lines. The file
    itself is judged by whether its text can be read."""
    heard: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            heard.append(record.getMessage())

    pypdf_log = logging.getLogger("pypdf")
    handler, propagate = Collect(), pypdf_log.propagate
    pypdf_log.addHandler(handler)
    pypdf_log.propagate = False
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield
    finally:
        pypdf_log.removeHandler(handler)
        pypdf_log.propagate = propagate
        for message in heard + [str(w.message) for w in caught]:
            log.info("pypdf on %s: %s", path.name, message)


class ReadError(Exception):
    """A file that cannot be ingested; the message says why, in words for a user."""


def _decode(data: bytes) -> str:
    if not data.strip():
        raise ReadError("the file is empty")
    if b"\x00" in data[:4096]:
        raise ReadError("the file looks binary, not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ReadError(f"not valid UTF-8 text (bad byte at position {exc.start})") from None
    printable = sum(ch.isprintable() or ch.isspace() for ch in text)
    if printable < 0.95 * len(text):
        raise ReadError("the file is mostly unprintable characters")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _title_from_text(text: str, fallback: str) -> str:
    for line in text.splitlines():
        line = line.strip().lstrip("#").strip()
        if line:
            return line[:120]
    return fallback


Read = tuple[str, str, hidden.Hidden]  # title, text, what was dropped as hidden


def _page_text(page: object, dropped: hidden.Hidden) -> str:
    """A page's text; where some of it is drawn hidden, only what is drawn visibly."""
    seen = hidden.PdfVisibility(page)
    text = page.extract_text(  # type: ignore[attr-defined]
        visitor_operand_before=seen.operand, visitor_text=seen.text
    )
    if not seen.dropped:
        return text or ""
    dropped.update(seen.dropped)
    return "".join(seen.kept)


def _read_pdf(path: Path) -> Read:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    dropped: hidden.Hidden = hidden.Counter()
    try:
        with _pypdf_through_logging(path):
            reader = PdfReader(str(path))
            pages = [_page_text(page, dropped) for page in reader.pages]
            meta_title = reader.metadata.get("/Title") if reader.metadata else None
    except (PdfReadError, ValueError, KeyError, OSError, TypeError) as exc:
        raise ReadError(f"not a readable PDF ({type(exc).__name__}: {exc})") from None
    text = "\n\n".join(p.strip() for p in pages if p.strip())
    if not text.strip():
        raise ReadError("the PDF has no extractable text (scanned images?)")
    return str(meta_title or _title_from_text(text, path.stem)), text + "\n", dropped


def _read_html(path: Path) -> Read:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(_decode(path.read_bytes()), "html.parser")
    dropped = hidden.clean_html(soup)
    for tag in soup(["nav", "header", "footer", "noscript"]):
        tag.decompose()
    lines: list[str] = []
    for el in soup.find_all(["h1", "h2", "h3", "h4", "p", "li", "td"]):
        text = re.sub(r"\s+", " ", el.get_text(" ", strip=True)).strip()
        if not text or (el.find_parent(["li", "td"]) and el.name == "p"):
            continue
        if el.name.startswith("h"):
            lines.append(f"\n{'#' * int(el.name[1])} {text}\n")
        elif el.name == "li":
            lines.append(f"- {text}")
        else:
            lines.append(f"{text}\n")
    body = "\n".join(lines).strip()
    if not body:
        raise ReadError("the HTML page has no text")
    title = soup.title.get_text(strip=True) if soup.title else ""
    return title or _title_from_text(body, path.stem), body + "\n", dropped


def read_file(path: Path, max_bytes: int = MAX_BYTES) -> Read:
    """Return ``(title, text, hidden)`` for a user's file, or raise ``ReadError`` saying why
    not; ``hidden`` counts the text dropped because a reader of the file can't see it."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ReadError(f"cannot be opened ({exc.strerror})") from None
    if size == 0:
        raise ReadError("the file is empty")
    if size > max_bytes:
        raise ReadError(f"larger than {max_bytes / (1024 * 1024):g} MB (max_file_mb)")
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return _read_pdf(path)
    if suffix in {".html", ".htm"}:
        return _read_html(path)
    text, dropped = hidden.strip_comments(_decode(path.read_bytes()))
    if not text.strip():
        raise ReadError("the file has no visible text")
    text = text if text.endswith("\n") else text + "\n"
    return _title_from_text(text, path.stem), text, dropped
