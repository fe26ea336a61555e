"""The route stage: which kind of answer a question asks for, decided from its wording.

A route is a first choice: composition falls back (register → passages, list → prose) when
the sources hold no answer of that kind, and records the fallback in the route's reason.
"""

from __future__ import annotations

import re

from guide_assistant.answer.question.answer_types import AnswerType
from guide_assistant.answer.question.questions import Question
from guide_assistant.models import Route

# Questions about duties go to the obligations register rather than free sentence picking;
# not a yes/no one ('should we have a support plan…?'): the sentence that decides it answers.
OBLIGATION_CUE = re.compile(
    r"\b(must (we|our|trusts?|employers?|organisations?)|should (we|our|trusts?|"
    r"employers?|organisations?)|have in place|obligations?|duties|duty|required to|"
    r"responsibilit(y|ies)|checklist|what do (we|employers|trusts|organisations) need)\b",
    re.IGNORECASE,
)
# Words that ask for a list; weaker words ("cover", "which") match too many plain questions.
LIST_CUE = re.compile(
    r"\b(list|lists|what are|what were|examples?|ways|types|kinds|categories|checklist|steps|"
    r"duties|responsibilities|what things|actions|factors|barriers|principles|priorities|"
    r"two|three|four|five|six|seven|eight|nine|ten|\d+ \w+s)\b",
    re.IGNORECASE,
)

ASKS_LIST = re.compile(r"\blists?\b", re.IGNORECASE)


def route(question: Question) -> Route:
    """The answer kind the question's own words ask for (not the follow-up context)."""
    if (cue := OBLIGATION_CUE.search(question.ask)) and not decides(question):
        return Route(name="register", reason=f"asks about duties ('{cue.group(0)}')")
    if question.across:  # 'what do the two papers say': not a list of two
        return Route(name="prose", reason="asks what each document says: the best of each")
    cue = LIST_CUE.search(question.ask)
    if cue and may_list(question):
        return Route(name="list", reason=f"asks for a list ('{cue.group(0)}')")
    return Route(name="prose", reason="no list or duty cue: the best few sentences")


def decides(question: Question) -> bool:
    """True for a yes/no question that doesn't ask for a list by name: its answer is the
    sentence that decides it ('can a social worker be the RC?'), not a list near it."""
    return question.wanted.type is AnswerType.YES_NO and not ASKS_LIST.search(question.ask)


def may_list(question: Question) -> bool:
    """Whether a list may answer it: not a yes/no question that doesn't name a list ('do I
    have to cover all five categories?' wants the sentence that decides it, while 'does the
    guidance list…?' asks for the list), nor one about what each document says."""
    return not decides(question) and not question.across


def asks_for_list(question: Question) -> bool:
    """True when the question names a list, whatever its first route."""
    return bool(LIST_CUE.search(question.ask))
