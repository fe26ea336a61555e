"""Ingestion: manifests, no-op and incremental builds, bad user files, interrupted builds."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from guide_assistant.assistant import Assistant
from guide_assistant.index import build as indexing
from guide_assistant.index import store
from tests.helpers import pdf_with_text, tiny_corpus


@pytest.fixture
def settings(tmp_path):
    return tiny_corpus(tmp_path)


def test_build_writes_a_complete_manifest(settings):
    report = indexing.build(settings)
    assert not report.noop
    assert report.documents == 2
    assert report.chunks >= 4
    build = store.current_build(settings)
    manifest = store.read_manifest(build)
    assert manifest["embedding_model"] == settings.embedding_model
    assert manifest["dimension"] == 384
    assert manifest["chunking"]["max_tokens"] == settings.chunk_max_tokens
    assert set(manifest["versions"]) >= {"chromadb", "llama-index-core"}
    assert len(manifest["fingerprint"]["files"]) == 3  # sources.toml and two editions
    assert (build / "bm25").is_dir()
    assert (build / "chroma").is_dir()


def test_unchanged_corpus_reembeds_nothing(settings):
    first = indexing.build(settings)
    second = indexing.build(settings)
    assert second.noop
    assert second.embedded == 0
    assert second.build_id == first.build_id


def test_changed_corpus_reuses_unchanged_embeddings(settings):
    first = indexing.build(settings)
    settings.user_docs_dir.mkdir()
    (settings.user_docs_dir / "local-policy.md").write_text(
        "# Local lone working policy\n\nStaff visiting alone must phone the duty desk.\n"
    )
    second = indexing.build(settings)
    assert not second.noop
    assert second.build_id != first.build_id
    assert second.reused >= first.embedded // 2  # the editions were not embedded again
    assert second.embedded < first.embedded


def test_user_documents_of_every_kind_are_ingested(settings):
    docs = settings.user_docs_dir
    docs.mkdir()
    (docs / "policy.md").write_text("# Lone working\n\nCarry a personal alarm on visits.\n")
    (docs / "notes.txt").write_text("Supervision notes\n\nKeep notes for six years.\n")
    (docs / "page.html").write_text(
        "<html><head><title>NICE NG10</title></head><body><h1>Violence</h1>"
        "<p>Use de-escalation before restrictive interventions.</p></body></html>"
    )
    pdf_with_text(docs / "guide.pdf", ["Induction guide", "New staff shadow for two weeks."])
    report = indexing.build(settings)
    assert report.problems == []
    assistant = Assistant.load(settings, build_if_missing=False)
    titles = {s["title"] for s in assistant.sources}
    assert {"Lone working", "Supervision notes", "NICE NG10", "Induction guide"} <= titles
    answer = assistant.ask("what should staff use before restrictive interventions?")
    assert not answer.abstained
    assert answer.citations[0].source_id == "user-page"
    assert "de-escalation" in answer.citations[0].text


def test_bad_user_files_are_reported_and_the_rest_indexed(settings):
    indexing.build(settings)
    docs = settings.user_docs_dir
    docs.mkdir()
    (docs / "empty.txt").write_bytes(b"")
    (docs / "latin1.txt").write_bytes("Caf\xe9 policy on visits".encode("latin-1"))
    (docs / "junk.md").write_bytes(os.urandom(2048).replace(b"\x00", b"\x01") + b"\x00")
    pdf = pdf_with_text(docs / "truncated.pdf", ["A policy"]).read_bytes()
    (docs / "truncated.pdf").write_bytes(pdf[: len(pdf) // 3])
    (docs / "good.md").write_text("# Good policy\n\nVisits in pairs after dark.\n")
    report = indexing.build(settings)
    reasons = {os.path.basename(p.path): p.reason for p in report.problems}
    assert set(reasons) == {"empty.txt", "latin1.txt", "junk.md", "truncated.pdf"}
    assert "empty" in reasons["empty.txt"]
    assert "UTF-8" in reasons["latin1.txt"]
    assert "PDF" in reasons["truncated.pdf"]
    assistant = Assistant.load(settings, build_if_missing=False)
    ids = {s["source_id"] for s in assistant.sources}
    assert {"doc-a", "doc-b", "user-good"} <= ids  # nothing already indexed was lost


def test_mismatched_manifest_names_the_fix(settings):
    indexing.build(settings)
    build = store.current_build(settings)
    manifest = json.loads((build / "manifest.json").read_text())
    manifest["versions"]["chromadb"] = "0.4.0"
    (build / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(store.IndexError_, match="ingest --rebuild"):
        store.load(settings)
    other = settings.model_copy(update={"embedding_model": "/models/other"})
    with pytest.raises(store.IndexError_, match="embedding model"):
        store.check_compatible(json.loads((build / "manifest.json").read_text()), other)


def test_missing_index_names_the_fix(settings):
    with pytest.raises(store.IndexError_, match="guide-assistant ingest"):
        store.load(settings)


def test_killed_build_leaves_the_previous_index_serving(settings):
    first = indexing.build(settings)
    # Enough new text that embedding takes a few seconds, so the kill lands mid-build.
    settings.user_docs_dir.mkdir()
    for i in range(40):
        (settings.user_docs_dir / f"doc{i}.md").write_text(
            f"# Document {i}\n\n" + f"Sentence {i} about supervision and lone working. " * 200
        )
    env = {
        **os.environ,
        "GUIDE_CORPUS_DIR": str(settings.corpus_dir),
        "GUIDE_USER_DOCS_DIR": str(settings.user_docs_dir),
        "GUIDE_INDEX_DIR": str(settings.index_dir),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "guide_assistant.interfaces.cli", "ingest"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    builds = settings.index_dir / "builds"
    deadline = time.time() + 120
    while len(list(builds.iterdir())) < 2 and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    time.sleep(0.5)  # let it write part of the new build
    proc.send_signal(signal.SIGKILL)
    assert proc.wait() == -signal.SIGKILL  # killed, not finished
    partial = [b for b in builds.iterdir() if not (b / "manifest.json").exists()]
    assert partial, "the kill should land mid-build"
    assert store.current_build(settings).name == first.build_id
    answer = Assistant.load(settings, build_if_missing=False).ask("who gives supervision?")
    assert answer.citations
    assert {c.source_id for c in answer.citations} <= {"doc-a", "doc-b"}
    # The next ingest cleans up the interrupted build and completes.
    report = indexing.build(settings)
    assert not report.noop
    assert store.current_build(settings).name == report.build_id


def test_bad_front_matter_in_a_user_file_is_reported_not_fatal(settings):
    settings.user_docs_dir.mkdir()
    (settings.user_docs_dir / "broken.md").write_text(
        "---\ntitle: [unclosed\n---\n\n# Body\n\nText.\n"
    )
    (settings.user_docs_dir / "fine.md").write_text("# Fine\n\nStaff carry alarms.\n")
    report = indexing.build(settings)
    assert [os.path.basename(p.path) for p in report.problems] == ["broken.md"]
    assert "front matter" in report.problems[0].reason


def test_a_second_ingest_at_once_is_refused(settings):
    settings.index_dir.mkdir(parents=True)
    with (
        indexing._build_lock(settings.index_dir),
        pytest.raises(indexing.IndexBusy, match="another ingest"),
    ):
        indexing.build(settings)


def test_new_vector_search_settings_make_a_new_build(monkeypatch, settings):
    """Chroma keeps a collection's search settings from when it was made: a build made with
    other ones is not reused."""
    from guide_assistant.index import chroma

    before = indexing.fingerprint(settings)
    monkeypatch.setattr(chroma, "HNSW", {**chroma.HNSW, "ef_search": 10})
    assert indexing.fingerprint(settings) != before
