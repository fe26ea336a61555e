"""The language check: a question not in English gets one clear line, not a random answer.

An adapter over py3langid, whose model ships inside its wheel (nothing is downloaded). The
guidance is in English and so is every answer, so a question in another language is told so
before anything is retrieved. English as people type it (typos, short forms, jargon) must
pass: a question is refused only when most of its letters are in another script, or when it
has enough words to judge and the model gives one other language a clear probability.
"""

from __future__ import annotations

import re
import time
import unicodedata
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from pydantic import BaseModel, Field

from guide_assistant.models import Answer
from guide_assistant.settings import Settings

REFUSAL = "I can only answer questions in English, from the English guidance."
# Labels that count as English: Nigerian Pidgin is English-lexified, so English typed fast
# ("cn i get mentoring as an nqsw") scores high for it; "zxx" is "no linguistic content".
ENGLISH_LIKE = frozenset({"en", "pcm", "zxx"})
WORD = re.compile(r"[^\W\d_]+")


class LanguageVerdict(BaseModel):
    """Whether a question is taken as English, and why."""

    english: bool
    language: str | None = Field(None, description="ISO 639 code of the likeliest non-English.")
    probability: float = Field(0.0, description="The model's probability for that language.")
    reason: str


def latin_share(text: str) -> float:
    """The share of the letters of ``text`` that are Latin-script (1.0 when it has none)."""
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return 1.0
    return sum("LATIN" in unicodedata.name(ch, "") for ch in letters) / len(letters)


def _load_identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


class LanguageDetector:
    """Judges questions; py3langid's model (about 2 s to load) loads in the background."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings.language
        self._identifier: Future[Any] | None = None
        if self.settings.enabled:
            pool = ThreadPoolExecutor(1, thread_name_prefix="langid")
            self._identifier = pool.submit(_load_identifier)
            pool.shutdown(wait=False)  # its one thread ends once the model is loaded

    def _best_other(self, text: str) -> tuple[str, float]:
        """The likeliest language that is not English, with its probability."""
        if self._identifier is None:
            raise RuntimeError("the language check is off: no model was loaded")
        ranked = self._identifier.result().rank(text)
        return next((code, p) for code, p in ranked if code not in ENGLISH_LIKE)

    def check(self, text: str) -> LanguageVerdict:
        """Is ``text`` (a validated question) English, by script, then by the model?"""
        if not self.settings.enabled:
            return LanguageVerdict(english=True, reason="the language check is off")
        share = latin_share(text)
        if share < self.settings.min_latin_share:
            code, p = self._best_other(text)
            reason = f"not English: {1 - share:.0%} of its letters are in another script ({code})"
            return LanguageVerdict(english=False, language=code, probability=p, reason=reason)
        if len(WORD.findall(text)) < self.settings.min_words:
            return LanguageVerdict(english=True, reason="too short to tell: taken as English")
        code, p = self._best_other(text)
        if p >= self.settings.min_confidence:
            reason = f"not English: it reads as {code} (p={p:.2f})"
            return LanguageVerdict(english=False, language=code, probability=p, reason=reason)
        reason = f"English (likeliest other language: {code}, p={p:.2f})"
        return LanguageVerdict(english=True, language=code, probability=p, reason=reason)

    def refusal(self, question: str) -> Answer | None:
        """The one-line answer to a question not in English, or None to go on answering."""
        began = time.perf_counter()
        verdict = self.check(question)
        if verdict.english:
            return None
        return Answer(
            question=question,
            answer=REFUSAL,
            abstained=True,
            abstain_reason=verdict.reason,
            timings_ms={"language": round((time.perf_counter() - began) * 1000, 2)},
        )
