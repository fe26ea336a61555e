"""Cost of the English-only check: py3langid's model load, and one check per question (p50/p95)
over evals/languages.jsonl and the dev questions, against one bare query embedding measured in
the same run (the cheapest step every answer has anyway).

    .venv/bin/python benchmarks/bench_language.py
"""

from __future__ import annotations

import json
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


def timed(fn, items: list[str]) -> list[float]:
    out = []
    for item in items:
        began = time.perf_counter()
        fn(item)
        out.append((time.perf_counter() - began) * 1000)
    return out


def main() -> None:
    offline_environment()
    from guide_assistant.answer.question.language import LanguageDetector, _load_identifier
    from guide_assistant.index.embedding import Embedder

    lines = (ROOT / "evals" / "languages.jsonl").read_text(encoding="utf-8").splitlines()
    questions = [json.loads(line)["question"] for line in lines if line]
    dev = (ROOT / "evals" / "dev.jsonl").read_text(encoding="utf-8").splitlines()
    questions += [json.loads(line)["question"] for line in dev if line]

    began = time.perf_counter()
    _load_identifier()
    load_s = time.perf_counter() - began
    detector = LanguageDetector(Settings())
    detector.check("warm up")
    check_ms = timed(detector.check, questions)

    settings = Settings()
    embedder = Embedder(settings.embedding_model, settings.embed_batch_size)
    embedder.prepare_for_queries()
    embed_ms = timed(embedder.embed_query, questions)

    print(f"questions: {len(questions)}")
    print(f"py3langid model load: {load_s:.2f} s (in a background thread of Assistant.load)")
    print(f"check:           p50 {pct(check_ms, 0.5):.3f} ms  p95 {pct(check_ms, 0.95):.3f} ms")
    print(f"query embedding: p50 {pct(embed_ms, 0.5):.3f} ms  p95 {pct(embed_ms, 0.95):.3f} ms")
    ratio = statistics.median(check_ms) / statistics.median(embed_ms)
    print(f"check / embedding (medians): {ratio:.3f}")


if __name__ == "__main__":
    main()
