"""The corpus: curated Markdown editions, the sources manifest, and users' own documents.

A document here is its full text plus the heading structure found in it; every offset
elsewhere in the pipeline points into ``LoadedDocument.text``, so citations stay verbatim.
"""

from __future__ import annotations

import hashlib
import re
import time
import tomllib
from collections.abc import Callable
from pathlib import Path

import yaml
from pydantic import BaseModel

from guide_assistant.ingest import hidden, readers
from guide_assistant.models import Resource, Section, SourceDocument
from guide_assistant.settings import Settings

SOURCES_FILE = "sources.toml"
HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$", re.MULTILINE)
FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.DOTALL)
USER_SUFFIXES = {".pdf", ".html", ".htm", ".md", ".markdown", ".txt"}


class LoadedDocument(BaseModel):
    """A document's metadata, full text and sections (offsets into ``text``)."""

    meta: SourceDocument
    text: str
    sections: list[Section]
    hidden: list[str] = []  # text dropped at reading because a reader can't see it


class DocumentProblem(BaseModel):
    """A user file that could not be read, and why (shown to the user by name)."""

    path: str
    reason: str


def parse_front_matter(text: str) -> tuple[dict, int]:
    """Return the YAML front matter as a dict and the offset where the body starts."""
    match = FRONT_MATTER.match(text)
    if not match:
        return {}, 0
    meta = yaml.safe_load(match.group(1)) or {}
    if not isinstance(meta, dict):
        raise ValueError("front matter is not a mapping")
    return meta, match.end()


def parse_sections(text: str, source_id: str, title: str, body_start: int = 0) -> list[Section]:
    """Split ``text`` at ATX headings; each section's path is its chain of parent headings.

    Text before the first heading becomes a section named after the document itself.
    """
    sections: list[Section] = []
    stack: list[tuple[int, str]] = []
    headings = [m for m in HEADING.finditer(text) if m.start() >= body_start]
    first = headings[0].start() if headings else len(text)
    if text[body_start:first].strip():
        sections.append(Section(source_id=source_id, path=[title], start=body_start, end=first))
    for i, match in enumerate(headings):
        level = len(match.group(1))
        name = match.group(2).strip()
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, name))
        end = headings[i + 1].start() if i + 1 < len(headings) else len(text)
        start = min(match.end() + 1, end)
        sections.append(
            Section(
                source_id=source_id,
                path=[n for _, n in stack],
                start=start,
                end=end,
                heading_start=match.start(2),
                heading_end=match.start(2) + len(match.group(2).rstrip()),
            )
        )
    return sections


def load_manifest(corpus_dir: Path) -> dict:
    """Read ``sources.toml``: the corpus documents and the outside resources they link."""
    with open(corpus_dir / SOURCES_FILE, "rb") as fh:
        return tomllib.load(fh)


def load_resources(corpus_dir: Path) -> list[Resource]:
    """The NICE (and other) resources the guidance links, from the manifest."""
    manifest = load_manifest(corpus_dir)
    return [
        Resource(**{k: v for k, v in entry.items() if k in Resource.model_fields})
        for entry in manifest.get("resources", [])
    ]


def load_edition(path: Path) -> LoadedDocument:
    """Load one curated edition (front matter + Markdown body)."""
    text = path.read_text(encoding="utf-8")
    meta, body_start = parse_front_matter(text)
    doc = SourceDocument(
        source_id=meta["source_id"],
        title=meta["title"],
        publisher=meta.get("publisher"),
        year=str(meta["year"]) if meta.get("year") else None,
        url=meta.get("url"),
        path=str(path),
        kind="corpus",
        date=str(meta["date"]) if meta.get("date") else None,
    )
    return LoadedDocument(
        meta=doc, text=text, sections=parse_sections(text, doc.source_id, doc.title, body_start)
    )


def user_source_id(path: Path) -> str:
    """A stable id for a user's file, from its name (unique enough within one folder)."""
    slug = re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-") or "document"
    return f"user-{slug}"


def user_files(user_dir: Path) -> list[Path]:
    """The user's documents, in a stable order; hidden files and unknown kinds are skipped."""
    if not user_dir.is_dir():
        return []
    return sorted(
        p
        for p in user_dir.rglob("*")
        if p.is_file()
        and not p.name.startswith(".")
        and p.suffix.lower() in USER_SUFFIXES
        and p.relative_to(user_dir) != Path("README.md")  # the folder's own instructions
    )


def load_user_document(path: Path, max_bytes: int = readers.MAX_BYTES) -> LoadedDocument:
    """Read a user's PDF, HTML, Markdown or text file; raises ``readers.ReadError``."""
    title, text, dropped = readers.read_file(path, max_bytes)
    try:
        meta, body_start = parse_front_matter(text)
        source_id = user_source_id(path)
        title = str(meta.get("title") or title)
        doc = SourceDocument(
            source_id=source_id,
            title=title,
            url=meta.get("url"),
            path=str(path),
            kind="user",
            file_name=path.name,
            modified=time.strftime("%Y-%m-%d", time.localtime(path.stat().st_mtime)),
        )
    except (yaml.YAMLError, ValueError) as exc:  # pydantic's ValidationError is a ValueError
        raise readers.ReadError(f"bad front matter ({type(exc).__name__})") from None
    sections = parse_sections(text, source_id, title, body_start)
    return LoadedDocument(meta=doc, text=text, sections=sections, hidden=hidden.describe(dropped))


def load_corpus(
    settings: Settings, progress: Callable[[int], object] | None = None
) -> tuple[list[LoadedDocument], list[DocumentProblem]]:
    """All documents to index: the editions, then the user's files that can be read
    (``progress(1)`` after each file)."""
    tick = progress or (lambda n: None)
    manifest = load_manifest(settings.corpus_dir)
    docs = [load_edition(settings.corpus_dir / d["file"]) for d in manifest["documents"]]
    tick(len(docs))
    problems: list[DocumentProblem] = []
    seen = {d.meta.source_id for d in docs}
    for path in user_files(settings.user_docs_dir):
        tick(1)
        try:
            doc = load_user_document(path, settings.max_file_mb * 1024 * 1024)
            too_slow(doc, settings)
        except readers.ReadError as exc:
            problems.append(DocumentProblem(path=str(path), reason=str(exc)))
            continue
        if doc.meta.source_id in seen:
            problems.append(
                DocumentProblem(path=str(path), reason="another file already has this name")
            )
            continue
        seen.add(doc.meta.source_id)
        docs.append(doc)
    return docs, problems


def estimate_seconds(chars: int, settings: Settings) -> float:
    """How long indexing ``chars`` characters of text takes here, by the measured rate."""
    return chars / settings.ingest_chars_per_second


def minutes(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min"


def too_slow(doc: LoadedDocument, settings: Settings) -> None:
    """Refuse, before any embedding, a document that would take longer than the limit."""
    limit = settings.max_document_minutes
    seconds = estimate_seconds(len(doc.text), settings)
    if limit is not None and seconds > limit * 60:
        raise readers.ReadError(
            f"too long to index here: about {minutes(seconds)} for its "
            f"{len(doc.text) / 1000:,.0f} k characters at {settings.ingest_chars_per_second:g} "
            f"characters/s, over the {limit:g} min limit (max_document_minutes); split it, "
            "or raise the limit"
        )


def input_files(settings: Settings) -> list[Path]:
    """Every file whose content decides what the index holds."""
    manifest_path = settings.corpus_dir / SOURCES_FILE
    manifest = load_manifest(settings.corpus_dir)
    editions = [settings.corpus_dir / d["file"] for d in manifest["documents"]]
    return [manifest_path, *editions, *user_files(settings.user_docs_dir)]


def fingerprint_files(paths: list[Path]) -> dict[str, str]:
    """sha256 of each file, keyed by its path (cheap: no parsing, no model)."""
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}
