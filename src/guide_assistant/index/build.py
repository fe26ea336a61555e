"""Building the index: corpus → chunks → embeddings → a new build folder, unless nothing changed.

One build at a time per index folder (a lock), embeddings of unchanged texts reused, and older
builds pruned only once the new one is current.
"""

from __future__ import annotations

import fcntl
import hashlib
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, Field

from guide_assistant.index import chroma, store
from guide_assistant.index.embedding import Embedder
from guide_assistant.index.progress import Stages
from guide_assistant.ingest import chunking, corpus, hidden, instructions, lexicon, readers
from guide_assistant.settings import Settings
from guide_assistant.trained import DETECTOR_DIR


class IndexBusy(RuntimeError):
    """Another ingest is building into the same index folder right now."""


@contextmanager
def _build_lock(index_dir: Path) -> Iterator[None]:
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
    planted: list[instructions.Finding] = Field(
        default_factory=list, description="Planted instructions found (excluded from answers)."
    )
    hidden: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Per user file: text dropped at reading because a reader can't see it.",
    )
    lazy_sources: list[str] = Field(
        default_factory=list,
        description="User documents whose sentence vectors are made when first retrieved.",
    )


def fingerprint(settings: Settings, embedder: Embedder | None = None) -> dict[str, Any]:
    """Everything that decides a build's content; equal fingerprints mean nothing to do.
    The weights too: a retrained model keeps its name, and must not reuse older vectors."""
    embedder = embedder or Embedder.from_settings(settings)
    return {
        "embedding_weights": embedder.weights_sha256,
        "format": store.FORMAT,
        "files": corpus.fingerprint_files(corpus.input_files(settings)),
        "embedding_model": settings.embedding_model,
        "embedding_backend": settings.embedding_backend,
        "chunk_max_tokens": settings.chunk_max_tokens,
        "lazy_sentences_over_chars": settings.lazy_sentences_over_chars,
        # The code that turns files into chunks: a change to it must rebuild, not reuse.
        "pipeline": corpus.fingerprint_files(
            [Path(m.__file__ or "") for m in (chunking, corpus, readers, hidden, instructions)]
            + [DETECTOR_DIR / "card.json"]
        ),
        # Chroma keeps a collection's search settings from when it was made: new ones rebuild.
        "chroma": [settings.chroma_mode, settings.chroma_host, settings.chroma_port]
        if settings.chroma_mode == "server"
        else ["embedded"],
        "hnsw": chroma.HNSW,
        "versions": store.library_versions(),
    }


def build(
    settings: Settings,
    rebuild: bool = False,
    progress: bool | Stages = False,
    embedder: Embedder | None = None,
) -> BuildReport:
    """Ingest the corpus and the user's documents into a new build, unless nothing changed.

    ``progress``: a ``Stages`` reporter (``True``: bars on stderr). Pass ``embedder`` when the
    caller has one already, so the model is not loaded twice.
    """
    if not isinstance(progress, Stages):
        progress = Stages("bars") if progress else Stages.off()
    settings.index_dir.mkdir(parents=True, exist_ok=True)
    with _build_lock(settings.index_dir):
        return _build(settings, rebuild, progress, embedder)


def _key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _embed_missing(
    embedder: Embedder, texts: list[str], cache: dict[str, np.ndarray], progress: Stages
) -> tuple[np.ndarray, list[str], int]:
    """Vectors of ``texts`` (cached ones reused), their keys, and how many were embedded."""
    keys = [_key(t) for t in texts]
    missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in cache}.items())
    with progress.stage("embedding", len(missing), "text") as update:
        fresh = embedder.embed([t for _, t in missing], update)
    cache.update(zip([k for k, _ in missing], fresh, strict=True))
    vectors = np.stack([cache[k] for k in keys]) if keys else np.zeros((0, embedder.dimension))
    return vectors, keys, len(missing)


def lazy_sources(settings: Settings, docs: list[corpus.LoadedDocument]) -> set[str]:
    """User documents too long to embed every sentence of at ingest (see the setting)."""
    limit = settings.lazy_sentences_over_chars
    if limit is None:
        return set()
    return {d.meta.source_id for d in docs if d.meta.kind == "user" and len(d.text) > limit}


def _reusable(manifest: dict[str, Any] | None, embedder: Embedder) -> bool:
    """Whether a previous build's vectors came from this very model, backend and export."""
    if not manifest:
        return False
    export = embedder.export
    return bool(
        manifest["embedding_model"] == embedder.name
        and manifest.get("embedding_weights") == embedder.weights_sha256
        and manifest.get("embedding_backend", "torch") == embedder.backend
        and (manifest.get("embedding_export") or {}).get("sha256") == (export and export.sha256)
    )


def _read_and_chunk(
    settings: Settings, embedder: Embedder, progress: Stages, first: bool
) -> tuple[list[corpus.LoadedDocument], list[corpus.DocumentProblem], list[chunking.Chunk]]:
    files = len(corpus.input_files(settings)) - 1  # sources.toml is read, not indexed
    with progress.stage("reading", files, "file") as update:
        docs, problems = corpus.load_corpus(settings, update)
    progress.note(_announce(settings, docs, first))
    with progress.stage("chunking", len(docs), "doc") as update:
        chunks = chunking.chunk_corpus(
            docs, embedder.count_tokens, settings.chunk_max_tokens, update
        )
    return docs, problems, chunks


def _announce(settings: Settings, docs: list[corpus.LoadedDocument], first: bool) -> str:
    """What the build is about to do and about how long it takes (``make run``'s first build
    sits here for minutes on a new machine)."""
    chars = sum(len(d.text) for d in docs)
    about = corpus.minutes(corpus.estimate_seconds(chars, settings))
    what = f"{len(docs)} documents, {chars / 1000:,.0f} k characters"
    if first:
        return f"Building the index for the first time: {what} (about {about})…"
    return f"Rebuilding the index: {what} (at most about {about}; unchanged texts are reused)…"


def _build(
    settings: Settings, rebuild: bool, progress: Stages, embedder: Embedder | None
) -> BuildReport:
    began = time.perf_counter()
    embedder = embedder or Embedder.from_settings(settings)
    wanted = fingerprint(settings, embedder)
    previous = store.current_build(settings)
    manifest = store.read_manifest(previous) if previous else None
    if previous and manifest and not rebuild and manifest["fingerprint"] == wanted:
        return BuildReport(
            **manifest["summary"],
            noop=True,
            embedded=0,
            reused=0,
            seconds=time.perf_counter() - began,
            build_id=previous.name,
        )
    docs, problems, chunks = _read_and_chunk(settings, embedder, progress, previous is None)
    planted = instructions.mark(docs, chunks)
    sentences = [s for c in chunks for s in c.sentences]
    lazy = lazy_sources(settings, docs)
    reuse = not rebuild and _reusable(manifest, embedder)
    cache = store.embedding_cache(previous) if reuse else {}
    texts = [c.embed_text for c in chunks] + [
        s.text for c in chunks if c.passage.source_id not in lazy for s in c.sentences
    ]
    vectors, keys, embedded = _embed_missing(embedder, texts, cache, progress)

    build_id = time.strftime("%Y%m%d-%H%M%S") + f"-{uuid.uuid4().hex[:8]}"
    out = settings.index_dir / "builds" / build_id
    out.mkdir(parents=True)
    summary = {
        "documents": len(docs),
        "sections": sum(len(d.sections) for d in docs),
        "chunks": len(chunks),
        "sentences": len(sentences),
        "problems": [p.model_dump() for p in problems],
        "planted": [f.model_dump() for f in planted],
        "hidden": {d.meta.path: d.hidden for d in docs if d.hidden and d.meta.path},
        "lazy_sources": sorted(lazy),
    }
    new_manifest = _manifest(settings, build_id, wanted, embedder, vectors, docs, summary)
    lexicon.persist(lexicon.mine([d.text for d in docs]), out)
    with progress.stage("writing", len(chunks) + len(vectors), "record") as update:
        store.persist(settings, out, chunks, vectors, keys, new_manifest, update)
    store.switch_current(settings, out)
    _prune(settings, keep={out, previous})
    return BuildReport(
        **summary,
        build_id=build_id,
        noop=False,
        embedded=embedded,
        reused=len(set(keys)) - embedded,
        seconds=time.perf_counter() - began,
    )


def _manifest(
    settings: Settings,
    build_id: str,
    wanted: dict[str, Any],
    embedder: Embedder,
    vectors: np.ndarray,
    docs: list[corpus.LoadedDocument],
    summary: dict[str, Any],
) -> dict[str, Any]:
    """What a build records about itself: model, chunking, collections, versions, files."""
    return {
        "build_id": build_id,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "embedding_model": settings.embedding_model,
        "embedding_weights": embedder.weights_sha256,
        "embedding_backend": embedder.backend,
        "embedding_export": embedder.export.model_dump() if embedder.export else None,
        "dimension": int(vectors.shape[1]),
        "chunking": {"max_tokens": settings.chunk_max_tokens, "model_window": embedder.max_tokens},
        "chroma": {
            "mode": settings.chroma_mode,
            "collection": store.collection_name(build_id),
            "sentences": store.collection_name(build_id, "sentences"),
        },
        "versions": wanted["versions"],
        "fingerprint": wanted,
        "documents": [d.meta.model_dump() for d in docs],
        "summary": summary,
    }


def _prune(settings: Settings, keep: set[Path | None]) -> None:
    """Remove older build folders (interrupted ones included) and their server collections.

    The build that was current until now is kept: a running app may still be reading it.
    Temp files of a pointer switch that was killed go too (the build lock is held here).
    """
    for stale in settings.index_dir.glob(f".{store.POINTER}.*.tmp"):
        stale.unlink(missing_ok=True)
    for old in (settings.index_dir / "builds").iterdir():
        if old in keep or not old.is_dir():
            continue
        if settings.chroma_mode == "server":
            try:
                client = chroma.client(settings, old)
                for kind in ("passages", "sentences"):
                    chroma.drop_collection(client, store.collection_name(old.name, kind))
            except chroma.ChromaUnavailable:
                pass
        shutil.rmtree(old, ignore_errors=True)
