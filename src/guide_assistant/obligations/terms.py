"""A text's terms as the register reads them: content stems, plus the short form of each
spelled-out phrase the documents define ('approved mental health professional' → 'amhp'), so
either spelling finds both. Shared by the register's search and its topic tags."""

from __future__ import annotations

from guide_assistant.text import content_stems

Phrases = dict[tuple[str, ...], str]


def phrases(glossary: dict[str, str]) -> Phrases:
    """Stems of each spelled-out form, to the stem of its short form ('amhp')."""
    out: Phrases = {}
    for short, long in glossary.items():
        long_stems, short_stems = tuple(content_stems(long)), content_stems(short)
        if len(long_stems) > 1 and short_stems:
            out[long_stems] = short_stems[0]
    return out


def stems(text: str, known: Phrases | None = None) -> list[str]:
    """Content stems of ``text``, plus the short form of each spelled-out phrase it contains
    (the documents write both 'AMHP' and 'Approved Mental Health Professional')."""
    out = content_stems(text)
    for phrase, short in (known or {}).items():
        n = len(phrase)
        out += [short for i in range(len(out) - n + 1) if tuple(out[i : i + n]) == phrase]
    return out
