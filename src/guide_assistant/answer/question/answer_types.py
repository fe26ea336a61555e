"""What kind of answer a question wants, and whether a sentence gives that kind of thing.

Only English question forms are read here ("how many", "how long", "what date"), never the
corpus's words: a figure, a duration or a date is recognised in any document. The abstain
stage uses it so that "how many weeks is the probation?" is not answered with a sentence that
has no number of weeks in it. A person's name needs the sources' casing, so the abstain stage
checks that kind itself (``Abstention.names_someone``).
"""

from __future__ import annotations

import re
from enum import StrEnum
from functools import lru_cache

from pydantic import BaseModel, Field

from guide_assistant.answer.question.names import names_a_place
from guide_assistant.text import STOPWORDS, content_stems, words


class AnswerType(StrEnum):
    AMOUNT = "amount"  # a number or quantity: "how many social workers…"
    MONEY = "money"  # a sum of money: "how much does it cost…"
    SHARE = "share"  # a percentage or proportion: "what proportion of the hours…"
    DURATION = "duration"  # how long or how often: "how long does approval last…"
    DATE = "date"  # a date or a deadline: a day or a month, not only a year
    YEAR = "year"
    PERSON = "person"  # who holds a post somewhere: "who is the principal social worker at…"
    YES_NO = "yes_no"
    DEFINITION = "definition"
    PROCEDURE = "procedure"
    OTHER = "other"


class Wanted(BaseModel):
    """The answer type a question asks for, with the unit it counts in ('hours', 'weeks')."""

    type: AnswerType = AnswerType.OTHER
    unit: list[str] = Field(default_factory=list, description="Stems of the counted noun.")
    stated: list[str] = Field(
        default_factory=list,
        description="Figures the question states itself ('of the £4.5 billion, how much…'): "
        "a sentence repeating them does not give the figure asked for.",
    )

    @property
    def checkable(self) -> bool:
        """Types whose absence from the answer can be seen in its sentences."""
        return self.type in CHECKABLE


# A person's name is checked too, but by the abstain stage, which knows the sources' casing
# (``Abstention.names_someone``): no sentence shows a name on its own.
CHECKABLE = frozenset(
    {
        AnswerType.AMOUNT,
        AnswerType.MONEY,
        AnswerType.SHARE,
        AnswerType.DURATION,
        AnswerType.DATE,
        AnswerType.YEAR,
    }
)
NUMBER_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|"
    "forty|fifty|sixty|hundred|thousand|million|billion|half|quarter|third|dozen|once|twice"
)
NUMBER = re.compile(rf"\d|\b(?:{NUMBER_WORDS})\b", re.IGNORECASE)
TIME_UNITS = (
    "second",
    "minute",
    "hour",
    "day",
    "week",
    "fortnight",
    "month",
    "quarter",
    "year",
    "term",
    "session",
)
TIME_UNIT = rf"(?:{'|'.join(TIME_UNITS)})s?"
DURATION = re.compile(
    rf"(?:\d[\d.,]*|\b(?:{NUMBER_WORDS}|a|an|each|every|per|twice|once)\b)[\s-]+{TIME_UNIT}\b"
    r"|\b(?:daily|weekly|fortnightly|monthly|quarterly|annually|annual|yearly|biennial\w*)\b",
    re.IGNORECASE,
)
# Month names as written in prose; "may" is a month only beside a number.
MONTHS = (
    r"January|February|March|April|June|July|August|September|October|November|December"
    r"|May(?= \d)|(?<=\d )May"
)
DATE = re.compile(rf"\b(?:{MONTHS})\b|\b\d{{1,2}}(?:st|nd|rd|th)\b|\b\d{{1,2}}/\d{{1,2}}/\d\d")
YEAR = re.compile(r"\b(?:19|20)\d\d\b")
# A year said as a time limit ("by 2021", "until the end of 2022"), not a reference's year.
WHEN_YEAR = re.compile(
    r"\b(?:by|until|till|before|no later than)\s+(?:the end of\s+)?(?:\w+\s+)?"
    r"(?:19|20)\d\d\b",
    re.I,
)
# A figure as written, with its scale: '4.5 billion', '2021/22', '20,500'.
FIGURE = re.compile(r"(?:\d[\d,.:/]*\d|\d)(?:\s?(?:thousand|million|billion|bn|m|k)\b)?", re.I)
# A share as written: '20%', '20 per cent', 'half', 'a third', 'one in four'.
SHARE = re.compile(
    r"\d\s?%|\bper ?cent\b|\bhalf\b"
    r"|\b(?:a|one|two|three|four)[\s-](?:thirds?|quarters?|fifths?|tenths?)\b"
    r"|\b(?:\d+|one|two|three|four|five) in (?:\d+|two|three|four|five|ten)\b",
    re.I,
)
MONEY = re.compile(r"[£$€]\s?\d|\b\d[\d,.]*\s?(?:k|m|bn|pounds|euros|dollars)\b", re.I)

# Question forms, in the order they are tried (the first that matches decides).
FORMS: list[tuple[AnswerType, re.Pattern[str]]] = [
    (
        AnswerType.MONEY,
        re.compile(
            r"\bhow much\b.*\b(?:cost|costs|pay|paid|pays|worth|charge|charged|spend|spent|fund"
            r"|funded|earn|salary|budget|price|fee)\b|\b(?:salary|price|fee|cost) (?:of|for|is)\b"
            r"|\bhow much\b.*[£$€]\s?\d"  # 'how much of the £4.5 billion…' asks for a sum
            r"|\bwhat(?:'s|’s|s| is| are)? (?:the |our |my )?(?:\w+ )?(?:salary|price|fee|cost)\b",
            re.I,
        ),
    ),
    (
        AnswerType.SHARE,
        re.compile(r"\b(?:what|which) (?:percentage|proportion|share|fraction)\b|\bwhat %", re.I),
    ),
    (AnswerType.DURATION, re.compile(r"\bhow (?:long|often|frequently|soon)\b", re.I)),
    (AnswerType.YEAR, re.compile(r"\b(?:what|which) year\b|\bin what year\b", re.I)),
    (
        AnswerType.DATE,
        re.compile(
            r"\b(?:what|which) (?:date|dates|day|days|month)\b|\bdeadline\b|\bby when\b", re.I
        ),
    ),
    (
        AnswerType.AMOUNT,
        re.compile(
            r"\bhow (?:many|much|big|large)\b|\b(?:maximum|minimum|max|min)\b"
            r"|\bwhat (?:percentage|proportion|number|amount|figure|ratio)\b"
            r"|\bwhat (?:(?!(?:is|are|was|were|do|does|did|should|can|could|would|will|must"
            r"|may)\b)[\w-]+ ){0,3}?(?:band|grade)\b",
            re.I,
        ),
    ),
    (
        # Who holds a post at a place ('who is the PSW at St Mary's?'; ``_names_a_place``
        # tells 'at Oxleas' from 'at work') or a person's name asked for outright; not who
        # should do a thing ('who should supervise me?') nor who a body is ('who is the
        # regulator…?'): the guidance answers those with roles.
        AnswerType.PERSON,
        re.compile(
            r"\bwho(?:'s|’s| is)\s+the\s+(?:[\w-]+\s+){1,5}?at\s+(?P<place>[\w'’-]+"
            r"(?:\s+[\w'’-]+){0,3})|\bwhat(?:'s|’s| is| are)? the names? of (?:the )?"
            r"(?:person|people|individual)",
            re.I,
        ),
    ),
    (
        AnswerType.DEFINITION,
        re.compile(
            r"^(?:what(?:'s| is| are) (?:a |an |the )?\w+(?: \w+)?\??$|what does .* mean\b)|"
            r"\bdefin(?:e|ition)\b",
            re.I,
        ),
    ),
    (
        AnswerType.PROCEDURE,
        re.compile(
            r"\bhow (?:do|does|should|can|could|would|to)\b|\bwhat (?:steps|process)\b", re.I
        ),
    ),
    (
        AnswerType.YES_NO,
        re.compile(
            r"^(?:do|does|did|is|are|was|were|can|could|should|shall|must|will|would|may|might|"
            r"has|have|had)\b",
            re.I,
        ),
    ),
]
# The words of those forms: they say what kind of answer is wanted, not what it is about.
FORM_STEMS = frozenset(
    content_stems(
        "how many much long often frequently soon big large maximum minimum max min what which "
        "when date dates day days month year deadline percentage proportion share fraction "
        "number amount figure"
    )
)
# The counted noun follows "how many"/"how much" up to the first function word.
COUNTED = re.compile(r"\bhow (?:many|much)\s+([a-z][\w'’ -]*)", re.I)


def wanted(ask: str, glossary: dict[str, str] | None = None) -> Wanted:
    """The answer type ``ask`` wants (``ask`` without any preamble); a counted noun that is a
    short form of ``glossary`` also counts in its long form."""
    text = " ".join(ask.split())
    kind = next((t for t, form in FORMS if _asks(t, form, text)), AnswerType.OTHER)
    unit = _unit(text, glossary or {}) if kind is AnswerType.AMOUNT else []
    stated = sorted(set(FIGURE.findall(text)), key=len, reverse=True) if kind in CHECKABLE else []
    return Wanted(type=kind, unit=unit, stated=stated)


def _asks(kind: AnswerType, form: re.Pattern[str], text: str) -> bool:
    """Whether ``text`` has the question form of ``kind`` (a person only at a named place)."""
    match = form.search(text)
    if match is None or kind is not AnswerType.PERSON or not match.group("place"):
        return match is not None
    return names_a_place(match.group("place").split())


def _unit(text: str, glossary: dict[str, str]) -> list[str]:
    match = COUNTED.search(text)
    if not match:
        return []
    noun: list[str] = []
    for word in words(match.group(1)):
        if word in STOPWORDS:
            break
        noun.append(word)
        noun.extend(glossary.get(word, "").split())
    return content_stems(" ".join(noun))


TIME_STEMS = frozenset(content_stems(" ".join(TIME_UNITS)))


def counts_time(want: Wanted) -> bool:
    """Whether the counted noun is a unit of time ('how many hours'), not a named thing."""
    return bool(want.unit) and set(want.unit) <= TIME_STEMS


def holds(want: Wanted, sentence: str) -> bool:
    """Whether ``sentence`` gives the kind of thing ``want`` asks for (True when unchecked),
    other than the figures the question states itself."""
    if want.stated:
        sentence = _stated(tuple(want.stated)).sub(" ", sentence)
    if want.type is AnswerType.MONEY:
        return bool(MONEY.search(sentence))
    if want.type is AnswerType.SHARE:
        return bool(SHARE.search(sentence))
    if want.type is AnswerType.DURATION:
        return bool(DURATION.search(sentence))
    if want.type is AnswerType.DATE:  # a date may be given to the year
        return bool(DATE.search(sentence) or WHEN_YEAR.search(sentence))
    if want.type is AnswerType.YEAR:
        return bool(YEAR.search(sentence))
    if want.type is AnswerType.AMOUNT:
        return _counts(want.unit, sentence)
    return True


@lru_cache(maxsize=256)
def _stated(figures: tuple[str, ...]) -> re.Pattern[str]:
    """The question's figures as one pattern (longest first: '2021/22' before '2021'), each
    standing alone ('2' is no part of '2021'): compiled once, not per sentence checked."""
    alternatives = "|".join(re.escape(f) for f in figures)
    return re.compile(rf"(?<![\d.,/])(?:{alternatives})(?![.,/]?\d)", re.I)


def _counts(unit: list[str], sentence: str) -> bool:
    """A number in the sentence, followed closely by the counted noun when there is one."""
    if not unit:
        return bool(NUMBER.search(sentence))
    tokens = words(sentence)
    stems = content_stems(" ".join(tokens))
    if not set(unit) <= TIME_STEMS:
        # A named thing ('WTE social workers') is often written apart from its figure
        # ('2,894 social workers Whole Time Equivalent'): a figure and the thing will do.
        return bool(NUMBER.search(sentence)) and any(_same_noun(u, s) for u in unit for s in stems)
    # Stems and tokens differ in length (stopwords drop out), so look ahead in stems.
    for i, stem in enumerate(stems):
        if NUMBER.match(stem) and any(
            _same_noun(u, s) for u in unit for s in stems[i + 1 : i + 1 + UNIT_REACH]
        ):
            return True
    return False


def _same_noun(unit: str, stem: str) -> bool:
    """'place' counts 'placements'; the stemmer leaves such derivations apart."""
    return stem == unit or (min(len(unit), len(stem)) >= 4 and stem.startswith(unit))


UNIT_REACH = 3  # content words after a number within which the counted noun may come
