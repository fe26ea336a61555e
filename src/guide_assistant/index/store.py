"""One build on disk: ``persist`` writes its parts and manifest, ``load`` opens it again.

A build lives in ``builds/<id>/``; ``manifest.json`` is written last and the ``CURRENT``
pointer is switched atomically after it, so an interrupted build (Ctrl-C, kill -9) leaves the
previous build serving.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from guide_assistant.index import bm25, chroma
from guide_assistant.index.vectors import SentenceVectors
from guide_assistant.ingest import lexicon
from guide_assistant.ingest.lexicon import Lexicon
from guide_assistant.models import Passage, Sentence
from guide_assistant.settings import Settings

if TYPE_CHECKING:
    from llama_index.core.schema import BaseNode
    from llama_index.retrievers.bm25 import BM25Retriever
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from guide_assistant.ingest.chunking import Chunk

MANIFEST = "manifest.json"
POINTER = "CURRENT"
FORMAT = 4  # bump when the build layout changes: older builds are then rebuilt, not misread
VERSIONED = ("chromadb", "llama-index-core", "sentence-transformers", "bm25s")
PAUSE_LIMIT_S = 120.0  # a test's pause point must never hang a forgotten build for ever
Update = Callable[[int], None]
REBUILD = "run `guide-assistant ingest --rebuild` (or `make index`)"


class IndexError_(RuntimeError):
    """The index is missing or does not fit this installation; the message says what to run."""


def library_versions() -> dict[str, str]:
    return {name: metadata.version(name) for name in VERSIONED}


def current_build(settings: Settings) -> Path | None:
    """The folder ``CURRENT`` points at, if it holds a complete build."""
    try:
        build_id = (settings.index_dir / POINTER).read_text().strip()
    except FileNotFoundError:
        return None
    build = settings.index_dir / "builds" / build_id
    return build if (build / MANIFEST).is_file() else None


def read_manifest(build: Path) -> dict[str, Any]:
    manifest: dict[str, Any] = json.loads((build / MANIFEST).read_text())
    return manifest


def write_atomic(path: Path, text: str, before_replace: Callable[[], None] | None = None) -> None:
    """Write ``text`` so that readers see the old file or the new one, never half of it."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text)
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())
    if before_replace:
        before_replace()
    os.replace(tmp, path)


def switch_current(settings: Settings, build: Path) -> None:
    """Point ``CURRENT`` at a complete build (atomically: a kill leaves the old pointer)."""
    write_atomic(
        settings.index_dir / POINTER,
        build.name,
        before_replace=lambda: pause_point(settings, build, "pointer"),
    )


def embedding_cache(build: Path | None) -> dict[str, np.ndarray]:
    """Vectors of a previous build keyed by the hash of the text embedded (reused, not redone)."""
    if build is None:
        return {}
    try:
        keys = json.loads((build / "embed_keys.json").read_text())
        vectors = np.load(build / "vectors.npy")
    except (OSError, ValueError):
        return {}
    return dict(zip(keys, vectors, strict=False))


def pause_point(settings: Settings, folder: Path, point: str) -> None:
    """Tests only (``write_pause_at``): announce reaching ``point`` of the write phase with a
    marker file in the build folder, and wait there, so a test can kill the build at it."""
    if settings.write_pause_at != point:
        return
    (folder / f".paused-at-{point}").touch()
    time.sleep(PAUSE_LIMIT_S)


def collection_name(build_id: str, kind: str = "passages") -> str:
    return f"guide-{build_id}-{kind}"


def _add(
    store: ChromaVectorStore, count: int, node: Callable[[int], BaseNode], update: Update
) -> None:
    """Add ``node(i)`` for i < count in batches, made batch by batch: a node holds its vector
    as a Python list (~12 kB), so making them all first would hold ~0.5 GB per 40k rows."""
    for i in range(0, count, chroma.BATCH):
        chroma.add(store, [node(j) for j in range(i, min(count, i + chroma.BATCH))], update)


def persist(
    settings: Settings,
    out: Path,
    chunks: list[Chunk],
    vectors: np.ndarray,
    keys: list[str],
    manifest: dict[str, Any],
    progress: Update | None = None,
) -> None:
    """Write one build's parts (Chroma, BM25, passages, sentences, vectors), then its manifest.

    ``vectors``: the passages', then those of the sentences not of a lazy source (in order).
    ``progress(n)`` is told of records written: passages and sentences into Chroma, then the
    passages into BM25.
    """
    update = progress or (lambda n: None)
    from llama_index.core.schema import TextNode

    lazy = set(manifest["summary"].get("lazy_sources", []))
    sentences = [s for c in chunks for s in c.sentences]
    n = len(chunks)
    client = chroma.client(settings, out)

    def passage(i: int, embedded: bool = True) -> BaseNode:
        c = chunks[i]
        vector = vectors[i].tolist() if embedded else None
        return TextNode(
            id_=c.passage.id,
            text=c.embed_text,
            embedding=vector,
            metadata={"source_id": c.passage.source_id},
        )

    _add(chroma.create_store(client, collection_name(out.name)), n, passage, update)
    pause_point(settings, out, "chroma")  # one collection written, the other not yet
    # Sentences get their own collection: a short question often matches one sentence far
    # better than the passage around it (hit@5 +0.03 to +0.07 on the golden set).
    rows = [i for i, s in enumerate(sentences) if source_of(s.passage_id) not in lazy]

    def sentence(j: int) -> BaseNode:
        i, s = rows[j], sentences[rows[j]]
        meta = {"source_id": source_of(s.passage_id), "passage_id": s.passage_id}
        return TextNode(
            id_=f"{s.passage_id}#{i}", text=s.text, embedding=vectors[n + j].tolist(), metadata=meta
        )

    sentence_store = chroma.create_store(client, collection_name(out.name, "sentences"))
    _add(sentence_store, len(rows), sentence, update)
    bm25.persist([passage(i, embedded=False) for i in range(n)], out / "bm25")
    update(n)
    pause_point(settings, out, "bm25")
    with open(out / "passages.jsonl", "w") as fh:
        fh.writelines(c.passage.model_dump_json() + "\n" for c in chunks)
    with open(out / "sentences.jsonl", "w") as fh:
        fh.writelines(s.model_dump_json() + "\n" for s in sentences)
    np.save(out / "vectors.npy", vectors)
    (out / "embed_keys.json").write_text(json.dumps(keys))
    pause_point(settings, out, "manifest")
    write_atomic(out / MANIFEST, json.dumps(manifest, indent=1))


def source_of(passage_id: str) -> str:
    """The source id a passage id starts with."""
    return passage_id.split(":")[0]


@dataclass
class LoadedIndex:
    """A build, loaded: what retrieval and answering read."""

    build: Path
    manifest: dict[str, Any]
    passages: list[Passage]
    sentences: list[Sentence]
    passage_vectors: np.ndarray
    sentence_vectors: SentenceVectors  # lazy sources' rows filled once an embedder is attached
    store: ChromaVectorStore  # passages
    sentence_store: ChromaVectorStore
    bm25: BM25Retriever
    lexicon: Lexicon  # the sources' words and short forms, for question understanding


def check_compatible(manifest: dict[str, Any], settings: Settings) -> None:
    """Refuse a build made with another model or library versions, naming the fix."""
    if manifest.get("fingerprint", {}).get("format") != FORMAT:
        raise IndexError_(f"the index was built by an older version of Guide Assistant: {REBUILD}")
    if manifest["embedding_model"] != settings.embedding_model:
        raise IndexError_(
            f"the index was built with the embedding model {manifest['embedding_model']!r} but "
            f"settings ask for {settings.embedding_model!r}: {REBUILD}"
        )
    built, now = manifest["versions"]["chromadb"], library_versions()["chromadb"]
    if built != now:
        raise IndexError_(
            f"the index was built with chromadb {built}, installed is {now}: {REBUILD}"
        )
    built_with = manifest.get("embedding_backend", "torch")
    if built_with != settings.embedding_backend:
        raise IndexError_(
            f"the index was built with the embedding backend {built_with!r} but settings ask "
            f"for {settings.embedding_backend!r}: set GUIDE_EMBEDDING_BACKEND={built_with} "
            f'(embedding_backend = "{built_with}" in guide-assistant.toml), or {REBUILD}'
        )
    if manifest["chroma"]["mode"] != settings.chroma_mode:
        raise IndexError_(
            f"the index lives in Chroma mode {manifest['chroma']['mode']!r}, settings say "
            f"{settings.chroma_mode!r}: {REBUILD}"
        )


def check_weights(manifest: dict[str, Any], weights_sha256: str) -> None:
    """Refuse weights other than those that embedded the index (a model retrained)."""
    if manifest.get("embedding_weights") != weights_sha256:
        raise IndexError_(f"the index was embedded with other model weights: {REBUILD}")


def check_export(manifest: dict[str, Any], export_sha256: str | None) -> None:
    """Refuse to answer with an ONNX file other than the one that embedded the index."""
    built = (manifest.get("embedding_export") or {}).get("sha256")
    if built != export_sha256:
        raise IndexError_(
            "the index was embedded with another ONNX export of the model than the one in the "
            f"model cache: {REBUILD}"
        )


def load(settings: Settings) -> LoadedIndex:
    """Open the current build; raises ``IndexError_`` with the command that fixes it."""
    build_dir = current_build(settings)
    if build_dir is None:
        raise IndexError_(
            f"no index in {settings.index_dir}: run `guide-assistant ingest` (or `make index`)"
        )
    manifest = read_manifest(build_dir)
    check_compatible(manifest, settings)
    passages = [
        Passage.model_validate_json(line)
        for line in (build_dir / "passages.jsonl").read_text().splitlines()
    ]
    sentences = [
        Sentence.model_validate_json(line)
        for line in (build_dir / "sentences.jsonl").read_text().splitlines()
    ]
    vectors = np.load(build_dir / "vectors.npy")
    client = chroma.client(settings, build_dir)
    try:
        store = chroma.open_store(client, manifest["chroma"]["collection"])
        sentence_store = chroma.open_store(client, manifest["chroma"]["sentences"])
    except Exception as exc:  # chromadb raises NotFoundError/ValueError by version
        raise IndexError_(
            f"the Chroma collection of this build is missing ({exc}): run "
            "`guide-assistant ingest --rebuild`"
        ) from None
    return LoadedIndex(
        build=build_dir,
        manifest=manifest,
        passages=passages,
        sentences=sentences,
        passage_vectors=vectors[: len(passages)],
        sentence_vectors=_sentence_vectors(manifest, sentences, vectors[len(passages) :]),
        store=store,
        sentence_store=sentence_store,
        bm25=bm25.load(build_dir / "bm25"),
        lexicon=lexicon.load(build_dir, [p.text for p in passages]),
    )


def _sentence_vectors(
    manifest: dict[str, Any], sentences: list[Sentence], stored: np.ndarray
) -> SentenceVectors:
    """Every sentence's row: stored ones in place, a lazy source's left to be embedded."""
    lazy = set(manifest["summary"].get("lazy_sources", []))
    texts = [s.text for s in sentences]
    if not lazy:
        return SentenceVectors.complete(stored, texts)
    missing = np.array([source_of(s.passage_id) in lazy for s in sentences], dtype=bool)
    vectors = np.zeros((len(sentences), stored.shape[1]), dtype=np.float32)
    vectors[~missing] = stored
    return SentenceVectors(vectors, missing, texts)
