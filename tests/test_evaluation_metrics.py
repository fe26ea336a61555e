"""Where the eval finds a golden item's evidence: every passage that holds a quote."""

from __future__ import annotations

import itertools

from guide_assistant.evaluation.metrics import GoldenItem, evidence_ids, evidence_spans
from guide_assistant.models import Passage

LISTED = "Enabling citizens to access services."
TEXT = (
    f"# Summary\n\nThe roles in short. {LISTED}\n\n# Roles\n\nIn full: **Enabling citizens** "
    "to access   services.\n\n# Other\n\nNothing of the sort here.\n"
)


def _passages() -> list[Passage]:
    cuts = [TEXT.index("# Summary"), TEXT.index("# Roles"), TEXT.index("# Other"), len(TEXT)]
    return [
        Passage(id=f"d-{n}", source_id="doc", title="D", section=[], text=TEXT[a:b], start=a, end=b)
        for n, (a, b) in enumerate(itertools.pairwise(cuts))
    ]


def _item(quote: str) -> GoldenItem:
    return GoldenItem.model_validate(
        {
            "id": "x",
            "kind": "list",
            "persona": "hr",
            "question": "what are the roles?",
            "answer": "...",
            "evidence": [{"source_id": "doc", "quote": quote}],
        }
    )


def test_a_quote_the_document_gives_twice_is_evidence_in_both_places():
    spans = evidence_spans(TEXT, LISTED)
    assert len(spans) == 2  # once plain, once with emphasis marks and wider spaces
    assert [TEXT[a:b].replace("*", "").split() for a, b in spans] == [LISTED[:-1].split()] * 2
    assert evidence_ids(_item(LISTED), _passages(), {"doc": TEXT}) == {"d-0", "d-1"}


def test_a_quote_given_once_is_evidence_only_where_it_stands():
    assert evidence_ids(_item("The roles in short."), _passages(), {"doc": TEXT}) == {"d-0"}
    assert evidence_ids(_item("Not in the text at all."), _passages(), {"doc": TEXT}) == set()


def test_a_quote_is_found_however_its_copy_ends():
    text = "# Summary\n\n- Ensure supervision for all;\n\n# Body\n\nEnsure supervision for all.\n"
    spans = evidence_spans(text, "Ensure supervision for all.")
    assert [text[a:b] for a, b in spans] == ["Ensure supervision for all"] * 2
    assert evidence_spans(text, "Ensure supervision for none.") == []
