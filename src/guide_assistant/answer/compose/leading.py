"""Which sentence leads an answer: the best-ranked one, unless a close one answers what was
asked better, by giving the kind of answer wanted or by saying what the question is about;
and the order the answer's passages are read in."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from guide_assistant.answer.compose.candidate import Candidate
from guide_assistant.answer.question.answer_types import Wanted, holds
from guide_assistant.answer.question.vocabulary import says

if TYPE_CHECKING:
    from guide_assistant.models import Sentence


def fitting(ranked: list[Candidate], want: Wanted, window: float) -> list[Candidate]:
    """Sentences that give the kind of answer asked for ('how many weeks': a number of
    weeks) first, when they score within ``window`` of the best."""
    if not want.checkable or not ranked:
        return ranked
    floor = ranked[0].score - window
    fit = [c for c in ranked if c.score >= floor and holds(want, c.sentence.text)]
    rows = {c.row for c in fit}
    return fit + [c for c in ranked if c.row not in rows]


def covering(
    ranked: list[Candidate], focus: Sequence[str], stems: list[set[str]], window: float
) -> list[Candidate]:
    """The best sentence that says one of the question's distinctive words (``focus``) first,
    when the best sentence says none and it scores within ``window``: 'what should the
    central database hold?' is answered by the sentence about the database, not by a
    closer-scoring one about governance. ``stems``: each sentence row's stems."""
    if not focus or not ranked or says(focus, stems[ranked[0].row]):
        return ranked
    floor = ranked[0].score - window
    for i, cand in enumerate(ranked[1:], start=1):
        if cand.score >= floor and says(focus, stems[cand.row]):
            return [cand, *ranked[:i], *ranked[i + 1 :]]
    return ranked


def reading_order(rows: set[int], ranked: list[Candidate], sentences: list[Sentence]) -> list[int]:
    """Whole passages in order of relevance; inside one, the document's own order."""
    rank: dict[str, int] = {}
    for c in ranked:  # each passage where the hits put it
        rank.setdefault(sentences[c.row].passage_id, c.hit)
    last = len(ranked)
    first: dict[str, int] = {}
    for row in sorted(rows, key=lambda r: rank.get(sentences[r].passage_id, last)):
        first.setdefault(sentences[row].passage_id, len(first))
    return sorted(rows, key=lambda r: (first[sentences[r].passage_id], sentences[r].start))
