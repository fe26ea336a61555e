"""The browser app (Gradio): a Chat tab (cited answers, sources, feedback, export) and an
Obligations tab (the register and its self-assessment).

``build_app`` wires an already-loaded ``Assistant`` into a ``gr.Blocks``; ``launch_options`` are
how it is launched (tests launch it the same way); ``serve`` loads it once, refuses to expose the
app beyond this machine without authentication, and launches.

With a login configured, the app lists no API: the login page names no endpoint and no source.
"""

from __future__ import annotations

import ipaddress
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr

from guide_assistant.index.progress import Stages
from guide_assistant.interfaces.web import a11y, chat, header, obligations_tab
from guide_assistant.settings import Settings

if TYPE_CHECKING:  # importing it loads torch: serve checks the bind first
    from guide_assistant.assistant import Assistant


class UnsafeBind(Exception):
    """Refusal to bind a non-loopback address without authentication."""


def is_loopback(host: str) -> bool:
    """True for localhost, 127.0.0.0/8 and ::1."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def auth_pair(settings: Settings) -> tuple[str, str] | None:
    """The (username, password) login, when both are set."""
    if settings.auth_username and settings.auth_password:
        return settings.auth_username, settings.auth_password
    return None


def check_bind(settings: Settings) -> tuple[str, str] | None:
    """The auth pair to launch with; raises ``UnsafeBind`` for an open non-loopback bind."""
    auth = auth_pair(settings)
    if auth is None and not is_loopback(settings.host):
        raise UnsafeBind(
            f"refusing to serve on {settings.host}: set GUIDE_AUTH_USERNAME and "
            "GUIDE_AUTH_PASSWORD to serve beyond this machine, or use 127.0.0.1"
        )
    return auth


def build_app(assistant: Assistant, settings: Settings) -> gr.Blocks:
    """The app for ``assistant``; feedback and self-assessments go to ``settings.data_dir``."""
    # Behind a login, no endpoint is listed, to anyone: Gradio embeds the API description in
    # every page it serves, the login page included.
    api: chat.ApiVisibility = "private" if auth_pair(settings) else "public"
    ttl = settings.download_cache_seconds
    sweep = max(1, ttl // 10)  # how often Gradio looks for expired downloads
    with gr.Blocks(
        title="Guide Assistant", analytics_enabled=False, delete_cache=(sweep, ttl)
    ) as demo:
        gr.Markdown(
            "# Guide Assistant\nAnswers from the guidance on supporting mental health social "
            "workers. Every answer cites the passages it quotes."
        )
        gr.HTML(header.indexed_html(assistant.index.manifest))
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"):
                chat.render(assistant, settings, api)
            with gr.Tab("Obligations", id="obligations"):
                obligations_tab.render(settings, api)
    return demo


def launch_options(settings: Settings) -> dict[str, Any]:
    """``demo.launch`` keyword arguments; raises ``UnsafeBind`` for an open non-loopback bind."""
    auth = check_bind(settings)
    return {
        "server_name": settings.host,
        "server_port": settings.port,
        "auth": auth,
        "share": False,
        "show_error": False,
        "quiet": True,
        "run_history": False,  # it would keep users' questions in browser storage
        "allowed_paths": [str(Path(settings.corpus_dir).resolve())],
        # The API page link only where the API is listed (no login).
        "footer_links": ["gradio", "settings"] if auth else ["api", "gradio", "settings"],
        "theme": a11y.theme(),
        "css": a11y.CSS,
        "js": a11y.ON_LOAD,
        "app_kwargs": {"openapi_url": None},  # FastAPI's own schema is served without a login
    }


def serve(settings: Settings) -> None:
    """Load the assistant once and serve the app until interrupted."""
    options = launch_options(settings)  # before the slow load: fail fast on an unsafe bind
    from guide_assistant.assistant import Assistant

    # A new machine has no index yet: the first build says what it does, stage by stage.
    assistant = Assistant.load(settings, progress=Stages.for_stream(sys.stderr))
    demo = build_app(assistant, settings)
    demo.queue(default_concurrency_limit=settings.concurrency_limit)
    print(f"Guide Assistant: http://{settings.host}:{settings.port}/", flush=True)
    demo.launch(**options)
