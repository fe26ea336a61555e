"""The learned abstain decision: the chance that the sources answer a question, from a
logistic model fitted on written in-scope and out-of-scope questions
(``training/train_abstainer.py``; weights and card in ``trained/abstainer.json``).

Two stages, both linear, so the reason can name what weighed most:
- *topic*: the question's own embedding (tuned model), scored against the kinds of question
  users ask that the sources answer and those they don't (pay, DoLS criteria, other
  professions' rules, named local bodies…);
- *answer*: that score beside signals of the draft answer: the tuned model's similarity of
  the best passage, the best sentence's relevance, the BM25 score, the share of the
  question's words the sources never use, whether the answer holds the question's
  distinctive words, whether it gives the kind of answer asked for, and names the sources
  never mention.

A nearest-neighbour feature (closer to written in-scope or out-of-scope questions) refused
more of dev's out-of-scope questions (0.947 against 0.853, at the same 5% of in-scope ones)
but over-refused scenario questions written later (issue #23's note): not used.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from guide_assistant.trained import ABSTAINER

WEAK = -0.5  # a contribution this low (log-odds) is a reason; above it, none stands out

FEATURES = (
    "topic",
    "passage_similarity",
    "relevance",
    "sparse",
    "unknown_share",
    "coverage",
    "gives",
    "unmentioned",
)
# How a feature reads in the reason line, when it weighed most against answering.
SAYS = {
    "topic": "it is about what the sources don't cover",
    "passage_similarity": "no passage is close in meaning",
    "relevance": "no sentence answers it closely",
    "sparse": "few of its words are in any passage",
    "unknown_share": "many of its words are not in the sources",
    "coverage": "the answer lacks the question's distinctive words",
    "gives": "no sentence gives the kind of answer asked for",
    "unmentioned": "it names something the sources never mention",
}


@dataclass(frozen=True)
class Abstainer:
    """The fitted model: topic weights over the embedding, then standardised features."""

    topic_weights: np.ndarray
    topic_bias: float
    weights: np.ndarray
    bias: float
    mean: np.ndarray
    scale: np.ndarray
    threshold: float

    @classmethod
    def from_file(cls, path: Path = ABSTAINER) -> Abstainer:
        card = json.loads(path.read_text())
        return cls(
            np.asarray(card["topic"]["weights"], dtype=np.float32),
            float(card["topic"]["bias"]),
            np.asarray(card["answer"]["weights"]),
            float(card["answer"]["bias"]),
            np.asarray(card["answer"]["mean"]),
            np.asarray(card["answer"]["scale"]),
            float(card["threshold"]),
        )

    def topic(self, vector: np.ndarray) -> float:
        """The topic stage's log-odds that the sources cover what this embedding asks."""
        return float(vector @ self.topic_weights) + self.topic_bias

    def contributions(self, features: dict[str, float]) -> np.ndarray:
        x = np.array([features[name] for name in FEATURES])
        return self.weights * (x - self.mean) / self.scale

    def probability(self, features: dict[str, float]) -> float:
        logit = float(self.contributions(features).sum()) + self.bias
        return 1.0 / (1.0 + math.exp(-max(min(logit, 40.0), -40.0)))

    def reason(self, features: dict[str, float]) -> str | None:
        """None to answer; else one line: the chance, and what weighed most against it."""
        p = self.probability(features)
        if p >= self.threshold:
            return None
        contributions = self.contributions(features)
        worst = int(np.argmin(contributions))
        why = SAYS[FEATURES[worst]] if contributions[worst] <= WEAK else "no signal is strong"
        return f"the chance the sources answer it is {p:.2f}, below {self.threshold:.2f}: {why}"


@cache
def packaged() -> Abstainer:
    return Abstainer.from_file()
