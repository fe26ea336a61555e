"""A streamed chat call: the model's reply as it is written, through llama-index's
``stream_chat`` (OpenAI-compatible servers send server-sent events, Ollama NDJSON lines).

The bounds are the non-streaming call's: each read may wait ``llm_timeout_s`` (the clients'
own timeout, so a stream that goes quiet fails), the whole call ends by the answer's deadline
(2 x ``llm_timeout_s``) however the server trickles, and a request that failed before its first
word (refused, timed out, HTTP 5xx) is retried at most ``llm_retries`` times. Once words have
arrived there is no retry: what was shown can't be taken back.

A stream that ends without its end marker (OpenAI's ``finish_reason``, Ollama's ``done``) was
cut off: that is a failure too, not a short answer. Every failure is an ``LLMFailure`` with one
line, raised where the caller iterates, after the words that did arrive.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Generator, Sequence
from typing import Any

from llama_index.core.base.llms.types import ChatMessage as LlamaMessage
from llama_index.core.base.llms.types import ChatResponse

from guide_assistant.llm.client import ChatModel, LLMFailure, public_url, transient

log = logging.getLogger(__name__)
_END = object()  # the worker's last item: the stream ended with its end marker


class CutOff(Exception):
    """The stream ended without its end marker."""


def finished(chunk: ChatResponse) -> bool:
    """Whether this chunk is a stream's last: OpenAI's carries a ``finish_reason``, Ollama's
    ``"done": true``."""
    raw: Any = chunk.raw
    if isinstance(raw, dict):
        return bool(raw.get("done"))
    choices = getattr(raw, "choices", None) or []
    return any(getattr(c, "finish_reason", None) for c in choices)


def stream(
    model: ChatModel, messages: Sequence[LlamaMessage], until: float | None = None
) -> Generator[str, None, None]:
    """The reply's text pieces as they arrive; raises ``LLMFailure`` (after the pieces that
    did arrive) on a failure, a cut-off stream, or at ``until``."""
    until = model.deadline() if until is None else until
    llm = model.llm()
    pieces: queue.Queue[Any] = queue.Queue()
    stop = threading.Event()

    def work() -> None:
        try:
            _attempts(model, llm, messages, pieces, stop)
            pieces.put(_END)
        except Exception as exc:  # handed to the caller's thread, explained there
            pieces.put(exc)

    threading.Thread(target=work, name="llm-stream", daemon=True).start()
    try:
        while True:
            try:
                item = pieces.get(timeout=max(until - time.monotonic(), 0.0))
            except queue.Empty:
                raise LLMFailure(
                    f"the model server at {public_url(model.base_url)} did not finish within "
                    f"{model.deadline_s:g} s"
                ) from None
            if item is _END:
                return
            if isinstance(item, Exception):
                log.info("llm stream failed: %s", type(item).__name__)
                raise _explain(model, item) from None
            yield item
    finally:
        stop.set()  # the worker stops reading at its next piece (a stalled one at its timeout)


def _attempts(
    model: ChatModel,
    llm: Any,
    messages: Sequence[LlamaMessage],
    pieces: queue.Queue[Any],
    stop: threading.Event,
) -> None:
    for attempt in range(model.settings.llm_retries + 1):
        started = False
        try:
            ended = False
            for chunk in llm.stream_chat(list(messages)):
                if stop.is_set():
                    return
                if chunk.delta:
                    started = True
                    pieces.put(chunk.delta)
                ended = ended or finished(chunk)
            if not ended:
                raise CutOff()
            return
        except Exception as exc:
            if started or attempt == model.settings.llm_retries or not transient(exc):
                raise


def _explain(model: ChatModel, exc: Exception) -> LLMFailure:
    if isinstance(exc, CutOff):
        where = f"the model server at {public_url(model.base_url)}"
        return LLMFailure(f"{where} stopped sending before the end of its reply")
    return model.explain(exc)
