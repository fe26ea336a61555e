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


def _user_chunks(tmp_path, text: str, embedder: Embedder) -> list[chunking.Chunk]:
    path = tmp_path / "handbook.md"
    path.write_text(text)
    doc = corpus.load_user_document(path)
    return chunking.chunk_document(doc, embedder.count_tokens, Settings().chunk_max_tokens)


def test_a_long_lead_in_does_not_shatter_what_follows(tmp_path, embedder):
    # One table row far over the budget (its own lead-in) and a list after a long paragraph
    # used to come out as one chunk per word or sentence.
    cells = " ".join(f"Staff member {i} must record each supervision session." for i in range(60))
    long_para = " ".join(f"Point {i} of the policy applies to everyone." for i in range(25)) + ":"
    items = "\n".join(f"- item {i} is a duty of the employer to each worker." for i in range(40))
    text = f"# Handbook\n\n| Rules | {cells} |\n\n## Lists\n\n{long_para}\n{items}\n"
    chunks = _user_chunks(tmp_path, text, embedder)
    body_tokens = sum(embedder.count_tokens(c.passage.text) for c in chunks)
    assert len(chunks) <= body_tokens // 100 + 3  # pieces are near the budget, not words
    bodies = [c for c in chunks if any(s.kind != "heading" for s in c.sentences)]
    assert min(embedder.count_tokens(c.passage.text) for c in bodies[:-1]) >= 40


def test_a_hard_wrapped_paragraph_is_one_paragraph(tmp_path, embedder):
    text = (
        "# Handbook\n\nSupervision happens every month and is recorded\nby the line manager. "
        "It is protected time.\n\nA second paragraph\nwraps too.\n"
    )
    chunks = _user_chunks(tmp_path, text, embedder)
    sentences = [s.text for c in chunks for s in c.sentences]
    assert "Supervision happens every month and is recorded\nby the line manager." in sentences
    assert "It is protected time." in sentences
    assert "A second paragraph\nwraps too." in sentences
    groups = {s.group for c in chunks for s in c.sentences if s.kind == "para"}
    assert len(groups) == 2
