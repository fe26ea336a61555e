"""Spelling normalised towards the sources' own words, so "supervison", "organizational" and
"hrs" search like the documents' "supervision", "organisational" and "hours".

A word is only changed when the sources don't use it. Then, in order:
- a British/American variant of it that the sources use ("program" → "programme");
- a common English short form ("hrs", "yr");
- the phrase of the sources whose initials it is ("sws" → "social workers", "MH" → "mental
  health"), when that phrase is frequent and the only likely one (``Lexicon.initials``);
- for a word the sources don't use, the one capitalised name whose initials it is ("MAPPA"
  → "multi agency public protection arrangements", ``Lexicon.names``);
- the sources' nearest word by edit distance (rapidfuzz), unless the word is a whole word of
  the embedding model's vocabulary: "salary" or "parking" are real words the sources don't
  use, and must stay as they are so the abstain stage sees them.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, Field

from guide_assistant.answer.question import everyday
from guide_assistant.ingest.lexicon import Lexicon
from guide_assistant.settings import SpellingSettings
from guide_assistant.text import STOPWORDS, content_stems

# Regular American/British spelling differences: (letters before, American, British, ending).
# Each is tried both ways, so either spelling finds the one the sources use.
SPELLINGS: list[tuple[str, str, str, str]] = [
    ("", "iz", "is", "(e|es|ed|ing|ation|ations|ational|er|ers)"),
    ("", "yz", "ys", "(e|es|ed|ing)"),
    ("", "or", "our", "(s|ed|ing|ful|al|ally|able)?"),
    ("[^aeiou]", "er", "re", "(s)?"),
    ("", "ense", "ence", "(s|d)?"),
    ("", "og", "ogue", "(s)?"),
    ("", "gram", "gramme", "(s)?"),
    ("[aeiou]", "l", "ll", "(ed|ing|er|ers)"),
    ("", "dgment", "dgement", "(s)?"),
    ("", "ill", "il", "(s|ment|ments)?"),
]
VARIANTS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(f"({before}){spelled}{ending}$"), rf"\g<1>{other}\g<2>")
    for before, us, uk, ending in SPELLINGS
    for spelled, other in ((us, uk), (uk, us))
]
# Short forms of ordinary English that people type ("hr" is left alone: it is also HR).
SHORTHAND = {
    "hrs": "hours",
    "yr": "year",
    "yrs": "years",
    "wk": "week",
    "wks": "weeks",
    "mins": "minutes",
    "mth": "month",
    "mths": "months",
    "govt": "government",
    "dept": "department",
    "org": "organisation",
    "orgs": "organisations",
    "info": "information",
    "approx": "approximately",
    "ur": "your",
    "pls": "please",
    "mgr": "manager",
    "doc": "document",
    "docs": "documents",
    "ppl": "people",
    "esp": "especially",
    "thx": "thanks",
    "abt": "about",
    "bc": "because",
}
TOKEN = re.compile(r"[A-Za-z]+")


class Corrected(BaseModel):
    """A text with its spelling normalised, and what was changed."""

    text: str
    changes: dict[str, str] = Field(default_factory=dict, description="typed → used")


class Speller:
    """Normalises words towards one lexicon; ``known`` are real words to leave alone."""

    def __init__(self, lexicon: Lexicon, known: set[str], settings: SpellingSettings) -> None:
        self.words = lexicon.words
        self.initials = lexicon.initials
        self.names = lexicon.names
        self.vocabulary = list(lexicon.words)
        # An inflection of a word the sources use ("supervises", "CMHTs") is not a typo.
        self.stems = set(content_stems(" ".join(self.vocabulary)))
        self.known = known
        self.settings = settings
        self.cache: dict[str, str | None] = {}

    def correct(self, text: str) -> Corrected:
        changes: dict[str, str] = {}

        def replace(match: re.Match[str]) -> str:
            word = match.group(0)
            fixed = self.word(word.lower())
            if fixed is None:
                return word
            changes[word] = fixed
            return fixed

        return Corrected(text=TOKEN.sub(replace, text), changes=changes)

    def word(self, word: str) -> str | None:
        """The sources' form of ``word``, or None to leave it as typed."""
        if word not in self.cache:
            self.cache[word] = self._lookup(word)
        return self.cache[word]

    def _lookup(self, word: str) -> str | None:
        if word in SHORTHAND:
            return SHORTHAND[word]
        if word in STOPWORDS:
            return None
        if (phrase := self._phrase(word)) is not None:
            return phrase
        if word in self.words or self._plural_of_known(word):
            return None
        if word in self.names and everyday.zipf(word) < self.settings.initials_max_zipf:
            return self.names[word]
        if len(word) < self.settings.min_length or set(content_stems(word)) <= self.stems:
            return None
        for pattern, replacement in VARIANTS:
            variant = pattern.sub(replacement, word)
            if variant != word and variant in self.words:
                return variant
        return None if word in self.known else self._nearest(word)

    def _phrase(self, word: str) -> str | None:
        """The sources' frequent phrase that ``word`` is the initials of, if only one fits and
        the sources write it out more often than they use ``word`` (a table's "MH" aside)."""
        s = self.settings
        phrases = self.initials.get(word)
        if not phrases or everyday.zipf(word) >= s.initials_max_zipf:
            return None
        phrase, count = max(phrases.items(), key=lambda p: p[1])
        if count < s.initials_min_count or count < s.initials_share * sum(phrases.values()):
            return None
        return phrase if count > self.words.get(word, 0) else None

    def _plural_of_known(self, word: str) -> bool:
        """'CMHT' for the sources' 'CMHTs' (the stemmer keeps an s after consonants only)."""
        return word + "s" in self.words or (word.endswith("s") and word[:-1] in self.words)

    def _nearest(self, word: str) -> str | None:
        from rapidfuzz import process
        from rapidfuzz.distance import OSA

        edits = 1 if len(word) < self.settings.two_edits_from else 2
        found = process.extract(
            word, self.vocabulary, scorer=OSA.distance, score_cutoff=edits, limit=8
        )
        if not found:
            return None
        # The fewest edits wins; among equals, the word the sources use most.
        best = min(found, key=lambda f: (f[1], -self.words[f[0]]))
        return str(best[0])


def model_words(vocabulary: dict[str, int]) -> set[str]:
    """The whole words of a tokenizer's vocabulary (WordPiece pieces and symbols left out)."""
    return {w for w in vocabulary if w.isalpha() and w.islower()}
