"""Fine-tune the llm-mode guard's support model: all-MiniLM-L6-v2 (the packaged base weights)
as a cross-encoder with a two-class head, on written (sentence, passage) pairs: faithful
paraphrases against near-misses (training/data/support/, briefs in training/briefs/).

    .venv/bin/python training/train_support.py [--epochs N]

Beside the written pairs, each content passage gives one of its own sentences (supported: models
quote) and one sentence of another passage (unsupported). The pairs of 10% of the passages are
held out (dev): the threshold is set there, for the guard as it runs (the model's verdict and the
hard checks of ``answer/check/agreement.py``): the lowest that catches ``MIN_CAUGHT`` of dev's
unsupported sentences. evals/support_test.jsonl (written apart, unread) and
evals/support_pairs.jsonl are scored once at the end, beside today's word-overlap check on the
same items. Writes guide_assistant/trained/support/ (fp16 safetensors, tokenizer, card.json).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from train_embedder import base_path

import data
from guide_assistant.answer.check import agreement, entailment, support
from guide_assistant.index.embedding import weights_sha256
from guide_assistant.text import normalise
from guide_assistant.trained import SUPPORT_DIR

SEED = 20261207
HELD_OUT = 0.10
MIN_CAUGHT = 0.97
BATCH = 16
LR = 5e-5

Pair = tuple[str, str, int, str]  # sentence, passage text, label (1 supported), kind


def written_pairs(texts: dict[str, str]) -> list[tuple[str, Pair]]:
    """(passage id, pair) for every written pair whose passage is known."""
    out = []
    for path in data.files("support"):
        for r in data.read_jsonl(path):
            if r["passage_id"] in texts:
                label = int(r["label"] == "supported")
                out.append(
                    (r["passage_id"], (r["sentence"], texts[r["passage_id"]], label, r["kind"]))
                )
    return out


def corpus_pairs(rows: list[dict], rng: random.Random) -> list[tuple[str, Pair]]:
    """One verbatim sentence of each passage (supported), one of another passage (not)."""
    out = []
    for p in rows:
        other = rng.choice([q for q in rows if q["source_id"] == p["source_id"] and q is not p])
        out.append((p["id"], (rng.choice(p["sentences"]), p["text"], 1, "verbatim")))
        out.append((p["id"], (rng.choice(other["sentences"]), p["text"], 0, "elsewhere")))
    return out


def train(model, tokenizer, pairs: list[Pair], epochs: int, rng) -> None:
    model.train()
    optimiser = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=0.01)
    order = list(range(len(pairs)))
    steps = epochs * ((len(order) + BATCH - 1) // BATCH)
    warm = max(1, steps // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min((s + 1) / warm, max(0.0, (steps - s) / (steps - warm)))
    )
    positives = sum(p[2] for p in pairs)
    weight = torch.tensor([1.0, (len(pairs) - positives) / max(positives, 1)])
    began, step = time.time(), 0
    for _ in range(epochs):
        rng.shuffle(order)
        for i in range(0, len(order), BATCH):
            rows = [pairs[r] for r in order[i : i + BATCH]]
            enc = tokenizer(
                [s for s, *_ in rows],
                [entailment.context(s, p) for s, p, *_ in rows],
                padding=True,
                truncation="only_second",
                max_length=entailment.MAX_TOKENS,
                return_tensors="pt",
            )
            loss = torch.nn.functional.cross_entropy(
                model(**enc).logits, torch.tensor([r[2] for r in rows]), weight=weight
            )
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimiser.step()
            schedule.step()
            optimiser.zero_grad()
            step += 1
            if step % 20 == 0:
                print(
                    f"step {step}/{steps} loss {loss.item():.3f} {time.time() - began:.0f}s",
                    file=sys.stderr,
                    flush=True,
                )
    model.eval()


def shows(p: np.ndarray, pairs: list[Pair], threshold: float) -> np.ndarray:
    """What the guard shows (``support.Checker``): a verbatim sentence; else one the model
    accepts at ``threshold`` that the hard checks (numbers, dates, named bodies, negation)
    don't veto."""
    out = []
    for chance, (sentence, passage, *_) in zip(p, pairs, strict=True):
        if normalise(sentence) in normalise(passage):
            out.append(True)
            continue
        best = agreement.closest(sentence, agreement.segments(passage))
        veto = agreement.disagreement(sentence, passage, best) is not None
        out.append(bool(chance >= threshold) and not veto)
    return np.array(out)


def figures(p: np.ndarray, pairs: list[Pair], threshold: float) -> dict:
    """Caught / accepted for the guard (model and hard checks), per kind, and today's check."""
    y = np.array([r[2] for r in pairs])
    shown = shows(p, pairs, threshold)
    today = np.array([support.overlap_verify(s, [t]).ok for s, t, *_ in pairs])
    kinds: dict[str, list[bool]] = defaultdict(list)
    for ok, r in zip(shown, pairs, strict=True):
        kinds[r[3]].append(bool(ok) == bool(r[2]))
    return {
        "items": len(pairs),
        "caught": round(float(np.mean(~shown[y == 0])), 4),
        "accepted": round(float(np.mean(shown[y == 1])), 4),
        "model_only_caught": round(float(np.mean(p[y == 0] < threshold)), 4),
        "model_only_accepted": round(float(np.mean(p[y == 1] >= threshold)), 4),
        "today_caught": round(float(np.mean(~today[y == 0])), 4),
        "today_accepted": round(float(np.mean(today[y == 1])), 4),
        "right_by_kind": {k: round(float(np.mean(v)), 3) for k, v in sorted(kinds.items())},
    }


def choose_threshold(p: np.ndarray, pairs: list[Pair]) -> float:
    """The lowest threshold at which the guard catches MIN_CAUGHT of dev's unsupported."""
    y = np.array([r[2] for r in pairs])
    for t in np.arange(0.05, 0.99, 0.01):
        if np.mean(~shows(p, pairs, t)[y == 0]) >= MIN_CAUGHT:
            return float(round(t, 2))
    return 0.99


def golden(name: str, split: str | None = None) -> list[Pair]:
    """A golden pair set (scored only: never trained on, never read here)."""
    path = data.GOLDEN / name
    if not path.exists():
        return []
    rows = data.read_jsonl(path)
    if "passage" not in rows[0]:  # support_test.jsonl names passages by id
        texts = {p["id"]: p["text"] for p in data.passages()}
        return [
            (r["sentence"], texts[r["passage_id"]], int(r["label"] == "supported"), r["kind"])
            for r in rows
            if r["passage_id"] in texts
        ]
    return [
        (r["sentence"], r["passage"], int(r["label"] == "supported"), r["kind"])
        for r in rows
        if split is None or r["split"] == split
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument(
        "--evaluate-only",
        action="store_true",
        help="keep the shipped weights; set the threshold and the figures again (after a change "
        "to the hard checks)",
    )
    args = parser.parse_args()
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    random.seed(SEED)
    np.random.seed(SEED)
    torch.manual_seed(SEED)
    torch.set_num_threads(2)
    rng = random.Random(SEED)
    rows = [p for p in data.passages() if p["sentences"]]
    ids = sorted(p["id"] for p in rows)
    rng.shuffle(ids)
    dev_ids = set(ids[: int(len(ids) * HELD_OUT)])
    everything = written_pairs({p["id"]: p["text"] for p in rows}) + corpus_pairs(rows, rng)
    training = [pair for pid, pair in everything if pid not in dev_ids]
    dev = [pair for pid, pair in everything if pid in dev_ids]
    if args.evaluate_only:
        card = json.loads((SUPPORT_DIR / "card.json").read_text())
        args.epochs, seconds = card["epochs"], card["figures"]["train_seconds"]
        tokenizer = AutoTokenizer.from_pretrained(str(SUPPORT_DIR))
        model = AutoModelForSequenceClassification.from_pretrained(
            str(SUPPORT_DIR), dtype=torch.float32
        ).eval()
    else:
        tokenizer = AutoTokenizer.from_pretrained(str(base_path()))
        model = AutoModelForSequenceClassification.from_pretrained(str(base_path()), num_labels=2)
        began = time.time()
        train(model, tokenizer, training, args.epochs, rng)
        seconds = round(time.time() - began)

    def score(pairs: list[Pair]) -> np.ndarray:
        return np.asarray(
            entailment.probabilities(tokenizer, model, [(s, t) for s, t, *_ in pairs])
        )

    p_dev = score(dev)
    threshold = choose_threshold(p_dev, dev)
    out = {"train_seconds": seconds, "dev": figures(p_dev, dev, threshold)}
    for name, pairs in [
        ("support_pairs_dev", golden("support_pairs.jsonl", "dev")),
        ("support_pairs_test", golden("support_pairs.jsonl", "test")),
        ("support_test", golden("support_test.jsonl")),
    ]:
        if pairs:
            out[name] = figures(score(pairs), pairs, threshold)
    save(model, tokenizer, args, threshold, out, len(training), len(dev))


def save(model, tokenizer, args, threshold, figures, examples, dev) -> None:
    import transformers

    out: Path = SUPPORT_DIR
    if not args.evaluate_only:
        if out.exists():
            shutil.rmtree(out)
        model.half()
        model.save_pretrained(str(out), safe_serialization=True)
        tokenizer.save_pretrained(str(out))
        config = json.loads((out / "config.json").read_text())
        (out / "config.json").write_text(
            json.dumps({**config, "dtype": "float32"}, indent=2) + "\n"
        )
    card = {
        "model": "support model: all-MiniLM-L6-v2 as a cross-encoder with a two-class head",
        "base_sha256": weights_sha256(base_path()),
        "data_sha256": data.data_hash(["support"]),
        "seed": SEED,
        "epochs": args.epochs,
        "learning_rate": LR,
        "threshold": threshold,
        "examples": {"training": examples, "dev": dev},
        "versions": {"torch": torch.__version__, "transformers": transformers.__version__},
        "figures": figures,
    }
    (out / "card.json").write_text(json.dumps(card, indent=1) + "\n")
    print(json.dumps(card, indent=1))


if __name__ == "__main__":
    main()
