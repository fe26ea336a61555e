"""The written training data and the models trained on it: labels that resolve, counts the
issue asks for, model cards that match the data, and no golden test question (nor a
near-duplicate of one) among the training questions."""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "training"))
import data  # noqa: E402
from guide_assistant.trained import (  # noqa: E402
    ABSTAINER,
    DETECTOR_DIR,
    EMBEDDER_DIR,
    SUPPORT_DIR,
)

MAX_MB = 50


@pytest.fixture(scope="module")
def inscope() -> list[data.Item]:
    return data.load_inscope()


def test_every_written_question_resolves_to_the_passage_it_was_written_from(inscope):
    """A question whose quotes are in no passage is dropped by the loader: almost none are."""
    written = sum(len(data.read_jsonl(p)) for p in data.files("inscope"))
    assert len(inscope) >= 0.99 * written
    ids = {p["id"] for p in data.passages()}
    assert all(set(i.passages) <= ids for i in inscope)


def test_counts_the_issue_asks_for(inscope):
    per_passage = Counter(i.passages[0] for i in inscope)
    content = [p["id"] for p in data.passages() if p["content"]]
    assert len(inscope) >= 4000
    assert min(per_passage[p] for p in content) >= 15
    assert len(data.load_outscope()) >= 1000
    assert Counter(i.style for i in inscope)["scenario"] >= 1000


def test_passages_file_matches_the_editions_as_chunked():
    """training/data/passages.jsonl is what today's chunker makes of the editions: labels
    written against other passages would teach the wrong ones."""
    from passages import editions_chunks, rows

    from guide_assistant.settings import Settings

    assert rows(editions_chunks(Settings())) == data.passages()


def test_no_golden_question_or_near_duplicate_is_in_training():
    """By normalised text and by base-model embedding similarity, against test and dev; and
    the planted sentences and support pairs against their unread test splits."""
    from guide_assistant.index.embedding import Embedder
    from guide_assistant.settings import BASE_MODEL

    embedder = Embedder(BASE_MODEL)
    golden = data.golden_questions("test") + data.golden_questions("dev")
    questions = [i.question for i in [*data.load_inscope(), *data.load_outscope()]]
    assert not data.near_duplicates(questions, golden, embedder.embed)
    for kind in ("planted", "support"):
        field = data.KEPT_APART[kind]
        written = [r[field] for path in data.files(kind) for r in data.read_jsonl(path)]
        assert not data.near_duplicates(written, data.held_apart(kind), embedder.embed), kind


def test_support_pairs_counts_the_issue_asks_for():
    pairs = [r for path in data.files("support") for r in data.read_jsonl(path)]
    labels = Counter(r["label"] for r in pairs)
    assert labels["supported"] >= 1500  # the issue's counts (2,565 and 3,514 written)
    assert labels["unsupported"] >= 3000
    content = {p["id"] for p in data.passages() if p["content"]}
    assert content <= {r["passage_id"] for r in pairs}  # from every content passage


def test_planted_counts_the_issue_asks_for():
    """At least 800 planted instructions and 800 ordinary sentences that look like orders."""
    rows = [r for path in data.files("planted") for r in data.read_jsonl(path)]
    labels = Counter(int(r["label"]) for r in rows)
    assert labels[1] >= 800
    assert labels[0] >= 800
    assert len({r["style"] for r in rows if r["label"] == 1}) >= 20  # many styles


def test_near_duplicate_check_can_fail():
    """The check above finds a reworded copy (the check must be able to say no)."""
    from guide_assistant.index.embedding import Embedder
    from guide_assistant.settings import BASE_MODEL

    embed = Embedder(BASE_MODEL).embed
    golden = ["what supervision must a seconded AMHP get?"]
    asked = [
        "What supervision must a seconded AMHP get",
        "what supervision should a seconded amhp get?",
        "how do I claim mileage?",
    ]
    assert data.near_duplicates(asked, golden, embed) == {0, 1}


@pytest.mark.parametrize(
    ("card", "kinds"),
    [
        (EMBEDDER_DIR / "card.json", ["inscope"]),
        (ABSTAINER, ["inscope", "outscope"]),
        (DETECTOR_DIR / "card.json", ["planted"]),
        (SUPPORT_DIR / "card.json", ["support"]),
    ],
    ids=["embedder", "abstainer", "detector", "support"],
)
def test_model_card_matches_the_training_data(card, kinds):
    """Retrain (training/README.md) when the data changes: the card names the data it saw."""
    written = json.loads(card.read_text())
    assert written["data_sha256"] == data.data_hash(kinds), f"{card.name} is stale"
    assert written["seed"]
    assert written["figures"]


@pytest.mark.parametrize("folder", [EMBEDDER_DIR, DETECTOR_DIR, SUPPORT_DIR])
def test_cards_name_the_packaged_base_model(folder):
    from train_embedder import base_path

    from guide_assistant.index.embedding import weights_sha256

    card = json.loads((folder / "card.json").read_text())
    assert card["base_sha256"] == weights_sha256(base_path())


def test_abstainer_was_fitted_on_the_shipped_embedder():
    embedder = json.loads((EMBEDDER_DIR / "card.json").read_text())
    assert json.loads(ABSTAINER.read_text())["embedder_card"] == embedder["data_sha256"]


def test_shipped_weights_are_small_enough():
    weights = [*EMBEDDER_DIR.rglob("*"), *DETECTOR_DIR.rglob("*"), *SUPPORT_DIR.rglob("*")]
    for path in [*weights, ABSTAINER]:
        if path.is_file():
            assert path.stat().st_size <= MAX_MB * 1024 * 1024, path
