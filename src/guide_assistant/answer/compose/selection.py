"""Which sentences an extractive answer quotes: scoring every sentence of the hits, then
picking a whole list, the best few sentences, or the matching duties of the register.

Every number here comes from ``Settings`` (``scoring``, ``lists``, ``prose``, ``duty_answers``).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from guide_assistant.answer.compose import each_document, leading
from guide_assistant.answer.compose.candidate import Candidate
from guide_assistant.answer.compose.ranking import FeatureTable, load_ranker
from guide_assistant.answer.question.answer_types import Wanted
from guide_assistant.answer.question.questions import count_named
from guide_assistant.answer.question.vocabulary import says
from guide_assistant.answer.retrieve.retrieval import Hit
from guide_assistant.index.store import LoadedIndex
from guide_assistant.obligations.search import RegisterSearch
from guide_assistant.settings import Settings
from guide_assistant.text import content_stems, word_count

# Openers that need the sentence before them: "This will include…" needs what "this" is.
ANAPHOR = re.compile(
    r"^(this|these|that|those|it|its|they|their|such|he|she|however|but|also|as a result|"
    r"in this|in addition|therefore|thus)\b",
    re.IGNORECASE,
)
LISTED = ("item", "heading")


class Selector:
    """Sentence tables of one index, and the choices made over them."""

    def __init__(self, index: LoadedIndex, settings: Settings, register: RegisterSearch):
        self.index = index
        self.settings = settings
        self.register = register
        self.sentences = index.sentences
        self.rows_by_passage: dict[str, list[int]] = defaultdict(list)
        self.rows_by_group: dict[int, list[int]] = defaultdict(list)
        # Planted instructions (found at ingest) are in no table: never scored, never quoted.
        self.blocked = {row for row, s in enumerate(index.sentences) if s.instruction}
        for row, sentence in enumerate(index.sentences):
            if row in self.blocked:
                continue
            self.rows_by_passage[sentence.passage_id].append(row)
            self.rows_by_group[sentence.group].append(row)
        self.source_of = {p.id: p.source_id for p in index.passages}
        self.sentence_at = {
            (self.source_of[s.passage_id], s.start): row for row, s in enumerate(index.sentences)
        }
        self.table = FeatureTable(index.sentences, index.passages)
        self.stems = self.table.stems
        self.ranker = load_ranker() if settings.learned_ranking else None

    def candidates(
        self, query: str, vector: np.ndarray, hits: list[Hit], want: Wanted | None = None
    ) -> list[Candidate]:
        """Every sentence of the hits, scored by meaning, shared words and passage fit, in the
        learned ranker's order when there is one."""
        ranking = self.ranker is not None
        out, table = self.scored(query, vector, hits, want or Wanted(), features=ranking)
        if self.ranker is not None and out:
            for cand, order in zip(out, self.ranker.score(np.asarray(table)), strict=True):
                cand.order = float(order)
            return sorted(out, key=lambda c: -c.order)
        return sorted(out, key=lambda c: -c.score)

    def scored(
        self,
        query: str,
        vector: np.ndarray,
        hits: list[Hit],
        want: Wanted,
        features: bool = True,
    ) -> tuple[list[Candidate], list[list[float]]]:
        """The hits' sentences with their hand-weighted scores, and (``features``) their
        ranking features."""
        w = self.settings.scoring
        query_stems = set(content_stems(query)) or {""}
        weights = self.table.weights(query_stems)
        best = max((h.score for h in hits), default=0.0)
        out, table = [], []
        for rank, hit in enumerate(hits):
            rows = self.rows_by_passage[hit.passage.id]
            sims = self.index.sentence_vectors[rows] @ vector
            for i, (row, sim) in enumerate(zip(rows, sims, strict=True)):
                lexical = len(query_stems & self.stems[row]) / len(query_stems)
                score = (
                    w.meaning * float(sim)
                    + w.shared_words * lexical
                    + w.passage * hit.similarity
                    - w.rank_penalty * rank
                )
                out.append(Candidate(row, self.sentences[row], rank, score))
                if not features:
                    continue
                place, about = (i, len(rows)), (rank, hit.score, best, hit.similarity)
                table.append(
                    self.table.row(
                        query_stems,
                        weights,
                        want,
                        self.sentences[row],
                        row,
                        place,
                        about,
                        float(sim),
                    )
                )
        return out, table

    def whole_list(self, row: int) -> list[int] | None:
        """The rows of the list (lead-in and items) that a sentence belongs to, if any."""
        group = self.rows_by_group[self.sentences[row].group]
        items = [r for r in group if self.sentences[r].kind in LISTED]
        return group if len(items) >= 2 else None

    def _list_groups(self, ranked: list[Candidate]) -> dict[int, list[Candidate]]:
        """Lists among the best candidates; a heading stands (keyed negative) for the list of
        its sub-headings."""
        window = ranked[: self.settings.lists.window]
        groups: dict[int, list[Candidate]] = defaultdict(list)
        for cand in window:
            groups[cand.sentence.group].append(cand)
        for cand in window:
            children = cand.sentence.children
            siblings = self.rows_by_group.get(children) if children else None
            if cand.sentence.kind == "heading" and siblings and len(siblings) >= 2:
                groups[-children] = [cand]
        return groups

    def best_list(self, question: str, ranked: list[Candidate]) -> list[int] | None:
        """The list that answers a list question: its lead-in or items rank near the top, and
        it has the size the question names, if it names one."""
        t = self.settings.lists
        wanted = count_named(question, t.max_rows)
        best_score, best_rows = ranked[0].score - t.margin, None
        for key, members in self._list_groups(ranked).items():
            rows = self.whole_list(members[0].row) if key > 0 else self.rows_by_group[-key]
            if not rows or len(rows) > t.max_rows:
                continue
            items = sum(self.sentences[r].kind in LISTED for r in rows)
            # Several relevant members are better evidence than one lucky item.
            score = members[0].score + t.member_bonus * min(len(members) - 1, t.member_bonus_cap)
            if wanted:
                score += t.size_match_bonus if items == wanted else -t.size_mismatch_penalty
            if all(self.sentences[r].kind == "heading" for r in rows) and items != wanted:
                score -= t.headings_penalty  # sub-headings name topics; a real list says more
            if score > best_score:
                best_score, best_rows = score, rows
        return best_rows

    def duties(self, query: str, vector: np.ndarray) -> list[int] | None:
        """The register entries matching a duty question, most relevant first, kept only where
        the sentence itself is about the question; None when too few match."""
        t = self.settings.duty_answers
        rows: list[int] = []
        for entry in self.register.search(query, limit=t.search_limit):
            row = self.sentence_at.get((entry.source_id, entry.start))
            if row is None or row in rows:
                continue
            if float(self.index.sentence_vectors[row] @ vector) >= t.min_similarity:
                rows.append(row)
            if len({self.sentences[r].passage_id for r in rows}) > t.max_passages:
                rows.pop()  # as few sources as any answer
                break
        return rows[: t.max_rows] if len(rows) >= t.min_rows else None

    def rerank(self, hits: list[Hit], ranked: list[Candidate]) -> list[Hit]:
        """The hits in the order of their best sentence (fused order breaks ties)."""
        key = "order" if self.ranker is not None else "score"
        best: dict[str, float] = {}
        for cand in ranked:
            pid = cand.sentence.passage_id
            best[pid] = max(best.get(pid, float("-inf")), getattr(cand, key))
        ordered = sorted(enumerate(hits), key=lambda t: (-best.get(t[1].passage.id, -1e9), t[0]))
        return [hit for _, hit in ordered]

    def answer_first(
        self, ranked: list[Candidate], want: Wanted, focus: Sequence[str]
    ) -> list[Candidate]:
        """The candidates, led by the sentence that best answers what was asked."""
        window = self.settings.prose
        covered = leading.covering(ranked, focus, self.stems, window.cover_window)
        return leading.fitting(covered, want, window.type_window)

    def _previous(self, row: int) -> int | None:
        """The sentence before ``row`` in the same passage."""
        before = row - 1
        if row > 0 and self.sentences[before].passage_id == self.sentences[row].passage_id:
            return None if before in self.blocked else before
        return None

    def _best_sentences(
        self, ranked: list[Candidate], focus: Sequence[str] = ()
    ) -> tuple[list[Candidate], int]:
        """The best readable sentence and those close to it, without repeats, none aside from
        ``focus`` (the question's distinctive stems, when the best says one); their words."""
        t = self.settings.prose
        # Fragments ("The King's Fund") read as nonsense on their own.
        readable = [
            c
            for c in ranked
            if word_count(c.sentence.text) >= t.min_words and c.sentence.kind != "heading"
        ] or ranked
        chosen, words = [readable[0]], word_count(readable[0].sentence.text)
        vectors = self.index.sentence_vectors
        about = list(focus) if focus and says(focus, self.stems[readable[0].row]) else []
        for cand in readable[1:]:
            if len(chosen) >= t.max_sentences or self._far_below(cand, chosen[0]):
                break
            size = word_count(cand.sentence.text)
            if words + size > self.settings.answer_max_words:
                continue
            passages = {c.sentence.passage_id for c in chosen}
            if cand.sentence.passage_id not in passages and (
                len(passages) >= t.max_passages  # stitching many passages reads as search results
                or (about and self._aside(cand, chosen[0], about))
            ):
                continue
            if max(float(vectors[cand.row] @ vectors[c.row]) for c in chosen) > t.redundancy:
                continue
            chosen.append(cand)
            words += size
        return chosen, words

    def _aside(self, cand: Candidate, best: Candidate, focus: Sequence[str]) -> bool:
        """Well below the best (learned order only), and neither it nor the list it opens says
        one of ``focus``: 'how often supervision…?' is not answered with a yearly training
        quota from another passage merely because that gives a duration too."""
        if self.ranker is None or cand.order >= best.order - self.settings.prose.about_window:
            return False
        listed = cand.sentence.text.rstrip().endswith(":") and self.whole_list(cand.row)
        return not says(focus, set().union(*(self.stems[r] for r in listed or [cand.row])))

    def _far_below(self, cand: Candidate, best: Candidate) -> bool:
        """Too far below the best sentence to be quoted beside it (on the ranker's scale when
        it orders the candidates)."""
        t = self.settings.prose
        if self.ranker is not None:
            return cand.order < best.order - t.order_window
        return cand.score < best.score - t.score_window

    def prose(self, ranked: list[Candidate], each_source: bool, focus: Sequence[str]) -> list[int]:
        """The best few sentences with what they need to be read: the sentence an opener like
        'This…' refers to, the list a lead-in introduces; whole passages in order of relevance.
        ``each_source``: with the best readable sentence of every document ranked."""
        chosen, words = self._best_sentences(ranked, focus)
        if each_source:
            chosen += each_document.others_best(ranked, chosen, self.source_of, self.settings)
        best = chosen[0].row
        rows = {c.row for c in chosen}
        following = best + 1
        terse = words < self.settings.prose.terse_words
        if (
            terse
            and following < len(self.sentences)
            and following not in self.blocked
            and self._previous(following) == best
        ):
            rows.add(following)  # too terse to read well alone
        for row in sorted(rows):
            text = self.sentences[row].text
            previous = self._previous(row)
            if ANAPHOR.match(text) and previous is not None:
                rows.add(previous)
            if text.rstrip().endswith(":"):
                listed = self.whole_list(row)
                if listed and len(listed) <= self.settings.lists.max_rows:
                    rows.update(listed)  # a lead-in is only worth quoting with its list
                else:
                    rows.discard(row)
        return leading.reading_order(rows, ranked, self.sentences)
