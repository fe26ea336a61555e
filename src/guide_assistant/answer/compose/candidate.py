"""A candidate sentence of an extractive answer: the unit the compose stage's choosers pass
between them (scored by ``selection``, led by ``leading``, spread by ``each_document``)."""

from __future__ import annotations

from dataclasses import dataclass

from guide_assistant.models import Sentence


@dataclass
class Candidate:
    row: int
    sentence: Sentence
    hit: int  # rank of its passage among the hits, 0-based
    score: float  # the hand-weighted score (Settings.scoring): the abstain stage's relevance
    order: float = 0.0  # the learned ranker's score, which orders the candidates
