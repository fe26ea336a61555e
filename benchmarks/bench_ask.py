"""Answer latency: cold ``Assistant.load()``, warm ``ask`` p50/p95 over the dev questions,
and the floor (one bare query embedding) measured in the same run, with the ratio.

    .venv/bin/python benchmarks/bench_ask.py [--passes 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from guide_assistant.settings import Settings, offline_environment  # noqa: E402


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--passes", type=int, default=3)
    passes = parser.parse_args().passes
    offline_environment()
    began = time.perf_counter()
    from guide_assistant.assistant import Assistant
    from guide_assistant.evaluation import metrics as evaluation

    assistant = Assistant.load(Settings())
    cold = time.perf_counter() - began
    questions = [i.question for i in evaluation.load_golden(ROOT / "evals" / "dev.jsonl")]
    for q in questions[:10]:  # warm caches, as a running server would be
        assistant.ask(q)
    ask_ms, embed_ms, parts = [], [], {}
    for _ in range(passes):
        for q in questions:
            t = time.perf_counter()
            assistant.embedder.embed_query(q)
            embed_ms.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            answer = assistant.ask(q)
            ask_ms.append((time.perf_counter() - t) * 1000)
            for k, v in answer.timings_ms.items():
                parts.setdefault(k, []).append(v)
    floor = statistics.median(embed_ms)
    p50, p95 = statistics.median(ask_ms), pct(ask_ms, 0.95)
    print(f"cold Assistant.load() incl. imports: {cold:.2f} s")
    print(f"warm ask over {len(ask_ms)} questions: p50 {p50:.1f} ms, p95 {p95:.1f} ms")
    print(f"floor, one query embedding: p50 {floor:.1f} ms; ask p50 / floor = {p50 / floor:.2f}x")
    print(
        "stages p50 (ms): " + ", ".join(f"{k} {statistics.median(v):.1f}" for k, v in parts.items())
    )


if __name__ == "__main__":
    main()
