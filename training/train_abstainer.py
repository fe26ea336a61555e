"""Fit the learned abstain decision (``answer/check/abstainer.py``) and set its threshold on dev.

    .venv/bin/python training/train_abstainer.py

Needs the current index (built with the tuned embedder). Two logistic stages:
1. topic: the tuned model's embedding of each written question, in scope (all of them) against
   out of scope; its out-of-fold log-odds is the first feature of stage 2;
2. answer: the features ``Abstention.features`` computes from the real pipeline's draft, on
   questions the embedder never trained on (its held-out in-scope questions, every
   out-of-scope one): similarities of trained-on questions would flatter the in-scope side.
The threshold is the highest that refuses at most ``MAX_REFUSED`` of dev's in-scope items,
counting those refused whatever the chance (nothing to quote, or no sentence gives the figure
asked). evals/test.jsonl is not read. Writes guide_assistant/trained/abstainer.json.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from train_embedder import HELD_OUT, SEED, query_of

import data
from guide_assistant.answer.check.abstainer import FEATURES, Abstainer
from guide_assistant.answer.question import routing
from guide_assistant.assistant import Assistant
from guide_assistant.evaluation.metrics import load_golden
from guide_assistant.settings import Settings
from guide_assistant.trained import ABSTAINER, EMBEDDER_DIR

# dev's in-scope items refused: below the 5%, as fresh scenario questions (which dev has
# few of) are refused more often than dev's (340 in scope: 10 items)
MAX_REFUSED = 0.03


def held_out_inscope() -> tuple[list[data.Item], list[data.Item]]:
    """The embedder's split, reproduced: (trained on, held out)."""
    items = data.load_inscope()
    random.Random(SEED).shuffle(items)
    held = int(len(items) * HELD_OUT)
    return items[held:], items[:held]


def fit(x: np.ndarray, y: np.ndarray, c: float):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, max_iter=5000, class_weight="balanced").fit(x, y)


def draft_features(assistant, question: str, history: list[dict]) -> dict[str, float]:
    asked = assistant.understanding.understand(question, history)
    found = assistant.retriever.search(asked)
    route = routing.route(asked)
    focus = assistant.abstention.distinctive(asked.said)
    draft = assistant.composer.draft(asked, route, found, frozenset(), focus)
    features, _ = assistant.abstention.features(
        asked, found, draft.relevance, draft.rows, draft.best, focus
    )
    features["rows"] = float(bool(draft.rows))
    return features


def matrix(rows: list[dict[str, float]]) -> np.ndarray:
    return np.array([[r[f] for f in FEATURES] for r in rows])


def topic_stage(assistant, trained, held, out) -> tuple[object, dict[int, float]]:
    """Fit the topic model on every written question; out-of-fold log-odds for stage 2's
    items (held-out in-scope, then out-of-scope), by their index in ``held + out``."""
    from sklearn.model_selection import StratifiedKFold

    x = assistant.embedder.embed([query_of(i) for i in trained + held + out])
    y = np.array([1] * (len(trained) + len(held)) + [0] * len(out))
    oof = np.zeros(len(y))
    for tr, te in StratifiedKFold(5, shuffle=True, random_state=SEED).split(x, y):
        oof[te] = fit(x[tr], y[tr], 1.0).decision_function(x[te])
    first = len(trained)
    return fit(x, y, 1.0), {i: float(oof[first + i]) for i in range(len(held) + len(out))}


def main() -> None:
    assistant = Assistant.load(Settings())
    zero = np.zeros(assistant.embedder.dimension, dtype=np.float32)
    n = len(FEATURES)
    placeholder = Abstainer(zero, 0.0, np.zeros(n), 0.0, np.zeros(n), np.ones(n), 0.5)
    assistant.abstention.learned = placeholder  # topic() is 0 here; stage 1 supplies it
    trained, held = held_out_inscope()
    out = data.load_outscope()
    topic, oof = topic_stage(assistant, trained, held, out)
    rows = [draft_features(assistant, i.question, i.history) for i in held + out]
    for i, r in enumerate(rows):
        r["topic"] = oof[i]
    y = np.array([1] * len(held) + [0] * len(out))
    x = matrix(rows)
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
    answer = fit((x - mean) / scale, y, 1.0)
    learned = Abstainer(
        topic.coef_[0].astype(np.float32),
        float(topic.intercept_[0]),
        answer.coef_[0],
        float(answer.intercept_[0]),
        mean,
        scale,
        0.5,
    )
    threshold, figures = calibrate(assistant, learned)
    card = {
        "model": "two logistic stages: topic over the tuned embedding, then draft signals",
        "features": list(FEATURES),
        "embedder_card": json.loads((EMBEDDER_DIR / "card.json").read_text())["data_sha256"],
        "data_sha256": data.data_hash(["inscope", "outscope"]),
        "seed": SEED,
        "examples": {
            "topic": len(trained) + len(held) + len(out),
            "answer_in_scope": len(held),
            "answer_out_of_scope": len(out),
        },
        "threshold": round(threshold, 4),
        "figures": figures,
        "topic": {
            "weights": [round(float(w), 6) for w in topic.coef_[0]],
            "bias": round(float(topic.intercept_[0]), 6),
        },
        "answer": {
            "weights": [round(float(w), 6) for w in answer.coef_[0]],
            "bias": round(float(answer.intercept_[0]), 6),
            "mean": [round(float(v), 6) for v in mean],
            "scale": [round(float(v), 6) for v in scale],
        },
    }
    ABSTAINER.write_text(json.dumps(card) + "\n")
    print(json.dumps({k: v for k, v in card.items() if k not in ("topic", "answer")}, indent=1))


def calibrate(assistant, learned: Abstainer) -> tuple[float, dict]:
    """The highest threshold refusing at most MAX_REFUSED of dev's in-scope items (counting
    those the draft has nothing to quote for), and dev's figures at it."""
    assistant.abstention.learned = learned
    dev = load_golden(data.GOLDEN / "dev.jsonl")
    p, rows, scope = [], [], []  # rows: a draft to quote that gives what is asked
    for item in dev:
        history = [{"role": "user", "content": h} for h in item.history]
        f = draft_features(assistant, item.question, history)
        p.append(learned.probability(f))
        rows.append(f["rows"] > 0 and f["gives"] > 0)  # else refused whatever the chance
        scope.append(item.in_scope)
    p, rows, scope = np.array(p), np.array(rows), np.array(scope)
    best = 0.05
    for t in np.arange(0.05, 0.95, 0.01):
        refused = np.mean(~rows[scope] | (p[scope] < t))
        if refused <= MAX_REFUSED:
            best = float(t)
    refused_in = float(np.mean(~rows[scope] | (p[scope] < best)))
    refused_out = float(np.mean(~rows[~scope] | (p[~scope] < best)))
    return best, {
        "dev_in_scope_refused": round(refused_in, 4),
        "dev_out_of_scope_refused": round(refused_out, 4),
    }


if __name__ == "__main__":
    main()
