"""Retrieval over a user's own document, base model against the tuned one: the tuned model
learned the guidance editions, and must not make search of an added document worse.

evals/local_policy/ holds a local policy written for this (a fictional trust's) and 20
questions about it in users' words, each with the sentences that answer it. Each model gets
its own index of the editions plus that document (in temporary folders); a question scores
hit@k when one of the first k passages retrieved from the document holds an answering quote.

    .venv/bin/python benchmarks/compare_local_retrieval.py
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from guide_assistant.settings import (  # noqa: E402
    BASE_MODEL,
    TUNED_MODEL,
    Settings,
    offline_environment,
)

LOCAL = ROOT / "evals" / "local_policy"


def measure(model: str, folder: Path) -> dict[str, float]:
    from guide_assistant.assistant import Assistant

    docs = folder / "user_docs"
    docs.mkdir(parents=True)
    shutil.copy(LOCAL / "riverside-trust-policy.md", docs)
    settings = Settings(
        embedding_model=model,
        user_docs_dir=docs,
        index_dir=folder / "indexes",
        data_dir=folder / "data",
    )
    assistant = Assistant.load(settings)
    local = [s["source_id"] for s in assistant.sources if s["kind"] == "user"]
    rows = [json.loads(line) for line in (LOCAL / "questions.jsonl").read_text().splitlines()]
    hits = {1: 0, 3: 0, 5: 0}
    for row in rows:
        asked = assistant.understanding.understand(row["question"])
        found = assistant.retriever.search(asked, local)
        ranked = [h.passage.text for h in found.hits]
        for k in hits:
            hits[k] += any(q in text for text in ranked[:k] for q in row["quotes"])
    return {f"hit@{k}": round(n / len(rows), 3) for k, n in hits.items()}


def main() -> None:
    offline_environment()
    for model in (BASE_MODEL, TUNED_MODEL):
        with tempfile.TemporaryDirectory() as tmp:
            print(model, measure(model, Path(tmp)))


if __name__ == "__main__":
    main()
