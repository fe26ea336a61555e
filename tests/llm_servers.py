"""Real HTTP servers on 127.0.0.1 that speak the model protocols, with scripted replies.

One server answers both ``POST /v1/chat/completions`` (OpenAI chat completions) and
``POST /api/chat`` (Ollama), so a test points either provider at it. Each request is recorded
(path, headers, JSON body) for the test to inspect.

A request asking for a stream (``"stream": true``) gets one: OpenAI's as server-sent events
(``data: {chunk}`` lines with ``choices[0].delta.content``, then ``data: [DONE]``), Ollama's as
NDJSON (one object per line with ``message.content``, the last with ``"done": true``). The text
goes out a word at a time, ``token_delay_s`` apart, so a test sees sentences arrive over time;
``break_after`` and ``stall_after`` script a stream that is cut off (junk or a closed
connection, with no end marker) or that goes quiet for ``stall_s`` after that many words.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    """What the server does for one request."""

    text: str = ""
    status: int = 200
    delay_s: float = 0.0  # wait this long before answering (a slow model)
    body: bytes | None = None  # sent as is, instead of a protocol reply (junk)
    token_delay_s: float = 0.0  # streaming: the wait before each word
    break_after: int | None = None  # streaming: after this many words, send ``junk`` and close
    junk: bytes = b""  # what a broken stream sends last (b"": the connection just closes)
    stall_after: int | None = None  # streaming: after this many words, go quiet for stall_s
    stall_s: float = 0.0

    def words(self) -> list[str]:
        """The text as the stream's chunks: each word with the space before it."""
        return re.findall(r"\s*\S+", self.text) or [""]


Script = Callable[[dict[str, Any]], Reply]


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def prompt(self) -> str:
        return "\n".join(str(m.get("content", "")) for m in self.body.get("messages", []))

    def passages(self) -> dict[int, str]:
        """The numbered passages of the prompt: ``[n] title › section: text`` lines."""
        return {int(n): text for n, text in re.findall(r"^\[(\d+)\] (.*)$", self.prompt, re.M)}


@dataclass
class ScriptedServer:
    script: Script
    port: int = 0
    requests: list[Recorded] = field(default_factory=list)
    sent: int = 0  # words streamed so far, over all requests

    @property
    def openai_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def ollama_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def _openai_body(model: str, text: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
    }


def _ollama_body(model: str, text: str) -> dict[str, Any]:
    return {
        "model": model,
        "created_at": "2026-01-01T00:00:00Z",
        "message": {"role": "assistant", "content": text},
        "done": True,
        "done_reason": "stop",
        "prompt_eval_count": 10,
        "eval_count": 10,
    }


def _sse(model: str, text: str, done: bool) -> bytes:
    chunk = {
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "delta": {} if done else {"role": "assistant", "content": text},
                "finish_reason": "stop" if done else None,
            }
        ],
    }
    return f"data: {json.dumps(chunk)}\n\n".encode()


def _ndjson(model: str, text: str, done: bool) -> bytes:
    line: dict[str, Any] = {
        "model": model,
        "created_at": "2026-01-01T00:00:00Z",
        "message": {"role": "assistant", "content": text},
        "done": done,
    }
    if done:
        line |= {"done_reason": "stop", "prompt_eval_count": 10, "eval_count": 10}
    return (json.dumps(line) + "\n").encode()


def _handler(server: ScriptedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # keep test output clean
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            recorded = Recorded(self.path, dict(self.headers), body)
            server.requests.append(recorded)
            if self.path.rstrip("/") not in ("/v1/chat/completions", "/api/chat"):
                return self._send(404, b'{"error": "not found"}')
            reply = server.script(body)
            time.sleep(reply.delay_s)
            if reply.body is not None:
                return self._send(reply.status, reply.body)
            if reply.status != 200:
                return self._send(reply.status, b'{"error": {"message": "scripted failure"}}')
            openai = self.path.startswith("/v1")
            if body.get("stream"):
                return self._stream(reply, body.get("model", ""), openai)
            make = _openai_body if openai else _ollama_body
            self._send(200, json.dumps(make(body.get("model", ""), reply.text)).encode())

        def _stream(self, reply: Reply, model: str, openai: bool) -> None:
            """The reply a word at a time, as SSE (OpenAI) or NDJSON (Ollama); the connection
            closes at the end (HTTP/1.0), as a cut-off stream's does too."""
            kind = "text/event-stream" if openai else "application/x-ndjson"
            frame = _sse if openai else _ndjson
            try:
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.end_headers()
                for i, word in enumerate(reply.words()):
                    if i == reply.break_after:
                        self.wfile.write(reply.junk)
                        return self.wfile.flush()
                    if i == reply.stall_after:
                        time.sleep(reply.stall_s)
                    time.sleep(reply.token_delay_s)
                    self.wfile.write(frame(model, word, done=False))
                    self.wfile.flush()
                    server.sent += 1
                self.wfile.write(frame(model, "", done=True))
                if openai:
                    self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
                pass

        def _send(self, status: int, payload: bytes) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
                pass

    return Handler


@contextmanager
def scripted_server(script: Script | Reply) -> Iterator[ScriptedServer]:
    """A server on a free loopback port, answering every request with ``script``."""
    if isinstance(script, Reply):
        fixed = script
        script = lambda _body: fixed  # noqa: E731
    server = ScriptedServer(script)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(server))
    httpd.daemon_threads = True
    server.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        httpd.shutdown()
        httpd.server_close()
