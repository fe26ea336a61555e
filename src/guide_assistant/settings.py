"""One Settings object for the whole application (env prefix ``GUIDE_``, optional TOML file).

Loaded once at an entry point (CLI, app, tests) and passed down; never a module global.
Nested groups (``scoring``, ``lists``, ``prose``, ``duty_answers``) take env vars such as
``GUIDE_SCORING__MEANING=0.6``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

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


def default_home() -> Path:
    """The folder relative paths are resolved against, when ``GUIDE_HOME`` is not set.

    A source checkout (``src/`` layout with ``pyproject.toml`` and ``corpus/`` beside it) is
    its own home, wherever the command runs from; an installed package uses the current folder.
    """
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "pyproject.toml").is_file() and (checkout / "corpus").is_dir():
        return checkout
    return Path.cwd()


class SentenceScoring(BaseModel):
    """How a candidate sentence scores for an answer; the abstain thresholds are on this scale."""

    meaning: float = Field(0.5, description="Weight of the sentence's cosine to the question.")
    shared_words: float = Field(
        0.25, description="Weight of the share of the question's content stems it contains."
    )
    passage: float = Field(0.25, description="Weight of its passage's cosine to the question.")
    rank_penalty: float = Field(
        0.01, description="Subtracted per rank of its passage among the hits (breaks ties)."
    )


class ListTuning(BaseModel):
    """When a whole list (lead-in and items, or sibling headings) is the answer."""

    window: int = Field(15, description="Best-scored sentences whose lists are considered.")
    margin: float = Field(
        0.05, description="How far below the best sentence's score a list may start and win."
    )
    member_bonus: float = Field(
        0.02, description="Bonus per further member of the list among the best sentences."
    )
    member_bonus_cap: int = Field(3, description="Most further members that earn the bonus.")
    size_match_bonus: float = Field(
        0.1, description="Bonus when the list has as many items as the question names ('five')."
    )
    size_mismatch_penalty: float = Field(
        0.05, description="Penalty when the question names a size the list doesn't have."
    )
    headings_penalty: float = Field(
        0.05, description="Penalty for a list of bare sub-headings, unless its size was named."
    )
    max_rows: int = Field(30, description="Longest list quoted whole, lead-in included.")


class ProseTuning(BaseModel):
    """How many single sentences a prose answer takes, and which."""

    max_sentences: int = Field(4, description="Most sentences chosen on their own score.")
    score_window: float = Field(
        0.15, description="A sentence is taken only within this score of the best one."
    )
    min_words: int = Field(4, description="Shorter fragments are not quoted on their own.")
    redundancy: float = Field(
        0.9, description="Cosine above which a sentence repeats one already chosen (skipped)."
    )
    terse_words: int = Field(
        40, description="Below this many words, the sentence after the best one is added."
    )


class RegisterTuning(BaseModel):
    """Answers to duty questions taken from the obligations register."""

    search_limit: int = Field(12, description="Register entries searched per duty question.")
    min_similarity: float = Field(
        0.4, description="Least cosine between an entry's sentence and the question."
    )
    max_passages: int = Field(5, description="Most source passages one register answer cites.")
    max_rows: int = Field(8, description="Most entries listed in one answer.")
    min_rows: int = Field(
        2, description="Fewer matching entries than this: answer from the passages instead."
    )


class RegisterSearchTuning(BaseModel):
    """Search of the obligations register: BM25 per field, and a cut-off so it only returns
    rows that match (tuned on the dev split of evals/obligations_search.jsonl)."""

    min_share: float = Field(
        0.7, description="Rows must score at least this share of the best row's BM25 score."
    )
    question_share: float = Field(
        0.3,
        description="The share for a query of `question_words` or more searched words (a chat "
        "question): rows relevant to a long question share only some of its words.",
    )
    question_words: int = Field(4, description="Searched words from which a query is a question.")
    min_score: float = Field(
        1.0,
        description="Least BM25 score a row needs (about one matched uncommon word), so a "
        "query of words the register lacks finds nothing.",
    )
    common_share: float = Field(
        0.3,
        description="Words in more than this share of rows ('social', 'work') are not searched "
        "for unless the query has no other word.",
    )
    field_weights: tuple[float, float, float] = Field(
        (1.0, 0.5, 1.0),
        description="Weights of a row's topic tags, last section heading and text. A heading is "
        "shared by every row under it, so it counts half.",
    )
    fuzzy_cutoff: float = Field(
        0.85, description="Similarity (difflib ratio) at which a typo is mended to a word."
    )
    fuzzy_min_length: int = Field(
        5, description="Shorter words are not mended: one letter there makes another word."
    )


# The weights the three abstain thresholds were calibrated with (calibrate_abstention.py).
CALIBRATED_SCORING = SentenceScoring(
    meaning=0.5, shared_words=0.25, passage=0.25, rank_penalty=0.01
)


class Settings(BaseSettings):
    """Everything that can be configured. Env vars: ``GUIDE_<FIELD>``; TOML: ``GUIDE_CONFIG``."""

    model_config = SettingsConfigDict(
        env_prefix="GUIDE_", env_nested_delimiter="__", extra="ignore"
    )

    home: Path = Field(
        default_factory=default_home,
        description="Folder that relative paths below are resolved against (GUIDE_HOME).",
    )
    corpus_dir: Path = Field(
        Path("corpus"), description="Folder of the curated Markdown corpus editions."
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
        description="Sentence-transformers model: 'packaged:all-MiniLM-L6-v2' (the PyPI-shipped "
        "model) or a local folder path. Never a hub name: nothing is downloaded.",
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
    top_k: int = Field(5, description="Passages returned after reciprocal rank fusion.")
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
    abstain_calibrated_with: SentenceScoring = Field(
        default_factory=lambda: CALIBRATED_SCORING.model_copy(),
        description="The scoring weights the abstain thresholds below were calibrated with; a "
        "test fails when `scoring` differs (rerun benchmarks/calibrate_abstention.py).",
    )
    abstain_threshold: float = Field(
        0.25,
        description="Best-sentence relevance (on the `scoring` scale) below which the assistant "
        "abstains; calibrated on evals/dev.jsonl with benchmarks/calibrate_abstention.py.",
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
    abstain_common_share: float = Field(
        0.03,
        description="Words in at least this share of the corpus's sentences are common, not "
        "distinctive, for the coverage signal ('social', 'trust'; not 'salary').",
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
    register_search: RegisterSearchTuning = Field(
        default_factory=RegisterSearchTuning,
        description="Search of the obligations register (CLI, Obligations tab, duty answers).",
    )
    follow_up_words: int = Field(
        3,
        description="A question with at most this many content words leans on the one before "
        "it, and is searched together with it.",
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
        toml_file = Path(os.environ.get("GUIDE_CONFIG", "guide-assistant.toml"))
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, toml_file))

    @model_validator(mode="after")
    def _resolve_paths(self) -> Settings:
        """Relative folders are taken against ``home``, not against wherever the command runs."""
        for name in ("corpus_dir", "user_docs_dir", "index_dir", "data_dir", "embedding_cache_dir"):
            path = getattr(self, name)
            if path is not None and not path.is_absolute():
                setattr(self, name, self.home / path)
        return self
