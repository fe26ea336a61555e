"""The order an answer's candidate sentences are considered in: a logistic model over general
features of a sentence and its passage, fitted on ``evals/dev.jsonl`` by
``benchmarks/fit_ranker.py`` and stored with its coefficients in ``ranker.json``.

None of the features is a word of the corpus: they are similarities, overlaps, ranks and
shapes, so the same model ranks the sentences of a user's added document. The hand-weighted
score (``Settings.scoring``) stays the abstain stage's relevance; this model only orders.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from importlib import resources

import numpy as np
from pydantic import BaseModel, Field

from guide_assistant.answer.question.answer_types import Wanted, holds
from guide_assistant.models import Passage, Sentence
from guide_assistant.text import content_stems, word_count

FEATURES = (
    "meaning",  # cosine of the sentence to the question
    "passage",  # cosine of its passage to the question
    "shared_words",  # share of the question's words the sentence uses
    "rare_words",  # the same, each word weighted by how rare it is in the sources
    "heading_words",  # share of the question's words in the passage's headings
    "hit_rank",  # the passage's rank among the hits, 0 first
    "fused",  # the passage's reciprocal-rank-fusion score, relative to the best
    "position",  # where in its passage the sentence stands, 0 first, 1 last
    "is_heading",
    "is_item",
    "lead_in",  # ends with ':' (opens a list)
    "type_fit",  # gives the kind of answer asked for (1 when the question asks no kind)
    "log_words",  # length in words, log
)
RANKER_FILE = "ranker.json"


class SentenceRanker(BaseModel):
    """A fitted logistic model: feature names, their weights, and how it was fitted."""

    features: list[str]
    weights: list[float]
    bias: float
    means: list[float] = Field(description="Feature means the weights were fitted on.")
    scales: list[float] = Field(description="Feature standard deviations, likewise.")
    fitted_on: str = Field(description="The split and item count it was fitted on.")
    description: str = ""

    def score(self, features: np.ndarray) -> np.ndarray:
        z = (features - np.asarray(self.means)) / np.asarray(self.scales)
        return z @ np.asarray(self.weights) + self.bias


def load_ranker() -> SentenceRanker | None:
    """The packaged ranker, or None before one has been fitted."""
    path = resources.files("guide_assistant.answer.compose").joinpath(RANKER_FILE)
    if not path.is_file():
        return None
    ranker = SentenceRanker.model_validate(json.loads(path.read_text()))
    if tuple(ranker.features) != FEATURES:
        return None  # fitted for other features: refit with benchmarks/fit_ranker.py
    return ranker


class FeatureTable:
    """What the features need from the index: stems, word rarity, heading words."""

    def __init__(self, sentences: list[Sentence], passages: list[Passage]) -> None:
        self.stems = [set(content_stems(s.text)) for s in sentences]
        counts = Counter(w for stems in self.stems for w in stems)
        total = max(len(sentences), 1)
        self.rarity = {w: math.log(total / n) for w, n in counts.items()}
        self.default_rarity = math.log(total)
        self.headings = {p.id: set(content_stems(" ".join(p.section))) for p in passages}

    def weights(self, query: set[str]) -> dict[str, float]:
        """How rare each of the question's words is: computed once per question."""
        return {w: self.rarity.get(w, self.default_rarity) for w in query}

    def rare_share(self, weights: dict[str, float], row: int) -> float:
        total = sum(weights.values()) or 1.0
        return sum(v for w, v in weights.items() if w in self.stems[row]) / total

    def row(
        self,
        query: set[str],
        weights: dict[str, float],
        want: Wanted,
        sentence: Sentence,
        row: int,
        place: tuple[int, int],
        hit: tuple[int, float, float, float],
        meaning: float,
    ) -> list[float]:
        """One sentence's features; ``place`` is (index in passage, sentences in passage) and
        ``hit`` is (rank, fused score, best fused score, passage cosine); ``weights`` are
        ``weights(query)``."""
        rank, fused, best, similarity = hit
        n = max(len(query), 1)
        return [
            meaning,
            similarity,
            len(query & self.stems[row]) / n,
            self.rare_share(weights, row),
            len(query & self.headings.get(sentence.passage_id, set())) / n,
            float(rank),
            fused / best if best else 0.0,
            place[0] / max(place[1] - 1, 1),
            float(sentence.kind == "heading"),
            float(sentence.kind == "item"),
            float(sentence.text.rstrip().endswith(":")),
            float(holds(want, sentence.text)),
            math.log1p(word_count(sentence.text)),
        ]
