"""The sources' own vocabulary, mined at ingest and stored in the build: every word with its
count, and the short forms the documents define. Question understanding reads it to correct
spelling towards the documents' words and to expand short forms, so a user's added document
gets the same treatment as the guidance."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

from pydantic import BaseModel, Field

from guide_assistant.text import CONNECTIVES, abbreviations

FILE = "lexicon.json"
# A glossary line: "AMHP – Approved Mental Health Professional", "| LA | Local authority |",
# "ASYE: Assessed and Supported Year in Employment".
TERM_LINE = re.compile(
    r"^\s*(?:[-*+]\s+|\|\s*)?\**([A-Z][A-Za-z]{1,7}?)s?\**\s*(?:[|:–—=]|\s-\s)\s*([A-Za-z][^|\n]{3,120})"
)
ALPHA_WORD = re.compile(r"[A-Za-z]+")


class Lexicon(BaseModel):
    """Words of the sources (lower case, with counts) and short form → long form."""

    words: dict[str, int] = Field(default_factory=dict)
    glossary: dict[str, str] = Field(default_factory=dict)
    spelled: dict[str, int] = Field(
        default_factory=dict, description="How often each short form's long form is written."
    )

    def prefers_long(self, short: str) -> bool:
        """Whether the sources write this short form out more often than they abbreviate it."""
        return self.spelled.get(short, 0) > self.words.get(short, 0)


def defined_terms(text: str) -> dict[str, str]:
    """Short forms a document's list or table of terms defines, when the initials of the
    words after the short form spell it (connectives skipped)."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        match = TERM_LINE.match(line)
        if not match:
            continue
        short, rest = match.group(1).lower(), match.group(2)
        content = [w for w in ALPHA_WORD.finditer(rest) if w.group(0).lower() not in CONNECTIVES]
        chosen = content[: len(short)]
        if len(chosen) == len(short) and "".join(w.group(0)[0].lower() for w in chosen) == short:
            long = rest[chosen[0].start() : chosen[-1].end()]
            found.setdefault(short, " ".join(long.split()).lower())
    return found


def mine(texts: list[str]) -> Lexicon:
    """The lexicon of these document texts."""
    counts: Counter[str] = Counter()
    glossary: dict[str, str] = {}
    for text in texts:
        counts.update(w.lower() for w in ALPHA_WORD.findall(text))
        glossary = abbreviations(text) | defined_terms(text) | glossary
    lowered = [" ".join(t.lower().split()) for t in texts]
    spelled = {s: sum(t.count(long) for t in lowered) for s, long in glossary.items()}
    return Lexicon(words=dict(counts), glossary=glossary, spelled=spelled)


def persist(lexicon: Lexicon, build_dir: Path) -> None:
    (build_dir / FILE).write_text(lexicon.model_dump_json())


def load(build_dir: Path, fallback_texts: list[str]) -> Lexicon:
    """The build's lexicon; a build older than the lexicon has it mined from its passages."""
    path = build_dir / FILE
    if path.exists():
        return Lexicon.model_validate(json.loads(path.read_text()))
    return mine(fallback_texts)
