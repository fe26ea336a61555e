"""Ingest benchmark: embedding backends side by side, and builds of generated user text.

Everything is measured in this one run (the CPU is shared, so compare ratios, not seconds):

- per backend (torch fp32, ONNX fp32, ONNX int8): embedding throughput (kchars/s) on the
  same texts, interleaved over rounds (best round), the query-embedding floor (one thread,
  median of short questions), cold ``Assistant.load()`` in a fresh process (and whether it
  imported torch), and dev-split quality (evidence hit@5, MRR, must-include) of an index of
  the corpus built with it;
- dev quality without the dense sentence collection (are sentence vectors worth their
  cost?), with the share of embedded characters that sentences make up;
- full CLI builds of 1 MB and 5 MB of user text (corpus paragraphs reshuffled under
  generated headings, written to a temp folder) with time and peak memory, then a no-op.
  With the default ``lazy_sentences_over_chars`` such a document gets no sentence vectors at
  ingest (set ``GUIDE_LAZY_SENTENCES_OVER_CHARS`` high to measure the eager build). Its
  reshuffled sentences repeat, and repeats are embedded once, so on this text the build
  embeds mostly passages: a document of distinct sentences saves more.

    .venv/bin/python benchmarks/bench_ingest.py [--backends torch,onnx,onnx-int8]
        [--build-backend onnx] [--sizes 1,5] [--sample-kchars 150] [--rounds 2]
        [--builds-only]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))
PY = sys.executable
QUESTIONS = [
    "what supervision must a seconded AMHP get?",
    "how often should supervision happen",
    "who is the principal social worker",
    "lone working policy",
    "what does the guidance say about CPD for social workers in NHS trusts?",
]


def user_text(megabytes: float, seed: int = 0) -> str:
    """Corpus paragraphs and lists, reshuffled under a heading every eight blocks."""
    blocks = []
    for path in sorted((ROOT / "corpus").glob("*.md")):
        body = re.sub(r"\A---\n.*?\n---\n", "", path.read_text(), flags=re.DOTALL)
        blocks += [b.strip() for b in body.split("\n\n") if b.strip() and b[0] != "#"]
    rng = random.Random(seed)
    out, size, n = ["# Local staff handbook\n"], 0, 0
    while size < megabytes * 1_000_000:
        n += 1
        out.append(f"## {n}. {' '.join(rng.choice(blocks).split()[:6]).strip('*|')}\n")
        for block in rng.sample(blocks, 8):
            out.append(block + "\n")
            size += len(block)
    return "\n".join(out)


def sample_texts(kchars: int) -> list[str]:
    """Passages and sentences as a build embeds them, from the generated user text."""
    from guide_assistant.index.embedding import Embedder
    from guide_assistant.ingest import chunking, corpus
    from guide_assistant.settings import PACKAGED_MODEL

    folder = Path(tempfile.mkdtemp(prefix="bench-sample-"))
    (folder / "handbook.md").write_text(user_text(0.3, seed=1))
    doc = corpus.load_user_document(folder / "handbook.md")
    count = Embedder(PACKAGED_MODEL).count_tokens
    chunks = chunking.chunk_document(doc, count, 200)
    texts = [c.embed_text for c in chunks] + [s.text for c in chunks for s in c.sentences]
    random.Random(2).shuffle(texts)
    out, size = [], 0
    for text in texts:
        if size >= kchars * 1000:
            break
        out.append(text)
        size += len(text)
    return out


def throughput(backends: list[str], texts: list[str], rounds: int, cache: Path) -> dict:
    from guide_assistant.index.embedding import Embedder
    from guide_assistant.settings import PACKAGED_MODEL

    embedders = {b: Embedder(PACKAGED_MODEL, backend=b, cache_dir=cache) for b in backends}
    chars = sum(map(len, texts))
    best: dict[str, float] = {}
    for e in embedders.values():
        e.embed(texts[:64])  # load the model, warm the session
    for _ in range(rounds):  # interleaved: each backend sees the same load on average
        for name, e in embedders.items():
            began = time.perf_counter()
            e.embed(texts)
            rate = chars / (time.perf_counter() - began) / 1000
            best[name] = max(best.get(name, 0.0), rate)
    floors = {}
    for name, e in embedders.items():
        e.prepare_for_queries()
        times = []
        for _ in range(3):
            for q in QUESTIONS:
                began = time.perf_counter()
                e.embed_query(q)
                times.append((time.perf_counter() - began) * 1000)
        floors[name] = statistics.median(times)
    return {"kchars_s": best, "query_ms": floors, "chars": chars, "texts": len(texts)}


def env_for(work: Path, backend: str, cache: Path, user_docs: Path | None = None) -> dict:
    return {
        **os.environ,
        "PYTHONPATH": f"{ROOT / 'src'}:{ROOT}",
        "HF_HUB_OFFLINE": "1",
        "GUIDE_INDEX_DIR": str(work / "indexes"),
        "GUIDE_USER_DOCS_DIR": str(user_docs or work / "none"),
        "GUIDE_DATA_DIR": str(work / "data"),
        "GUIDE_EMBEDDING_BACKEND": backend,
        "GUIDE_EMBEDDING_CACHE_DIR": str(cache),
        # The builds are measured, not refused for their estimated time.
        "GUIDE_MAX_DOCUMENT_MINUTES": "100000",
    }


def measured(args: list[str], env: dict) -> tuple[float, float, str]:
    """Seconds, peak RSS (MB) and stdout of one child process."""
    began = time.perf_counter()
    proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out = proc.stdout.read().decode() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"{' '.join(args)} failed ({proc.returncode})")
    return time.perf_counter() - began, usage.ru_maxrss / 1024, out.strip()


LOAD = (
    "import sys, time; t = time.perf_counter(); from guide_assistant import Assistant; "
    "Assistant.load(build_if_missing=False); "
    "print(f'{time.perf_counter() - t:.2f}', 'torch' in sys.modules)"
)


def quality(backend: str, env: dict, without_sentences: bool = False) -> dict:
    """Dev-split hit@5, MRR and must-include of the index built in ``env``."""
    from guide_assistant.assistant import Assistant
    from guide_assistant.evaluation import metrics
    from guide_assistant.settings import Settings

    settings = Settings(
        index_dir=Path(env["GUIDE_INDEX_DIR"]),
        user_docs_dir=Path(env["GUIDE_USER_DOCS_DIR"]),
        data_dir=Path(env["GUIDE_DATA_DIR"]),
        embedding_backend=backend,  # type: ignore[arg-type]
        embedding_cache_dir=Path(env["GUIDE_EMBEDDING_CACHE_DIR"]),
    )
    assistant = Assistant.load(settings, build_if_missing=False)
    if without_sentences:  # an ablation: retrieval without the dense sentence collection
        dense, sentences = assistant.retriever.dense, assistant.index.sentence_store
        assistant.retriever.dense = lambda store, *a: [] if store is sentences else dense(store, *a)  # type: ignore[method-assign]
    items = metrics.load_golden(ROOT / "evals" / "dev.jsonl")
    texts = {
        d["source_id"]: Path(d["path"]).read_text() for d in assistant.index.manifest["documents"]
    }
    summary = metrics.summarise(metrics.run(assistant, items, texts))
    return {k: summary[k] for k in ("hit_at_k", "mrr", "must_include_recall")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backends", default="torch,onnx,onnx-int8")
    parser.add_argument("--build-backend", default="onnx")
    parser.add_argument("--sizes", default="1,5")
    parser.add_argument("--sample-kchars", type=int, default=150)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--builds-only", action="store_true", help="only the user-text builds (--sizes)"
    )
    args = parser.parse_args()
    backends = args.backends.split(",")
    work = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    cache = work / "models"
    from guide_assistant.settings import offline_environment

    offline_environment()
    print(f"work folder: {work}", flush=True)
    cli = [PY, "-m", "guide_assistant.interfaces.cli", "ingest"]
    # Builds of user text first, while this process is small: a child's peak RSS (wait4)
    # includes what it inherited at fork, so measured after the models are loaded here it
    # reads 2.7 GB for a build that peaks at 1.4 GB on its own (/usr/bin/time -v).
    builds(args, work, cache, cli)
    if args.builds_only:
        return
    rows = {}
    for backend in backends:  # corpus index per backend (exports the ONNX files on first use)
        env = env_for(work / backend, backend, cache)
        seconds, peak, summary = measured([*cli, "--rebuild"], env)
        load_out = measured([PY, "-c", LOAD], env)[2]
        rows[backend] = {"build_s": seconds, "peak_mb": peak, "load": load_out}
        rows[backend].update(quality(backend, env))
        print(f"{backend}: corpus built in {seconds:.1f} s; {summary}", flush=True)
    ablation = quality(backends[0], env_for(work / backends[0], backends[0], cache), True)
    texts = sample_texts(args.sample_kchars)
    speed = throughput(backends, texts, args.rounds, cache)
    report(rows, speed, ablation, backends)


def report(rows: dict, speed: dict, ablation: dict, backends: list[str]) -> None:
    base = backends[0]
    print(f"\nembedding sample: {speed['texts']} texts, {speed['chars'] / 1000:.0f} kchars")
    print(
        f"{'backend':<10} {'kchars/s':>9} {'x ' + base:>9} {'query ms':>9} {'load s':>7} "
        f"{'torch?':>6} {'hit@5':>6} {'MRR':>6} {'must':>6} {'corpus build s':>14}"
    )
    for b in backends:
        r, rate = rows[b], speed["kchars_s"][b]
        load_s, torch_loaded = r["load"].split()
        print(
            f"{b:<10} {rate:>9.1f} {rate / speed['kchars_s'][base]:>8.2f}x "
            f"{speed['query_ms'][b]:>9.2f} {float(load_s):>7.2f} {torch_loaded:>6} "
            f"{r['hit_at_k']:>6.3f} {r['mrr']:>6.3f} {r['must_include_recall']:>6.3f} "
            f"{r['build_s']:>14.1f}"
        )
    print(
        f"{base} without the sentence collection: hit@5 {ablation['hit_at_k']:.3f}, "
        f"MRR {ablation['mrr']:.3f}, must-include {ablation['must_include_recall']:.3f}",
        flush=True,
    )


def builds(args: argparse.Namespace, work: Path, cache: Path, cli: list[str]) -> None:
    """CLI builds of generated user text with the chosen backend: time, memory, no-op."""
    backend = args.build_backend
    export = (
        "from guide_assistant.index.embedding import Embedder; "
        "from guide_assistant.settings import Settings; Embedder.from_settings(Settings()).export"
    )
    measured([PY, "-c", export], env_for(work / "export", backend, cache))  # not in the timing
    for size in [float(s) for s in args.sizes.split(",")]:
        docs = work / f"user-{size:g}mb"
        docs.mkdir()
        text = user_text(size)
        (docs / "handbook.md").write_text(text)
        env = env_for(work / f"build-{size:g}", backend, cache, docs)
        seconds, peak, summary = measured(cli, env)
        noop = measured(cli, env)[0]
        build = max((work / f"build-{size:g}" / "indexes" / "builds").iterdir())
        sentence_chars = sum(len(x) for x in (build / "sentences.jsonl").read_text().split("\n"))
        passage_chars = sum(len(x) for x in (build / "passages.jsonl").read_text().split("\n"))
        print(
            f"{size:g} MB of user text, {backend}: built in {seconds:.1f} s "
            f"({len(text) / seconds / 1000:.1f} kchars/s, the rate ingest_chars_per_second "
            f"estimates with), peak {peak:.0f} MB; "
            f"no-op ingest {noop:.2f} s\n  {summary}\n  sentence records are "
            f"{sentence_chars / (sentence_chars + passage_chars):.0%} of the records' characters",
            flush=True,
        )


if __name__ == "__main__":
    main()
