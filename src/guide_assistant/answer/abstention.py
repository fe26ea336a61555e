"""When to say "the guidance doesn't cover this": three signals, thresholds from Settings.

- relevance: the best sentence's score (meaning, shared words, passage fit);
- unknown share: the share of the query's words that the corpus never uses ('lorazepam');
- coverage: whether the answer chosen contains any of the question's distinctive words (those
  rarer than ``COMMON_SHARE`` of sentences: 'salary', 'parking', not 'social' or 'trust').

Calibrated on the golden set with ``benchmarks/calibrate_abstention.py``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from guide_assistant.settings import Settings
from guide_assistant.text import content_stems

COMMON_SHARE = 0.03


@dataclass
class Signals:
    relevance: float
    unknown_share: float
    coverage: float


class Abstention:
    """Holds the corpus vocabulary; turns a question and its draft answer into a decision."""

    def __init__(self, settings: Settings, sentence_stems: list[set[str]], extra: list[str]):
        self.settings = settings
        self.stems = sentence_stems
        self.vocabulary = set().union(*sentence_stems, *(content_stems(t) for t in extra))
        self.frequency = Counter(w for stems in sentence_stems for w in stems)
        self.common = COMMON_SHARE * len(sentence_stems)

    def signals(self, question: str, query: str, relevance: float, rows: list[int]) -> Signals:
        stems = content_stems(query)
        unknown = sum(w not in self.vocabulary for w in stems) / max(len(stems), 1)
        distinctive = [w for w in content_stems(question) if self.frequency[w] < self.common]
        said = set().union(*(self.stems[r] for r in rows)) if rows else set()
        coverage = sum(w in said for w in distinctive) / len(distinctive) if distinctive else 1.0
        return Signals(relevance, unknown, coverage)

    def abstain(self, s: Signals) -> bool:
        t = self.settings
        return (
            s.relevance < t.abstain_threshold
            or (
                s.unknown_share >= t.abstain_unknown_share
                and s.relevance < t.abstain_unknown_threshold
            )
            or (s.coverage == 0 and s.relevance < t.abstain_uncovered_threshold)
        )
