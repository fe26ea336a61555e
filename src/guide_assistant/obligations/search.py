"""Search of the obligations register: BM25 (``bm25s``) over the same PyStemmer stems as the
passages (``text.content_stems``), with a relevance cut-off so a search returns only the rows
that match.

A row's topic tags, last section heading and text are three fields, each with its own BM25
index, summed with ``Settings.register_search.field_weights``: per-field length
normalisation, so tags and a long heading do not dilute a short duty's text (measured on
evals/obligations_search.jsonl and the golden set's duty questions).
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Iterable

import bm25s
import numpy as np

from guide_assistant.models import SECTION_SEP
from guide_assistant.obligations.register import Obligation
from guide_assistant.obligations.terms import phrases, stems
from guide_assistant.settings import Settings
from guide_assistant.text import STOPWORDS, content_stems, words

# Every row of the register is a duty, so words that only say "duty" match nothing useful.
FRAMING = frozenset(
    content_stems(
        "must need needs required requirement requirements duty duties obligation obligations "
        "place ensure"
    )
)


def fields(entry: Obligation) -> tuple[str, str, str]:
    """The texts a row is found by (one BM25 index each): topic tags, last section heading,
    lead-in and text."""
    heading = entry.section.split(SECTION_SEP)[-1]
    return " ".join(entry.topics), heading, f"{entry.lead_in} {entry.text}"


def _index(documents: list[list[str]]) -> bm25s.BM25 | None:
    if not any(documents):
        return None  # bm25s cannot index a field that is empty in every row
    index = bm25s.BM25()
    index.index(documents, show_progress=False)
    return index


class RegisterSearch:
    """Ranked search of a fixed list of entries; the BM25 statistics are worked out once, here."""

    def __init__(
        self, entries: list[Obligation], settings: Settings, glossary: dict[str, str] | None = None
    ) -> None:
        """``glossary`` maps short forms to what they stand for (``register.glossary``), so
        either spelling finds both."""
        self.entries = entries
        self.settings = settings
        self.phrases = phrases(glossary or {})
        tokens = [[stems(text, self.phrases) for text in fields(e)] for e in entries]
        # One index per field, as many as there are field weights (an empty field: None).
        fields_count = len(settings.register_search.field_weights)
        self.indices = [_index([row[f] for row in tokens]) for f in range(fields_count)]
        df = Counter(t for row in tokens for t in set().union(*row))
        common = self.settings.register_search.common_share * len(entries)
        self.common = frozenset(t for t, n in df.items() if n > common)
        self.vocabulary = sorted(
            {w for e in entries for text in fields(e) for w in words(text) if w.isalpha()}
        )
        self._known = set(self.vocabulary)

    def _mend(self, query: str) -> str:
        """The query with each unknown long word replaced by its closest register word."""
        t = self.settings.register_search
        out = []
        for word in words(query):
            # Typos ("supervison") are mended to the closest register word.
            unknown = word not in self._known and word not in STOPWORDS
            if unknown and len(word) >= t.fuzzy_min_length:
                close = difflib.get_close_matches(word, self.vocabulary, 1, t.fuzzy_cutoff)
                word = close[0] if close else word
            out.append(word)
        return " ".join(out)

    def terms(self, query: str) -> list[str]:
        """The query's distinct stems that are searched for: typos mended, framing words
        dropped, and words most rows contain ('social', 'work') dropped unless nothing else
        is left."""
        mended = stems(self._mend(query), self.phrases)
        terms = [t for t in dict.fromkeys(mended) if t not in FRAMING]
        return [t for t in terms if t not in self.common] or terms

    def scores(self, query: str) -> np.ndarray:
        """Weighted BM25 score of every entry for ``query`` (zeros when nothing matches)."""
        terms = self.terms(query)
        total = np.zeros(len(self.entries), dtype=np.float32)
        for weight, index in zip(
            self.settings.register_search.field_weights, self.indices, strict=True
        ):
            ids = index.get_tokens_ids(terms) if index and terms else []
            if index and ids:
                total += weight * np.asarray(index.get_scores_from_ids(ids), dtype=np.float32)
        return total

    def search(self, query: str, limit: int = 8) -> list[Obligation]:
        """Entries that match ``query``, best first: at most ``limit``, each scoring at least
        ``register_search.min_score`` and a share of the best score (``min_share``, or
        ``question_share`` for a query of ``question_words`` or more searched words)."""
        scores = self.scores(query)
        if not len(scores) or scores.max() <= 0:
            return []
        t = self.settings.register_search
        # A row relevant to a long question shares only some of its words; to two words, both.
        long = len(self.terms(query)) >= t.question_words
        share = t.question_share if long else t.min_share
        bar = max(t.min_score, share * float(scores.max()), 1e-9)
        order = np.argsort(-scores, kind="stable")  # ties keep reading order
        return [self.entries[i] for i in order[:limit] if scores[i] >= bar]


def search(
    entries: Iterable[Obligation],
    query: str,
    settings: Settings,
    glossary: dict[str, str],
    limit: int | None = None,
) -> list[Obligation]:
    """One-off search of some entries (the CLI and the web tab search a filtered subset);
    ``glossary`` is ``register.glossary``, read once by the caller."""
    rows = list(entries)
    return RegisterSearch(rows, settings, glossary).search(
        query, len(rows) if limit is None else limit
    )
