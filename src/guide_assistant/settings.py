"""One Settings object for the whole application (env prefix ``GUIDE_``, optional TOML file).

Loaded once at an entry point (CLI, app, tests) and passed down; never a module global.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PACKAGED_MODEL = "packaged:all-MiniLM-L6-v2"


def offline_environment() -> None:
    """Make every Hugging Face / Chroma / Gradio library stay offline and quiet.

    Called by entry points before heavy imports; setdefault so a caller can still override.
    """
    for key, value in {
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "ANONYMIZED_TELEMETRY": "False",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "TOKENIZERS_PARALLELISM": "false",
        "HF_HUB_DISABLE_PROGRESS_BARS": "1",  # no "Loading weights" bars in the CLI's output
    }.items():
        os.environ.setdefault(key, value)


class Settings(BaseSettings):
    """Everything that can be configured. Env vars: ``GUIDE_<FIELD>``; TOML: ``GUIDE_CONFIG``."""

    model_config = SettingsConfigDict(
        env_prefix="GUIDE_",
        toml_file=os.environ.get("GUIDE_CONFIG", "guide-assistant.toml"),
        extra="ignore",
    )

    corpus_dir: Path = Field(
        PROJECT_ROOT / "corpus", description="Folder of the curated Markdown corpus editions."
    )
    user_docs_dir: Path = Field(
        PROJECT_ROOT / "user_docs",
        description="Folder where users drop their own PDF, HTML, Markdown or text documents.",
    )
    index_dir: Path = Field(
        PROJECT_ROOT / "indexes", description="Folder holding index builds and the current pointer."
    )
    data_dir: Path = Field(
        PROJECT_ROOT / "data",
        description="Folder for local state: feedback and self-assessment SQLite files.",
    )
    embedding_model: str = Field(
        PACKAGED_MODEL,
        description="Sentence-transformers model: 'packaged:all-MiniLM-L6-v2' (the PyPI-shipped "
        "model) or a local folder path. Never a hub name: nothing is downloaded.",
    )
    embed_batch_size: int = Field(64, description="Texts embedded per batch at ingest.")
    chunk_max_tokens: int = Field(
        200,
        description="Largest chunk, in model tokens, including its section-path prefix; must stay "
        "under the model's 256-token window.",
    )
    chroma_mode: Literal["embedded", "server"] = Field(
        "embedded",
        description="'embedded': a PersistentClient in the build folder; 'server': HTTP.",
    )
    chroma_host: str = Field("127.0.0.1", description="Chroma server host (server mode).")
    chroma_port: int = Field(8000, description="Chroma server port (server mode).")
    dense_top_k: int = Field(20, description="Candidates taken from the dense (Chroma) retriever.")
    sparse_top_k: int = Field(20, description="Candidates taken from the BM25 retriever.")
    top_k: int = Field(5, description="Passages returned after reciprocal rank fusion.")
    rrf_k: int = Field(10, description="Constant k of reciprocal rank fusion, 1/(k + rank).")
    answer_max_words: int = Field(150, description="Soft cap on words in an extractive answer.")
    abstain_threshold: float = Field(
        0.25,
        description="Best-sentence relevance (0.5 cosine + 0.25 shared words + 0.25 passage "
        "cosine) below which the assistant abstains; calibrated on evals/golden.jsonl with "
        "benchmarks/calibrate_abstention.py.",
    )
    abstain_unknown_share: float = Field(
        0.20,
        description="Share of the question's content words absent from the whole corpus at "
        "which a question counts as possibly off-topic (e.g. 'lorazepam', 'mileage').",
    )
    abstain_unknown_threshold: float = Field(
        0.40,
        description="Stricter relevance bar for possibly off-topic questions (see above).",
    )
    abstain_uncovered_threshold: float = Field(
        0.60,
        description="Relevance bar when the chosen answer contains none of the question's "
        "distinctive words (e.g. 'salary', 'parking').",
    )
    max_question_chars: int = Field(
        2000, description="Longest accepted question; longer input gets a clear error."
    )
    host: str = Field("127.0.0.1", description="Address the chat server binds.")
    port: int = Field(7860, description="Port the chat server binds.")
    auth_username: str | None = Field(
        None, description="Username for the chat; required before binding a non-loopback host."
    )
    auth_password: str | None = Field(None, description="Password that goes with auth_username.")
    concurrency_limit: int = Field(2, description="Answers computed at once by the chat queue.")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))
