"""Sentence vectors, some computed only when first needed.

A large user document's sentences are not embedded at ingest (``lazy_sentences_over_chars``):
retrieval finds its passages by their own vectors and BM25, and the sentences of a passage
retrieval returns are embedded then, once, and kept for the life of the process.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

import numpy as np

Embed = Callable[[list[str]], np.ndarray]


class SentenceVectors:
    """Row-indexed like an array (``v[row]``, ``v[rows]``); missing rows embedded on demand."""

    def __init__(self, vectors: np.ndarray, missing: np.ndarray, texts: Sequence[str]) -> None:
        self.vectors = vectors
        self.missing = missing  # bool per row: not embedded yet
        self.texts = texts
        self.embed: Embed | None = None
        self.embedded_on_demand = 0
        self.pending = int(missing.sum())  # rows still without a vector: 0 reads at array speed
        self._filling = threading.Lock()  # two chats must not embed the same rows twice

    @classmethod
    def complete(cls, vectors: np.ndarray, texts: Sequence[str]) -> SentenceVectors:
        return cls(vectors, np.zeros(len(vectors), dtype=bool), texts)

    def __len__(self) -> int:
        return len(self.vectors)

    def _fill(self, rows: list[int]) -> None:
        with self._filling:
            todo = sorted({r for r in rows if self.missing[r]})
            if not todo:
                return
            if self.embed is None:
                raise RuntimeError("sentence vectors needed before an embedder was attached")
            self.vectors[todo] = self.embed([self.texts[r] for r in todo])
            self.missing[todo] = False
            self.embedded_on_demand += len(todo)
            self.pending -= len(todo)

    def __getitem__(self, rows: int | list[int]) -> np.ndarray:
        # Only rows still without a vector take the lock: the editions' rows, embedded at
        # ingest, are read at array speed while another chat embeds a lazy document's.
        if self.pending and self.missing[rows].any():
            self._fill([int(r) for r in np.atleast_1d(rows)])
        return self.vectors[rows]
