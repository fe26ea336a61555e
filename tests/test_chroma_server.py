"""Ingest into, and answer from, a real Chroma server (`chroma run`) on 127.0.0.1."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from guide_assistant.assistant import Assistant
from guide_assistant.index import build as indexing
from guide_assistant.index import store
from guide_assistant.index.chroma import ChromaUnavailable
from tests.helpers import free_port, tiny_corpus

CHROMA = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))


@pytest.fixture
def chroma_server(tmp_path):
    port = free_port()
    proc = subprocess.Popen(
        [
            CHROMA,
            "run",
            "--path",
            str(tmp_path / "chroma-data"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1)
            break
        except OSError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("chroma server did not start")
    yield port
    proc.terminate()
    proc.wait(timeout=30)


def test_ingest_writes_to_the_server_and_answers_from_it(tmp_path, chroma_server):
    import chromadb

    settings = tiny_corpus(tmp_path).model_copy(
        update={"chroma_mode": "server", "chroma_port": chroma_server}
    )
    report = indexing.build(settings)
    build = store.current_build(settings)
    assert not (build / "chroma").exists()  # nothing embedded locally
    client = chromadb.HttpClient(host="127.0.0.1", port=chroma_server)
    names = {c.name for c in client.list_collections()}
    manifest = store.read_manifest(build)
    assert {manifest["chroma"]["collection"], manifest["chroma"]["sentences"]} <= names
    collection = client.get_collection(manifest["chroma"]["collection"])
    assert collection.count() == report.chunks
    answer = Assistant.load(settings, build_if_missing=False).ask("who must give supervision?")
    assert not answer.abstained
    assert answer.citations


def test_unreachable_server_is_a_clear_error(tmp_path):
    settings = tiny_corpus(tmp_path).model_copy(
        update={"chroma_mode": "server", "chroma_port": free_port()}
    )
    with pytest.raises(ChromaUnavailable, match=r"Chroma server at 127\.0\.0\.1"):
        indexing.build(settings)
