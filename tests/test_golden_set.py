"""Validation of the golden evaluation set (evals/dev.jsonl and evals/test.jsonl).

Stdlib + pytest only; deliberately does not import guide_assistant.

Checks the structure of every item, the per-kind minimum counts, and that every
evidence quote appears verbatim in the clean corpus edition
``corpus/<source_id>.md``
(after collapsing whitespace on both sides and removing ``*`` emphasis markers from
the edition text only).
"""

from __future__ import annotations

import contextlib
import json
import re
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SPLITS = {name: ROOT / "evals" / f"{name}.jsonl" for name in ("dev", "test")}
MIN_TEST_SHARE = 0.35
CORPUS = ROOT / "corpus"

KINDS = {"fact", "list", "multi", "followup", "out_of_scope", "numeric"}
PERSONAS = {"new_social_worker", "hr", "manager"}
SOURCE_IDS = {"hee-2020-guidance", "tcsw-2014-role"}
REQUIRED = {
    "id": str,
    "kind": str,
    "persona": str,
    "history": list,
    "question": str,
    "answer": str,
    "must_include": list,
    "evidence": list,
}
MIN_PER_KIND = {
    "out_of_scope": 12,
    "list": 10,
    "multi": 10,
    "followup": 10,
    "numeric": 8,
}
MIN_TOTAL = 300
FORBIDDEN_QUOTE_CHARS = set("*_#[]<>|\t")
MIN_QUOTE_WORDS, MAX_QUOTE_WORDS = 6, 40


def _collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _load_lines(split: str | None = None) -> list[tuple[str, str]]:
    """(file:line, text) of every non-empty line of one split, or of both."""
    lines = []
    for name, path in SPLITS.items():
        if split not in (None, name):
            continue
        assert path.exists(), f"missing {path}"
        with path.open(encoding="utf-8") as fh:
            lines += [(f"{name}:{n}", line) for n, line in enumerate(fh, 1) if line.strip()]
    return lines


def _load_items(split: str | None = None) -> list[dict]:
    items = []
    for _n, line in _load_lines(split):
        with contextlib.suppress(json.JSONDecodeError):  # test_every_line_is_valid_json
            items.append(json.loads(line))
    return items


def test_every_line_is_valid_json_object():
    failures = []
    for n, line in _load_lines():
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            failures.append(f"line {n}: {exc}")
            continue
        if not isinstance(obj, dict):
            failures.append(f"line {n}: not a JSON object")
    assert not failures, "invalid JSON lines:\n" + "\n".join(failures)


def test_fields_and_types():
    failures = []
    for item in _load_items():
        ident = item.get("id", "<no id>")
        field_problems = [
            f"{ident}: missing field {field!r}"
            if field not in item
            else f"{ident}: {field!r} should be {typ.__name__}"
            for field, typ in REQUIRED.items()
            if not isinstance(item.get(field), typ)
        ]
        if field_problems:
            failures.extend(field_problems)
            continue
        if item["kind"] not in KINDS:
            failures.append(f"{ident}: unknown kind {item['kind']!r}")
        if item["persona"] not in PERSONAS:
            failures.append(f"{ident}: unknown persona {item['persona']!r}")
        if not item["question"].strip() or not item["answer"].strip():
            failures.append(f"{ident}: empty question or answer")
        if not all(isinstance(h, str) and h.strip() for h in item["history"]):
            failures.append(f"{ident}: history must be a list of non-empty strings")
        if not all(isinstance(m, str) and m.strip() for m in item["must_include"]):
            failures.append(f"{ident}: must_include must be non-empty strings")
        for ev in item["evidence"]:
            if not isinstance(ev, dict) or set(ev) != {"source_id", "quote"}:
                failures.append(f"{ident}: evidence entries need exactly source_id and quote")
            elif ev["source_id"] not in SOURCE_IDS:
                failures.append(f"{ident}: unknown source_id {ev['source_id']!r}")
            elif not isinstance(ev["quote"], str):
                failures.append(f"{ident}: quote must be a string")
    assert not failures, "schema problems:\n" + "\n".join(failures)


def test_ids_unique():
    counts = Counter(item.get("id") for item in _load_items())
    dupes = sorted(str(k) for k, v in counts.items() if v > 1)
    assert not dupes, f"duplicate ids: {dupes}"


def test_counts_per_kind():
    items = _load_items()
    counts = Counter(item.get("kind") for item in items)
    problems = [
        f"{kind}: {counts.get(kind, 0)} < {minimum}"
        for kind, minimum in MIN_PER_KIND.items()
        if counts.get(kind, 0) < minimum
    ]
    if len(items) < MIN_TOTAL:
        problems.append(f"total: {len(items)} < {MIN_TOTAL}")
    assert not problems, "too few items: " + "; ".join(problems) + f" (counts {dict(counts)})"


def test_kind_specific_rules():
    failures = []
    for item in _load_items():
        ident, kind = item.get("id"), item.get("kind")
        history = item.get("history", [])
        evidence = item.get("evidence", [])
        must = item.get("must_include", [])
        if kind == "followup" and not history:
            failures.append(f"{ident}: followup without history")
        if kind != "followup" and history:
            failures.append(f"{ident}: only followups should have history")
        if kind == "out_of_scope":
            if evidence:
                failures.append(f"{ident}: out_of_scope item has evidence")
            if must:
                failures.append(f"{ident}: out_of_scope item has must_include")
            continue
        if not evidence:
            failures.append(f"{ident}: no evidence")
        if not 1 <= len(must) <= 4:
            failures.append(f"{ident}: must_include should have 1-4 phrases, has {len(must)}")
        if kind == "multi" and len(evidence) < 2:
            failures.append(f"{ident}: multi item needs at least two evidence quotes")
        joined = " ".join(ev.get("quote", "") for ev in evidence).lower()
        for phrase in must:
            if phrase.lower() not in joined:
                failures.append(f"{ident}: must_include {phrase!r} not in its evidence quotes")
    assert not failures, "kind rule problems:\n" + "\n".join(failures)


def test_quote_shape():
    failures = []
    for item in _load_items():
        for ev in item.get("evidence", []):
            quote = ev.get("quote", "")
            bad = sorted(FORBIDDEN_QUOTE_CHARS & set(quote))
            if bad:
                failures.append(f"{item.get('id')}: markup chars {bad} in quote: {quote!r}")
            words = len(quote.split())
            if not MIN_QUOTE_WORDS <= words <= MAX_QUOTE_WORDS:
                failures.append(f"{item.get('id')}: quote has {words} words: {quote!r}")
    assert not failures, "badly shaped quotes:\n" + "\n".join(failures)


def _edition_text(source_id: str) -> str | None:
    path = CORPUS / f"{source_id}.md"
    if not path.exists():
        return None
    return _collapse(path.read_text(encoding="utf-8").replace("*", ""))


def test_evidence_quotes_found_in_corpus_editions():
    editions = {sid: _edition_text(sid) for sid in SOURCE_IDS}
    missing = sorted(
        str(CORPUS.relative_to(ROOT) / f"{sid}.md")
        for sid, text in editions.items()
        if text is None
    )
    if missing:
        pytest.fail("corpus edition(s) missing: " + ", ".join(missing))
    failures = []
    for item in _load_items():
        if item.get("kind") == "out_of_scope":
            continue
        for ev in item.get("evidence", []):
            text = editions.get(ev.get("source_id"))
            if text is None:
                continue  # unknown source_id reported by test_fields_and_types
            quote = _collapse(ev.get("quote", ""))
            if quote not in text:
                failures.append(f"{item.get('id')} [{ev.get('source_id')}]: {quote!r}")
    assert not failures, (
        f"{len(failures)} evidence quote(s) not found verbatim in corpus editions:\n"
        + "\n".join(failures)
    )


def test_splits_are_disjoint_and_stratified():
    dev, test = _load_items("dev"), _load_items("test")
    shared = {i.get("id") for i in dev} & {i.get("id") for i in test}
    assert not shared, f"in both splits: {sorted(shared)}"
    assert len(test) >= MIN_TEST_SHARE * (len(dev) + len(test))
    for kind in KINDS:
        in_test = sum(i.get("kind") == kind for i in test)
        total = in_test + sum(i.get("kind") == kind for i in dev)
        assert in_test >= 0.3 * total, f"{kind}: {in_test} of {total} in test"
