"""Do a large user document's sentences need vectors at ingest? Quality with and without.

Questions about a user document: the two editions are copied into the user documents folder
(front matter removed, so they are ordinary local files), and the dev items with evidence in
them are asked of those copies only (``sources``), evidence remapped to the copies. Measured
with every sentence embedded at ingest (``lazy_sentences_over_chars=None``) and with the
copies' sentences embedded only when retrieval returns their passages (``=0``): evidence
hit@5, MRR, must-include, embedded texts, build seconds, and sentences embedded on demand.
The corpus's own dev figures are unchanged by design (the editions always get sentence
vectors); check them with evals/ or bench_ingest.py.

    .venv/bin/python benchmarks/bench_lazy_sentences.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from guide_assistant.settings import Settings, offline_environment  # noqa: E402

offline_environment()


def copies(folder: Path, corpus_dir: Path) -> dict[str, str]:
    """The editions as user files; returns edition source id -> the copy's source id."""
    from guide_assistant.ingest import corpus

    folder.mkdir(parents=True)
    mapping = {}
    for entry in corpus.load_manifest(corpus_dir)["documents"]:
        text = (corpus_dir / entry["file"]).read_text()
        body = text[corpus.parse_front_matter(text)[1] :]
        path = folder / f"local-{entry['source_id']}.md"
        path.write_text(body)
        mapping[entry["source_id"]] = corpus.user_source_id(path)
    return mapping


def run(settings: Settings, mapping: dict[str, str]) -> dict[str, float]:
    from guide_assistant.assistant import Assistant
    from guide_assistant.evaluation import metrics
    from guide_assistant.index import build as indexing

    began = time.perf_counter()
    report = indexing.build(settings, rebuild=True)
    seconds = time.perf_counter() - began
    assistant = Assistant.load(settings, build_if_missing=False)
    docs = assistant.index.manifest["documents"]
    texts = {d["source_id"]: Path(d["path"]).read_text() for d in docs}
    items = metrics.load_golden(ROOT / "evals" / "dev.jsonl")
    # The copies' texts have no front matter: each quote is found again in them.
    items = [i for i in items if i.evidence and i.in_scope and not i.history]
    for item in items:
        for ev in item.evidence:
            ev.source_id = mapping.get(ev.source_id, ev.source_id)
    ask, local = assistant.ask, list(mapping.values())

    def ask_the_copies(question, history=None, sources=None):  # type: ignore[no-untyped-def]
        return ask(question, history, sources=local)

    assistant.ask = ask_the_copies  # type: ignore[method-assign]
    summary = metrics.summarise(metrics.run(assistant, items, texts))
    return {
        "items": len(items),
        "hit": summary["hit_at_k"] or 0.0,
        "mrr": summary["mrr"] or 0.0,
        "must": summary["must_include_recall"] or 0.0,
        "embedded": report.embedded,
        "build_s": seconds,
        "on_demand": assistant.index.sentence_vectors.embedded_on_demand,
    }


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-lazy-"))
    base = Settings(index_dir=work / "i", user_docs_dir=work / "docs", data_dir=work / "d")
    mapping = copies(work / "docs", base.corpus_dir)
    rows = {}
    for name, over in (("eager (every sentence at ingest)", None), ("lazy (on retrieval)", 0)):
        settings = base.model_copy(update={"lazy_sentences_over_chars": over})
        rows[name] = run(settings, mapping)
        print(name, rows[name], flush=True)
    print(
        f"\n{'':<34} {'items':>5} {'hit@5':>6} {'MRR':>6} {'must':>6} {'embedded':>8} "
        f"{'build s':>7} {'on demand':>9}"
    )
    for name, r in rows.items():
        print(
            f"{name:<34} {r['items']:>5} {r['hit']:>6.3f} {r['mrr']:>6.3f} {r['must']:>6.3f} "
            f"{r['embedded']:>8} {r['build_s']:>7.1f} {r['on_demand']:>9}"
        )


if __name__ == "__main__":
    main()
