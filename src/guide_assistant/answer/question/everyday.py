"""How common a word is in everyday English, from ``wordfreq``'s packaged word lists (no
download). A question's chatter ('what kind of…', 'do I usually…', 'just wondering') is
everyday English; what it is about ('salary', 'warrant', 'onboarding') is rarer."""

from __future__ import annotations

import threading
from functools import lru_cache


@lru_cache(maxsize=65536)
def zipf(word: str) -> float:
    """The word's Zipf frequency in English: 6 ≈ once per thousand words, 3 ≈ once per
    million, 0 for words the lists don't have."""
    from wordfreq import zipf_frequency

    return float(zipf_frequency(word, "en"))


def warm() -> None:
    """Load the word lists in the background (about 0.5 s), not within the first answer."""
    threading.Thread(target=zipf, args=("the",), name="wordfreq", daemon=True).start()
