"""The package outside the checkout: build the wheel, install it into a fresh venv under tmp,
then `doctor`, `ingest` and `ask --json` there, from a folder that is not the checkout.

Nothing is downloaded: the wheel is built with this environment's setuptools
(``--no-build-isolation``) and installed with ``--no-index``. Its dependencies (torch, chromadb,
the packaged model…) are the ones this test run already has: the fresh venv sees their
site-packages through a ``.pth`` file, which comes after its own site-packages on the path,
so ``guide_assistant`` is imported from the wheel, never from the checkout.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from guide_assistant.models import Answer

# A question the guidance answers plainly: this test checks the installation, not quality.
QUESTION = "who should provide professional supervision for social workers in an NHS trust?"

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 900  # seconds per command: an ingest embeds the whole corpus on 2 shared cores


def run(args: list[str | Path], **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, timeout=TIMEOUT, **kwargs
    )


def checked(args: list[str | Path], **kwargs) -> subprocess.CompletedProcess[str]:
    done = run(args, **kwargs)
    assert done.returncode == 0, f"{args[:4]}…\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    return done


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel, built from a copy of the sources (the build writes nothing in the checkout)."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    junk = shutil.ignore_patterns("__pycache__", "*.egg-info", "build")
    for folder in ("src", "corpus", "prompts"):
        shutil.copytree(ROOT / folder, source / folder, ignore=junk)
    for name in ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    checked([*pip, "wheel", source, "--no-deps", "--no-build-isolation", "--no-index", "-w", work])
    (built,) = work.glob("guide_assistant-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    """A fresh venv outside the checkout with the wheel installed, and nothing else of ours."""
    venv = tmp_path_factory.mktemp("venv") / "env"
    checked([sys.executable, "-m", "venv", "--without-pip", venv])
    (site,) = venv.glob("lib/python*/site-packages")
    shared = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    (site / "zz_shared_dependencies.pth").write_text("".join(f"{p}\n" for p in shared))
    python = venv / "bin" / "python"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--python", python]
    # --ignore-installed: the checkout's own (editable) install is visible through the .pth.
    checked([*pip, "install", "--no-deps", "--no-index", "--ignore-installed", wheel])
    return venv


@pytest.fixture
def elsewhere(tmp_path) -> tuple[Path, dict[str, str]]:
    """A working folder outside the checkout, and an environment without our settings."""
    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("GUIDE_") and k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")
    }
    return cwd, env


def test_the_wheel_holds_the_package_data(wheel):
    """The top-level corpus/ and prompts/ (one copy in git) are in the wheel, in the package."""
    names = set(zipfile.ZipFile(wheel).namelist())
    sources = json.dumps(sorted(n for n in names if n.startswith("guide_assistant/corpus/")))
    for edition in (ROOT / "corpus").glob("*.md"):
        assert f"guide_assistant/corpus/{edition.name}" in names, sources
    assert "guide_assistant/corpus/sources.toml" in names
    for prompt in (ROOT / "prompts").rglob("*"):
        if prompt.is_file():
            assert f"guide_assistant/{prompt.relative_to(ROOT).as_posix()}" in names
    for weights in ("embedder", "detector", "support"):
        assert f"guide_assistant/trained/{weights}/card.json" in names
    assert not [n for n in names if "/raw/" in n or n.endswith("dropped.toml")]


def test_installed_elsewhere_it_ingests_and_answers_with_citations(venv, elsewhere, tmp_path):
    cwd, env = elsewhere
    bin_dir = venv / "bin"
    where = checked(
        [bin_dir / "python", "-c", "import guide_assistant; print(guide_assistant.__file__)"],
        cwd=cwd,
        env=env,
    )
    assert Path(where.stdout.strip()).is_relative_to(venv), where.stdout
    cli = bin_dir / "guide-assistant"

    # No GUIDE_HOME: the state goes to the user data folder (XDG_DATA_HOME on Linux).
    fresh = run([cli, "doctor"], cwd=cwd, env={**env, "XDG_DATA_HOME": str(tmp_path / "xdg")})
    assert fresh.returncode == 1, fresh.stdout + fresh.stderr
    assert f"{tmp_path / 'xdg' / 'guide-assistant'} (the user data folder)" in fresh.stdout
    assert "fix: run `guide-assistant ingest`" in fresh.stdout
    assert f"{venv}" in fresh.stdout  # the package and its corpus, from the venv

    env["GUIDE_HOME"] = str(tmp_path / "home")
    ingest = checked([cli, "ingest"], cwd=cwd, env=env)
    assert "Index built" in ingest.stdout
    assert (tmp_path / "home" / "indexes" / "CURRENT").is_file()

    asked = checked([cli, "ask", "--json", QUESTION], cwd=cwd, env=env)
    answer = Answer.model_validate_json(asked.stdout)
    assert not answer.abstained, answer.abstain_reason
    assert answer.citations
    assert "[1]" in answer.answer
    (corpus,) = venv.glob("lib/python*/site-packages/guide_assistant/corpus")
    editions = {p.stem: p.read_text(encoding="utf-8") for p in corpus.glob("*.md")}
    for citation in answer.citations:  # verbatim text of the installed editions
        assert editions[citation.source_id][citation.start : citation.end] == citation.text

    ready = checked([cli, "doctor"], cwd=cwd, env=env)
    assert ready.stdout.rstrip().endswith("Ready to answer.")
    assert not list(cwd.iterdir())  # nothing written where the commands ran
