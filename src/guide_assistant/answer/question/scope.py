"""The scope stage: which documents a question is answered from, and why.

The policy (see README, "Your documents and the guidance"): a source the user chose wins; the
`guidance_only` setting or the "National guidance only" choice keeps to the editions; a
question that asks what *the guidance* says is answered from the editions first, and from the
user's documents only when the editions don't cover it (then it says so, and never quotes a
local sentence that itself claims what "the guidance" says); any other question searches
everything, with local documents quoted apart and labelled.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, Field

from guide_assistant.answer.question.questions import Question
from guide_assistant.index.store import LoadedIndex
from guide_assistant.settings import Settings

NATIONAL = "guidance"  # the pseudo source id meaning "the national guidance editions only"
# How people refer to a document besides its publisher: by its year and what it is.
DOCUMENT_NOUNS = r"(?:paper|papers|guidance|guide|document|doc|report|publication)"


class Scope(BaseModel):
    """The documents searched first, those searched when they don't cover it, and why."""

    sources: list[str] | None = Field(description="Source ids searched (None: every document).")
    fallback: list[str] | None = Field(
        None, description="Searched instead when the first search abstains (local documents)."
    )
    reason: str


class Scoper:
    """Knows which documents are the guidance and how questions refer to it."""

    def __init__(self, documents: list[dict[str, Any]], settings: Settings) -> None:
        self.settings = settings
        editions = [d for d in documents if d.get("kind", "corpus") == "corpus"]
        self.guidance = [d["source_id"] for d in editions]
        self.local = [d["source_id"] for d in documents if d.get("kind") == "user"]
        words = _alternation(settings.guidance_words)
        prefixes = _alternation([_prefix(sid) for sid in self.guidance])
        # A question may drop the article ("what does guidance say"); a document's sentence
        # speaks for the guidance with it ("The guidance requires…"), or by an edition's name
        # ("HEE expects…"), not when a NICE guideline says "this guidance covers…".
        self.asks = _words_pattern([words, prefixes])
        self.claims = _words_pattern([f"the (?:{words})" if words else "", prefixes])
        self.names = {
            d["source_id"]: pattern for d in editions if (pattern := _naming(d)) is not None
        }

    def named(self, question: Question) -> str | None:
        """The one edition a question names ('the TCSW paper', 'the 2014 paper', 'what does
        the College of Social Work say…'), if it names exactly one and doesn't ask across.
        Only this turn counts: a standalone question after one about a paper is not about it."""
        if question.across:
            return None
        found = [sid for sid, pattern in self.names.items() if pattern.search(question.said)]
        return found[0] if len(found) == 1 else None

    def asks_about_guidance(self, question: str) -> bool:
        """True when a question refers to the guidance ('what does the guidance require…')."""
        return bool(self.asks and self.asks.search(question))

    def speaks_for_guidance(self, text: str) -> bool:
        """True when a local document's ``text`` claims what the guidance says ('The guidance
        requires…'): a claim the editions must back, not the document."""
        return bool(self.claims and self.claims.search(text))

    def guidance_claims(self, index: LoadedIndex) -> frozenset[int]:
        """Sentence rows of local documents that claim what "the guidance" says: never the
        answer to a question about the guidance (the editions must say it themselves)."""
        local = set(self.local)
        source_of = {p.id: p.source_id for p in index.passages}
        return frozenset(
            row
            for row, s in enumerate(index.sentences)
            if source_of[s.passage_id] in local and self.speaks_for_guidance(s.text)
        )

    def decide(self, question: Question, chosen: list[str] | None = None) -> Scope:
        """The scope stage: the documents to answer ``question`` from, with the reason."""
        chosen = [s for s in chosen or [] if s]
        if chosen and chosen != [NATIONAL]:
            expanded = [x for s in chosen for x in (self.guidance if s == NATIONAL else [s])]
            return Scope(sources=expanded, reason="the sources chosen")
        if named := self.named(question):  # one edition: narrower than any choice above
            return Scope(sources=[named], reason=f"the question names one document: {named}")
        if not self.local:
            return Scope(sources=None, reason="every document (all are guidance editions)")
        if chosen or self.settings.guidance_only:
            return Scope(sources=self.guidance, reason="the national guidance only, as asked")
        if self.asks_about_guidance(question.query):
            return Scope(
                sources=self.guidance,
                fallback=self.local,
                reason="the question asks what the guidance says: the guidance editions first",
            )
        return Scope(sources=None, reason="every document; local documents are quoted apart")


def _alternation(words: list[str]) -> str:
    """A regex alternation of ``words``, longest first ('' for none)."""
    return "|".join(sorted({re.escape(w) for w in words if w}, key=len, reverse=True))


def _words_pattern(parts: list[str]) -> re.Pattern[str] | None:
    """Whole-word, case-blind pattern for any of ``parts`` (None when all are empty)."""
    joined = "|".join(p for p in parts if p)
    return re.compile(rf"\b(?:{joined})\b", re.IGNORECASE) if joined else None


def _naming(document: dict[str, Any]) -> re.Pattern[str] | None:
    """How a question names an edition: its source id's prefix ('hee', 'tcsw'), its
    publisher's name ('College of Social Work'), or its year with what it is ('the 2014
    paper'), all from the manifest."""
    publisher = re.sub(r"\s*\(.*", "", document.get("publisher") or "")
    publisher = re.sub(r"^the\s+", "", publisher.strip(), flags=re.IGNORECASE)
    year = document.get("year") or ""
    parts = [
        re.escape(_prefix(document["source_id"])),
        r"\s+".join(map(re.escape, publisher.split())) if publisher else "",
        rf"{re.escape(year)}\s+{DOCUMENT_NOUNS}" if year else "",
    ]
    return _words_pattern(parts)


def _prefix(source_id: str) -> str:
    """An edition's short name, its source id's first part ('hee' of 'hee-2020-guidance')."""
    return source_id.split("-")[0]
