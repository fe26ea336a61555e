"""A question about what each document says ('what do the two papers say about CPD?'): the
answer's passages include each document's best one, and its sentences each document's best."""

from __future__ import annotations

from collections import Counter

from guide_assistant.answer.compose.candidate import Candidate
from guide_assistant.answer.retrieve.retrieval import Hit
from guide_assistant.settings import Settings
from guide_assistant.text import word_count


def spread(hits: list[Hit], k: int) -> list[Hit]:
    """The first ``k`` hits, with the best hit of each document among them when the pool has
    one: a question about what each paper says needs every paper's best passage."""
    best: dict[str, Hit] = {}
    for hit in hits:
        best.setdefault(hit.passage.source_id, hit)
    kept = hits[:k]
    for hit in best.values():
        if hit in kept:
            continue
        counts = Counter(h.passage.source_id for h in kept)
        crowded, most = counts.most_common(1)[0]
        if most > 1:  # room is made by the most quoted document's lowest hit
            drop = max(i for i, h in enumerate(kept) if h.passage.source_id == crowded)
            kept = [*kept[:drop], *kept[drop + 1 :], hit]
    return kept


def others_best(
    ranked: list[Candidate], chosen: list[Candidate], source_of: dict[str, str], settings: Settings
) -> list[Candidate]:
    """The best readable sentence of each document the ``chosen`` sentences don't quote, if
    it is relevant enough to be answered with on its own (``abstain_threshold``): a question
    about what each paper says. ``source_of``: each passage id's document."""
    quoted = {source_of[c.sentence.passage_id] for c in chosen}
    extra: list[Candidate] = []
    for cand in ranked:
        source = source_of[cand.sentence.passage_id]
        readable = word_count(cand.sentence.text) >= settings.prose.min_words
        relevant = cand.score >= settings.abstain_threshold
        if source not in quoted and readable and relevant and cand.sentence.kind != "heading":
            quoted.add(source)
            extra.append(cand)
    return extra
