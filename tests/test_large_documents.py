"""Large user documents: sentence vectors made when first retrieved, not at ingest, with the
same answers as an index that embedded every sentence; a document too long to index in the
time limit is refused up front with its estimate."""

from __future__ import annotations

import json

import numpy as np
import pytest

from guide_assistant.assistant import Assistant
from guide_assistant.index import build as indexing
from guide_assistant.ingest import corpus
from guide_assistant.settings import Settings
from tests.helpers import tiny_corpus

HANDBOOK = (
    "# Staff handbook\n\n## Parking\n\nStaff park in the visitors' car park on level two. "
    "A permit from reception must be displayed on the dashboard.\n\n## Keys\n\n"
    "Office keys are signed out at the security desk and returned by six o'clock.\n"
)
QUESTION = "where do staff park?"


def settings_with(root, lazy_over: int | None) -> Settings:
    settings = tiny_corpus(root)
    settings.user_docs_dir.mkdir()
    (settings.user_docs_dir / "handbook.md").write_text(HANDBOOK)
    (settings.user_docs_dir / "keys.md").write_text("# Keys\n\nKeys stay at reception.\n")
    return settings.model_copy(update={"lazy_sentences_over_chars": lazy_over})


@pytest.fixture(scope="module")
def lazy(tmp_path_factory) -> tuple[Settings, indexing.BuildReport]:
    settings = settings_with(tmp_path_factory.mktemp("lazy"), lazy_over=100)
    return settings, indexing.build(settings)


@pytest.fixture(scope="module")
def eager(tmp_path_factory) -> Settings:
    settings = settings_with(tmp_path_factory.mktemp("eager"), lazy_over=None)
    indexing.build(settings)
    return settings


def test_only_the_long_user_document_goes_without_sentence_vectors(lazy):
    settings, report = lazy
    assert report.lazy_sources == ["user-handbook"]  # not the short note, nor the editions
    assistant = Assistant.load(settings, build_if_missing=False)
    index = assistant.index
    rows = {s.passage_id.split(":")[0] for s in index.sentences}
    assert {"doc-a", "doc-b", "user-keys", "user-handbook"} <= rows
    handbook = [i for i, s in enumerate(index.sentences) if s.passage_id.startswith("user-hand")]
    assert index.sentence_vectors.pending == len(handbook)  # every handbook row, nothing else
    stored = np.load(index.build / "vectors.npy")
    assert len(stored) == len(index.passages) + len(index.sentences) - len(handbook)
    in_chroma = index.sentence_store.client.get(where={"source_id": "user-handbook"})
    assert in_chroma["ids"] == []
    assert json.loads((index.build / "manifest.json").read_text())["summary"]["lazy_sources"] == [
        "user-handbook"
    ]


def test_a_lazy_document_answers_as_an_eager_one_and_its_vectors_are_then_kept(lazy, eager):
    lazy_assistant = Assistant.load(lazy[0], build_if_missing=False)
    eager_assistant = Assistant.load(eager, build_if_missing=False)
    got, want = lazy_assistant.ask(QUESTION), eager_assistant.ask(QUESTION)
    assert "visitors' car park" in got.answer
    assert got.answer == want.answer
    assert [c.passage_id for c in got.citations] == [c.passage_id for c in want.citations]
    vectors = lazy_assistant.index.sentence_vectors
    made = vectors.embedded_on_demand
    assert made > 0  # the retrieved handbook passages' sentences, embedded now
    filled = [i for i in range(len(vectors)) if not vectors.missing[i]]
    reference = eager_assistant.index.sentence_vectors
    assert np.allclose(vectors[filled], reference[filled], atol=1e-5)
    lazy_assistant.ask(QUESTION)
    assert vectors.embedded_on_demand == made  # kept, not embedded again


def test_a_document_too_long_to_index_in_time_is_refused_up_front(tmp_path):
    settings = tiny_corpus(tmp_path)
    settings.user_docs_dir.mkdir()
    (settings.user_docs_dir / "huge.txt").write_text("Staff sign in at the front desk.\n" * 600)
    (settings.user_docs_dir / "small.txt").write_text("Keys stay at reception.\n")
    slow = settings.model_copy(update={"ingest_chars_per_second": 10, "max_document_minutes": 1})
    docs, problems = corpus.load_corpus(slow)
    assert [p.path.split("/")[-1] for p in problems] == ["huge.txt"]
    reason = problems[0].reason
    assert reason.startswith("too long to index here: about 33 min")
    assert "max_document_minutes" in reason
    assert "\n" not in reason
    assert "user-small" in {d.meta.source_id for d in docs}
    unlimited = slow.model_copy(update={"max_document_minutes": None})
    assert corpus.load_corpus(unlimited)[1] == []


def test_a_file_over_the_byte_limit_is_skipped_unread(tmp_path):
    settings = tiny_corpus(tmp_path)
    settings.user_docs_dir.mkdir()
    (settings.user_docs_dir / "big.txt").write_text("x" * (1024 * 1024 + 1))
    problems = corpus.load_corpus(settings.model_copy(update={"max_file_mb": 1}))[1]
    assert [p.reason for p in problems] == ["larger than 1 MB (max_file_mb)"]
