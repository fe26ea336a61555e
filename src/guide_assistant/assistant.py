"""The ``Assistant``: question (and history) in, cited ``Answer`` out. It wires the stages."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from guide_assistant.answer import questions, routing
from guide_assistant.answer.abstention import Abstention
from guide_assistant.answer.extractive import Composer
from guide_assistant.answer.retrieval import HybridRetriever
from guide_assistant.index import build as indexing
from guide_assistant.index import store
from guide_assistant.index.embedding import Embedder
from guide_assistant.ingest import corpus
from guide_assistant.models import Answer, ChatMessage
from guide_assistant.obligations import register
from guide_assistant.obligations.search import RegisterSearch
from guide_assistant.settings import Settings


class Assistant:
    """Loads the index once; answers many questions."""

    def __init__(self, settings: Settings, loaded: store.LoadedIndex, embedder: Embedder):
        self.settings = settings
        self.index = loaded
        self.embedder = embedder
        self.retriever = HybridRetriever(loaded, settings, embedder)
        self.composer = Composer(
            loaded,
            settings,
            corpus.load_resources(settings.corpus_dir),
            _register_search(settings),
        )
        self.abstention = Abstention(
            settings, self.composer.selector.stems, [" ".join(p.section) for p in loaded.passages]
        )

    @classmethod
    def load(cls, settings: Settings | None = None, build_if_missing: bool = True) -> Assistant:
        """Open the current index (building it first when there is none)."""
        settings = settings or Settings()
        embedder = Embedder.from_settings(settings)
        if build_if_missing and store.current_build(settings) is None:
            indexing.build(settings, embedder=embedder)
        loaded = store.load(settings)
        store.check_export(loaded.manifest, embedder.export.sha256 if embedder.export else None)
        embedder.prepare_for_queries()
        return cls(settings, loaded, embedder)

    @property
    def sources(self) -> list[dict[str, Any]]:
        """The documents in the index (id and title), for filters and listings."""
        return [
            {"source_id": d["source_id"], "title": d["title"], "kind": d.get("kind", "corpus")}
            for d in self.index.manifest["documents"]
        ]

    def ask(
        self,
        question: str,
        history: Sequence[ChatMessage | dict[str, str]] | None = None,
        sources: list[str] | None = None,
    ) -> Answer:
        """Answer ``question`` in the context of ``history``; raises ``QuestionError``."""
        began = time.perf_counter()
        asked = questions.understand(question, history, self.settings)
        route = routing.route(asked)
        found = self.retriever.search(asked, sources)
        composing = time.perf_counter()
        draft = self.composer.draft(asked, route, found)
        decision = self.abstention.decide(asked, draft.relevance, draft.rows)
        answer = self.composer.compose(asked, found, draft, decision)
        done = time.perf_counter()
        answer.timings_ms = {
            **{k: round(v, 2) for k, v in found.timings_ms.items()},
            "compose": round((done - composing) * 1000, 2),
            "total": round((done - began) * 1000, 2),
        }
        return answer


def _register_search(settings: Settings) -> RegisterSearch:
    """The register's search, knowing the short forms the editions define."""
    editions = register.editions(settings)
    return RegisterSearch(register.extract_all(editions), settings, register.glossary(editions))
