"""`guide-assistant ingest` shows its stages: bars on a terminal, plain lines in a log."""

from __future__ import annotations

import os
import pty
import subprocess
import sys

import pytest

from tests.helpers import tiny_corpus

STAGES = ("reading", "chunking", "embedding", "writing")


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("models")


@pytest.fixture
def env(tmp_path, cache):
    settings = tiny_corpus(tmp_path)
    settings.user_docs_dir.mkdir()
    (settings.user_docs_dir / "policy.txt").write_text(
        "Lone working\n\nStaff working alone carry a personal alarm.\nThey check in twice a day.\n"
    )
    return {
        **os.environ,
        "GUIDE_CORPUS_DIR": str(settings.corpus_dir),
        "GUIDE_USER_DOCS_DIR": str(settings.user_docs_dir),
        "GUIDE_INDEX_DIR": str(settings.index_dir),
        "GUIDE_EMBEDDING_BACKEND": "onnx",  # no torch to load: the test is about the output
        "GUIDE_EMBEDDING_CACHE_DIR": str(cache),
    }


INGEST = [sys.executable, "-m", "guide_assistant.interfaces.cli", "ingest"]


def run_in_terminal(args: list[str], env: dict[str, str]) -> str:
    """Run ``args`` with stdout and stderr on a pseudo-terminal; return all it wrote."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(args, env=env, stdin=slave, stdout=slave, stderr=slave)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    assert proc.wait(timeout=600) == 0
    return b"".join(chunks).decode(errors="replace")


def test_a_terminal_sees_a_bar_per_stage_then_the_summary(env):
    out = run_in_terminal(INGEST, env)
    positions = [out.find(stage) for stage in STAGES]
    assert all(p >= 0 for p in positions), out
    assert positions == sorted(positions)
    assert "text/s" in out  # the embedding bar's rate (tqdm also shows the ETA)
    assert "100%" in out
    summary = out.rfind("Index built")
    assert summary > max(positions)
    assert "3 documents" in out[summary:]


def test_a_log_gets_one_plain_line_per_stage(env):
    result = subprocess.run(INGEST, env=env, capture_output=True, text=True, check=True)
    lines = result.stderr.splitlines()
    for stage in STAGES:
        assert any(line.startswith(f"{stage}: ") for line in lines), result.stderr
    assert "\r" not in result.stderr  # no bar redraws in a log
    assert any(line.startswith("embedding: ") and "texts/s" in line for line in lines)
    assert "Index built" in result.stdout
    again = subprocess.run(INGEST, env=env, capture_output=True, text=True, check=True)
    assert "up to date" in again.stdout
    assert again.stderr == ""  # a no-op has no stages to show
