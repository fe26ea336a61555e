"""Chunks of the real corpus: verbatim, inside one section, inside the model's window."""

from __future__ import annotations

import pytest

from guide_assistant.index.embedding import Embedder
from guide_assistant.ingest import chunking, corpus
from guide_assistant.models import SECTION_SEP
from guide_assistant.settings import Settings


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return Embedder(Settings().embedding_model)


@pytest.fixture(scope="module")
def docs():
    settings = Settings(user_docs_dir="/nonexistent")
    loaded, problems = corpus.load_corpus(settings)
    assert not problems
    return loaded


@pytest.fixture(scope="module")
def chunks(docs, embedder):
    return chunking.chunk_corpus(docs, embedder.count_tokens, Settings().chunk_max_tokens)


def test_every_passage_and_sentence_is_verbatim(docs, chunks):
    texts = {d.meta.source_id: d.text for d in docs}
    for chunk in chunks:
        p = chunk.passage
        assert texts[p.source_id][p.start : p.end] == p.text
        for s in chunk.sentences:
            assert texts[p.source_id][s.start : s.end] == s.text
            assert p.start <= s.start < s.end <= p.end


def test_no_chunk_spans_two_sections(docs, chunks):
    sections = {
        (d.meta.source_id, tuple(s.path)): (
            s.heading_start if s.heading_start >= 0 else s.start,
            s.end,
        )
        for d in docs
        for s in d.sections
    }
    for chunk in chunks:
        p = chunk.passage
        start, end = sections[(p.source_id, tuple(p.section))]
        assert start <= p.start, p.section
        assert p.end <= end, p.section


def test_no_chunk_exceeds_the_model_window(chunks, embedder):
    # With special tokens, exactly as the model sees it: it would truncate silently.
    longest = max(embedder.count_tokens(c.embed_text, special=True) for c in chunks)
    assert longest <= embedder.max_tokens == 256


def test_ids_are_stable_and_unique(docs, chunks, embedder):
    again = chunking.chunk_corpus(docs, embedder.count_tokens, Settings().chunk_max_tokens)
    assert [c.passage.id for c in again] == [c.passage.id for c in chunks]
    assert len({c.passage.id for c in chunks}) == len(chunks)


def test_list_items_stay_with_their_lead_in(chunks):
    # Wherever a passage holds list items, the sentence that introduced the list is either in
    # the same passage or carried into the embedded text as context.
    checked = 0
    for chunk in chunks:
        items = [s for s in chunk.sentences if s.kind == "item"]
        if not items:
            continue
        first_item = items[0]
        leads = [s for s in chunk.sentences if s.group == first_item.group and s.kind == "para"]
        assert leads or chunk.embed_text.count("\n") >= 2, chunk.passage.text[:80]
        checked += 1
    assert checked > 20


def test_section_paths_follow_the_documents(chunks):
    labels = {SECTION_SEP.join(c.passage.section) for c in chunks}
    assert any("Consideration 2: Enable professionalism" in label for label in labels)
    assert any(
        "E. Leading the Approved Mental Health Professional workforce" in label for label in labels
    )


def test_sentence_splitting_keeps_enumerators_and_abbreviations():
    text = "- iv. Collation of AMHP data, e.g. The audit. Next sentence."
    units = chunking.split_sentences(text, 0, len(text), "item")
    assert [text[u.start : u.end] for u in units] == [
        "iv. Collation of AMHP data, e.g. The audit.",
        "Next sentence.",
    ]
