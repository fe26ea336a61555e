"""The sources' own vocabulary, mined at ingest and stored in the build: every word with its
count, the short forms the documents define, and the initials of their frequent phrases.
Question understanding reads it to correct spelling towards the documents' words and to expand
short forms, so a user's added document gets the same treatment as the guidance.

Initials cover the short forms readers type but documents never define: a text about
"social workers" and "mental health" on every page has no "(SW)" or "(MH)" to mine, yet people
write "sws" and "MH". Every phrase of two to four content words is counted by its initials
("social workers" → "sws", with the plural's s); which of them a question may use is decided
when the question is read (``SpellingSettings``), so tuning needs no rebuild.

Names are the other case: a document may write "Multi Agency Public Protection Arrangements"
once, in capitals, and never "MAPPA", which is what people type. A run of three or more
capitalised words is a name, and its initials are kept when no other name has them."""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from pathlib import Path

from pydantic import BaseModel, Field

from guide_assistant.text import CONNECTIVES, STOPWORDS, abbreviations

FILE = "lexicon.json"
# A glossary line: "AMHP – Approved Mental Health Professional", "| LA | Local authority |",
# "ASYE: Assessed and Supported Year in Employment".
TERM_LINE = re.compile(
    r"^\s*(?:[-*+]\s+|\|\s*)?\**([A-Z][A-Za-z]{1,7}?)s?\**\s*(?:[|:–—=]|\s-\s)\s*([A-Za-z][^|\n]{3,120})"
)
ALPHA_WORD = re.compile(r"[A-Za-z]+")
# Phrases don't run across sentence or clause ends, brackets or list markup.
CLAUSE_END = re.compile(r"[.;:!?()\[\]|\n*]+")
PHRASE_WORDS = (2, 4)  # shortest and longest phrase whose initials are counted
PHRASES_KEPT = 3  # most frequent phrases kept per initials
PHRASE_MIN_COUNT = 2  # a phrase written once is nobody's short form
VERSION = 3  # 2: initials of phrases; 3: initials of names
NAME_WORDS = 3  # fewest capitalised words in a name whose initials are kept
# A name: capitalised words, hyphenated ones split ('Multi-Agency' gives M, A), with
# lower-case connectives between them ('Assessed and Supported Year in Employment').
NAME = re.compile(
    rf"\b[A-Z][a-z]+(?:[- ][A-Z][a-z]+|\s(?:{'|'.join(sorted(CONNECTIVES))})\s[A-Z][a-z]+)+"
)


class Lexicon(BaseModel):
    """Words of the sources (lower case, with counts) and short form → long form."""

    words: dict[str, int] = Field(default_factory=dict)
    glossary: dict[str, str] = Field(default_factory=dict)
    spelled: dict[str, int] = Field(
        default_factory=dict, description="How often each short form's long form is written."
    )
    initials: dict[str, dict[str, int]] = Field(
        default_factory=dict,
        description="Initials → the most frequent phrases with them, and how often each is "
        "written ('sws': {'social workers': 412}).",
    )
    names: dict[str, str] = Field(
        default_factory=dict,
        description="Initials → the one capitalised name with them ('mappa': 'multi agency "
        "public protection arrangements').",
    )
    version: int = Field(1, description="What was mined: older lexicons are mined again.")

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


def phrase_initials(texts: list[str]) -> dict[str, dict[str, int]]:
    """Initials of every phrase of content words, with its most frequent phrases."""
    phrases: Counter[str] = Counter()
    low, high = PHRASE_WORDS
    for text in texts:
        for clause in CLAUSE_END.split(text.lower()):
            run: list[str] = []
            for word in [*ALPHA_WORD.findall(clause), ""]:  # "" ends the last run
                if len(word) > 1 and word not in STOPWORDS:
                    run.append(word)
                    continue
                for n in range(low, min(high, len(run)) + 1):
                    phrases.update(" ".join(run[i : i + n]) for i in range(len(run) - n + 1))
                run = []
    by_initials: dict[str, Counter[str]] = defaultdict(Counter)
    for phrase, count in phrases.items():
        if count >= PHRASE_MIN_COUNT:
            parts = phrase.split()
            plural = "s" if parts[-1].endswith("s") and not parts[-1].endswith("ss") else ""
            by_initials["".join(p[0] for p in parts) + plural][phrase] = count
    return {i: dict(c.most_common(PHRASES_KEPT)) for i, c in by_initials.items()}


def name_initials(texts: list[str]) -> dict[str, str]:
    """Initials of the capitalised names of three or more words, where only one name has
    them; a name's first word may be a sentence's first word, so it needs the others."""
    found: dict[str, set[str]] = defaultdict(set)
    for text in texts:
        for match in NAME.finditer(text):
            # Two names joined by 'and' are matched as one run (the long forms of 'MAPPA and
            # MARAC'): each side of an 'and' may be a name.
            for name in {match.group(0), *match.group(0).split(" and ")}:
                parts = [w for w in re.split(r"[- ]", name) if w]
                while parts and parts[0].lower() in CONNECTIVES:
                    parts.pop(0)  # 'The Electronic Staff Record'
                content = [w for w in parts if w.lower() not in CONNECTIVES]
                if len(content) >= NAME_WORDS:
                    initials = "".join(w[0] for w in content).lower()
                    found[initials].add(" ".join(parts).lower())
    return {i: next(iter(n)) for i, n in found.items() if len(n) == 1}


def mine(texts: list[str]) -> Lexicon:
    """The lexicon of these document texts."""
    counts: Counter[str] = Counter()
    glossary: dict[str, str] = {}
    for text in texts:
        counts.update(w.lower() for w in ALPHA_WORD.findall(text))
        glossary = abbreviations(text) | defined_terms(text) | glossary
    lowered = [" ".join(t.lower().split()) for t in texts]
    spelled = {s: sum(t.count(long) for t in lowered) for s, long in glossary.items()}
    return Lexicon(
        words=dict(counts),
        glossary=glossary,
        spelled=spelled,
        initials=phrase_initials(texts),
        names=name_initials(texts),
        version=VERSION,
    )


def persist(lexicon: Lexicon, build_dir: Path) -> None:
    (build_dir / FILE).write_text(lexicon.model_dump_json())


def load(build_dir: Path, fallback_texts: list[str]) -> Lexicon:
    """The build's lexicon; a build older than the lexicon has it mined from its passages."""
    path = build_dir / FILE
    if path.exists():
        found = Lexicon.model_validate(json.loads(path.read_text()))
        if found.version >= VERSION:
            return found
    return mine(fallback_texts)
