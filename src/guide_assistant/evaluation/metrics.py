"""Deterministic, offline evaluation of the assistant against a golden Q&A set.

No LLM judge: retrieval is scored by whether the evidence spans were retrieved (llama-index's
HitRate and MRR over passage ids), answers by must-include recall, the support checker
(faithfulness), citation validity and abstention.
"""

from __future__ import annotations

import json
import re
import statistics
import time
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, Field

from guide_assistant.answer.check import support
from guide_assistant.models import Answer, Passage
from guide_assistant.text import loose_pattern, normalise, word_count


class Evidence(BaseModel):
    source_id: str
    quote: str


class GoldenItem(BaseModel):
    """One line of ``evals/dev.jsonl`` or ``evals/test.jsonl``."""

    id: str
    kind: str
    persona: str
    history: list[str] = Field(default_factory=list)
    question: str
    answer: str
    must_include: list[str] = Field(default_factory=list)
    evidence: list[Evidence] = Field(default_factory=list)

    @property
    def in_scope(self) -> bool:
        return self.kind != "out_of_scope"


class ItemResult(BaseModel):
    """What one golden item scored."""

    id: str
    kind: str
    persona: str
    route: str = Field("", description="The route the answer took (abstain when it refused).")
    origin: str = Field("", description="The id's prefix: which batch of items it came from.")
    question: str
    answer: str
    reference: str
    abstained: bool
    in_scope: bool
    hit_at_k: float | None = None
    reciprocal_rank: float | None = None
    cited_evidence: float | None = Field(
        None, description="1 when a passage the answer cites holds the evidence."
    )
    answer_words: int | None = None
    must_include_recall: float | None = None
    missing: list[str] = Field(default_factory=list)
    faithfulness: float | None = Field(
        None, description="Share of the answer's sentences backed by what they cite (word overlap)."
    )
    model_faithfulness: float | None = Field(
        None, description="The same, judged by the support model (the llm mode's guard)."
    )
    unsupported: list[str] = Field(default_factory=list)
    citations_valid: bool = True
    citation_problems: list[str] = Field(default_factory=list)
    abstention_correct: bool = True
    latency_ms: float = 0.0
    evidence: list[str] = Field(default_factory=list)
    context_words: int = 0


def load_golden(path: Path) -> list[GoldenItem]:
    return [GoldenItem.model_validate_json(line) for line in path.read_text().splitlines() if line]


CLOSING = " .;:,"  # how a sentence, a list item or a lead-in ends


@lru_cache(maxsize=8)
def _unmarked(text: str) -> tuple[str, tuple[int, ...]]:
    """A document without its '*' emphasis marks, and each kept character's offset: made once
    per document, not once per quote (about 20 ms for the HEE edition)."""
    kept = tuple(i for i, ch in enumerate(text) if ch != "*")
    return "".join(text[i] for i in kept), kept


def evidence_spans(text: str, quote: str) -> list[tuple[int, int]]:
    """Everywhere a quote stands in a document's text, allowing for whitespace and emphasis
    marks. A quote is text, not a place: a list the document gives twice (in its summary and
    its body) is evidence in both, though one copy ends an item with ';' and the other a
    sentence with '.', so the quote's closing punctuation is not part of what is matched."""
    plain, kept = _unmarked(text)
    words = quote.replace("*", "").rstrip(CLOSING) or quote
    return [
        (kept[m.start()], kept[m.end() - 1] + 1)
        for m in re.finditer(loose_pattern(words), plain)
        if m.end() > m.start()
    ]


def evidence_ids(item: GoldenItem, passages: list[Passage], texts: dict[str, str]) -> set[str]:
    """Passages that hold at least half of some evidence quote of the item."""
    ids = set()
    for ev in item.evidence:
        for start, end in evidence_spans(texts.get(ev.source_id, ""), ev.quote):
            need = (end - start) / 2
            for p in passages:
                if p.source_id == ev.source_id and min(p.end, end) - max(p.start, start) >= need:
                    ids.add(p.id)
    return ids


def retrieval_scores(expected: set[str], retrieved: list[str]) -> tuple[float, float]:
    """Hit rate and reciprocal rank, computed by llama-index's retrieval metrics."""
    from llama_index.core.evaluation.retrieval.metrics import MRR, HitRate

    if not expected:
        return 0.0, 0.0
    ids = sorted(expected)
    hit = HitRate().compute(expected_ids=ids, retrieved_ids=retrieved).score
    mrr = MRR().compute(expected_ids=ids, retrieved_ids=retrieved).score
    return hit, mrr


def citation_problems(answer: Answer, texts: dict[str, str]) -> list[str]:
    """Markers that resolve to nothing, and cited text that is not verbatim in its source."""
    report = support.check(answer)
    problems = [f"[{n}] has no citation" for n in report.bad_markers]
    for c in [*answer.citations, *answer.related]:
        source = texts.get(c.source_id)
        if source is not None and source[c.start : c.end] != c.text:
            problems.append(f"[{c.n}] text is not the corpus text at {c.start}:{c.end}")
        for quote in c.quotes:
            if quote not in c.text:
                problems.append(f"[{c.n}] quote not in its passage: {quote[:60]}")
    return problems


def score_item(
    item: GoldenItem,
    answer: Answer,
    retrieved: list[Passage],
    all_passages,
    texts: dict[str, str],
    latency_ms: float,
) -> ItemResult:
    """Every metric for one item (retrieval metrics only where there is evidence)."""
    result = ItemResult(
        id=item.id,
        kind=item.kind,
        persona=item.persona,
        route="abstain" if answer.abstained else (answer.route.name if answer.route else ""),
        origin=item.id.split("-")[0],
        question=item.question,
        answer=answer.answer,
        reference=item.answer,
        abstained=answer.abstained,
        in_scope=item.in_scope,
        latency_ms=round(latency_ms, 2),
        evidence=[e.quote for e in item.evidence],
        context_words=sum(len(p.text.split()) for p in retrieved),
    )
    result.abstention_correct = answer.abstained != item.in_scope
    if item.evidence:
        expected = evidence_ids(item, all_passages, texts)
        result.hit_at_k, result.reciprocal_rank = retrieval_scores(
            expected, [p.id for p in retrieved]
        )
        if item.in_scope:
            cited = {c.passage_id for c in answer.citations}
            result.cited_evidence = float(bool(expected & cited))
    if item.in_scope:
        said = normalise(answer.answer)
        result.missing = [m for m in item.must_include if normalise(m) not in said]
        if item.must_include:
            result.must_include_recall = 1 - len(result.missing) / len(item.must_include)
        report = support.check(answer)
        if not answer.abstained:
            result.answer_words = word_count(support.MARKER.sub("", answer.answer))
            result.faithfulness = report.faithfulness
            result.unsupported = report.unsupported
            # Extractive sentences are verbatim: both judges agree without running the model.
            judged = support.check(answer, support.Checker()) if answer.mode == "llm" else report
            result.model_faithfulness = judged.faithfulness
    result.citation_problems = citation_problems(answer, texts)
    result.citations_valid = not result.citation_problems
    return result


def _mean(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(statistics.fmean(present), 4) if present else None


def _median(values: list[int | None]) -> float | None:
    present = [v for v in values if v is not None]
    return float(statistics.median(present)) if present else None


def summarise(results: list[ItemResult]) -> dict[str, float | None]:
    """The headline metrics of a run."""
    in_scope = [r for r in results if r.in_scope]
    out = [r for r in results if not r.in_scope]
    latencies = sorted(r.latency_ms for r in results)
    return {
        "items": len(results),
        "hit_at_k": _mean([r.hit_at_k for r in results]),
        "cited_evidence": _mean([r.cited_evidence for r in in_scope]),
        "mrr": _mean([r.reciprocal_rank for r in results]),
        "must_include_recall": _mean([r.must_include_recall for r in in_scope]),
        "faithfulness": _mean([r.faithfulness for r in in_scope]),
        "model_faithfulness": _mean([r.model_faithfulness for r in in_scope]),
        "citation_validity": _mean([float(r.citations_valid) for r in results]),
        "answered_in_scope": _mean([float(not r.abstained) for r in in_scope]),
        "refused_out_of_scope": _mean([float(r.abstained) for r in out]),
        "latency_p50_ms": round(statistics.median(latencies), 2) if latencies else None,
        "latency_p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))], 2)
        if latencies
        else None,
        "context_words_mean": _mean([float(r.context_words) for r in results]),
        "answer_words_p50": _median([r.answer_words for r in in_scope]),
    }


BREAKDOWNS = ("kind", "persona", "route", "origin")


def breakdown(results: list[ItemResult], field: str) -> dict[str, dict]:
    """``summarise`` per kind or per persona."""
    groups: dict[str, list[ItemResult]] = {}
    for r in results:
        groups.setdefault(getattr(r, field), []).append(r)
    return {key: summarise(group) for key, group in sorted(groups.items())}


def ask_item(assistant, item: GoldenItem) -> tuple[Answer, float]:
    """The item's answer, asked after its history, and the last question's latency in ms."""
    history: list[dict[str, str]] = []
    for earlier in item.history:
        history.append({"role": "user", "content": earlier})
        prior = assistant.ask(earlier, history=history[:-1])
        history.append({"role": "assistant", "content": prior.answer})
    began = time.perf_counter()
    answer = assistant.ask(item.question, history=history)
    return answer, (time.perf_counter() - began) * 1000


def run(assistant, items: list[GoldenItem], texts: dict[str, str]) -> list[ItemResult]:
    """Ask every item (with its history) and score it."""
    results = []
    passages = assistant.index.passages
    for item in items:
        answer, latency = ask_item(assistant, item)
        retrieved = [assistant.retriever.by_id[pid] for pid in answer.retrieved]
        results.append(score_item(item, answer, retrieved, passages, texts, latency))
    return results


def write_json(path: Path, runs: dict[str, list[ItemResult]]) -> None:
    """Per split: the summary, its breakdowns and every item's result."""
    payload = {
        name: {
            "summary": summarise(results),
            **{f"by_{field}": breakdown(results, field) for field in BREAKDOWNS},
            "items": [r.model_dump() for r in results],
        }
        for name, results in runs.items()
    }
    path.write_text(json.dumps(payload, indent=1))
