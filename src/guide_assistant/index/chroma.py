"""Chroma, through llama-index's ``ChromaVectorStore``: an embedded PersistentClient in the
build folder, or a Chroma server over HTTP. Collections never get Chroma's default embedding
function (it would download a model): every vector comes from our own model.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from guide_assistant.settings import Settings, offline_environment

if TYPE_CHECKING:
    from chromadb.api import ClientAPI
    from llama_index.core.schema import BaseNode
    from llama_index.vector_stores.chroma import ChromaVectorStore

# A few thousand vectors: a wide search costs well under a millisecond and makes the
# approximate index return the exact neighbours, so results don't vary between builds. At
# ef_search 200 and 16 neighbours, two builds of identical vectors disagreed on one golden item
# in two; at these settings four builds gave identical results on both splits.
HNSW = {"space": "cosine", "ef_construction": 400, "ef_search": 1000, "max_neighbors": 32}
BATCH = 1000  # nodes per add: Chroma refuses one call larger than its max batch (5,461 here)


class ChromaUnavailable(RuntimeError):
    """The Chroma server could not be reached; the message names host and port."""


def client(settings: Settings, build_dir: Path) -> ClientAPI:
    """A Chroma client for this build: embedded (on disk in the build) or a server's."""
    offline_environment()
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_mode == "server":
        try:
            return chromadb.HttpClient(
                host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings
            )
        except Exception as exc:  # chromadb raises plain ValueError/ConnectionError variants
            raise ChromaUnavailable(
                f"cannot reach the Chroma server at {settings.chroma_host}:{settings.chroma_port}"
                f" ({exc}); start it or set GUIDE_CHROMA_MODE=embedded"
            ) from None
    return chromadb.PersistentClient(path=str(build_dir / "chroma"), settings=chroma_settings)


def create_store(chroma_client: ClientAPI, name: str) -> ChromaVectorStore:
    """A fresh collection (cosine space, no embedding function) wrapped for llama-index."""
    from llama_index.vector_stores.chroma import ChromaVectorStore

    configuration: Any = {"hnsw": HNSW}
    collection = chroma_client.get_or_create_collection(
        name=name, embedding_function=None, configuration=configuration
    )
    return ChromaVectorStore(chroma_collection=collection)


def open_store(chroma_client: ClientAPI, name: str) -> ChromaVectorStore:
    """An existing collection wrapped for llama-index; raises if it is missing."""
    from llama_index.vector_stores.chroma import ChromaVectorStore

    collection = chroma_client.get_collection(name=name, embedding_function=None)
    return ChromaVectorStore(chroma_collection=collection)


def drop_collection(chroma_client: ClientAPI, name: str) -> None:
    """Delete a collection if it exists (old builds on a shared server)."""
    with contextlib.suppress(Exception):  # missing already: nothing to free
        chroma_client.delete_collection(name)


def add(
    store: ChromaVectorStore,
    nodes: list[BaseNode],
    progress: Callable[[int], None] | None = None,
    batch: int = BATCH,
) -> None:
    """Add nodes in batches of at most ``batch`` (see ``BATCH``).

    ``progress(n)`` is called after each batch with its size."""
    for i in range(0, len(nodes), batch):
        store.add(nodes[i : i + batch])
        if progress:
            progress(len(nodes[i : i + batch]))
