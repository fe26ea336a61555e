"""The question stage: spelling mended towards the sources' words, short forms mined from the
documents, the ask told from its preamble, and the kind of answer a question wants."""

from __future__ import annotations

import json

import pytest

from guide_assistant.answer.question.answer_types import AnswerType, holds, wanted
from guide_assistant.answer.question.questions import (
    Understanding,
    clauses,
    number_forms,
    split_ask,
)
from guide_assistant.answer.question.spelling import Speller, model_words
from guide_assistant.index.embedding import model_path
from guide_assistant.ingest import lexicon
from guide_assistant.settings import PACKAGED_MODEL, Settings

DOCUMENT = """# Supervision of Approved Mental Health Professionals (AMHPs)

Every Approved Mental Health Professional (AMHP) needs supervision from a senior colleague.
The organisational programme sets out professional supervision arrangements for secondment.
Community Mental Health Teams (CMHTs) hold regular forums.

| Term | Meaning |
|---|---|
| PSW | Principal Social Worker |
"""


@pytest.fixture(scope="module")
def known() -> set[str]:
    vocab = json.loads((model_path(PACKAGED_MODEL) / "tokenizer.json").read_text())
    return model_words(vocab["model"]["vocab"])


@pytest.fixture(scope="module")
def understanding(known) -> Understanding:
    return Understanding(Settings(), lexicon.mine([DOCUMENT]), known)


def test_the_lexicon_holds_the_documents_short_forms_from_prose_and_from_term_lists():
    mined = lexicon.mine([DOCUMENT])
    assert mined.glossary["amhp"].startswith("approved mental health professional")
    assert mined.glossary["psw"] == "principal social worker"  # from the table of terms
    assert mined.words["supervision"] == 3
    assert mined.prefers_long("psw") is False  # written 'PSW' once, spelled out once


def test_the_lexicon_is_stored_in_the_build_and_read_back(tmp_path):
    mined = lexicon.mine([DOCUMENT])
    lexicon.persist(mined, tmp_path)
    assert lexicon.load(tmp_path, []) == mined
    assert lexicon.load(tmp_path / "older-build", [DOCUMENT]) == mined  # mined again


@pytest.mark.parametrize(
    ("typed", "used"),
    [
        ("supervison", "supervision"),  # a letter left out
        ("secondmant", "secondment"),  # a letter wrong
        ("organizational", "organisational"),  # American spelling
        ("program", "programme"),
        ("hrs", "hours"),  # common shorthand
        ("ppl", "people"),
    ],
)
def test_misspellings_and_other_spellings_are_mended_to_the_sources_word(known, typed, used):
    speller = Speller(lexicon.mine([DOCUMENT]), known, Settings().spelling)
    assert speller.correct(f"who gives {typed}?").changes == {typed: used}


@pytest.mark.parametrize("word", ["salary", "parking", "supervises", "CMHT", "forum"])
def test_real_words_and_inflections_are_left_alone(known, word):
    """'salary' is English the sources don't use (the abstain stage must see it); 'CMHT' and
    'supervises' are forms of the sources' own words."""
    speller = Speller(lexicon.mine([DOCUMENT]), known, Settings().spelling)
    assert speller.correct(f"what about {word}?").changes == {}


# A text that writes its phrases out and never defines a short form for them.
WRITTEN_OUT = " ".join(
    ["Social workers in mental health teams need supervision."] * 12
    + ["Social workers join in.", "Sunday walks start early.", "Pain management matters."] * 2
    + ["Practice standards apply.", "Pay scales apply."] * 10
)


def test_the_initials_of_the_sources_phrases_are_mined_with_their_counts():
    mined = lexicon.mine([WRITTEN_OUT])
    assert mined.initials["sws"]["social workers"] == 14  # the plural keeps its s
    assert mined.initials["mh"]["mental health"] == 12
    assert "in mental" not in mined.initials.get("im", {})  # phrases are of content words


@pytest.mark.parametrize(
    ("typed", "used"),
    [("sws", "social workers"), ("MH", "mental health"), ("mhts", "mental health teams")],
)
def test_short_forms_nobody_defined_are_read_as_the_sources_frequent_phrase(known, typed, used):
    speller = Speller(lexicon.mine([WRITTEN_OUT]), known, Settings().spelling)
    assert speller.correct(f"do {typed} get cover?").changes == {typed: used}


@pytest.mark.parametrize(
    "typed",
    [
        "sw",  # the text never writes a singular 'social worker'
        "ps",  # 'practice standards' or 'pay scales': ambiguous
        "pm",  # everyday English ('pain management' is too rare anyway)
    ],
)
def test_rare_ambiguous_or_everyday_initials_are_left_as_typed(known, typed):
    speller = Speller(lexicon.mine([WRITTEN_OUT]), known, Settings().spelling)
    assert speller.correct(f"do {typed} get cover?").changes == {}


NAMED = (
    "Social workers should sit on forums such as Multi-Agency Public Protection Arrangements "
    "and Multi Agency Risk Assessment Conferences. The Electronic Staff Record holds posts. "
    "Staff use the Rapid Access Pathway and the Rapid Assessment Plan."
)


def test_the_initials_of_capitalised_names_are_mined_when_only_one_name_has_them():
    names = lexicon.mine([NAMED]).names
    assert names["mappa"] == "multi agency public protection arrangements"
    assert names["marac"] == "multi agency risk assessment conferences"
    assert names["esr"] == "electronic staff record"  # a leading 'The' is no part of it
    assert "rap" not in names  # two names have those initials
    assert "sw" not in names  # 'Social workers' opens a sentence: two words are no name


def test_a_short_form_of_a_name_the_sources_write_out_is_read_as_the_name(known):
    speller = Speller(lexicon.mine([NAMED]), known, Settings().spelling)
    assert speller.correct("should we sit on MAPPA?").changes == {
        "MAPPA": "multi agency public protection arrangements"
    }


@pytest.mark.parametrize(
    ("ask", "parts"),
    [
        (
            "how many AMHPs are there, and how many work in the NHS?",
            ["how many AMHPs are there", "how many work in the NHS?"],
        ),
        (
            "LGA standards - optional or not? what do the two papers say",
            ["LGA standards - optional or not", "what do the two papers say"],
        ),
        ("who supervises AMHPs and how often?", []),  # one thing asked, with a detail
        ("what are the five role categories?", []),
    ],
)
def test_a_question_asking_several_things_is_told_apart_part_by_part(ask, parts):
    assert clauses(ask, 2) == parts


@pytest.mark.parametrize(
    ("typed", "preamble", "ask"),
    [
        ("HR here - what must we record?", "HR here -", "what must we record?"),
        (
            "Hi, I'm new. Who supervises me?",
            "Hi, I'm new.",
            "Who supervises me?",
        ),
        ("PCF - how many levels has it got?", "PCF -", "how many levels has it got?"),
        ("who supervises AMHPs?", "", "who supervises AMHPs?"),
        ("supervision for AMHPs", "", "supervision for AMHPs"),  # no question: all of it
    ],
)
def test_the_ask_is_told_from_its_preamble(typed, preamble, ask):
    assert split_ask(typed) == (preamble, ask)


def test_the_question_stage_keeps_what_was_typed_and_searches_the_mended_text(understanding):
    asked = understanding.understand("quick q - who gives AMHP supervison?")
    assert asked.text == "quick q - who gives AMHP supervison?"
    assert asked.ask == "who gives AMHP supervision?"
    assert "supervision" in asked.query
    assert asked.corrections == {"supervison": "supervision"}


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("how many weeks is the probation?", AnswerType.AMOUNT),
        ("how much does the trust pay for training?", AnswerType.MONEY),
        ("what's the starting salary?", AnswerType.MONEY),
        ("whats the yearly fee to stay registered?", AnswerType.MONEY),  # typed without '
        ("how much of the £4.5 billion goes to social work?", AnswerType.MONEY),
        ("what percentage of the board must be social workers?", AnswerType.SHARE),
        ("what proportion of hours is off the job?", AnswerType.SHARE),
        ("how often should supervision happen?", AnswerType.DURATION),
        ("what's the deadline for the health check?", AnswerType.DATE),
        ("which year did registration start?", AnswerType.YEAR),
        ("does the guidance apply to councils?", AnswerType.YES_NO),
        ("how do I raise a concern?", AnswerType.PROCEDURE),
        ("who supervises AMHPs?", AnswerType.OTHER),
        ("what does band 6 mean for me?", AnswerType.DEFINITION),
        ("whats the max caseload for a sw in a cmht?", AnswerType.AMOUNT),  # chat's 'max'
        ("who is the principal social worker at Riverside Trust?", AnswerType.PERSON),
        ("who's the psw at oxleas", AnswerType.PERSON),  # a name typed in lower case
        ("who is the AMHP lead at st marys?", AnswerType.PERSON),
        ("who is the psw at north east london nhs foundation trust", AnswerType.PERSON),
        ("who is the lead at night?", AnswerType.OTHER),  # everyday words: when, not where
        ("what's the name of the person who leads AMHPs?", AnswerType.PERSON),
        ("what is the name of the regulator?", AnswerType.OTHER),  # a body
        ("who is the person to talk to at work?", AnswerType.OTHER),
        ("who is the social worker at most risk?", AnswerType.OTHER),
        ("who is the lead at senior management level?", AnswerType.OTHER),
        ("who is the lead at my trust?", AnswerType.OTHER),
        ("who is the regulator for social work in england?", AnswerType.OTHER),  # a body
        ("who is the social work lead at board level?", AnswerType.OTHER),  # a level
        ("who should be the lead for social work in our trust?", AnswerType.OTHER),  # a role
    ],
)
def test_the_kind_of_answer_a_question_wants(question, kind):
    assert wanted(question).type is kind


@pytest.mark.parametrize(
    ("sentence", "gives"),
    [
        ("Trusts should do this by 31 March 2021.", True),
        ("Trusts should have a lead in place by 2021.", True),  # a date given to the year
        ("Returns are due no later than the end of 2022.", True),
        ("Trusts should have a lead (HEE, 2020).", False),  # a reference's year is no date
        ("Trusts should have a lead in place.", False),
    ],
)
def test_a_time_limit_may_be_given_to_the_year_but_not_by_a_reference(sentence, gives):
    assert holds(wanted("by when should trusts have a lead?"), sentence) is gives


def test_a_count_needs_a_number_of_the_counted_thing():
    weeks = wanted("how many weeks is the probation?")
    assert weeks.unit == ["week"]
    assert holds(weeks, "The probation lasts 12 weeks.")
    assert not holds(weeks, "AMHPs need 18 hours of training a year.")
    assert holds(wanted("how often is supervision?"), "Supervision happens at least monthly.")
    assert not holds(wanted("what's the deadline?"), "Trusts may review this in 2020.")
    assert holds(wanted("what's the deadline?"), "Returns are due by 30 September.")
    assert not holds(wanted("how much does it cost?"), "It costs 160 participants.")
    assert holds(wanted("how much does it cost?"), "It costs £2,000 a place.")


def test_a_figure_the_question_states_does_not_answer_it():
    """'Of the £4.5 billion, how much…?' is not answered by the sentence giving £4.5 billion,
    nor 'what percentage … by 2021/22?' by one saying 'by 2021/22': each only repeats what
    was asked. A figure inside a longer one still stands: '2' is no part of '2021'."""
    money = wanted("how much of the £4.5 billion is ring-fenced?")
    assert money.stated == ["4.5 billion"]
    assert not holds(money, "The plan includes £4.5 billion of new funding.")
    assert holds(money, "Of that, £20 million is ring-fenced.")
    share = wanted("what percentage of leaders must be BAME by 2021/22?")
    assert not holds(share, "Every organisation will set a target for its leaders by 2021/22.")
    assert not holds(share, "Black and minority ethnic leaders are under-represented.")
    assert holds(share, "A minimum of 20% of the apprentice's paid hours.")
    assert holds(share, "Half of the leaders should come from the profession.")
    hours = wanted("how many hours of the 2 days are training?")
    assert holds(hours, "In 2021, 12 hours were training.")
    assert not holds(share, "It works with the third sector.")  # an ordinal, not a share


def test_a_figure_need_not_repeat_the_question_form_only_its_topic():
    """'How often' asks for a frequency; 'often' is not what the question is about. Here the
    topic ('appraisal') is in most sentences, so no distinctive word is left to require:
    'often', rare in these sources, must not become one."""
    from guide_assistant.answer.check.abstention import Abstention
    from guide_assistant.text import content_stems

    texts = [
        "Appraisal happens at least annually.",
        "Appraisal is often hard to arrange.",
        "Staff park on level two.",
        *(f"Appraisal note number {n}." for n in range(40)),
    ]
    abstention = Abstention(Settings(), [set(content_stems(t)) for t in texts], [], texts)
    question = "how often is appraisal done?"
    want = wanted(question)
    assert abstention.gives(want, [0], question)  # a frequency, about appraisal
    assert not abstention.gives(want, [1], question)  # 'often', but no frequency
    assert not abstention.gives(want, [2], question)


def test_a_figure_about_a_named_body_must_name_it():
    """'How many social workers does Riverside Partnership Trust employ?' is not answered by
    the national count; a name made only of the sources' common words asks nothing."""
    from guide_assistant.answer.check.abstention import Abstention
    from guide_assistant.text import content_stems

    texts = [
        "There are 20,500 registered social workers in England.",
        "Riverside Partnership Trust employs 40 social workers.",
        *(f"Social work note number {n} for social workers." for n in range(40)),
    ]
    abstention = Abstention(Settings(), [set(content_stems(t)) for t in texts], [], texts)
    named = "how many social workers does Riverside Partnership Trust employ?"
    assert not abstention.gives(wanted(named), [0], named)
    assert abstention.gives(wanted(named), [1], named)
    common = "how many social workers does Social Work count?"
    assert abstention.gives(wanted(common), [0], common)


@pytest.mark.parametrize(
    ("typed", "across"),
    [
        ("what do both papers mean by co-production?", True),
        ("what do the two documents say about CPD?", True),
        ("do both the HEE and TCSW docs say I get supervision?", True),
        ("LGA standards - optional or not? what do the two papers say", True),
        ("what are the two kinds of supervision?", False),
        ("is there a course where you qualify as both a nurse and a social worker?", False),
    ],
)
def test_a_question_about_what_each_document_says_is_told(understanding, typed, across):
    assert understanding.understand(typed).across is across


@pytest.mark.parametrize(
    ("turn", "leans"),
    [
        # A later part's 'that' points back to the question's own first part.
        ("can a social worker become a responsible clinician, and is that common?", False),
        ("what should the trust's central register of staff hold, and what's it for?", False),
        # The first part is too short to be what 'it' points to, or holds the reference.
        ("which one is about AMHPs, and what support does it say they need?", True),
        ("does the trust have to free up their time for it?", True),
        ("and how often?", True),
    ],
)
def test_a_turn_is_glued_to_the_last_only_when_it_depends_on_it(turn, leans):
    from guide_assistant.answer.question.questions import standalone_query
    from guide_assistant.models import ChatMessage

    earlier = [ChatMessage(role="user", content="how many hours of AMHP training a year?")]
    assert (standalone_query(turn, earlier) != turn) is leans


def test_numbers_are_searched_in_both_spellings(understanding):
    assert number_forms("what are the 8 considerations and the five categories?") == ["eight", "5"]
    assert number_forms("which one of them, in 2019?") == []  # a pronoun; no word for 2019
    asked = understanding.understand("what are the 8 considerations?")
    assert asked.keywords.split()[-1] == "eight"
    assert asked.query == "what are the 8 considerations?"


@pytest.mark.parametrize(
    ("typed", "aside", "alone"),
    [
        (
            "whats the 8 considerations? need them for a slide thx",
            "need them for a slide thanks",  # mended
            "whats the 8 considerations?",
        ),
        # Chat drops question marks: a tail with a question word may be a second question.
        ("does our trust need a PSW? also should the LA PSW come to our board", "", None),
        ("who supervises AMHPs?", "", None),
    ],
)
def test_an_aside_after_the_question_is_told_from_it(understanding, typed, aside, alone):
    asked = understanding.understand(typed)
    assert asked.aside == aside
    assert asked.alone == (alone or asked.ask)
    assert asked.chatter == bool(aside)
    assert asked.ask.endswith(asked.aside)  # routing and answer types still read all of it
