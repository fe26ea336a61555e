"""The llm mode's guard, scored on its own: ``support.verify`` against hand-written
(sentence, passage, label) pairs in evals/support_pairs.jsonl.

Each passage is a verbatim paragraph of a corpus edition. The sentences were written by hand:
faithful paraphrases (supported), and unsupported ones of six kinds: changed numbers or dates,
flipped negations, swapped actors, claims merged from another passage, plain inventions. The
pairs are split by passage into dev (tune on it) and test (report it); the thresholds are the
issue's and are asserted on test.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from guide_assistant.answer import support
from guide_assistant.settings import Settings

PAIRS = Path(__file__).with_name("support_pairs.jsonl")
MIN_CAUGHT = 0.95  # share of unsupported sentences the guard refuses
# share of faithful paraphrases it lets through: 28 of 28 on test, the floor one below (27/28)
MIN_ACCEPTED = 0.96
KINDS = {"paraphrase", "number", "date", "negation", "actor", "merged", "invented"}


def load() -> list[dict]:
    return [json.loads(line) for line in PAIRS.read_text(encoding="utf-8").splitlines() if line]


def score(pairs: list[dict], min_overlap: float) -> tuple[Counter, dict[str, Counter]]:
    """Confusion counts (label, verdict) overall and per kind."""
    overall: Counter = Counter()
    per_kind: dict[str, Counter] = defaultdict(Counter)
    for pair in pairs:
        verdict = support.verify(pair["sentence"], [pair["passage"]], min_overlap)
        key = (pair["label"], "supported" if verdict.ok else "unsupported")
        overall[key] += 1
        per_kind[pair["kind"]][key] += 1
    return overall, per_kind


def rates(c: Counter) -> tuple[float, float]:
    """(unsupported caught, supported accepted)."""
    bad = c["unsupported", "unsupported"] + c["unsupported", "supported"]
    good = c["supported", "supported"] + c["supported", "unsupported"]
    caught = c["unsupported", "unsupported"] / bad if bad else 1.0
    return caught, (c["supported", "supported"] / good if good else 1.0)


def table(name: str, c: Counter, per_kind: dict[str, Counter]) -> str:
    caught, accepted = rates(c)
    lines = [
        f"{name}: unsupported caught {caught:.3f}, faithful paraphrases accepted {accepted:.3f}",
        "  label \\ verdict   supported  unsupported",
        f"  supported         {c['supported', 'supported']:9d}  "
        f"{c['supported', 'unsupported']:11d}",
        f"  unsupported       {c['unsupported', 'supported']:9d}  "
        f"{c['unsupported', 'unsupported']:11d}",
        "  per kind (right / all): "
        + ", ".join(
            f"{kind} {sum(n for (label, got), n in k.items() if label == got)}/{sum(k.values())}"
            for kind, k in sorted(per_kind.items())
        ),
    ]
    return "\n".join(lines)


def test_the_pairs_are_well_formed():
    pairs = load()
    assert len(pairs) >= 150
    assert len({p["id"] for p in pairs}) == len(pairs)
    assert {p["kind"] for p in pairs} == KINDS
    assert {p["split"] for p in pairs} == {"dev", "test"}
    for p in pairs:
        assert (p["label"] == "supported") == (p["kind"] == "paraphrase"), p["id"]


def test_every_passage_is_verbatim_corpus_text():
    corpus = Settings().corpus_dir
    texts = {f.stem: f.read_text(encoding="utf-8") for f in corpus.glob("*.md")}
    for p in load():
        assert p["passage"] in texts[p["source_id"]], p["id"]


@pytest.mark.parametrize("split", ["dev", "test"])
def test_the_guard_catches_inventions_and_accepts_paraphrases(split, capsys):
    settings = Settings()
    pairs = [p for p in load() if p["split"] == split]
    overall, per_kind = score(pairs, settings.llm_min_overlap)
    with capsys.disabled():
        print("\n" + table(f"support pairs, {split} ({len(pairs)})", overall, per_kind))
    if split == "dev":
        return  # printed beside test, never asserted: it is the split to tune on
    caught, accepted = rates(overall)
    wrong = sorted(
        p["id"]
        for p in pairs
        if support.verify(p["sentence"], [p["passage"]], settings.llm_min_overlap).ok
        != (p["label"] == "supported")
    )
    assert caught >= MIN_CAUGHT, f"caught {caught:.3f}; wrong: {wrong}"
    assert accepted >= MIN_ACCEPTED, f"accepted {accepted:.3f}; wrong: {wrong}"
