"""The llm mode's guard, scored on its own: ``support.Checker`` (the learned support model
and the hard checks) beside the word-overlap check it replaced, on the same pairs.

- evals/support_pairs.jsonl: hand-written (sentence, passage, label) pairs, kept as a
  regression check. Each passage is a verbatim paragraph of a corpus edition; the sentences are
  faithful paraphrases (supported) and unsupported ones of six kinds: changed numbers or dates,
  flipped negations, swapped actors, claims merged from another passage, plain inventions.
  Split by passage into dev and test.
- evals/support_test.jsonl: pairs written apart from the training pairs, heavily paraphrased,
  and never read: only their figures are printed and asserted.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from guide_assistant.answer.check import support
from guide_assistant.settings import Settings

PAIRS = Path(__file__).with_name("support_pairs.jsonl")
UNREAD = Path(__file__).with_name("support_test.jsonl")
# The learned guard on test: unsupported caught 41/41 (the word-overlap check before it:
# 39/41 with the register's actor list, 35/41 without), floor one below (40/41).
MIN_CAUGHT = 0.97
# Faithful paraphrases accepted: 10/28 (the word-overlap check: 28/28). A deliberate trade, in
# the safe direction: these hand-written paraphrases keep most of the passage's words, which the
# overlap check rewards and the support model does not; on the unread, heavily paraphrased pairs
# below it accepts 0.767 where the overlap check accepted 0.075. Floor one below (9/28).
MIN_ACCEPTED = 0.32
KINDS = {"paraphrase", "number", "date", "negation", "actor", "merged", "invented"}
# The unread pairs (300): floors at what the guard achieved when set, less one item. Caught
# 174/180 (floor 173/180), accepted 95/120 (floor 94/120; 92/120 before the hard checks stopped
# reading the word "one" as a count and learned magnitudes and reordered names), the worst kind
# of near-miss (date) 9/10 (floor 8/10). The word-overlap check on the same pairs: caught
# 0.678, accepted 0.075.
UNREAD_MIN_CAUGHT = 0.96
UNREAD_MIN_ACCEPTED = 0.78
UNREAD_MIN_KIND = 0.8


def load(path: Path = PAIRS) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def unread() -> list[dict]:
    """The unread test pairs with their passages' text (they name passages by id)."""
    from training.data import passages

    texts = {p["id"]: p["text"] for p in passages()}
    return [{**r, "passage": texts[r["passage_id"]]} for r in load(UNREAD)]


def judge(settings: Settings, name: str):
    """A pair's verdict by the guard ('model') or by today's word overlap ('overlap')."""
    if name == "overlap":
        return lambda s, p: support.overlap_verify(s, [p], settings.llm_min_overlap)
    checker = support.Checker(settings.llm_support_threshold)
    return lambda s, p: checker.verify(s, [p])


def score(pairs: list[dict], verify) -> tuple[Counter, dict[str, Counter]]:
    """Confusion counts (label, verdict) overall and per kind."""
    overall: Counter = Counter()
    per_kind: dict[str, Counter] = defaultdict(Counter)
    for pair in pairs:
        verdict = verify(pair["sentence"], pair["passage"])
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
    results = {name: score(pairs, judge(settings, name)) for name in ("overlap", "model")}
    with capsys.disabled():
        for name, (overall, per_kind) in results.items():
            print("\n" + table(f"support pairs, {split} ({len(pairs)}), {name}", overall, per_kind))
    if split == "dev":
        return  # printed beside test, never asserted: it is the split to tune on
    caught, accepted = rates(results["model"][0])
    verify = judge(settings, "model")
    wrong = sorted(
        p["id"]
        for p in pairs
        if verify(p["sentence"], p["passage"]).ok != (p["label"] == "supported")
    )
    assert caught >= MIN_CAUGHT, f"caught {caught:.3f}; wrong: {wrong}"
    assert accepted >= MIN_ACCEPTED, f"accepted {accepted:.3f}; wrong: {wrong}"


def test_the_guard_on_unread_heavily_paraphrased_pairs(capsys):
    """Only figures: the pairs themselves are never printed (they stay unread)."""
    settings = Settings()
    pairs = unread()
    assert len(pairs) >= 250
    results = {name: score(pairs, judge(settings, name)) for name in ("overlap", "model")}
    with capsys.disabled():
        for name, (overall, per_kind) in results.items():
            print("\n" + table(f"unread support pairs ({len(pairs)}), {name}", overall, per_kind))
    overall, per_kind = results["model"]
    caught, accepted = rates(overall)
    worst = min(
        sum(n for (label, got), n in k.items() if label == got) / sum(k.values())
        for kind, k in per_kind.items()
        if all(label == "unsupported" for label, _ in k)
    )
    assert caught >= UNREAD_MIN_CAUGHT
    assert accepted >= UNREAD_MIN_ACCEPTED
    assert worst >= UNREAD_MIN_KIND
