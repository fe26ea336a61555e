"""The compose stage, extractive: the retrieved passages' own sentences, chosen for the question
by its route, kept verbatim and marked ``[n]``; or an honest abstention with related reading.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence, Set
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from guide_assistant.answer.compose import provenance
from guide_assistant.answer.compose.each_document import spread
from guide_assistant.answer.compose.layout import layout
from guide_assistant.answer.compose.selection import Candidate, Selector
from guide_assistant.answer.question.answer_types import AnswerType
from guide_assistant.answer.question.questions import Question
from guide_assistant.answer.question.routing import asks_for_list, may_list
from guide_assistant.answer.retrieve.retrieval import Hit, Retrieved
from guide_assistant.index.store import LoadedIndex
from guide_assistant.ingest.instructions import suspicious_bar
from guide_assistant.models import SECTION_SEP, Answer, Citation, Passage, Resource, Route
from guide_assistant.obligations.search import RegisterSearch
from guide_assistant.settings import Settings

if TYPE_CHECKING:
    import numpy as np

ABSTAIN_TEXT = (
    "The guidance doesn't cover this question, so I can't answer it from the sources. "
    "The closest passages are listed below as related reading; they may not answer it."
)
# When the question asks for a kind of thing none of the sources' sentences gives.
NOT_GIVEN = {
    AnswerType.AMOUNT: "a figure",
    AnswerType.MONEY: "an amount of money",
    AnswerType.SHARE: "a percentage or proportion",
    AnswerType.DURATION: "a duration or frequency",
    AnswerType.DATE: "a date",
    AnswerType.YEAR: "a year",
    AnswerType.PERSON: "a name",
}
NOT_GIVEN_TEXT = (
    "The guidance doesn't give {what} for this, so I can't answer it from the sources. "
    "The closest passages are listed below as related reading; they may not answer it."
)
FOOTNOTE = re.compile(r"\[\^\d+\]")
EMPHASIS = re.compile(r"\*{1,2}(?=\S)|(?<=\S)\*{1,2}|^\*+|\*+$")


@dataclass
class Draft:
    """What an answer would say (sentence rows) and by which route, before deciding to say it."""

    rows: list[int]
    route: Route
    relevance: float  # the best sentence's score: the abstention's main signal
    hits: list[Hit] = field(default_factory=list)  # the retrieved pool, reranked, top_k
    best: int | None = None  # the row with the best hand-weighted score (relevance's row)


class Composer:
    """Picks sentences for a question by its route, and writes the cited answer."""

    def __init__(
        self,
        index: LoadedIndex,
        settings: Settings,
        resources: list[Resource],
        register: RegisterSearch,
        guidance_claims: Set[int] = frozenset(),
    ):
        """``guidance_claims``: rows of local sentences that speak for the guidance."""
        self.index = index
        self.settings = settings
        self.resources = resources
        self.selector = Selector(index, settings, register)
        self.passages = {p.id: p for p in index.passages}
        self.guidance_claims = guidance_claims
        # Never given to a model: planted instructions, and in llm mode also the sentences
        # the detector finds suspicious (below its bar for a planted instruction), since a
        # missed instruction in the model's input is obeyed and then "supported" by itself.
        bar = suspicious_bar() if settings.answer_mode == "llm" else None
        self.withheld: dict[str, list[str]] = defaultdict(list)
        for sentence in index.sentences:
            if sentence.instruction or (bar is not None and sentence.suspicion >= bar):
                self.withheld[sentence.passage_id].append(sentence.text)
        self.local_files = {
            d["source_id"]: d.get("file_name") or Path(d["path"]).name
            for d in index.manifest["documents"]
            if d.get("kind") == "user"
        }

    def for_model(self, passage: Passage) -> Passage:
        """The passage as a model may read it, and the guard checks against: without the
        sentences withheld from models (the citation still shows the verbatim passage)."""
        text = passage.text
        for sentence in self.withheld.get(passage.id, []):
            text = text.replace(sentence, "")
        return passage if text == passage.text else passage.model_copy(update={"text": text})

    def draft(
        self,
        question: Question,
        route: Route,
        found: Retrieved,
        skip: Set[int] = frozenset(),
        focus: Sequence[str] = (),
    ) -> Draft:
        """The sentences an answer would quote, following the route or its fallback; never
        the rows in ``skip`` nor planted instructions. ``focus``: the question's distinctive
        stems, which the answer should say.

        Relevance for abstaining is the better of the focus and the query's own score, as the
        context alone may carry a follow-up; likewise of the whole turn and its ask alone,
        as a preamble's chatter may bury the ask.
        """
        ranked = self._usable(
            self.selector.candidates(question.query, found.picking, found.hits, question.wanted),
            skip,
        )
        hits = self.selector.rerank(found.hits, ranked)
        hits = spread(hits, self.settings.top_k) if question.across else hits[: self.settings.top_k]
        kept = {h.passage.id for h in hits}  # an answer quotes only what it lists as retrieved
        ranked = [c for c in ranked if c.sentence.passage_id in kept]
        if not ranked:
            return Draft([], route, 0.0, hits)
        top = max(ranked, key=lambda c: c.score)
        relevance = top.score
        also = []  # the query's own vector beside a follow-up's focus; the ask's, a preamble's
        if found.focus is not None:
            also.append((question.query, found.vector))
        if found.ask is not None:
            also.append((question.alone, found.ask))
        for text, vector in also:
            relevance = max(relevance, self._best_score(text, vector, found, question, skip))
        ranked = self.selector.answer_first(ranked, question.wanted, focus)
        rows, taken = self._rows(question, route, found, ranked, focus)
        sentences = self.index.sentences
        rows = [r for r in rows if r not in skip and not sentences[r].instruction]
        return Draft(rows, taken, relevance, hits, top.row)

    def _best_score(
        self, text: str, vector: np.ndarray, found: Retrieved, question: Question, skip: Set[int]
    ) -> float:
        """The best hand-weighted score of the hits' sentences for ``text``: no features,
        no ranking."""
        plain, _ = self.selector.scored(text, vector, found.hits, question.wanted, features=False)
        return max((c.score for c in self._usable(plain, skip)), default=float("-inf"))

    def _usable(self, ranked: list[Candidate], skip: Set[int]) -> list[Candidate]:
        return [c for c in ranked if c.row not in skip] if skip else ranked

    def _rows(
        self,
        question: Question,
        route: Route,
        found: Retrieved,
        ranked: list[Candidate],
        focus: Sequence[str],
    ) -> tuple[list[int], Route]:
        """Rows for the route, falling back register → list → prose, each with its reason."""
        if route.name == "register":
            duties = self.selector.duties(question.query, found.picking)
            if duties:
                return duties, route
            minimum = self.settings.duty_answers.min_rows
            route = Route(
                name="list" if asks_for_list(question) else "prose",
                reason=f"{route.reason}, but fewer than {minimum} register duties match it",
            )
        lead_in = ranked[0].sentence.text.rstrip().endswith(":") and may_list(question)
        if route.name == "list" or lead_in:
            listed = self.selector.best_list(question.ask, ranked)
            if listed:
                why = route.reason if route.name == "list" else "the best sentence opens a list"
                return listed, Route(name="list", reason=why)
            if route.name == "list":
                route = Route(name="prose", reason=f"{route.reason}, but no list fits it")
        return self.selector.prose(ranked, each_source=question.across, focus=focus), route

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
            kind="local" if passage.source_id in self.local_files else "guidance",
            file_name=self.local_files.get(passage.source_id),
            withheld=self.withheld.get(passage.id, []),
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

    def abstention(
        self, question: Question, hits: list[Hit], reason: str, missing: AnswerType | None = None
    ) -> Answer:
        """The refusal, with the closest passages offered as related reading."""
        shown = hits[: self.settings.related_shown]
        related = [self.citation(i + 1, h.passage, h.score, []) for i, h in enumerate(shown)]
        text = NOT_GIVEN_TEXT.format(what=NOT_GIVEN[missing]) if missing else ABSTAIN_TEXT
        return Answer(
            question=question.text,
            answer=text,
            abstained=True,
            abstain_reason=reason,
            related=related,
            query=question.query,
        )

    def compose(
        self,
        question: Question,
        found: Retrieved,
        draft: Draft,
        refusal: str | None = None,
        missing: AnswerType | None = None,
    ) -> Answer:
        """The extractive answer a draft makes, or an abstention when the check stage refused
        it (``refusal``: its reason; ``missing``: the kind of answer the sources lack)."""
        if refusal is not None or not draft.rows:
            answer = self.abstention(question, draft.hits, refusal or "nothing to quote", missing)
        else:
            answer = self._quote(question, found.hits, draft)
        answer.route = draft.route
        if answer.abstained:  # the route it would have taken is kept in the reason
            why = f"{answer.abstain_reason} (it would have been {draft.route.name})"
            answer.route = Route(name="abstain", reason=why)
        answer.retrieved = [h.passage.id for h in draft.hits]
        return answer

    def _local_file(self, row: int) -> str | None:
        """The file name of the local document a sentence is from (None: the guidance)."""
        return self.local_files.get(self.passages[self.index.sentences[row].passage_id].source_id)

    def _quote(self, question: Question, hits: list[Hit], draft: Draft) -> Answer:
        """The draft's sentences, verbatim but for emphasis and footnote marks, each marked."""
        sentences = self.index.sentences
        scores = {h.passage.id: h.score for h in hits}
        kinds = [sentences[r].kind for r in draft.rows]
        headings_listed = kinds.count("heading") == len(kinds) > 1  # sub-headings as a list
        duties = draft.route.name == "register"
        numbers: dict[str, int] = {}
        quotes: dict[str, list[str]] = defaultdict(list)
        paragraphs: list[str] = []
        for block in provenance.guidance_first(draft.rows, self._local_file):
            lines: list[str] = []
            for row in block:
                sentence = sentences[row]
                n = numbers.setdefault(sentence.passage_id, len(numbers) + 1)
                shown = EMPHASIS.sub("", FOOTNOTE.sub("", sentence.text)).strip()
                quotes[sentence.passage_id].append(sentence.text)
                bullet = sentence.kind == "item" or duties or headings_listed
                lines.append(f"- {shown} [{n}]" if bullet else f"{shown} [{n}]")
            local = self._local_file(block[0])
            claims = not self.guidance_claims.isdisjoint(block)
            paragraphs += [provenance.attribution(local, claims)] if local else []
            paragraphs.append(layout(lines))
        citations = [
            self.citation(n, self.passages[pid], scores.get(pid, 0.0), quotes[pid])
            for pid, n in numbers.items()
        ]
        return Answer(
            question=question.text,
            answer="\n\n".join(paragraphs),
            citations=citations,
            resources=self.linked_resources(citations),
            query=question.query,
        )
