"""The LLM answer mode's settings, mixed into ``Settings`` (flat names: ``GUIDE_LLM_MODEL``…).

Kept apart so the main settings module stays small; every field is described like the rest.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr

from guide_assistant.settings.locations import packaged


class LLMSettings(BaseModel):
    """How answers are composed, and the language model server of the ``llm`` mode."""

    answer_mode: Literal["extractive", "llm"] = Field(
        "extractive",
        description="'extractive' (default): the sources' own sentences, fully offline. 'llm': "
        "written by a model, every sentence shown checked against the passage it cites.",
    )
    llm_provider: Literal["ollama", "openai"] = Field(
        "ollama",
        description="'ollama': an Ollama server (/api/chat). 'openai': any OpenAI-compatible "
        "chat-completions server (vLLM, llama.cpp, LM Studio, LiteLLM, Azure OpenAI's v1 API).",
    )
    llm_base_url: str | None = Field(
        None,
        description="For 'openai', the API root including /v1 (http://127.0.0.1:8080/v1); for "
        "'ollama', the server root (default http://127.0.0.1:11434).",
    )
    llm_model: str | None = Field(
        None, description="The model's name on that server (e.g. 'llama3.1:8b'); required."
    )
    llm_api_key: SecretStr | None = Field(
        None, description="API key sent to the server, if it needs one. Never logged or printed."
    )
    llm_timeout_s: float = Field(
        60.0,
        gt=0,
        description="Seconds one request may take; with its retry the whole call is cut off at "
        "twice this, and the extractive answer is shown instead.",
    )
    llm_retries: int = Field(
        1,
        ge=0,
        le=1,
        description="Retries of a request that timed out, was refused or got an HTTP 5xx: at "
        "most 1, so the total wait stays within 2 x llm_timeout_s.",
    )
    llm_context_window: int = Field(
        8192,
        description="The model's context window in tokens, sent to Ollama explicitly (its "
        "default silently truncates long prompts from the front); prompts are fitted to it.",
    )
    llm_max_tokens: int = Field(512, description="Most tokens the model may generate.")
    llm_temperature: float = Field(0.0, description="Sampling temperature (0: deterministic).")
    llm_min_shown_share: float = Field(
        0.5,
        ge=0,
        le=1,
        description="Least share of the model's sentences that must pass the guard for the "
        "written answer to be shown; below it the model mostly wrote what the passages don't "
        "say, so what is left is unlikely to answer the question and the extractive answer is "
        "shown instead, with a note.",
    )
    llm_support_threshold: float | None = Field(
        None,
        ge=0,
        le=1,
        description="Least probability, by the learned support model, that a written sentence "
        "is said by the passages it cites for the guard to show it. Unset: the model card's, "
        "set on held-out written pairs (training/train_support.py).",
    )
    llm_min_overlap: float = Field(
        0.8,
        ge=0,
        le=1,
        description="Least share of a written sentence's content words that its cited passages "
        "must contain, for the evals' word-overlap faithfulness (beside the support model's).",
    )
    llm_chars_per_token: float = Field(
        3.5,
        description="Characters per token assumed when fitting passages and history into the "
        "context window (English text runs 3.5-4.5; the low end leaves headroom).",
    )
    prompts_dir: Path = Field(
        default_factory=lambda: packaged("prompts"),
        description="Folder of the LLM mode's prompt files; default: the package's own.",
    )
