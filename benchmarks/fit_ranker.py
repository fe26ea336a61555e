"""Fit the sentence ranker and write src/guide_assistant/answer/compose/ranker.json: on the written
training questions the tuned embedder never trained on (``--training``, the default since
the tuned model: their similarities are as fresh questions' are), or on the dev split.

For every in-scope dev item with evidence, the real pipeline retrieves and scores the
candidate sentences; a sentence is a positive when it overlaps an evidence quote. A logistic
model over ``ranking.FEATURES`` is fitted (C chosen by 5-fold cross-validation grouped by
item) and compared with the hand-weighted order on held-out folds: how often the first
candidate is evidence, and how often evidence is among the first three. Reads dev only.

    python benchmarks/fit_ranker.py [--training] [--write]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from guide_assistant.settings import Settings, offline_environment  # noqa: E402


def collect(assistant, items, texts):
    """Per item: (features, labels, hand scores) of its candidate sentences."""
    from guide_assistant.evaluation.metrics import evidence_spans

    groups = []
    for item in items:
        spans = [
            (e.source_id, span)
            for e in item.evidence
            for span in evidence_spans(texts.get(e.source_id, ""), e.quote)
        ]
        if not item.in_scope or not spans:
            continue
        history = [{"role": "user", "content": h} for h in item.history]
        asked = assistant.understanding.understand(item.question, history)
        found = assistant.retriever.search(asked)
        selector = assistant.composer.selector
        cands, table = selector.scored(asked.query, found.picking, found.hits, asked.wanted)
        labels = [_overlaps(c.sentence, spans) for c in cands]
        if cands and any(labels):
            groups.append((np.asarray(table), np.asarray(labels), [c.score for c in cands]))
    return groups


def _overlaps(sentence, spans) -> bool:
    from guide_assistant.index.store import source_of

    source = source_of(sentence.passage_id)
    for sid, (start, end) in spans:
        overlap = min(sentence.end, end) - max(sentence.start, start)
        if sid == source and overlap >= 0.5 * min(sentence.end - sentence.start, end - start):
            return True
    return False


def held_out_items():
    """The embedder's held-out written questions, as golden items (evidence: their quotes)."""
    sys.path.insert(0, str(ROOT / "training"))
    from train_abstainer import held_out_inscope

    from guide_assistant.evaluation.metrics import Evidence, GoldenItem

    _, held = held_out_inscope()
    return [
        GoldenItem(
            id=f"train-{n}",
            kind="fact",
            persona="",
            history=[m["content"] for m in i.history if m.get("role") == "user"],
            question=i.question,
            answer="",
            evidence=[Evidence(source_id=i.passages[0].split(":")[0], quote=q) for q in i.quotes],
        )
        for n, i in enumerate(held)
    ]


def top_rates(groups, scores) -> tuple[float, float]:
    """Share of items whose first candidate is evidence, and whose first three hold some."""
    first = three = 0
    for (_, labels, _), s in zip(groups, scores, strict=True):
        order = np.argsort(-np.asarray(s), kind="stable")
        first += bool(labels[order[0]])
        three += bool(labels[order[:3]].any())
    return first / len(groups), three / len(groups)


def fit(groups, c: float):
    from sklearn.linear_model import LogisticRegression

    x = np.vstack([g[0] for g in groups])
    y = np.concatenate([g[1] for g in groups])
    means, scales = x.mean(axis=0), x.std(axis=0)
    scales[scales == 0] = 1.0
    model = LogisticRegression(C=c, class_weight="balanced", max_iter=2000)
    model.fit((x - means) / scales, y)
    return model.coef_[0], float(model.intercept_[0]), means, scales


def cross_validated(groups, c: float, folds: int = 5) -> list[np.ndarray]:
    scores: list[np.ndarray] = [np.zeros(0)] * len(groups)
    for k in range(folds):
        train = [g for i, g in enumerate(groups) if i % folds != k]
        weights, bias, means, scales = fit(train, c)
        for i, g in enumerate(groups):
            if i % folds == k:
                scores[i] = ((g[0] - means) / scales) @ weights + bias
    return scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="write answer/compose/ranker.json")
    parser.add_argument(
        "--training", action="store_true", help="fit on training/'s held-out questions"
    )
    args = parser.parse_args()
    offline_environment()
    from guide_assistant.answer.compose import ranking
    from guide_assistant.assistant import Assistant
    from guide_assistant.evaluation import metrics as evaluation

    assistant = Assistant.load(Settings(learned_ranking=False))
    texts = {
        d["source_id"]: Path(d["path"]).read_text() for d in assistant.index.manifest["documents"]
    }
    items = (
        held_out_items() if args.training else evaluation.load_golden(ROOT / "evals" / "dev.jsonl")
    )
    source = "training/ held-out questions" if args.training else "evals/dev.jsonl"
    groups = collect(assistant, items, texts)
    hand = top_rates(groups, [g[2] for g in groups])
    print(f"{len(groups)} items of {source} with evidence among their candidates")
    print(
        f"hand-weighted order: first is evidence {hand[0]:.3f}, evidence in first 3 {hand[1]:.3f}"
    )
    best_c, best = 1.0, (0.0, 0.0)
    for c in (0.01, 0.03, 0.1, 0.3, 1.0, 3.0):
        rates = top_rates(groups, cross_validated(groups, c))
        print(f"learned, C={c:<5} (5-fold CV): first {rates[0]:.3f}, first 3 {rates[1]:.3f}")
        if rates > best:
            best_c, best = c, rates
    weights, bias, means, scales = fit(groups, best_c)
    for name, w in sorted(zip(ranking.FEATURES, weights, strict=True), key=lambda t: -abs(t[1])):
        print(f"  {name:<14} {w:+.3f}")
    ranker = ranking.SentenceRanker(
        features=list(ranking.FEATURES),
        weights=[round(float(w), 6) for w in weights],
        bias=round(bias, 6),
        means=[round(float(m), 6) for m in means],
        scales=[round(float(s), 6) for s in scales],
        fitted_on=f"{source}, {len(groups)} items, C={best_c}",
        description="Logistic model ordering an answer's candidate sentences (evidence or "
        f"not); 5-fold CV on {source}: first candidate is evidence {best[0]:.3f} (hand-weighted "
        f"{hand[0]:.3f}), evidence in first three {best[1]:.3f} ({hand[1]:.3f}).",
    )
    if args.write:
        out = ROOT / "src" / "guide_assistant" / "answer" / "compose" / ranking.RANKER_FILE
        out.write_text(json.dumps(ranker.model_dump(), indent=1) + "\n")
        print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
