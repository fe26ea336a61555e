"""kill -9 during a build's write phase: a real ``guide-assistant ingest`` subprocess is paused at
a point of the write (``GUIDE_WRITE_PAUSE_AT``, a test-only setting that marks the point with a
file), killed there, and then the old build still answers, the next ingest succeeds and no
temp files are left."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from guide_assistant.assistant import Assistant
from guide_assistant.index import build as indexing
from guide_assistant.index import store
from guide_assistant.index.embedding import Embedder
from tests.helpers import tiny_corpus

POINTS = ["chroma", "bm25", "manifest", "pointer"]
WAIT_S = 240  # the subprocess loads torch and the model before it gets to the write


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    from guide_assistant.settings import Settings

    settings = Settings()
    return Embedder(settings.embedding_model, settings.embed_batch_size)


def _leftovers(index_dir: Path) -> list[str]:
    """Temp and marker files anywhere under the index folder."""
    return sorted(
        str(p.relative_to(index_dir))
        for p in index_dir.rglob("*")
        if p.name.endswith(".tmp") or p.name.startswith(".paused-at-")
    )


def _killed_at(point: str, settings, env: dict[str, str]) -> Path:
    """Start an ingest, wait until it pauses at ``point`` of its write, SIGKILL it there;
    returns the folder of the build it was writing."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "guide_assistant.interfaces.cli", "ingest"],
        env={**env, "GUIDE_WRITE_PAUSE_AT": point},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    builds = settings.index_dir / "builds"
    deadline = time.time() + WAIT_S
    marker: list[Path] = []
    while not marker and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
        marker = list(builds.glob(f"*/.paused-at-{point}"))
    proc.send_signal(signal.SIGKILL)
    _, err = proc.communicate()
    assert marker, f"the ingest never reached {point}: {err.decode()[-2000:]}"
    assert proc.returncode == -signal.SIGKILL  # killed there, not finished
    return marker[0].parent


@pytest.mark.parametrize("point", POINTS)
def test_kill_during_the_write_leaves_the_old_build_serving(tmp_path, embedder, point):
    settings = tiny_corpus(tmp_path)
    first = indexing.build(settings, embedder=embedder)
    serving = Assistant(settings, store.load(settings), embedder)  # an app already running
    settings.user_docs_dir.mkdir()
    (settings.user_docs_dir / "lone-working.md").write_text(
        "# Lone working\n\nStaff visiting alone must phone the duty desk after each visit.\n"
    )
    env = {
        **os.environ,
        **{
            f"GUIDE_{name.upper()}": str(getattr(settings, name))
            for name in ("corpus_dir", "user_docs_dir", "index_dir", "data_dir")
        },
    }
    partial = _killed_at(point, settings, env)
    assert partial.name != first.build_id
    if point == "pointer":  # the build was complete, its pointer switch half done
        assert (partial / store.MANIFEST).is_file()
        assert list(settings.index_dir.glob(f".{store.POINTER}.*.tmp"))
    else:
        assert not (partial / store.MANIFEST).exists()

    # The old build still serves: the running app, and a fresh load.
    assert store.current_build(settings).name == first.build_id
    for assistant in (serving, Assistant(settings, store.load(settings), embedder)):
        answer = assistant.ask("who gives supervision?")
        assert answer.citations
        assert {c.source_id for c in answer.citations} <= {"doc-a", "doc-b"}

    # The next ingest completes, with the new document, and cleans up after the killed one.
    report = indexing.build(settings, embedder=embedder)
    assert not report.noop
    assert report.documents == 3
    assert store.current_build(settings).name == report.build_id
    assert _leftovers(settings.index_dir) == []
    kept = {p.name for p in (settings.index_dir / "builds").iterdir()}
    assert kept == {first.build_id, report.build_id}  # the killed build is gone
    answer = Assistant.load(settings, build_if_missing=False).ask(
        "what must staff visiting alone do?"
    )
    assert answer.citations[0].source_id == "user-lone-working"
    assert serving.ask("who gives supervision?").citations  # the running app still answers
