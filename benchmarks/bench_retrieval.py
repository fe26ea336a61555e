"""Retrieval quality against the plain llama-index default pipeline, side by side in one run.

Default: SentenceSplitter() with its defaults over the same editions, an in-memory
VectorStoreIndex, dense top-5, the same embedding model. Ours: structure-aware chunks,
dense passages + dense sentences (Chroma) + BM25 fused by RRF, top-5. Scored on every golden
item with evidence: evidence hit@5, MRR@5, and words of context returned.

    .venv/bin/python benchmarks/bench_retrieval.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from guide_assistant.settings import Settings, offline_environment  # noqa: E402


def main() -> None:
    offline_environment()
    from llama_index.core import Document, VectorStoreIndex
    from llama_index.core.node_parser import SentenceSplitter

    from guide_assistant.assistant import Assistant
    from guide_assistant.evaluation import metrics as evaluation
    from guide_assistant.index import build as indexing
    from guide_assistant.ingest import corpus
    from guide_assistant.models import ChatMessage, Passage

    work = Path(tempfile.mkdtemp(prefix="bench-retrieval-"))
    settings = Settings(index_dir=work / "indexes", user_docs_dir=work / "none")
    indexing.build(settings)
    assistant = Assistant.load(settings, build_if_missing=False)
    docs, _ = corpus.load_corpus(settings)
    texts = {d.meta.source_id: d.text for d in docs}

    nodes = SentenceSplitter().get_nodes_from_documents(
        [
            Document(text=d.text, id_=d.meta.source_id, metadata={"source_id": d.meta.source_id})
            for d in docs
        ]
    )
    default_index = VectorStoreIndex(nodes, embed_model=assistant.embedder.llama_embedding)
    default_retriever = default_index.as_retriever(similarity_top_k=5)
    default_passages = {
        n.node_id: Passage(
            id=n.node_id,
            source_id=n.metadata["source_id"],
            title="",
            section=[],
            text=n.get_content(),
            start=n.start_char_idx,
            end=n.end_char_idx,
        )
        for n in nodes
    }

    golden = [
        i
        for name in ("dev", "test")
        for i in evaluation.load_golden(ROOT / "evals" / f"{name}.jsonl")
    ]
    items = [i for i in golden if i.evidence]
    scores: dict[str, list[tuple[float, float, int]]] = {"default": [], "ours": []}
    for item in items:
        history = [ChatMessage(role="user", content=h) for h in item.history]
        asked = assistant.understanding.understand(item.question, history)
        query = asked.query
        ours = [h.passage for h in assistant.retriever.search(asked).hits]
        default = [default_passages[n.node.node_id] for n in default_retriever.retrieve(query)]
        for name, got, pool in (
            ("ours", ours, assistant.index.passages),
            ("default", default, list(default_passages.values())),
        ):
            expected = evaluation.evidence_ids(item, pool, texts)
            hit, rr = evaluation.retrieval_scores(expected, [p.id for p in got])
            scores[name].append((hit, rr, sum(len(p.text.split()) for p in got)))

    print(f"{len(items)} golden items with evidence; top-5 for both pipelines")
    print(f"{'pipeline':10s} {'chunks':>6s} {'hit@5':>6s} {'MRR':>6s} {'words/query':>12s}")
    counts = {"default": len(nodes), "ours": len(assistant.index.passages)}
    for name, rows in scores.items():
        hit = statistics.fmean(r[0] for r in rows)
        mrr = statistics.fmean(r[1] for r in rows)
        words = statistics.fmean(r[2] for r in rows)
        print(f"{name:10s} {counts[name]:6d} {hit:6.3f} {mrr:6.3f} {words:12.0f}")
    ratio = statistics.fmean(r[2] for r in scores["ours"]) / statistics.fmean(
        r[2] for r in scores["default"]
    )
    print(f"words returned, ours / default: {ratio:.2f}")


if __name__ == "__main__":
    main()
