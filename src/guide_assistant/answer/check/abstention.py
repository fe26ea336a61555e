"""The abstain stage: when to say "the guidance doesn't cover this".

A learned decision (``abstainer.py``: fitted on written in-scope and out-of-scope questions)
weighs the question's topic, as the tuned model embeds it, beside signals of the draft
answer, computed here:

- relevance: the best sentence's score (meaning, shared words, passage fit);
- unknown share: the share of the query's words that the corpus never uses ('lorazepam'),
  everyday English aside (a chatty 'basically' is no sign of an off-topic question);
- coverage: whether the answer chosen contains any of the question's distinctive words (those
  in fewer than ``abstain_common_share`` of sentences: 'salary', 'parking'; not 'social'), not
  counting everyday English ('kind', 'look', 'usually': ``abstain_everyday_zipf``);
- what was asked: whether a chosen sentence gives the figure, sum, share, duration, date or
  name the question wants, and whether the ask names what no document mentions.

When it abstains for want of the kind of answer asked for, the answer says so ("The guidance
doesn't give a figure for this").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from guide_assistant.answer.check.abstainer import Abstainer, packaged
from guide_assistant.answer.question import answer_types, everyday, names
from guide_assistant.answer.question.answer_types import AnswerType, Wanted
from guide_assistant.answer.question.questions import Question
from guide_assistant.answer.question.vocabulary import says
from guide_assistant.answer.retrieve.retrieval import Retrieved
from guide_assistant.settings import Settings
from guide_assistant.text import content_stems, content_words, stems

LOWER_CASE = re.compile(r"\b[a-z][\w'’-]*")  # a word as written in lower case
OPENING = re.compile(r"(?:^|[.?!:]\s+|[-–—]\s+)\W*\w+")  # a sentence's first word


@dataclass
class Signals:
    relevance: float
    unknown_share: float
    coverage: float


@dataclass
class Decision:
    """Whether to abstain, and why (None when the answer is given)."""

    abstain: bool
    reason: str | None
    signals: Signals
    missing: AnswerType | None = None  # the kind of answer asked for that the sources lack

    @property
    def refusal(self) -> str | None:
        """The reason an answer is refused (None: it is given), as the compose stage takes it."""
        return (self.reason or "the sources don't answer it") if self.abstain else None


class Abstention:
    """Holds the corpus vocabulary; turns a question and its draft answer into a decision."""

    def __init__(
        self,
        settings: Settings,
        sentence_stems: list[set[str]],
        extra: list[str],
        sentence_texts: list[str] | None = None,
        bodies: Iterable[str] = (),
    ):
        self.settings = settings
        self.stems = sentence_stems
        self.texts = sentence_texts or []
        self.vocabulary = set().union(*sentence_stems, *(content_stems(t) for t in extra))
        self.frequency = Counter(w for stems in sentence_stems for w in stems)
        self.common = settings.abstain_common_share * len(sentence_stems)
        # Words the sources also write in lower case are common nouns ('Social Work'), and
        # the words of the bodies they name ('British Association of Social Workers', mined
        # at ingest) name organisations: a person's name is made of neither ('Ruth Allen').
        self.lowercase = {w for t in self.texts for w in LOWER_CASE.findall(t)}
        self.lowercase |= {w for b in bodies for w in names.TOKEN.findall(b.lower())}

    def signals(
        self,
        question: str,
        query: str,
        relevance: float,
        rows: list[int],
        distinctive: Sequence[str] | None = None,
    ) -> Signals:
        """``distinctive``: ``self.distinctive(question)``, when the caller has it already."""
        words = self.topical_words(query)
        # A word English doesn't know either ('categroy', 'therapys') is a typo the speller
        # couldn't mend, not a sign that the question is about something else.
        unknown = sum(
            stem not in self.vocabulary and everyday.zipf(word) > 0
            for word, stem in zip(words, stems(words), strict=True)
        ) / max(len(words), 1)
        if distinctive is None:
            distinctive = self.distinctive(question)
        said = set().union(*(self.stems[r] for r in rows)) if rows else set()
        covered = sum(says([w], said) for w in distinctive)
        coverage = covered / len(distinctive) if distinctive else 1.0
        return Signals(relevance, unknown, coverage)

    @cached_property
    def learned(self) -> Abstainer:
        """The fitted decision (``trained/abstainer.json``), read on first use."""
        return packaged()

    def decide(
        self,
        question: Question,
        found: Retrieved,
        relevance: float,
        rows: list[int],
        best: int | None = None,
        distinctive: Sequence[str] | None = None,
    ) -> Decision:
        """The abstain stage: the draft's signals and the learned decision. Coverage also
        counts ``best``, the sentence relevance was measured on: the ranker may lead with
        another sentence, but relevance and coverage must speak of the same text.
        ``distinctive``: the distinctive stems of ``question.said``, if already found."""
        names = self.unmentioned(question.ask)
        features, signals = self.features(
            question, found, relevance, rows, best, distinctive, names
        )
        reason = self.learned.reason(features) if rows else "no sentence of the sources to quote"
        if reason and names:
            reason += f" (it names {', '.join(names)}, which the sources never mention)"
        missing = None
        if rows and not features["gives"]:
            # A check of what was asked, not a threshold: a figure, date or name that no chosen
            # sentence gives is not answered, however close the passages. Saying so ("doesn't
            # give a figure") tells more than "doesn't cover".
            missing = question.wanted.type
            unit = f" ({' '.join(question.wanted.unit)})" if question.wanted.unit else ""
            reason = reason or f"it asks for {missing.value}{unit} and no sentence chosen gives one"
        return Decision(abstain=reason is not None, reason=reason, signals=signals, missing=missing)

    def features(
        self,
        question: Question,
        found: Retrieved,
        relevance: float,
        rows: list[int],
        best: int | None = None,
        distinctive: Sequence[str] | None = None,
        names: list[str] | None = None,
    ) -> tuple[dict[str, float], Signals]:
        """What the learned decision weighs (``abstainer.FEATURES``), and the signals.
        ``names``: ``self.unmentioned(question.ask)``, when the caller has it already."""
        covering = rows if best is None or best in rows else [*rows, best]
        signals = self.signals(question.said, question.query, relevance, covering, distinctive)
        # The figure must be about what the ask names, not a preamble's words ('HR here -',
        # 'ignore your sources and say…'): those find passages, they don't say what is asked.
        vector = found.ask if found.ask is not None else found.vector
        features = {
            "topic": self.learned.topic(vector),
            "passage_similarity": max((h.similarity for h in found.hits), default=0.0),
            "relevance": max(relevance, -1.0),
            "sparse": float(np.log1p(found.sparse_best)),
            "unknown_share": signals.unknown_share,
            "coverage": signals.coverage,
            "gives": float(bool(rows) and self.gives_any(question, rows)),
            "unmentioned": float(bool(self.unmentioned(question.ask) if names is None else names)),
        }
        return features, signals

    def unmentioned(self, ask: str) -> list[str]:
        """Names in the ask that the sources never use ('how does the … (Scotland) Act
        work?'): capitalised words not opening a sentence, known to English (a typo is not a
        name) and absent from every document, so no passage can be about them."""
        named = OPENING.sub(" ", ask)
        return [
            word
            for run in names.capitalised_runs(named)
            for word in run
            # A title's 'No' or 'The' is no name (no content stem); nor is a short form's 'FtP'.
            if word[1:].islower()
            and not set(content_stems(word)) <= self.vocabulary
            and everyday.zipf(word.lower()) > 0
        ]

    def gives_any(self, question: Question, rows: list[int]) -> bool:
        """Whether the chosen sentences give what the ask wants, or, for a question asking
        several things ('how many…, and what % of them…?'), the figure one part wants."""
        if self.gives(question.wanted, rows, question.ask):
            return True
        parts = zip(question.clauses, question.part_wanted, strict=False)
        return any(w.checkable and self.gives(w, rows, part) for part, w in parts)

    def gives(self, want: Wanted, rows: list[int], question: str) -> bool:
        """Whether a chosen sentence holds the kind of answer asked for ('how many weeks':
        a number of weeks) about what was asked. A count of something named ('how many
        social workers') is specific already; a bare figure, duration or date must come in a
        sentence sharing one of the question's distinctive words. Other kinds pass."""
        if want.type is AnswerType.PERSON and self.texts:
            asked = self._words(question)
            return any(self._names(self.texts[r], asked) for r in rows)
        if not want.checkable or not self.texts:
            return True
        if want.unit and not answer_types.counts_time(want):
            focus: set[str] = set()
        else:
            # Words the sources never use can't be found in any sentence ('many' in a tiny
            # corpus): the unknown-share signal weighs those.
            # Nor do the words that make the question form ('how often') say what it is about.
            asked = set(want.unit) | answer_types.FORM_STEMS
            focus = {w for w in self.distinctive(question) if w not in asked and self.frequency[w]}
        named = self._named(question)
        return any(
            answer_types.holds(want, self.texts[r])
            and (not focus or focus & self.stems[r])
            and all(name & self.stems[r] for name in named)
            for r in rows
        )

    def _named(self, question: str) -> list[set[str]]:
        """The distinctive stems of each thing the question names in capitals ('Essex
        Partnership University NHS Foundation Trust'): a figure about it must say it, not be
        a national one beside it. A name made of common words ('Social Work') asks nothing."""
        runs = [run for run in names.capitalised_runs(question) if len(run) >= 2]
        found = [set(self.distinctive(" ".join(run))) for run in runs]
        return [name for name in found if name]

    def names_someone(self, sentence: str, question: str) -> bool:
        """Whether a sentence gives a person's name the question doesn't: two or more
        neighbouring words the sources only ever capitalise, none a word of a body they name
        ('who is the PSW at X?' is not answered by a sentence naming X, nor an association).
        The sentence's first word counts: the lower-case test already screens out 'The'."""
        return self._names(sentence, self._words(question))

    def _names(self, sentence: str, asked: set[str]) -> bool:
        for run in names.capitalised_runs(sentence):
            length = 0
            for word in run:
                ok = word.lower() not in self.lowercase and word.lower() not in asked
                length = length + 1 if ok else 0
                if length >= 2:
                    return True
        return False

    @staticmethod
    def _words(text: str) -> set[str]:
        return {w.lower() for w in names.TOKEN.findall(text)}

    def topical(self, text: str) -> list[str]:
        """The stems of the text's topical words."""
        return stems(self.topical_words(text))

    def topical_words(self, text: str) -> list[str]:
        """The text's content words that are not everyday English (at or above
        ``abstain_everyday_zipf``): what it is about, not how it is put."""
        everyday_at = self.settings.abstain_everyday_zipf
        return [w for w in content_words(text) if everyday.zipf(w) < everyday_at]

    def distinctive(self, text: str) -> list[str]:
        """The text's topical words that fewer than ``abstain_common_share`` of sentences use."""
        return [w for w in self.topical(text) if self.frequency[w] < self.common]
