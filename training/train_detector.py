"""Fine-tune the planted-instruction detector: all-MiniLM-L6-v2 (the packaged base weights)
with a two-class head, on written planted instructions against ordinary sentences that look
like orders, and every sentence of the guidance editions as ordinary text.

    .venv/bin/python training/train_detector.py [--epochs N]

10% of the written sentences are held out to set the threshold: the lowest that flags at
most ``MAX_FLAGGED`` of held-out ordinary sentences and no edition sentence. The half of it
is the "suspicious" bar that llm mode withholds from the model. evals/planted_test.jsonl (written
apart, unread) is scored once at the end, beside today's regex cues on the same items.
Writes guide_assistant/trained/detector/ (fp16 safetensors, tokenizer, card.json).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from train_embedder import base_path

import data
from guide_assistant.index.embedding import weights_sha256
from guide_assistant.ingest import instructions
from guide_assistant.trained import DETECTOR_DIR

SEED = 20261207
HELD_OUT = 0.10  # 161 written sentences: enough ordinary ones for the bar below to mean something
MAX_FLAGGED = 0.02  # the bar for ordinary sentences flagged, set on held-out ones


def edition_sentences() -> list[str]:
    return sorted({s for p in data.passages() for s in p["sentences"]})


def scores(model, tokenizer, texts: list[str]) -> np.ndarray:
    """P(planted) for each text, as the shipped detector scores it."""
    model.eval()
    return np.asarray(instructions.scores(tokenizer, model, texts))


def train(model, tokenizer, texts, labels, epochs: int, rng) -> None:
    model.train()
    optimiser = torch.optim.AdamW(model.parameters(), lr=5e-5, weight_decay=0.01)
    order = list(range(len(texts)))
    steps = epochs * ((len(order) + 31) // 32)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimiser, lambda s: max(0.0, 1 - s / steps))
    weight = torch.tensor([1.0, float(len(labels) - sum(labels)) / max(sum(labels), 1)])
    began, step = time.time(), 0
    for _ in range(epochs):
        rng.shuffle(order)
        for i in range(0, len(order), 32):
            rows = order[i : i + 32]
            enc = tokenizer(
                [texts[r] for r in rows],
                padding=True,
                truncation=True,
                max_length=128,
                return_tensors="pt",
            )
            logits = model(**enc).logits
            loss = torch.nn.functional.cross_entropy(
                logits, torch.tensor([labels[r] for r in rows]), weight=weight
            )
            loss.backward()
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    random.seed(SEED)
    np.random.seed(SEED)
    torch.manual_seed(SEED)
    torch.set_num_threads(2)
    rng = random.Random(SEED)
    written = [r for p in data.files("planted") for r in data.read_jsonl(p)]
    rng.shuffle(written)
    held = int(len(written) * HELD_OUT)
    held_out, training = written[:held], written[held:]
    editions = edition_sentences()
    texts = [r["text"] for r in training] + editions
    labels = [int(r["label"]) for r in training] + [0] * len(editions)
    tokenizer = AutoTokenizer.from_pretrained(str(base_path()))
    model = AutoModelForSequenceClassification.from_pretrained(str(base_path()), num_labels=2)
    began = time.time()
    train(model, tokenizer, texts, labels, args.epochs, rng)
    p_held = scores(model, tokenizer, [r["text"] for r in held_out])
    y_held = np.array([int(r["label"]) for r in held_out])
    p_ed = scores(model, tokenizer, editions)
    ordinary = np.sort(p_held[y_held == 0])[::-1]
    allowed = int(MAX_FLAGGED * len(ordinary))
    threshold = max(0.5, float(ordinary[allowed]) + 1e-4, float(p_ed.max()) + 1e-4)
    figures = {
        "held_out_caught": round(float(np.mean(p_held[y_held == 1] >= threshold)), 4),
        "held_out_ordinary_flagged": round(float(np.mean(p_held[y_held == 0] >= threshold)), 4),
        "edition_sentences_flagged": int((p_ed >= threshold).sum()),
        "train_seconds": round(time.time() - began),
    } | score_test(model, tokenizer, threshold)
    save(model, tokenizer, args, threshold, figures, len(training), len(editions))


def score_test(model, tokenizer, threshold: float) -> dict[str, float]:
    """Figures on the unread test split, and today's cues on the same items."""
    path = data.GOLDEN / "planted_test.jsonl"
    if not path.exists():
        return {}
    rows = data.read_jsonl(path)
    texts, y = [r["text"] for r in rows], np.array([int(r["label"]) for r in rows])
    p = scores(model, tokenizer, texts)
    out = {
        "test_caught": round(float(np.mean(p[y == 1] >= threshold)), 4),
        "test_ordinary_flagged": round(float(np.mean(p[y == 0] >= threshold)), 4),
    }
    try:  # the regex cues this detector replaced, while they are still in the tree
        from guide_assistant.ingest.instructions import Detector

        cues = Detector.load()
        today = np.array([bool(cues.cues_in(t)) for t in texts])
        out |= {
            "test_cues_caught": round(float(np.mean(today[y == 1])), 4),
            "test_cues_ordinary_flagged": round(float(np.mean(today[y == 0])), 4),
        }
    except (ImportError, AttributeError):
        pass
    return out


def save(model, tokenizer, args, threshold, figures, examples, editions) -> None:
    import transformers

    out: Path = DETECTOR_DIR
    if out.exists():
        shutil.rmtree(out)
    model.half()
    model.save_pretrained(str(out), safe_serialization=True)
    tokenizer.save_pretrained(str(out))
    # fp16 on disk, float32 in use: the config says how to load it (fp16 on a CPU is slow).
    config = json.loads((out / "config.json").read_text())
    (out / "config.json").write_text(json.dumps({**config, "dtype": "float32"}, indent=2) + "\n")
    card = {
        "model": "planted-instruction detector: all-MiniLM-L6-v2 with a two-class head",
        "base_sha256": weights_sha256(base_path()),
        "data_sha256": data.data_hash(["planted"]),
        "seed": SEED,
        "epochs": args.epochs,
        "threshold": round(threshold, 4),
        "suspicious": round(threshold / 2, 4),
        "examples": {"written": examples, "edition_sentences": editions},
        "versions": {"torch": torch.__version__, "transformers": transformers.__version__},
        "figures": figures,
    }
    (out / "card.json").write_text(json.dumps(card, indent=1) + "\n")
    print(json.dumps(card, indent=1))


if __name__ == "__main__":
    main()
