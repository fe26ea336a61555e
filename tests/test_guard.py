"""The guard's parts without a server: sentence splitting, and the support checker (the shipped
support model and the agreement rules: numbers, dates, named bodies, negation) on hand-written
sentences."""

from __future__ import annotations

from pathlib import Path

import pytest

from guide_assistant.answer.check import agreement, entailment, guard, support
from guide_assistant.models import Answer, Citation, Passage

PASSAGE = (
    "Supervision for specific roles\n\n"
    "AMHPs require a minimum of 18 hours of AMHP-specific training a year to maintain their LA "
    "approval. Both NHS and LAs must ensure that AMHPs are released from other roles to meet "
    "these requirements. Supervision should not be cancelled at short notice. Reviews take "
    "place every March with Social Work England."
)
CHECKER = support.Checker()  # the shipped support model at its card's threshold
PASSAGE_DIR_THAT_IS_NOT = Path("/nonexistent/support-model")


@pytest.mark.parametrize(
    "sentence",
    [
        "AMHPs need at least eighteen hours of AMHP-specific training a year to maintain their "
        "LA approval.",
        "NHS trusts and LAs must ensure AMHPs are released from other roles to meet these "
        "requirements.",
        "Supervision should not be cancelled at short notice.",
        "Reviews with Social Work England take place every March.",
        "One way to maintain LA approval is at least eighteen hours of AMHP-specific training "
        "a year.",
        "Reviews take place every March with England Social Work.",
    ],
    ids=[
        "number-in-words",
        "paraphrase",
        "negation-kept",
        "named-body",
        "one-as-pronoun",
        "name-reworded",
    ],
)
def test_the_hard_checks_let_faithful_paraphrases_through(sentence):
    """The hard checks veto only a changed detail: figures in words, 'NHS trusts' for 'NHS',
    a kept 'not' and a reordered name are not changes. (Whether the support model accepts a
    paraphrase is measured in evals/test_support_pairs.py, on pairs written apart.)"""
    best = agreement.closest(sentence, agreement.segments(PASSAGE))
    assert best is not None
    assert best in PASSAGE
    assert agreement.disagreement(sentence, PASSAGE, best) is None


def test_a_verbatim_sentence_passes_without_the_model():
    sentence = "Supervision should not be cancelled at short notice."
    broken = support.Checker(model=entailment.SupportModel(folder=PASSAGE_DIR_THAT_IS_NOT))
    verdict = broken.verify(sentence, [PASSAGE])  # the model would fail to load: not asked
    assert verdict.ok
    assert verdict.evidence == sentence


@pytest.mark.parametrize(
    ("sentence", "reason"),
    [
        ("AMHPs require a minimum of 28 hours of AMHP-specific training a year.", "number 28"),
        ("AMHPs require eighteen thousand hours of AMHP-specific training a year.", "18000"),
        ("Supervision should be cancelled at short notice.", "drops the negation"),
        ("AMHPs do not require AMHP-specific training to maintain LA approval.", "says not"),
        ("Reviews take place every June with Social Work England.", "june"),
        # A duty moved to another body, in plain words: the support model's to judge.
        ("Commissioners must ensure that AMHPs are released from other roles.", "support model"),
        (
            "Both NHS and LAs must ensure AMHPs are released from other roles to meet Care "
            "Quality requirements.",
            "care quality",
        ),
        ("AMHPs should be given a company car and a parking permit.", "support model"),
        ("AMHPs may choose whether to keep their LA approval.", "support model"),
    ],
    ids=[
        "number",
        "magnitude",
        "negation-dropped",
        "negation-added",
        "date",
        "actor",
        "name",
        "invented",
        "modality",
    ],
)
def test_unsupported_sentences_fail_with_a_reason(sentence, reason):
    verdict = CHECKER.verify(sentence, [PASSAGE])
    assert not verdict.ok
    assert reason in (verdict.reason or "").lower()


def test_split_keeps_markers_with_their_sentence():
    reply = (
        "AMHPs need training, e.g. forums [1]. They need supervision. [2]\n"
        "- One item [1, 3]\n"
        "Supervision [1] should be monthly [2] Managers must record it [3]"
    )
    got = [(s.text, s.markers, s.item) for s in guard.split(reply)]
    assert got == [
        ("AMHPs need training, e.g. forums.", [1], False),
        ("They need supervision.", [2], False),
        ("One item", [1, 3], True),
        ("Supervision should be monthly", [1, 2], False),
        ("Managers must record it", [3], False),
    ]


def test_out_of_range_and_missing_markers_are_dropped():
    passage = Passage(
        id="p", source_id="s", title="T", section=["S"], text=PASSAGE, start=0, end=len(PASSAGE)
    )
    reply = (
        "Supervision should not be cancelled at short notice [1]. "
        "Supervision should not be cancelled at short notice [2]. "
        "Supervision should not be cancelled at short notice."
    )
    result = guard.guard(reply, [passage], CHECKER)
    assert result.generated == 3
    assert len(result.kept) == 1
    assert [d.reason for d in result.dropped] == [
        "it cites [2], but only [1]-[1] were given",
        "it cites no passage",
    ]


def test_check_applies_the_agreement_rules_to_written_answers_only():
    citation = Citation(n=1, source_id="s", title="T", section="S", text=PASSAGE)
    text = "AMHPs require a minimum of 18 hours of AMHP-specific training a year [1]."
    changed = text.replace("18", "28")
    written = Answer(question="q", answer=changed, citations=[citation], mode="llm")
    quoted = Answer(question="q", answer=changed, citations=[citation])
    assert support.check(written).faithfulness == 0.0
    assert support.check(written, CHECKER).faithfulness == 0.0
    # The extractive checker keeps its word-overlap rule (its answers are verbatim anyway).
    assert support.check(quoted).faithfulness == 1.0


def test_list_items_are_judged_with_their_lead_in():
    passage = Passage(
        id="p", source_id="s", title="T", section=["S"], text=PASSAGE, start=0, end=len(PASSAGE)
    )
    reply = (
        "Both NHS and LAs must:\n"
        "- ensure that AMHPs are released from other roles [1]\n"
        "- pay AMHPs a bonus [1]\n"
        "Commissioners must:\n"
        "- ensure that AMHPs are released from other roles [1]"
    )
    result = guard.guard(reply, [passage], CHECKER)
    assert result.generated == 3  # the lead-ins are part of their items
    assert result.shown == 1
    assert [k.sentence.text for k in result.kept] == [
        "Both NHS and LAs must:",
        "ensure that AMHPs are released from other roles",
    ]
    # The item read with its lead-in: the duty is the NHS's and LAs', not commissioners'.
    assert result.dropped[-1].text == "ensure that AMHPs are released from other roles"
