"""The written training data: loading, labelling against the passages, hashing, and keeping it
apart from the golden test split.

Every item was written by a helper from the editions' passages (``training/README.md`` gives
each batch's brief); nothing here makes questions up.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
ROOT = HERE.parent
GOLDEN = ROOT / "evals"
# A training question this close (cosine, base model) to a golden one is a near-duplicate.
NEAR_DUPLICATE = 0.92


@dataclass
class Item:
    """One written question: in scope (with the passages that answer it) or not."""

    question: str
    history: list[dict[str, str]] = field(default_factory=list)
    passages: list[str] = field(default_factory=list)  # passage ids, resolved from the quotes
    quotes: list[str] = field(default_factory=list)
    style: str = ""
    in_scope: bool = True
    batch: str = ""


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def passages() -> list[dict]:
    return read_jsonl(DATA / "passages.jsonl")


def files(kind: str) -> list[Path]:
    """The batch files of one kind ('inscope', 'outscope', 'planted'), in name order."""
    return sorted((DATA / kind).glob("*.jsonl"))


def data_hash(kinds: Iterable[str]) -> str:
    """sha256 over the passages and every batch file of these kinds (names and bytes): what a
    model card records, and what tests/test_training.py recomputes."""
    digest = hashlib.sha256()
    for path in [DATA / "passages.jsonl", *(p for k in kinds for p in files(k))]:
        digest.update(path.relative_to(DATA).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def sentence_index(rows: list[dict]) -> dict[str, list[str]]:
    """Each sentence's text → the passages it is in."""
    where: dict[str, list[str]] = {}
    for p in rows:
        for s in p["sentences"]:
            where.setdefault(_norm_space(s), []).append(p["id"])
    return where


def _norm_space(text: str) -> str:
    return " ".join(text.split())


def load_inscope(rows: list[dict] | None = None) -> list[Item]:
    """In-scope questions, each with the passages holding its quotes (an item whose quotes
    are in no passage is dropped: its label can't be trusted)."""
    where = sentence_index(rows or passages())
    items = []
    for path in files("inscope"):
        for raw in read_jsonl(path):
            found = [p for q in raw.get("quotes", []) for p in where.get(_norm_space(q), [])]
            if raw.get("passage_id") in found:  # the passage it was written from comes first
                found.insert(0, raw["passage_id"])
            if not found:
                continue
            items.append(
                Item(
                    question=raw["question"],
                    history=raw.get("history") or [],
                    passages=list(dict.fromkeys(found)),
                    quotes=raw.get("quotes", []),
                    style=raw.get("style", ""),
                    batch=path.stem,
                )
            )
    return items


def load_outscope() -> list[Item]:
    return [
        Item(
            question=raw["question"],
            history=raw.get("history") or [],
            style=raw.get("style", ""),
            in_scope=False,
            batch=path.stem,
        )
        for path in files("outscope")
        for raw in read_jsonl(path)
    ]


def normalised(text: str) -> str:
    """Lower case, letters and digits only: 'Quick Q - AMHP?' == 'quick q amhp'."""
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


# Each kind of training file, the field compared with what is held apart from it.
KEPT_APART = {
    "inscope": "question",
    "outscope": "question",
    "planted": "text",
    "support": "sentence",
}
HELD_APART = {
    "planted": ("planted_test.jsonl", "text"),
    "support": ("support_test.jsonl", "sentence"),
}


def held_apart(kind: str) -> list[str]:
    """The texts of a kind's unread test split, only to keep training apart from them."""
    name, field = HELD_APART[kind]
    return [row[field] for row in read_jsonl(GOLDEN / name)]


def golden_questions(split: str) -> list[str]:
    """A golden split's questions, only to keep training apart from them (never read)."""
    return [row["question"] for row in read_jsonl(GOLDEN / f"{split}.jsonl")]


def near_duplicates(
    questions: list[str], golden: list[str], embed, threshold: float = NEAR_DUPLICATE
) -> set[int]:
    """Indexes of ``questions`` equal to a golden question once normalised, or within
    ``threshold`` cosine of one (``embed``: texts → unit vectors)."""
    gold_text = {normalised(g) for g in golden}
    same = {i for i, q in enumerate(questions) if normalised(q) in gold_text}
    if not golden or not questions:
        return same
    q_vecs, g_vecs = embed(questions), embed(golden)
    close = (q_vecs @ g_vecs.T).max(axis=1) >= threshold
    return same | {int(i) for i in close.nonzero()[0]}
