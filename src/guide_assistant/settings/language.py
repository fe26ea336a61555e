"""Settings of the English-only check on questions (``answer/question/language.py``), as one group.

A module of its own because the Settings module is at the size limit; ``Settings.language``
holds it (env vars ``GUIDE_LANGUAGE__<FIELD>``).
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class LanguageCheck(BaseModel):
    """When a question counts as not English (tuned on the dev split of evals/languages.jsonl)."""

    enabled: bool = Field(True, description="Check a question's language before answering it.")
    min_confidence: float = Field(
        0.4,
        description="Least probability (py3langid, normalised over its languages) of one "
        "language other than English at which a Latin-script question is refused. On dev, "
        "English questions scored at most 0.27 for another language, others at least 0.46.",
    )
    min_words: int = Field(
        2,
        description="Latin-script questions with fewer words are taken as English: one word "
        "(an acronym such as 'ASYE') is too little to tell a language by.",
    )
    min_latin_share: float = Field(
        0.5,
        description="A question with a smaller share of Latin-script letters is not English "
        "(Arabic, Hebrew, Urdu, Chinese scripts…), whatever its length.",
    )
