"""Extractive answers: the retrieved passages' own sentences, chosen for the question, kept
verbatim and marked ``[n]``; or an honest abstention with the closest passages as related.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from guide_assistant.answer.abstention import Abstention, Signals
from guide_assistant.answer.retrieval import Hit
from guide_assistant.index.store import LoadedIndex
from guide_assistant.models import (
    SECTION_SEP,
    Answer,
    Citation,
    Passage,
    Resource,
    Sentence,
)
from guide_assistant.obligations import register as obligations
from guide_assistant.obligations.register import Obligation
from guide_assistant.settings import Settings
from guide_assistant.text import content_stems, word_count

ABSTAIN_TEXT = (
    "The guidance doesn't cover this question, so I can't answer it from the sources. "
    "The closest passages are listed below as related reading; they may not answer it."
)
# Words that ask for a list; weaker words ("cover", "which") match too many plain questions.
LIST_CUE = re.compile(
    r"\b(list|lists|what are|what were|examples?|ways|types|kinds|categories|checklist|steps|"
    r"duties|responsibilities|what things|actions|factors|barriers|principles|priorities|"
    r"two|three|four|five|six|seven|eight|nine|ten|\d+ \w+s)\b",
    re.IGNORECASE,
)
# Questions about duties go to the obligations register rather than free sentence picking.
OBLIGATION_CUE = re.compile(
    r"\b(must (we|our|trusts?|employers?|organisations?)|should (we|our|trusts?|"
    r"employers?|organisations?)|have in place|obligations?|duties|duty|required to|"
    r"responsibilit(y|ies)|checklist|what do (we|employers|trusts|organisations) need)\b",
    re.IGNORECASE,
)
FOOTNOTE = re.compile(r"\[\^\d+\]")
EMPHASIS = re.compile(r"\*{1,2}(?=\S)|(?<=\S)\*{1,2}|^\*+|\*+$")
ANAPHOR = re.compile(
    r"^(this|these|that|those|it|its|they|their|such|he|she|however|but|also|as a result|"
    r"in this|in addition|therefore|thus)\b",
    re.IGNORECASE,
)
MAX_LIST_ROWS = 30
OBLIGATION_MIN_SIMILARITY = 0.4


@dataclass
class Draft:
    """What an answer would say (sentence rows), before deciding whether to say it."""

    rows: list[int]
    duties: bool  # the rows are obligations from the register
    signals: Signals


@dataclass
class Candidate:
    row: int
    sentence: Sentence
    hit: int  # rank of its passage among the hits, 0-based
    score: float


class Composer:
    """Picks and orders sentences for an answer; decides when to abstain."""

    def __init__(
        self,
        index: LoadedIndex,
        settings: Settings,
        resources: list[Resource],
        register: list[Obligation] | None = None,
    ):
        self.index = index
        self.register = obligations.RegisterSearch(register or [])
        self.settings = settings
        self.resources = resources
        self.rows_by_passage: dict[str, list[int]] = defaultdict(list)
        self.rows_by_group: dict[int, list[int]] = defaultdict(list)
        for row, sentence in enumerate(index.sentences):
            self.rows_by_passage[sentence.passage_id].append(row)
            self.rows_by_group[sentence.group].append(row)
        self.passages = {p.id: p for p in index.passages}
        self.sentence_at = {
            (self.passages[s.passage_id].source_id, s.start): row
            for row, s in enumerate(index.sentences)
        }
        self.stems = [set(content_stems(s.text)) for s in index.sentences]
        self.abstention = Abstention(
            settings, self.stems, [" ".join(p.section) for p in index.passages]
        )

    def candidates(self, query: str, vector: np.ndarray, hits: list[Hit]) -> list[Candidate]:
        """Every sentence of the hits, scored by meaning, shared words and passage fit."""
        query_stems = set(content_stems(query)) or {""}
        out = []
        for rank, hit in enumerate(hits):
            rows = self.rows_by_passage[hit.passage.id]
            sims = self.index.sentence_vectors[rows] @ vector
            for row, sim in zip(rows, sims, strict=True):
                lexical = len(query_stems & self.stems[row]) / len(query_stems)
                score = 0.5 * float(sim) + 0.25 * lexical + 0.25 * hit.similarity - 0.01 * rank
                out.append(Candidate(row, self.index.sentences[row], rank, score))
        return sorted(out, key=lambda c: -c.score)

    def _whole_list(self, row: int) -> list[int] | None:
        """The rows of the list (lead-in and items) that a sentence belongs to, if any."""
        group = self.rows_by_group[self.index.sentences[row].group]
        items = [r for r in group if self.index.sentences[r].kind in ("item", "heading")]
        return group if len(items) >= 2 else None

    def _best_list(self, question: str, ranked: list[Candidate]) -> list[int] | None:
        """The list that answers a list question: its lead-in or items rank near the top, and
        it has the size the question names, if it names one."""
        wanted = _count_named(question)
        groups: dict[int, list[Candidate]] = defaultdict(list)
        for cand in ranked[:15]:
            groups[cand.sentence.group].append(cand)
        best_score, best_rows = ranked[0].score - 0.05, None
        for cand in ranked[:15]:  # a heading that matches stands for the list of its sub-headings
            children = (
                self.rows_by_group.get(cand.sentence.children) if cand.sentence.children else None
            )
            if cand.sentence.kind == "heading" and children and len(children) >= 2:
                groups[-cand.sentence.children] = [cand]
        for key, members in groups.items():
            rows = self._whole_list(members[0].row) if key > 0 else self.rows_by_group[-key]
            if not rows or len(rows) > MAX_LIST_ROWS:
                continue
            items = sum(self.index.sentences[r].kind in ("item", "heading") for r in rows)
            # Several relevant members are better evidence than one lucky item.
            score = members[0].score + 0.02 * min(len(members) - 1, 3)
            if wanted:
                score += 0.1 if items == wanted else -0.05
            if all(self.index.sentences[r].kind == "heading" for r in rows) and items != wanted:
                score -= 0.05  # sub-headings name topics; a real list says more, unless counted
            if score > best_score:
                best_score, best_rows = score, rows
        return best_rows

    def _obligations(self, question: str, query: str, vector: np.ndarray) -> list[int] | None:
        """For 'what must we have in place…': the matching register entries, most relevant
        first, kept only where the sentence itself is about the question."""
        if not self.register.entries or not OBLIGATION_CUE.search(question):
            return None
        rows = []
        for entry in self.register.search(query, limit=12):
            row = self.sentence_at.get((entry.source_id, entry.start))
            if row is None or row in rows:
                continue
            if float(self.index.sentence_vectors[row] @ vector) >= OBLIGATION_MIN_SIMILARITY:
                rows.append(row)
            if len({self.index.sentences[r].passage_id for r in rows}) > 5:
                rows.pop()  # at most five sources, like any answer
                break
        return rows[:8] if len(rows) >= 2 else None

    def _previous(self, row: int) -> int | None:
        """The sentence before ``row`` in the same passage."""
        sentences = self.index.sentences
        if row > 0 and sentences[row - 1].passage_id == sentences[row].passage_id:
            return row - 1
        return None

    def select(self, question: str, ranked: list[Candidate]) -> list[int]:
        """Rows to quote, in reading order: a whole list, or the best few sentences."""
        sentences = self.index.sentences
        best = ranked[0]
        if LIST_CUE.search(question) or best.sentence.text.rstrip().endswith(":"):
            rows = self._best_list(question, ranked)
            if rows:
                return rows
        # Fragments ("The King's Fund") read as nonsense on their own.
        readable = [
            c for c in ranked if word_count(c.sentence.text) >= 4 and c.sentence.kind != "heading"
        ] or ranked
        best = readable[0]
        chosen = [best]
        words = word_count(best.sentence.text)
        vectors = self.index.sentence_vectors
        for cand in readable[1:]:
            if len(chosen) >= 4 or cand.score < best.score - 0.15:
                break
            size = word_count(cand.sentence.text)
            if words + size > self.settings.answer_max_words:
                continue
            if max(float(vectors[cand.row] @ vectors[c.row]) for c in chosen) > 0.9:
                continue
            chosen.append(cand)
            words += size
        rows = {c.row for c in chosen}
        if words < 40:  # too terse to read well: add the sentence that follows the best one
            following = best.row + 1
            if following < len(sentences) and self._previous(following) == best.row:
                rows.add(following)
        for row in sorted(rows):
            text = sentences[row].text
            previous = self._previous(row)
            if ANAPHOR.match(text) and previous is not None:
                rows.add(previous)  # "This will include…" needs what "this" is
            if text.rstrip().endswith(":"):
                listed = self._whole_list(row)
                if listed and len(listed) <= MAX_LIST_ROWS:
                    rows.update(listed)  # a lead-in is only worth quoting with its list
                else:
                    rows.discard(row)
        rank = {}
        for c in ranked:  # each passage where the hits put it
            rank.setdefault(sentences[c.row].passage_id, c.hit)
        first: dict[str, int] = {}
        for row in sorted(rows, key=lambda r: rank.get(sentences[r].passage_id, 99)):
            first.setdefault(sentences[row].passage_id, len(first))
        # Whole passages in order of relevance; inside one, the document's own order.
        return sorted(rows, key=lambda r: (first[sentences[r].passage_id], sentences[r].start))

    def citation(self, n: int, passage: Passage, score: float, quotes: list[str]) -> Citation:
        return Citation(
            n=n,
            source_id=passage.source_id,
            title=passage.title,
            section=SECTION_SEP.join(passage.section),
            text=passage.text,
            url=passage.url,
            score=round(score, 4),
            passage_id=passage.id,
            start=passage.start,
            end=passage.end,
            quotes=quotes,
        )

    def linked_resources(self, citations: list[Citation]) -> list[Resource]:
        """NICE resources linked from the sections the answer cites."""
        sections = {c.section for c in citations}
        return [
            res
            for res in self.resources
            if any(
                s == lf or s.startswith(lf + SECTION_SEP)
                for s in sections
                for lf in res.linked_from
            )
        ]

    def draft(
        self,
        question: str,
        query: str,
        vector: np.ndarray,
        hits: list[Hit],
        focus: np.ndarray | None = None,
    ) -> Draft:
        """The sentences an answer would quote, and the signals that decide if it is given.

        ``focus`` (a follow-up's own question blended with its context) picks the sentences;
        relevance for abstaining is the better of the two, as the context alone may carry it.
        """
        picking = vector if focus is None else focus
        ranked = self.candidates(query, picking, hits)
        relevance = ranked[0].score if ranked else 0.0
        if focus is not None and ranked:
            relevance = max(relevance, self.candidates(query, vector, hits)[0].score)
        duties = self._obligations(question, query, picking)
        rows = (duties or self.select(question, ranked)) if ranked else []
        signals = self.abstention.signals(question, query, relevance, rows)
        return Draft(rows, duties is not None, signals)

    def compose(self, question: str, query: str, hits: list[Hit], draft: Draft) -> Answer:
        """The extractive answer a draft makes, or an abstention when it should not be given."""
        scores = {h.passage.id: h.score for h in hits}
        if not draft.rows or self.abstention.abstain(draft.signals):
            related = [self.citation(i + 1, h.passage, h.score, []) for i, h in enumerate(hits[:3])]
            return Answer(
                question=question, answer=ABSTAIN_TEXT, abstained=True, related=related, query=query
            )
        rows, duties = draft.rows, draft.duties
        kinds = [self.index.sentences[r].kind for r in rows]
        headings_listed = kinds.count("heading") == len(kinds) > 1  # sub-headings as a list
        numbers: dict[str, int] = {}
        quotes: dict[str, list[str]] = defaultdict(list)
        lines: list[str] = []
        for row in rows:
            sentence = self.index.sentences[row]
            n = numbers.setdefault(sentence.passage_id, len(numbers) + 1)
            shown = EMPHASIS.sub("", FOOTNOTE.sub("", sentence.text)).strip()
            quotes[sentence.passage_id].append(sentence.text)
            bullet = (
                sentence.kind == "item"
                or duties
                or (headings_listed and sentence.kind == "heading")
            )
            lines.append(f"- {shown} [{n}]" if bullet else f"{shown} [{n}]")
        citations = [
            self.citation(n, self.passages[pid], scores.get(pid, 0.0), quotes[pid])
            for pid, n in numbers.items()
        ]
        return Answer(
            question=question,
            answer=_layout(lines),
            citations=citations,
            resources=self.linked_resources(citations),
            query=query,
        )


NUMBER_WORDS = {
    w: i
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve".split()
    )
}


def _count_named(question: str) -> int | None:
    """The size of list a question names ('the five role categories', '15 actions')."""
    for word in re.findall(r"[a-z]+|\d+", question.lower()):
        if word.isdigit() and 1 < int(word) <= MAX_LIST_ROWS:
            return int(word)
        if word in NUMBER_WORDS and NUMBER_WORDS[word] > 1:
            return NUMBER_WORDS[word]
    return None


def _layout(lines: list[str]) -> str:
    """Prose sentences run together as a paragraph; list items each on their own line."""
    out: list[str] = []
    for line in lines:
        is_item = line.startswith("- ")
        if out and not is_item and not out[-1].startswith("- ") and not out[-1].endswith(":"):
            out[-1] = f"{out[-1]} {line}"
        else:
            if out and (is_item != out[-1].startswith("- ")):
                out.append("")
            out.append(line)
    return "\n".join(out)
