"""The ``Assistant``: question (and history) in, cited ``Answer`` out."""

from __future__ import annotations

import time

import numpy as np
import torch

from guide_assistant.answer import extractive as answering
from guide_assistant.answer import questions
from guide_assistant.answer.retrieval import HybridRetriever
from guide_assistant.index import build as indexing
from guide_assistant.index import store
from guide_assistant.index.embedding import Embedder
from guide_assistant.ingest import corpus
from guide_assistant.models import Answer, ChatMessage
from guide_assistant.obligations import register as obligations
from guide_assistant.settings import Settings


class Assistant:
    """Loads the index once; answers many questions."""

    def __init__(self, settings: Settings, loaded: store.LoadedIndex, embedder: Embedder):
        self.settings = settings
        self.index = loaded
        self.embedder = embedder
        self.retriever = HybridRetriever(loaded, settings)
        self.composer = answering.Composer(
            loaded,
            settings,
            corpus.load_resources(settings.corpus_dir),
            obligations.load_register(settings),
        )

    @classmethod
    def load(cls, settings: Settings | None = None, build_if_missing: bool = True) -> Assistant:
        """Open the current index (building it first when there is none)."""
        settings = settings or Settings()
        embedder = Embedder(settings.embedding_model, settings.embed_batch_size)
        if build_if_missing and store.current_build(settings) is None:
            indexing.build(settings, embedder=embedder)
        loaded = store.load(settings)
        embedder.embed_query("warm up")  # load the model now, not on the first question
        # One query is too small to share between threads, and a second OpenMP thread
        # spin-waiting beside Chroma's threads on 2 cores gave ~470 ms stalls at p95.
        torch.set_num_threads(1)
        return cls(settings, loaded, embedder)

    @property
    def sources(self) -> list[dict]:
        """The documents in the index (id and title), for filters and listings."""
        return [
            {"source_id": d["source_id"], "title": d["title"], "kind": d.get("kind", "corpus")}
            for d in self.index.manifest["documents"]
        ]

    def ask(
        self,
        question: str,
        history: list[dict] | list[ChatMessage] | None = None,
        sources: list[str] | None = None,
    ) -> Answer:
        """Answer ``question`` in the context of ``history``; raises ``QuestionError``."""
        began = time.perf_counter()
        text = questions.validate_question(question, self.settings.max_question_chars)
        turns = [m if isinstance(m, ChatMessage) else ChatMessage(**m) for m in history or []]
        query = questions.standalone_query(text, turns)
        t0 = time.perf_counter()
        vector = self.embedder.embed_query(query)
        t1 = time.perf_counter()
        hits = self.retriever.retrieve(query, vector, sources or None)
        t2 = time.perf_counter()
        focus = None
        if query != text:  # a follow-up: search with the context, pick sentences for the ask
            focus = vector + self.embedder.embed_query(text)
            focus /= float(np.linalg.norm(focus)) or 1.0
        draft = self.composer.draft(text, query, vector, hits, focus)
        answer = self.composer.compose(text, query, hits, draft)
        answer.retrieved = [h.passage.id for h in hits]
        t3 = time.perf_counter()
        answer.timings_ms = {
            "embed": round((t1 - t0) * 1000, 2),
            "retrieve": round((t2 - t1) * 1000, 2),
            "compose": round((t3 - t2) * 1000, 2),
            "total": round((t3 - began) * 1000, 2),
        }
        return answer
