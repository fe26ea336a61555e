"""Shared fixtures for tests/ and evals/: one real index of the default corpus per session.

The network is blocked by pytest-socket (loopback allowed; see pyproject addopts), so any
attempt to download a model or data fails the test that makes it.
"""

from __future__ import annotations

import os

import pytest

for _key, _value in {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "TOKENIZERS_PARALLELISM": "false",
}.items():
    os.environ[_key] = _value

from guide_assistant.settings import Settings  # noqa: E402


@pytest.fixture(scope="session")
def index_settings(tmp_path_factory) -> Settings:
    """Settings whose index (of the default corpus, no user files) is built once, in tmp."""
    from guide_assistant import index

    root = tmp_path_factory.mktemp("default-index")
    settings = Settings(
        index_dir=root / "indexes", user_docs_dir=root / "user_docs", data_dir=root / "data"
    )
    index.build(settings)
    return settings


@pytest.fixture(scope="session")
def assistant(index_settings):
    from guide_assistant.assistant import Assistant

    return Assistant.load(index_settings, build_if_missing=False)
