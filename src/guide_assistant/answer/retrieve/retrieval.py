"""The retrieve stage: dense passages and dense sentences (Chroma) and BM25, fused by
reciprocal rank fusion.

RRF is small enough to state here (score = Σ 1 / (k + rank)) and avoids the async machinery
of llama-index's ``QueryFusionRetriever``, which costs more than the whole search on this corpus.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from guide_assistant.answer.question.answer_types import Wanted, holds
from guide_assistant.answer.question.questions import Question
from guide_assistant.index.embedding import Embedder
from guide_assistant.index.store import LoadedIndex
from guide_assistant.models import Passage
from guide_assistant.settings import Settings

if TYPE_CHECKING:
    from llama_index.vector_stores.chroma import ChromaVectorStore


@dataclass
class Hit:
    """A retrieved passage with its fused score and its cosine similarity to the query."""

    passage: Passage
    score: float
    similarity: float


@dataclass
class Retrieved:
    """What the retrieve stage found for a question, and the vectors it searched with."""

    hits: list[Hit]
    vector: np.ndarray  # the searched query's embedding
    focus: np.ndarray | None = None  # a follow-up: its own question blended with the context
    ask: np.ndarray | None = None  # with chatter around it: the question alone, embedded
    sparse_best: float = 0.0  # the best BM25 score: how much of the wording any passage shares
    timings_ms: dict[str, float] = field(default_factory=dict)

    @property
    def picking(self) -> np.ndarray:
        """The vector sentences are picked with: the follow-up's focus, else the query's."""
        return self.vector if self.focus is None else self.focus


class HybridRetriever:
    """Dense + BM25 over one loaded index, with an optional filter by source."""

    def __init__(self, index: LoadedIndex, settings: Settings, embedder: Embedder) -> None:
        self.index = index
        self.settings = settings
        self.embedder = embedder
        self.by_id = {p.id: p for p in index.passages}
        self.row = {p.id: i for i, p in enumerate(index.passages)}
        # The persisted BM25 scores every passage (a source filter needs them all); unfiltered
        # questions only need the top few, and building nodes for all of them costs ~5 ms.
        self.bm25_top = copy.copy(index.bm25)
        self.bm25_top.similarity_top_k = min(settings.sparse_top_k, len(index.passages))

    def search(self, question: Question, sources: list[str] | None = None) -> Retrieved:
        """The retrieve stage: embed the query, fuse the retrievers, and for a follow-up
        blend in the question's own embedding to pick sentences with."""
        t0 = time.perf_counter()
        vector = self.embedder.embed_query(question.query)
        # Each part of a question asking several things is searched too: one vector for
        # "how many…, and how many in the NHS?" lands between the two passages that answer it.
        parts = [self.embedder.embed_query(c) for c in question.clauses]
        # Chatter around the question ('Just started on a CMHT -', '? need it for a slide')
        # dilutes the query's embedding: the abstain stage also measures relevance with the
        # question's own.
        ask = None
        if question.chatter and not question.follow_up:
            ask = self.embedder.embed_query(question.alone)
        t1 = time.perf_counter()
        # A pool larger than the answer's passages: the compose stage reranks it by its
        # sentences, which see the evidence that a whole passage's vector blurs.
        pool = max(self.settings.top_k, self.settings.rerank_pool)
        hits, sparse_best = self.fused(
            question.query, vector, sources or None, pool, question.keywords, parts, question.wanted
        )
        focus = None
        if question.follow_up:  # search with the context, pick sentences for the ask
            focus = vector + self.embedder.embed_query(question.said)
            focus /= float(np.linalg.norm(focus)) or 1.0
        t2 = time.perf_counter()
        timings = {"embed": (t1 - t0) * 1000, "retrieve": (t2 - t1) * 1000}
        return Retrieved(
            hits=hits,
            vector=vector,
            focus=focus,
            ask=ask,
            sparse_best=sparse_best,
            timings_ms=timings,
        )

    def dense(
        self, store: ChromaVectorStore, query_vector: np.ndarray, k: int, sources: list[str] | None
    ) -> list[str]:
        """Passage ids from one Chroma collection, nearest first: a sentence ranks its
        passage where its passage's best sentence comes."""
        return passages_of(self.nearest(store, query_vector, k, sources))

    def nearest(
        self, store: ChromaVectorStore, query_vector: np.ndarray, k: int, sources: list[str] | None
    ) -> list[str]:
        """Node ids from one Chroma collection, nearest first ("<passage id>#<row>" for the
        sentence collection)."""
        from llama_index.core.vector_stores.types import (
            FilterOperator,
            MetadataFilter,
            MetadataFilters,
            VectorStoreQuery,
        )

        filters = None
        if sources:
            filters = MetadataFilters(
                filters=[MetadataFilter(key="source_id", value=sources, operator=FilterOperator.IN)]
            )
        result = store.query(
            VectorStoreQuery(
                query_embedding=query_vector.tolist(), similarity_top_k=k, filters=filters
            )
        )
        return list(result.ids or [])

    def giving(self, sentence_ids: list[str], want: Wanted | None) -> list[str]:
        """Passages by their nearest sentences that give the kind of answer a question for a
        figure or a date wants: 'over 70 organisations' answers 'how many organisations…?'
        though no retriever puts its passage first."""
        if want is None or not want.checkable:
            return []
        sentences = self.index.sentences
        rows = [(i, int(i.rsplit("#", 1)[1])) for i in sentence_ids]
        return passages_of([i for i, row in rows if holds(want, sentences[row].text)])

    def sparse(self, query: str, k: int, sources: list[str] | None) -> list[str]:
        return [i for i, _ in self.sparse_scored(query, k, sources)]

    def sparse_scored(
        self, query: str, k: int, sources: list[str] | None
    ) -> list[tuple[str, float]]:
        """BM25's passage ids with their scores, best first."""
        from llama_index.core.schema import QueryBundle

        bm25 = self.index.bm25 if sources else self.bm25_top
        hits = bm25.retrieve(QueryBundle(query_str=query))
        found = [
            (h.node.node_id, float(h.score or 0))
            for h in hits
            if (h.score or 0) > 0 and (not sources or h.node.metadata.get("source_id") in sources)
        ]
        return found[:k]

    def retrieve(self, *args: Any, **kwargs: Any) -> list[Hit]:
        """The fused hits alone (see ``fused``)."""
        return self.fused(*args, **kwargs)[0]

    def fused(
        self,
        query: str,
        query_vector: np.ndarray,
        sources: list[str] | None = None,
        top_k: int | None = None,
        keywords: str | None = None,
        parts: Sequence[np.ndarray] = (),
        want: Wanted | None = None,
    ) -> tuple[list[Hit], float]:
        """The ``top_k`` passages for ``query`` by reciprocal rank fusion of both retrievers;
        BM25 searches ``keywords`` (the query with short forms spelled out) when given, and
        the vectors of a question's ``parts`` add a sentence ranking each, and a question for a
        figure (``want``) one of the sentences that give one. A pool larger than
        the answer's (``top_k`` above ``Settings.top_k``) also holds each retriever's first
        ``rerank_leaders`` passages."""
        s = self.settings
        index = self.index
        dense = self.dense(index.store, query_vector, s.dense_top_k, sources)
        sentence_ids = self.nearest(index.sentence_store, query_vector, s.sentence_top_k, sources)
        by_sentence = passages_of(sentence_ids)
        scored = self.sparse_scored(keywords or query, s.sparse_top_k, sources)
        sparse = [pid for pid, _ in scored]
        typed = self.giving(sentence_ids, want)[: s.dense_top_k]
        by_part = [
            self.dense(index.sentence_store, v, s.sentence_top_k, sources)[: s.dense_top_k]
            for v in parts
        ]
        scores: dict[str, float] = {}
        for ranking in (dense, by_sentence[: s.dense_top_k], sparse, *by_part, typed):
            for rank, pid in enumerate(ranking, start=1):
                scores[pid] = scores.get(pid, 0.0) + 1.0 / (s.rrf_k + rank)
        ordered = sorted(scores, key=lambda pid: -scores[pid])[: top_k or s.top_k]
        if top_k and top_k > s.top_k:
            # A pool to rerank also takes each retriever's first few: one retriever alone may
            # see the evidence (the sentence with the figure) that fusion outvotes.
            for ranking in (dense, by_sentence, sparse):
                ordered += [p for p in ranking[: s.rerank_leaders] if p not in ordered]
        vectors = self.index.passage_vectors
        hits = [
            Hit(
                passage=self.by_id[pid],
                score=scores[pid],
                similarity=float(vectors[self.row[pid]] @ query_vector),
            )
            for pid in ordered
            if pid in self.by_id
        ]
        return hits, (scored[0][1] if scored else 0.0)


def passages_of(ids: list[str]) -> list[str]:
    """The passage ids of node ids ("<passage id>#<row>" for sentences), first place kept."""
    return list(dict.fromkeys(i.split("#")[0] for i in ids))
