"""The question stage: check what was typed, tell the ask from its preamble, normalise its
spelling and short forms towards the sources, see what kind of answer it wants, and make a
follow-up searchable on its own."""

from __future__ import annotations

import re
from collections.abc import Sequence

from pydantic import BaseModel, Field

from guide_assistant.answer.question.answer_types import Wanted, wanted
from guide_assistant.answer.question.spelling import Speller
from guide_assistant.ingest.lexicon import Lexicon
from guide_assistant.models import ChatMessage, QuestionError
from guide_assistant.settings import Settings
from guide_assistant.text import NUMBER_WORDS, content_stems

FOLLOW_UP = re.compile(
    r"^\s*(and|but|so|ok|okay|what about|how about|also|then|same|is that|does that|"
    r"do they|does it|can it|can they|what if)\b|\b(it|that|this|they|them|those|these|there|"
    r"he|she|his|her|their)\b",
    re.IGNORECASE,
)
# Where a preamble ends: a sentence end, or a dash or colon between clauses.
SEGMENT_END = re.compile(r"(?<=[.?!])\s+|\s+[-–—]+\s+|:\s+")
# An English question opens with a question word or an auxiliary verb.
QUESTION_WORDS = (
    r"(who|whom|whose|what|what's|whats|wat|when|where|which|why|how|do|does|did|is|are|"
    r"was|were|can|could|should|shall|must|will|would|may|might|has|have|any|anything)\b"
)
INTERROGATIVE = re.compile(rf"^\W*{QUESTION_WORDS}", re.IGNORECASE)
ASKING = re.compile(rf"\b{QUESTION_WORDS}", re.IGNORECASE)

# A question about what several documents say: 'what do both papers say…', 'do the two
# documents agree…', 'both the HEE and TCSW docs'. English words for documents, no names.
ACROSS = re.compile(
    r"\b(?:both|two|each|either|all)\b(?:\s+[\w'’-]+){0,4}?\s+"
    r"(?:documents?|papers?|docs?|sources?|publications?|reports?)\b",
    re.IGNORECASE,
)


# Where a question's parts meet: "…overall, and how many in the NHS?", "…? what do the two
# papers say", "…; and who…". The next part must open like a question.
CLAUSE_JOIN = re.compile(rf"\?\s+|;\s+|,?\s+and\s+(?={QUESTION_WORDS})", re.I)


def clauses(ask: str, least_words: int) -> list[str]:
    """The parts of a question that asks several things, each with at least ``least_words``
    content words; [] for a question that asks one thing."""
    parts = [p.strip() for p in CLAUSE_JOIN.split(ask) if p and p.strip()]
    parts = [p for p in parts if not INTERROGATIVE.fullmatch(p)]
    kept = [p for p in parts if len(content_stems(p)) >= least_words]
    return kept if len(kept) > 1 else []


class Question(BaseModel):
    """A question ready for the pipeline: what was typed, the ask in the sources' spelling,
    and the texts to search with."""

    text: str = Field(description="What was asked, cleaned: shown back to the user.")
    ask: str = Field(description="The question itself, without any preamble, spelling mended.")
    preamble: str = Field("", description="What came before the ask ('HR here -'), mended.")
    aside: str = Field(
        "", description="What followed its last '?' and asks nothing ('need it for a slide')."
    )
    query: str = Field(description="What is embedded: the mended text, with a follow-up's context.")
    keywords: str = Field(description="What BM25 searches: the query with short forms spelled out.")
    wanted: Wanted = Field(default_factory=Wanted, description="The kind of answer it asks for.")
    part_wanted: list[Wanted] = Field(
        default_factory=list, description="The kind of answer each of its clauses asks for."
    )
    corrections: dict[str, str] = Field(default_factory=dict, description="typed → searched")
    follow_up: bool = Field(False, description="Searched together with the turns before it.")
    clauses: list[str] = Field(
        default_factory=list, description="The parts of a question asking several things."
    )
    across: bool = Field(
        False, description="Asks what each of several documents says ('what do both papers…')."
    )

    @property
    def alone(self) -> str:
        """The question alone: the ask without an aside after it."""
        return self.ask[: len(self.ask) - len(self.aside)].strip() if self.aside else self.ask

    @property
    def chatter(self) -> bool:
        """Whether anything was said around the question: a preamble or an aside."""
        return bool(self.preamble or self.aside)

    @property
    def said(self) -> str:
        """This turn, mended, preamble included (a follow-up without its context)."""
        return f"{self.preamble} {self.ask}".strip()


def count_named(question: str, most: int) -> int | None:
    """The size of list a question names ('the five role categories', '15 actions')."""
    for word in re.findall(r"[a-z]+|\d+", question.lower()):
        number = int(word) if word.isdigit() else int(NUMBER_WORDS.get(word, 0))
        if 1 < number <= most:
            return number
    return None


def validate_question(question: object, max_chars: int) -> str:
    """The question, cleaned; raises ``QuestionError`` with a user-facing message."""
    if not isinstance(question, str):
        raise QuestionError("Please type a question as text.")
    text = "".join(ch for ch in question if ch.isprintable() or ch in "\n\t").strip()
    if not text:
        raise QuestionError("Please type a question: the input was empty.")
    if len(text) > max_chars:
        raise QuestionError(
            f"That question is {len(text):,} characters long; the limit is {max_chars:,}. "
            "Please ask something shorter."
        )
    if not re.search(r"[^\W\d_]{2,}", text):
        raise QuestionError("That doesn't look like a question in words; please rephrase it.")
    return text


def split_ask(text: str) -> tuple[str, str]:
    """(preamble, ask): the ask runs from the first clause that is a question to the end."""
    cuts = [0, *(m.end() for m in SEGMENT_END.finditer(text))]
    for start in cuts:
        clause = text[start:]
        end = SEGMENT_END.search(clause)
        head = clause[: end.start()] if end else clause
        if INTERROGATIVE.match(head) or head.rstrip().endswith("?"):
            return text[:start].strip(), clause.strip()
    return "", text


def aside(ask: str) -> str:
    """What follows a question's last '?' without asking anything ('need them for a slide,
    thx'): context, like a preamble. Chat drops question marks, so a tail with any question
    word may be a second question and is not an aside."""
    _, mark, tail = ask.rpartition("?")
    tail = tail.strip()
    return "" if not mark or ASKING.search(tail) else tail


def _leans_on_context(question: str, short: int) -> bool:
    """Whether a turn needs the turns before it: a reference in its first part, or in a
    later part when the first is too short to be what it points to ('…become a responsible
    clinician, and is that common?' points back to its own first part); or too few words."""
    first = CLAUSE_JOIN.split(question, maxsplit=1)[0]
    if FOLLOW_UP.search(first) or len(content_stems(question)) <= short:
        return True
    return bool(FOLLOW_UP.search(question)) and len(content_stems(first)) <= short


def standalone_query(question: str, history: Sequence[ChatMessage], short: int = 3) -> str:
    """A follow-up ('and how often?', or at most ``short`` content words) is searched together
    with the question(s) before it."""
    asked = [m.content for m in history if m.role == "user" and m.content.strip()]
    if not asked or not _leans_on_context(question, short):
        return question
    context = [asked[-1]]
    if len(asked) > 1 and _leans_on_context(asked[-1], short):
        context.insert(0, asked[-2])
    return " ".join([*context, question])


DIGITS = {digits: word for word, digits in NUMBER_WORDS.items()}


def number_forms(text: str) -> list[str]:
    """The other spelling of each small number ``text`` writes: "8 considerations" is
    searched as the sources may write it, "eight considerations", and the other way round."""
    found = re.findall(r"\b(\d+|[a-z]+)\b", text.lower())
    # "one" is more often a pronoun ("the IT one") than a count.
    numbers = [w for w in found if w in DIGITS or (w in NUMBER_WORDS and w != "one")]
    return [DIGITS.get(w) or NUMBER_WORDS[w] for w in numbers]


def spelled_out(text: str, glossary: dict[str, str]) -> str:
    """``text`` followed by the long forms of the short forms it uses, and the other
    spelling of its numbers."""
    found = [
        glossary[w] for w in dict.fromkeys(re.findall(r"[a-z]+", text.lower())) if w in glossary
    ]
    singular = [
        glossary[w[:-1]]
        for w in re.findall(r"[a-z]+s\b", text.lower())
        if w not in glossary and w[:-1] in glossary
    ]
    return " ".join([text, *dict.fromkeys(found + singular + number_forms(text))])


class Understanding:
    """The question stage, knowing the sources' lexicon."""

    def __init__(self, settings: Settings, lexicon: Lexicon, known: set[str]) -> None:
        self.settings = settings
        self.glossary = lexicon.glossary
        # BM25 gets a short form's long form only where the sources mostly write it out:
        # adding 'mental health social workers' for every 'MHSW' only dilutes the query.
        self.expand = {s: long for s, long in lexicon.glossary.items() if lexicon.prefers_long(s)}
        self.speller = Speller(lexicon, known, settings.spelling)

    def understand(
        self, question: object, history: Sequence[ChatMessage | dict[str, str]] | None = None
    ) -> Question:
        """Validate, split off the preamble, mend spelling, then condense a follow-up."""
        text = validate_question(question, self.settings.max_question_chars)
        turns = [m if isinstance(m, ChatMessage) else ChatMessage(**m) for m in history or []]
        mended = self.speller.correct(text)
        preamble, ask = split_ask(mended.text)
        earlier = [
            ChatMessage(role=m.role, content=self.speller.correct(m.content).text) for m in turns
        ]
        query = standalone_query(mended.text, earlier, self.settings.follow_up_words)
        parts = clauses(ask, self.settings.clause_words)
        return Question(
            text=text,
            ask=ask,
            preamble=preamble,
            aside=aside(ask),
            query=query,
            keywords=spelled_out(query, self.expand),
            wanted=wanted(ask, self.glossary),
            corrections=mended.changes,
            follow_up=query != mended.text,
            clauses=parts,
            part_wanted=[wanted(part, self.glossary) for part in parts],
            across=bool(ACROSS.search(ask)),
        )
