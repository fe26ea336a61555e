"""BM25 over the passages, through llama-index's ``BM25Retriever`` (bm25s and PyStemmer)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from llama_index.core.schema import BaseNode
    from llama_index.retrievers.bm25 import BM25Retriever


def persist(nodes: list[BaseNode], folder: Path) -> None:
    """Index ``nodes`` and write the index to ``folder``."""
    from llama_index.retrievers.bm25 import BM25Retriever

    # Every passage scored: the source filter applies after BM25, so a cut here would starve it.
    retriever = BM25Retriever.from_defaults(nodes=nodes, similarity_top_k=len(nodes))
    retriever.persist(str(folder), show_progress=False)


def load(folder: Path) -> BM25Retriever:
    """The retriever ``persist`` wrote to ``folder``."""
    from llama_index.retrievers.bm25 import BM25Retriever

    return BM25Retriever.from_persist_dir(str(folder), show_progress=False)
