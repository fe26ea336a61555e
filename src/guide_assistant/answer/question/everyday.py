"""How common a word is in everyday English, from ``wordfreq``'s packaged word lists (no
download). A question's chatter ('what kind of…', 'do I usually…', 'just wondering') is
everyday English; what it is about ('salary', 'warrant', 'onboarding') is rarer."""

from __future__ import annotations

import threading

from guide_assistant.text import zipf

__all__ = ["warm", "zipf"]


def warm() -> None:
    """Load the word lists in the background (about 0.5 s), not within the first answer."""
    threading.Thread(target=zipf, args=("the",), name="wordfreq", daemon=True).start()
