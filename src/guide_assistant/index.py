"""The index: passages in Chroma (dense) and BM25 (sparse), plus sentence embeddings for
extractive answers, persisted as one build folder with a manifest.

Builds go into a fresh ``builds/<id>/`` folder; ``manifest.json`` is written last and the
``CURRENT`` pointer is switched atomically after it, so an interrupted build (Ctrl-C, kill -9)
leaves the previous build serving.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np
from pydantic import BaseModel

from guide_assistant import chunking, corpus
from guide_assistant.components import readers, vector_store
from guide_assistant.components.embedding import Embedder
from guide_assistant.models import Passage, Sentence
from guide_assistant.settings import Settings

MANIFEST = "manifest.json"
POINTER = "CURRENT"
FORMAT = 3  # bump when the build layout changes: older builds are then rebuilt, not misread
VERSIONED = ("chromadb", "llama-index-core", "sentence-transformers", "bm25s")


class IndexError_(RuntimeError):
    """The index is missing or does not fit this installation; the message says what to run."""


class IndexBusy(RuntimeError):
    """Another ingest is building into the same index folder right now."""


@contextmanager
def _build_lock(index_dir: Path):
    """One build at a time per index folder: a second would prune the first's work."""
    with open(index_dir / ".lock", "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IndexBusy(
                f"another ingest is building in {index_dir}; wait for it to finish"
            ) from None
        yield  # the lock goes with the file handle, also when the process is killed


class BuildReport(BaseModel):
    """What an ingest did (printed as the closing summary)."""

    build_id: str
    noop: bool
    documents: int
    sections: int
    chunks: int
    sentences: int
    embedded: int
    reused: int
    seconds: float
    problems: list[corpus.DocumentProblem]


def library_versions() -> dict[str, str]:
    return {name: metadata.version(name) for name in VERSIONED}


def fingerprint(settings: Settings) -> dict:
    """Everything that decides a build's content; equal fingerprints mean nothing to do."""
    return {
        "format": FORMAT,
        "files": corpus.fingerprint_files(corpus.input_files(settings)),
        "embedding_model": settings.embedding_model,
        "chunk_max_tokens": settings.chunk_max_tokens,
        # The code that turns files into chunks: a change to it must rebuild, not reuse.
        "pipeline": corpus.fingerprint_files(
            [Path(m.__file__) for m in (chunking, corpus, readers)]
        ),
        "chroma": [settings.chroma_mode, settings.chroma_host, settings.chroma_port]
        if settings.chroma_mode == "server"
        else ["embedded"],
        "versions": library_versions(),
    }


def current_build(settings: Settings) -> Path | None:
    """The folder ``CURRENT`` points at, if it holds a complete build."""
    try:
        build_id = (settings.index_dir / POINTER).read_text().strip()
    except FileNotFoundError:
        return None
    build = settings.index_dir / "builds" / build_id
    return build if (build / MANIFEST).is_file() else None


def read_manifest(build: Path) -> dict:
    return json.loads((build / MANIFEST).read_text())


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text)
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _embedding_cache(build: Path | None) -> dict[str, np.ndarray]:
    """Vectors of a previous build keyed by the hash of the text embedded (reused, not redone)."""
    if build is None:
        return {}
    try:
        keys = json.loads((build / "embed_keys.json").read_text())
        vectors = np.load(build / "vectors.npy")
    except (OSError, ValueError):
        return {}
    return dict(zip(keys, vectors, strict=False))


def _key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def build(
    settings: Settings,
    rebuild: bool = False,
    progress: bool = False,
    embedder: Embedder | None = None,
) -> BuildReport:
    """Ingest the corpus and the user's documents into a new build, unless nothing changed.

    Pass ``embedder`` when the caller has one already, so the model is not loaded twice.
    """
    settings.index_dir.mkdir(parents=True, exist_ok=True)
    with _build_lock(settings.index_dir):
        return _build(settings, rebuild, progress, embedder)


def _build(
    settings: Settings, rebuild: bool, progress: bool, embedder: Embedder | None
) -> BuildReport:
    began = time.perf_counter()
    wanted = fingerprint(settings)
    previous = current_build(settings)
    manifest = read_manifest(previous) if previous else None
    if manifest and not rebuild:
        if manifest["fingerprint"] == wanted:
            return BuildReport(
                **manifest["summary"],
                noop=True,
                embedded=0,
                reused=0,
                seconds=time.perf_counter() - began,
                build_id=previous.name,
            )
    docs, problems = corpus.load_corpus(settings)
    embedder = embedder or Embedder(settings.embedding_model, settings.embed_batch_size)
    chunks = chunking.chunk_corpus(docs, embedder.count_tokens, settings.chunk_max_tokens)
    sentences = [s for c in chunks for s in c.sentences]
    texts = [c.embed_text for c in chunks] + [s.text for s in sentences]
    keys = [_key(t) for t in texts]
    cache = {} if rebuild else _embedding_cache(previous)
    if manifest and manifest["embedding_model"] != settings.embedding_model:
        cache = {}
    missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in cache}.items())
    bar = None
    if progress and missing:
        from tqdm import tqdm

        bar = tqdm(total=len(missing), desc="Embedding", unit="text")
    fresh = embedder.embed([t for _, t in missing], bar.update if bar else None)
    if bar:
        bar.close()
    cache.update(zip([k for k, _ in missing], fresh, strict=True))
    vectors = np.stack([cache[k] for k in keys]) if keys else np.zeros((0, embedder.dimension))

    build_id = time.strftime("%Y%m%d-%H%M%S") + f"-{uuid.uuid4().hex[:8]}"
    out = settings.index_dir / "builds" / build_id
    out.mkdir(parents=True)
    _persist(settings, out, chunks, sentences, vectors, keys)
    summary = {
        "documents": len(docs),
        "sections": sum(len(d.sections) for d in docs),
        "chunks": len(chunks),
        "sentences": len(sentences),
        "problems": [p.model_dump() for p in problems],
    }
    manifest = {
        "build_id": build_id,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "embedding_model": settings.embedding_model,
        "dimension": int(vectors.shape[1]),
        "chunking": {"max_tokens": settings.chunk_max_tokens, "model_window": embedder.max_tokens},
        "chroma": {
            "mode": settings.chroma_mode,
            "collection": _collection(build_id),
            "sentences": _collection(build_id, "sentences"),
        },
        "versions": wanted["versions"],
        "fingerprint": wanted,
        "documents": [d.meta.model_dump() for d in docs],
        "summary": summary,
    }
    _write_atomic(out / MANIFEST, json.dumps(manifest, indent=1))
    _write_atomic(settings.index_dir / POINTER, build_id)
    _prune(settings, keep={out, previous})
    return BuildReport(
        **summary,
        build_id=build_id,
        noop=False,
        embedded=len(missing),
        reused=len(set(keys)) - len(missing),
        seconds=time.perf_counter() - began,
    )


def _collection(build_id: str, kind: str = "passages") -> str:
    return f"guide-{build_id}-{kind}"


def _persist(settings, out, chunks, sentences, vectors, keys) -> None:
    """Write one build's parts: Chroma collection, BM25, passages, sentences, vectors."""
    from llama_index.core.schema import TextNode
    from llama_index.retrievers.bm25 import BM25Retriever

    n = len(chunks)
    nodes = [
        TextNode(
            id_=c.passage.id,
            text=c.embed_text,
            embedding=vectors[i].tolist(),
            metadata={"source_id": c.passage.source_id},
        )
        for i, c in enumerate(chunks)
    ]
    client = vector_store.client(settings, out)
    _add(vector_store.create_store(client, _collection(out.name)), nodes)
    # Sentences get their own collection: a short question often matches one sentence far
    # better than the passage around it (hit@5 +0.03 to +0.07 on the golden set).
    sentence_nodes = [
        TextNode(
            id_=f"{s.passage_id}#{i}",
            text=s.text,
            embedding=vectors[n + i].tolist(),
            metadata={"source_id": s.passage_id.split(":")[0], "passage_id": s.passage_id},
        )
        for i, s in enumerate(sentences)
    ]
    _add(vector_store.create_store(client, _collection(out.name, "sentences")), sentence_nodes)
    # Every passage scored: the source filter applies after BM25, so a cut here would starve it.
    bm25 = BM25Retriever.from_defaults(nodes=nodes, similarity_top_k=n)
    bm25.persist(str(out / "bm25"), show_progress=False)
    with open(out / "passages.jsonl", "w") as fh:
        fh.writelines(c.passage.model_dump_json() + "\n" for c in chunks)
    with open(out / "sentences.jsonl", "w") as fh:
        fh.writelines(s.model_dump_json() + "\n" for s in sentences)
    np.save(out / "vectors.npy", vectors)
    (out / "embed_keys.json").write_text(json.dumps(keys))


def _add(store, nodes: list, batch: int = 1000) -> None:
    """Add nodes in batches: Chroma refuses one call larger than its max batch (5,461 here)."""
    for i in range(0, len(nodes), batch):
        store.add(nodes[i : i + batch])


def _prune(settings: Settings, keep: set[Path | None]) -> None:
    """Remove older build folders (interrupted ones included) and their server collections.

    The build that was current until now is kept: a running app may still be reading it.
    """
    for old in (settings.index_dir / "builds").iterdir():
        if old in keep or not old.is_dir():
            continue
        if settings.chroma_mode == "server":
            try:
                client = vector_store.client(settings, old)
                for kind in ("passages", "sentences"):
                    vector_store.drop_collection(client, _collection(old.name, kind))
            except vector_store.ChromaUnavailable:
                pass
        shutil.rmtree(old, ignore_errors=True)


@dataclass
class LoadedIndex:
    """A build, loaded: what retrieval and answering read."""

    build: Path
    manifest: dict
    passages: list[Passage]
    sentences: list[Sentence]
    passage_vectors: np.ndarray
    sentence_vectors: np.ndarray
    store: object  # llama-index ChromaVectorStore of passages
    sentence_store: object  # ... and of sentences
    bm25: object  # llama-index BM25Retriever


def check_compatible(manifest: dict, settings: Settings) -> None:
    """Refuse a build made with another model or library versions, naming the fix."""
    fix = "run `guide-assistant ingest --rebuild` (or `make index`)"
    if manifest.get("fingerprint", {}).get("format") != FORMAT:
        raise IndexError_(f"the index was built by an older version of Guide Assistant: {fix}")
    if manifest["embedding_model"] != settings.embedding_model:
        raise IndexError_(
            f"the index was built with the embedding model {manifest['embedding_model']!r} but "
            f"settings ask for {settings.embedding_model!r}: {fix}"
        )
    built, now = manifest["versions"]["chromadb"], library_versions()["chromadb"]
    if built != now:
        raise IndexError_(f"the index was built with chromadb {built}, installed is {now}: {fix}")
    if manifest["chroma"]["mode"] != settings.chroma_mode:
        raise IndexError_(
            f"the index lives in Chroma mode {manifest['chroma']['mode']!r}, settings say "
            f"{settings.chroma_mode!r}: {fix}"
        )


def load(settings: Settings) -> LoadedIndex:
    """Open the current build; raises ``IndexError_`` with the command that fixes it."""
    from llama_index.retrievers.bm25 import BM25Retriever

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
    client = vector_store.client(settings, build_dir)
    try:
        store = vector_store.open_store(client, manifest["chroma"]["collection"])
        sentence_store = vector_store.open_store(client, manifest["chroma"]["sentences"])
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
        sentence_vectors=vectors[len(passages) :],
        store=store,
        sentence_store=sentence_store,
        bm25=BM25Retriever.from_persist_dir(str(build_dir / "bm25"), show_progress=False),
    )
