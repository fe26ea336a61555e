"""The two ways of running the model: torch (sentence-transformers through llama-index) and
ONNX Runtime (tokenizers + onnxruntime + numpy pooling, no torch at all).

Both take a batch of texts and give unit-length float32 vectors of the same model; the
``Embedder`` in ``embedding.py`` chooses one by the ``embedding_backend`` setting.
"""

from __future__ import annotations

import json
import os
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

if TYPE_CHECKING:
    from llama_index.core.embeddings import BaseEmbedding


class Encoder(Protocol):
    def encode(self, texts: list[str], threads: int) -> np.ndarray: ...

    @property
    def llama_embedding(self) -> BaseEmbedding: ...


def pin_llama_settings(embedding: BaseEmbedding) -> None:
    """llama-index falls back to OpenAI for anything unset: pin both to local objects."""
    from llama_index.core import Settings as LlamaSettings
    from llama_index.core.llms import MockLLM

    LlamaSettings.llm = MockLLM()
    LlamaSettings.embed_model = embedding


class TorchEncoder:
    """sentence-transformers on torch, through llama-index's ``HuggingFaceEmbedding``."""

    def __init__(self, path: Path, batch_size: int) -> None:
        self.path = path
        self.batch_size = batch_size

    @cached_property
    def llama_embedding(self) -> BaseEmbedding:
        from llama_index.embeddings.huggingface import HuggingFaceEmbedding

        embedding = HuggingFaceEmbedding(
            model_name=str(self.path),
            device="cpu",
            normalize=True,
            embed_batch_size=self.batch_size,
            show_progress_bar=False,
        )
        pin_llama_settings(embedding)
        return embedding

    def encode(self, texts: list[str], threads: int) -> np.ndarray:
        import torch

        if torch.get_num_threads() != threads:
            torch.set_num_threads(threads)
        vectors = self.llama_embedding.get_text_embedding_batch(texts)
        return np.asarray(vectors, dtype=np.float32)


def model_config(path: Path) -> dict[str, Any]:
    """The sentence-transformers settings of a model folder: window, pooling, dimension."""

    def read(name: str) -> dict[str, Any]:
        try:
            data: dict[str, Any] = json.loads((path / name).read_text())
        except (OSError, ValueError):
            return {}
        return data

    pooling = read("1_Pooling/config.json")
    config = read("config.json")
    return {
        "max_tokens": int(read("sentence_bert_config.json").get("max_seq_length", 256)),
        "cls": bool(pooling.get("pooling_mode_cls_token", False)),
        "dimension": int(pooling.get("word_embedding_dimension") or config.get("hidden_size", 0)),
    }


class OnnxEncoder:
    """The exported model under ONNX Runtime: one session per thread count, made lazily."""

    def __init__(self, onnx_file: Path, tokenizer: Any, config: dict[str, Any]) -> None:
        self.file = onnx_file
        self.tokenizer = tokenizer  # a tokenizers.Tokenizer with truncation at the window
        self.cls = config["cls"]
        self.sessions: dict[int, Any] = {}

    def session(self, threads: int) -> Any:
        if threads not in self.sessions:
            import onnxruntime as ort

            options = ort.SessionOptions()
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
            options.log_severity_level = 3  # no warnings about unused initialisers
            self.sessions[threads] = ort.InferenceSession(
                str(self.file), options, providers=["CPUExecutionProvider"]
            )
        return self.sessions[threads]

    def encode(self, texts: list[str], threads: int) -> np.ndarray:
        encodings = self.tokenizer.encode_batch(texts)
        width = max((len(e.ids) for e in encodings), default=1)
        ids = np.zeros((len(texts), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for i, e in enumerate(encodings):  # padded to this batch's longest, as torch does
            ids[i, : len(e.ids)] = e.ids
            mask[i, : len(e.ids)] = 1
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        tokens = self.session(threads).run(None, feed)[0]
        if self.cls:
            pooled = tokens[:, 0]
        else:
            weights = mask[..., None].astype(np.float32)
            pooled = (tokens * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)

    @cached_property
    def llama_embedding(self) -> BaseEmbedding:
        embedding = llama_onnx_embedding(self)
        pin_llama_settings(embedding)
        return embedding


def llama_onnx_embedding(encoder: OnnxEncoder) -> BaseEmbedding:
    """A llama-index embedding over the ONNX encoder (for llama-index's own indexes)."""
    from llama_index.core.embeddings import BaseEmbedding
    from pydantic import PrivateAttr

    class OnnxEmbedding(BaseEmbedding):
        _encoder: OnnxEncoder = PrivateAttr()

        def _one(self, text: str) -> list[float]:
            return [float(x) for x in self._encoder.encode([text], 1)[0]]

        def _get_query_embedding(self, query: str) -> list[float]:
            return self._one(query)

        def _get_text_embedding(self, text: str) -> list[float]:
            return self._one(text)

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            return self._encoder.encode(texts, os.cpu_count() or 1).tolist()

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._one(query)

    embedding = OnnxEmbedding(model_name=str(encoder.file))
    embedding._encoder = encoder
    return embedding
