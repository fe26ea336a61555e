"""Shared fixtures for tests/ and evals/: one real index of the default corpus per session.

The network is blocked by pytest-socket (loopback allowed; see pyproject addopts), so any
attempt to download a model or data fails the test that makes it.
"""

from __future__ import annotations

import pytest

from guide_assistant.settings import Settings, offline_environment

offline_environment()  # before any Hugging Face, Chroma or Gradio import


@pytest.fixture(scope="session")
def index_settings(tmp_path_factory) -> Settings:
    """Settings whose index (of the default corpus, no user files) is built once, in tmp."""
    from guide_assistant.index import build as indexing

    root = tmp_path_factory.mktemp("default-index")
    settings = Settings(
        index_dir=root / "indexes", user_docs_dir=root / "user_docs", data_dir=root / "data"
    )
    indexing.build(settings)
    return settings


@pytest.fixture(scope="session")
def assistant(index_settings):
    from guide_assistant.assistant import Assistant

    return Assistant.load(index_settings, build_if_missing=False)


@pytest.fixture(scope="module")
def served(assistant, index_settings, tmp_path_factory):
    """(URL, settings) of the chat app serving in a background thread, per test module."""
    from tests.helpers import running_app

    settings = index_settings.model_copy(
        update={"data_dir": tmp_path_factory.mktemp("ui") / "data"}
    )
    with running_app(assistant, settings) as url:
        yield url, settings
