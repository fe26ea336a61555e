"""Precision and recall of the obligations-register search on queries typed the way HR types.

evals/obligations_search.jsonl: each query (typos and all) with the register rows relevant to
it, labelled by reading the register's texts; each row is a verbatim ``quote`` of its text so
labels survive id changes. Queries with no relevant rows ("parking permits") must find
nothing. The cut-off (settings ``register_search.*``) was tuned on the ``dev`` split only;
the floors below are set from what the ``test`` split achieved (floors, not targets).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from guide_assistant.obligations import register as obligations
from guide_assistant.obligations.search import RegisterSearch
from guide_assistant.settings import Settings

LABELS = Path(__file__).with_name("obligations_search.jsonl")
# On test, pooled over queries: precision 0.567 (17 of 30 rows), recall 0.486 (17 of 35
# labels), F1 0.523. Floors one item below: one label fewer found (16 of 35 = 0.457, F1
# 0.504 at 16 of 29), or one more row that is not one (17 of 31 = 0.548).
# These floors were 0.57 / 0.51 / 0.53 (precision 0.594, recall 0.543, F1 0.567) while the
# topic tags came from 18 hand-written topic patterns keyed to this corpus's words (safety:
# "violen|lone working|…"). #23 deletes them; tags derived from the editions' headings
# (obligations/topics.py) find two labels fewer on these 15 queries. Lowered on the same items,
# with that reason: the one deliberate exception to "a floor is never lowered on its items".
MIN_PRECISION = 0.54
MIN_RECALL = 0.45
MIN_F1 = 0.50
MAX_ROWS_FOR_NO_MATCH = 1  # rows returned, per query with no relevant row


@pytest.fixture(scope="module")
def register(tmp_path_factory) -> list[obligations.Obligation]:
    root = tmp_path_factory.mktemp("register")
    settings = Settings(data_dir=root / "data", user_docs_dir=root / "user_docs")
    return obligations.load_register(settings)


def labelled() -> list[dict]:
    return [json.loads(line) for line in LABELS.read_text().splitlines() if line.strip()]


def scores(register, items: list[dict]) -> dict[str, float]:
    """Precision, recall and F1 pooled over ``items``, and the worst no-match row count."""
    settings = Settings()
    search = RegisterSearch(
        register, settings, obligations.glossary(obligations.editions(settings))
    )
    hits = missed = spurious = 0
    no_match = 0
    for item in items:
        found = {e.id for e in search.search(item["query"], limit=len(register))}
        wanted = {e.id for label in item["relevant"] for e in register if label["quote"] in e.text}
        hits += len(found & wanted)
        missed += len(wanted - found)
        spurious += len(found - wanted)
        if not wanted:
            no_match = max(no_match, len(found))
    precision = hits / (hits + spurious) if hits + spurious else 1.0
    recall = hits / (hits + missed) if hits + missed else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "no_match_rows": no_match}


def test_labels_are_verbatim_and_unambiguous(register):
    items = labelled()
    assert {i["split"] for i in items} == {"dev", "test"}
    for item in items:
        for label in item["relevant"]:
            matches = [e for e in register if label["quote"] in e.text]
            assert len(matches) == 1, (item["query"], label["quote"], len(matches))


def test_search_precision_and_recall(register, record_property, capsys):
    items = labelled()
    figures = {
        split: scores(register, [i for i in items if i["split"] == split])
        for split in ("dev", "test")
    }
    for split, values in figures.items():
        for name, value in values.items():
            record_property(f"{split}_{name}", round(value, 3))
    with capsys.disabled():
        for split, v in figures.items():
            count = sum(i["split"] == split for i in items)
            print(
                f"\nregister search, {split} ({count} queries): precision {v['precision']:.3f}, "
                f"recall {v['recall']:.3f}, F1 {v['f1']:.3f}, "
                f"most rows for a no-match query {v['no_match_rows']:.0f}"
            )
    test = figures["test"]
    assert test["precision"] >= MIN_PRECISION
    assert test["recall"] >= MIN_RECALL
    assert test["f1"] >= MIN_F1
    assert max(v["no_match_rows"] for v in figures.values()) <= MAX_ROWS_FOR_NO_MATCH
