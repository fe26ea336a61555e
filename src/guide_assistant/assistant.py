"""The ``Assistant``: question (and history) in, cited ``Answer`` out. It wires the stages."""

from __future__ import annotations

import time
from collections.abc import Generator, Iterator, Sequence
from dataclasses import replace
from typing import Any

from guide_assistant.answer.check.abstention import Abstention
from guide_assistant.answer.compose import provenance
from guide_assistant.answer.compose.extractive import Composer
from guide_assistant.answer.question import everyday, routing
from guide_assistant.answer.question.language import LanguageDetector
from guide_assistant.answer.question.questions import Question, Understanding
from guide_assistant.answer.question.scope import Scoper
from guide_assistant.answer.question.spelling import model_words
from guide_assistant.answer.retrieve.retrieval import HybridRetriever
from guide_assistant.answer.write.events import AnswerReady, SourcesReady, StreamEvent
from guide_assistant.answer.write.streamed import write_stream
from guide_assistant.answer.write.written import Writer
from guide_assistant.index import build as indexing
from guide_assistant.index import store
from guide_assistant.index.embedding import Embedder
from guide_assistant.index.progress import Stages
from guide_assistant.ingest import corpus
from guide_assistant.models import Answer, ChatMessage, Route
from guide_assistant.obligations import register
from guide_assistant.obligations.search import RegisterSearch
from guide_assistant.settings import Settings


class Assistant:
    """Loads the index once; answers many questions."""

    def __init__(self, settings: Settings, loaded: store.LoadedIndex, embedder: Embedder):
        self.settings = settings
        self.language = LanguageDetector(settings)  # first: its model loads in the background
        everyday.warm()  # and so do the word lists the abstain stage reads
        self.index = loaded
        self.embedder = embedder
        loaded.sentence_vectors.embed = embedder.embed_few  # a lazy source's, when first retrieved
        self.understanding = Understanding(
            settings, loaded.lexicon, model_words(embedder.tokenizer.get_vocab())
        )
        self.retriever = HybridRetriever(loaded, settings, embedder)
        self.scoper = Scoper(loaded.manifest["documents"], settings)
        self.guidance_claims = self.scoper.guidance_claims(loaded)
        self.composer = Composer(
            loaded,
            settings,
            corpus.load_resources(settings.corpus_dir),
            _register_search(settings),
            self.guidance_claims,
        )
        self.abstention = Abstention(
            settings,
            self.composer.selector.stems,
            [" ".join(p.section) for p in loaded.passages],
            [s.text for s in loaded.sentences],
            [*loaded.lexicon.glossary.values(), *loaded.lexicon.names.values()],
        )
        self.writer = Writer(settings, self.composer)  # llm mode
        if settings.answer_mode == "llm":
            self.writer.model.prepare()  # imports now, not within the first answer's deadline
            self.writer.checker.model.prepare()  # the guard's weights, likewise

    @classmethod
    def load(
        cls,
        settings: Settings | None = None,
        build_if_missing: bool = True,
        progress: bool | Stages = False,
    ) -> Assistant:
        """Open the current index (building it first when there is none, reporting its stages
        to ``progress``: see ``build.build``)."""
        settings = settings or Settings()
        embedder = Embedder.from_settings(settings)
        if build_if_missing and store.current_build(settings) is None:
            indexing.build(settings, progress=progress, embedder=embedder)
        loaded = store.load(settings)
        store.check_weights(loaded.manifest, embedder.weights_sha256)
        store.check_export(loaded.manifest, embedder.export.sha256 if embedder.export else None)
        embedder.prepare_for_queries()
        return cls(settings, loaded, embedder)

    @property
    def sources(self) -> list[dict[str, Any]]:
        """The documents in the index (id, title, kind, file name), for filters and listings."""
        return [
            {
                "source_id": d["source_id"],
                "title": d["title"],
                "kind": d.get("kind", "corpus"),
                "file_name": d.get("file_name"),
            }
            for d in self.index.manifest["documents"]
        ]

    def ask(
        self,
        question: str,
        history: Sequence[ChatMessage | dict[str, str]] | None = None,
        sources: list[str] | None = None,
    ) -> Answer:
        """Answer ``question`` in the context of ``history``; raises ``QuestionError``.

        ``sources`` limits the documents (``scope.NATIONAL``: the guidance editions only). In
        llm mode the model also condenses a follow-up, and writes the answer from the same
        passages; its guard (the check stage) falls back to the extractive answer.
        """
        *_, done = self._pipeline(question, history, sources, streamed=False)
        assert isinstance(done, AnswerReady)
        return done.answer

    def ask_stream(
        self,
        question: str,
        history: Sequence[ChatMessage | dict[str, str]] | None = None,
        sources: list[str] | None = None,
    ) -> Iterator[StreamEvent]:
        """``ask``, streamed: in llm mode the passages given to the model, then each sentence
        once it has passed the guard, then the final answer (``answer/write/streamed.py`` says how a
        fallback keeps what was shown). In extractive mode, only the final answer. Raises
        ``QuestionError`` when first iterated."""
        return self._pipeline(question, history, sources, self.settings.answer_mode == "llm")

    def _pipeline(
        self,
        question: str,
        history: Sequence[ChatMessage | dict[str, str]] | None,
        sources: list[str] | None,
        streamed: bool,
    ) -> Iterator[StreamEvent]:
        """question → route → retrieve → compose → check; the last event is the answer."""
        began = time.perf_counter()
        written = self.settings.answer_mode == "llm"
        until = self.writer.deadline() if written else None  # one bound for all model calls
        asked = self.understanding.understand(question, history)
        if (not_english := self.language.refusal(asked.text)) is not None:
            yield AnswerReady(answer=not_english)  # one line, before anything is retrieved
            return
        if written:
            asked = self.writer.condense(asked, history, until)
        route = routing.route(asked)
        scoped = self.scoper.decide(asked, sources)
        answer = yield from self._answer(
            asked, route, scoped.sources, until=until, streamed=streamed
        )
        answer.scope = scoped.reason
        if answer.abstained and scoped.fallback:  # the guidance doesn't cover it: say so
            local = yield from _noted(
                self._answer(asked, route, scoped.fallback, self.guidance_claims, until, streamed),
                provenance.FALLBACK_NOTE,
            )
            if not local.abstained:
                answer = local
                answer.answer = f"{provenance.FALLBACK_NOTE}\n\n{answer.answer}"
                answer.scope = f"{scoped.reason}; they don't cover it, so the local documents"
        answer.timings_ms["total"] = round((time.perf_counter() - began) * 1000, 2)
        yield AnswerReady(answer=answer)

    def _answer(
        self,
        asked: Question,
        route: Route,
        sources: list[str] | None,
        skip: frozenset[int] = frozenset(),
        until: float | None = None,
        streamed: bool = False,
    ) -> Generator[StreamEvent, None, Answer]:
        """Retrieve → compose → abstain over ``sources`` (None: every document), never quoting
        the sentence rows in ``skip``; in llm mode the model writes it, checked, by ``until``
        (``streamed``: yielding its sources and sentences as they pass)."""
        found = self.retriever.search(asked, sources)
        composing = time.perf_counter()
        focus = self.abstention.distinctive(asked.said)
        draft = self.composer.draft(asked, route, found, skip, focus)
        decision = self.abstention.decide(
            asked, found, draft.relevance, draft.rows, draft.best, focus
        )
        answer = self.composer.compose(asked, found, draft, decision.refusal, decision.missing)
        compose_ms = round((time.perf_counter() - composing) * 1000, 2)
        if self.settings.answer_mode == "llm":
            # The model gets the passages the answer lists as retrieved: the reranked top_k.
            given = replace(found, hits=draft.hits)
            if streamed:
                answer = yield from write_stream(self.writer, asked, given, answer, until)
            else:
                answer = self.writer.write(asked, given, answer, until)
        answer.timings_ms = {
            **{k: round(v, 2) for k, v in found.timings_ms.items()},
            **answer.timings_ms,
            "compose": compose_ms,
        }
        return answer


def _noted(
    answering: Generator[StreamEvent, None, Answer], note: str
) -> Generator[StreamEvent, None, Answer]:
    """The events of ``answering`` with its sources sent with ``note`` (shown before its
    first sentence, not only once the answer is complete); returns its answer."""
    while True:
        try:
            event = next(answering)
        except StopIteration as done:
            return done.value
        yield event.model_copy(update={"note": note}) if isinstance(event, SourcesReady) else event


def _register_search(settings: Settings) -> RegisterSearch:
    """The register's search, knowing the short forms the editions define."""
    editions = register.editions(settings)
    return RegisterSearch(register.extract_all(editions), settings, register.glossary(editions))
