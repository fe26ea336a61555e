"""`guide-assistant ingest` shows its stages: bars on a terminal, plain lines in a log."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import free_port, pdf_with_text, tiny_corpus

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
APP = Path(__file__).resolve().parents[1] / "app.py"
FIRST_BUILD = "Building the index for the first time: "


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
    first = [i for i, line in enumerate(lines) if line.startswith(FIRST_BUILD)]
    assert len(first) == 1, result.stderr  # said once, before the stages after reading
    assert "3 documents" in lines[first[0]]
    assert "(about " in lines[first[0]]
    assert lines[first[0] - 1].startswith("reading: ")
    assert lines[first[0] + 1].startswith("chunking: ")
    for stage in STAGES:
        assert any(line.startswith(f"{stage}: ") for line in lines), result.stderr
    assert "\r" not in result.stderr  # no bar redraws in a log
    assert any(line.startswith("embedding: ") and "texts/s" in line for line in lines)
    assert "Index built" in result.stdout
    again = subprocess.run(INGEST, env=env, capture_output=True, text=True, check=True)
    assert "up to date" in again.stdout
    assert again.stderr == ""  # a no-op has no stages to show


def test_pypdfs_own_warnings_do_not_reach_the_terminal(env):
    docs = Path(env["GUIDE_USER_DOCS_DIR"])
    pdf = pdf_with_text(docs / "damaged.pdf", ["Induction", "New staff shadow for two weeks."])
    # A wrong startxref offset: pypdf recovers the file, and says so on its logger.
    pdf.write_bytes(re.sub(rb"startxref\n\d+", b"startxref\n12", pdf.read_bytes()))
    result = subprocess.run(INGEST, env=env, capture_output=True, text=True, check=True)
    assert "4 documents" in result.stdout  # the damaged PDF was read and indexed
    assert "startxref" not in result.stderr
    assert "Object Streams" not in result.stderr
    assert [line.split(":")[0] for line in result.stderr.splitlines() if ":" in line] == [
        "reading",
        FIRST_BUILD.split(":")[0],
        "chunking",
        "embedding",
        "writing",
    ]


def test_the_app_on_a_new_machine_says_it_is_building_the_index(env, tmp_path):
    """What `make run` starts (app.py), with no index yet: the first-build message and the
    stage lines come before the address it serves on."""
    env = {**env, "GUIDE_HOME": str(tmp_path / "home")}
    args = [sys.executable, str(APP), "--port", str(free_port())]
    proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    said, deadline = b"", time.monotonic() + 600
    try:
        assert proc.stdout is not None
        while b"Guide Assistant: http://" not in said and time.monotonic() < deadline:
            if select.select([proc.stdout], [], [], 1.0)[0]:
                chunk = os.read(proc.stdout.fileno(), 4096)
                if not chunk:
                    break
                said += chunk
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    out = said.decode(errors="replace")
    served = out.find("Guide Assistant: http://")
    assert served > 0, out
    steps = [out.find(FIRST_BUILD), *(out.find(f"{stage}: ") for stage in STAGES[1:])]
    assert all(0 <= p < served for p in steps), out
    assert steps == sorted(steps)
