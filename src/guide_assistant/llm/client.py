"""One chat call to the configured model server, through llama-index's LLM classes.

- ``ollama``: ``llama_index.llms.ollama.Ollama``, with ``context_window`` set explicitly (Ollama's
  own default silently truncates long prompts from the front) and ``num_predict`` capped.
- ``openai``: ``llama_index.llms.openai_like.OpenAILike`` (``is_chat_model=True``) for any
  OpenAI-compatible server.

The wait is bounded: each request may take ``llm_timeout_s``, a request that timed out, was
refused or got an HTTP 5xx is retried at most ``llm_retries`` (≤ 1) times, and the whole call is
cut off at 2 x ``llm_timeout_s`` whatever the server does (a trickling reply included). The
libraries' own retries are off so that bound is ours. Every failure becomes ``LLMFailure`` with a
one-line message that never carries the API key or the prompt.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from llama_index.core.base.llms.types import ChatMessage as LlamaMessage
from llama_index.core.llms import LLM

from guide_assistant.settings import Settings

log = logging.getLogger(__name__)
OLLAMA_DEFAULT_URL = "http://127.0.0.1:11434"


class LLMFailure(Exception):
    """The model could not give an answer; the message is one line, fit for users."""


def public_url(url: str) -> str:
    """The URL without any user:password part, for messages."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


class ChatModel:
    """The configured model; the llama-index LLM is built on first use."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._llm: LLM | None = None

    @property
    def name(self) -> str:
        return self.settings.llm_model or ""

    @property
    def base_url(self) -> str:
        s = self.settings
        return s.llm_base_url or (OLLAMA_DEFAULT_URL if s.llm_provider == "ollama" else "")

    @property
    def deadline_s(self) -> float:
        return 2 * self.settings.llm_timeout_s

    def deadline(self) -> float:
        """The monotonic time by which every model call for one answer must be done."""
        return time.monotonic() + self.deadline_s

    def prepare(self) -> None:
        """Import and build the client before the first question: the imports take seconds,
        which would otherwise count against the first answer's deadline."""
        try:
            self.llm()
        except LLMFailure:
            return  # misconfigured: said when a question is asked
        if self.settings.llm_provider == "openai":
            import openai.resources.chat.completions  # noqa: F401  (the client loads it lazily)

    def llm(self) -> LLM:
        """The llama-index LLM for the settings; raises ``LLMFailure`` when misconfigured."""
        if self._llm is None:
            try:
                self._llm = self._build()
            except LLMFailure:
                raise
            except Exception as exc:  # e.g. a base URL the client refuses
                raise LLMFailure(
                    f"the llm settings could not be used ({type(exc).__name__})"
                ) from None
        return self._llm

    def _build(self) -> LLM:
        s = self.settings
        if not s.llm_model:
            raise LLMFailure("no model is configured (set GUIDE_LLM_MODEL)")
        if not self.base_url:
            raise LLMFailure("no server is configured (set GUIDE_LLM_BASE_URL, ending in /v1)")
        key = s.llm_api_key.get_secret_value() if s.llm_api_key else None
        if s.llm_provider == "ollama":
            from llama_index.llms.ollama import Ollama

            return Ollama(
                model=s.llm_model,
                base_url=self.base_url,
                temperature=s.llm_temperature,
                context_window=s.llm_context_window,
                request_timeout=s.llm_timeout_s,
                additional_kwargs={"num_predict": s.llm_max_tokens},
                headers={"Authorization": f"Bearer {key}"} if key else None,
            )
        from llama_index.llms.openai_like import OpenAILike

        # The client's debug records carry the request body (the user's question), and we
        # never log what users type, whatever level the host application logs at.
        logging.getLogger("openai").setLevel(max(logging.INFO, logging.getLogger("openai").level))
        return OpenAILike(
            model=s.llm_model,
            api_base=self.base_url,
            api_key=key or "none",  # the client insists on one; local servers ignore it
            is_chat_model=True,
            context_window=s.llm_context_window,
            max_tokens=s.llm_max_tokens,
            temperature=s.llm_temperature,
            timeout=s.llm_timeout_s,
            max_retries=0,  # retries are ours, within the deadline
        )

    def chat(self, messages: Sequence[LlamaMessage], until: float | None = None) -> str:
        """The model's reply text; raises ``LLMFailure`` by ``until`` (a ``deadline()``; by
        default 2 x ``llm_timeout_s`` from now), so the calls of one answer share the bound."""
        until = self.deadline() if until is None else until
        llm = self.llm()
        outcome: dict[str, Any] = {}

        def work() -> None:
            try:
                outcome["text"] = self._attempts(llm, messages)
            except Exception as exc:  # handed to the caller's thread, explained there
                outcome["error"] = exc

        worker = threading.Thread(target=work, name="llm-chat", daemon=True)
        worker.start()
        worker.join(max(until - time.monotonic(), 0.0))
        if worker.is_alive():  # the daemon thread ends with its request's own timeout
            raise LLMFailure(
                f"the model server at {public_url(self.base_url)} did not finish within "
                f"{self.deadline_s:g} s"
            )
        if "error" in outcome:
            log.info("llm call failed: %s", type(outcome["error"]).__name__)
            raise self.explain(outcome["error"]) from None
        return outcome["text"]

    def _attempts(self, llm: LLM, messages: Sequence[LlamaMessage]) -> str:
        for attempt in range(self.settings.llm_retries + 1):
            try:
                response = llm.chat(list(messages))
                return response.message.content or ""
            except Exception as exc:
                if attempt == self.settings.llm_retries or not transient(exc):
                    raise
        raise AssertionError("unreachable")

    def explain(self, exc: Exception) -> LLMFailure:
        """A one-line message for a failure (its kind and status only: no body, no key)."""
        if isinstance(exc, LLMFailure):
            return exc
        where = f"the model server at {public_url(self.base_url)}"
        status = status_code(exc)
        if is_timeout(exc):
            return LLMFailure(f"{where} did not answer within {self.settings.llm_timeout_s:g} s")
        if status is not None:
            hint = f" (is the model name '{self.name}' right?)" if status == 404 else ""
            return LLMFailure(f"{where} returned HTTP {status}{hint}")
        if is_connection(exc):
            return LLMFailure(f"{where} could not be reached")
        return LLMFailure(f"{where} sent a reply that could not be read")


def status_code(exc: BaseException) -> int | None:
    code = getattr(exc, "status_code", None)
    return code if isinstance(code, int) and code >= 400 else None


def is_timeout(exc: BaseException) -> bool:
    import openai

    return isinstance(exc, TimeoutError | httpx.TimeoutException | openai.APITimeoutError)


def is_connection(exc: BaseException) -> bool:
    import openai

    return isinstance(exc, ConnectionError | httpx.TransportError | openai.APIConnectionError)


def transient(exc: BaseException) -> bool:
    """Worth one retry: a timeout, a refused connection, or a server error."""
    status = status_code(exc)
    return is_timeout(exc) or is_connection(exc) or (status is not None and status >= 500)
