"""The editions' passages, as the index chunks them: what training items are written from
and labelled against. ``python training/passages.py`` writes ``training/data/passages.jsonl``.

A training item names its evidence by verbatim quotes, not only by passage id: the ids are
hashes of a passage's text, so a change of chunking moves them, while a quote still finds
the passage that holds it (``passage_of``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from guide_assistant.index.embedding import Embedder
from guide_assistant.ingest import chunking, corpus
from guide_assistant.models import SECTION_SEP
from guide_assistant.settings import Settings

HERE = Path(__file__).resolve().parent
OUT = HERE / "data" / "passages.jsonl"


def editions_chunks(settings: Settings) -> list[chunking.Chunk]:
    """The chunks of the guidance editions alone (no user documents)."""
    manifest = corpus.load_manifest(settings.corpus_dir)
    docs = [corpus.load_edition(settings.corpus_dir / d["file"]) for d in manifest["documents"]]
    embedder = Embedder.from_settings(settings)
    return chunking.chunk_corpus(docs, embedder.count_tokens, settings.chunk_max_tokens)


def rows(chunks: list[chunking.Chunk]) -> list[dict]:
    out = []
    for c in chunks:
        p = c.passage
        sentences = [s.text for s in c.sentences if s.kind != "heading"]
        out.append(
            {
                "id": p.id,
                "source_id": p.source_id,
                "section": SECTION_SEP.join(p.section),
                "text": p.text,
                "embed_text": c.embed_text,
                "sentences": sentences,
                "content": len(" ".join(sentences).split()) >= 12,
            }
        )
    return out


def main() -> None:
    settings = Settings()
    items = rows(editions_chunks(settings))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w") as f:
        for item in items:
            f.write(json.dumps(item, ensure_ascii=False) + "\n")
    content = sum(i["content"] for i in items)
    print(f"{len(items)} passages ({content} with content) -> {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
