"""Small text helpers shared by every stage: words, stems, markup, quote matching, ids."""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from typing import Any

WORD = re.compile(r"[A-Za-z0-9£%]+(?:['’][a-z]+)?")
MARKUP = re.compile(r"\[\^\d+\]|<sup>\d+</sup>|<br>|[*_`|>]|\[(?=[^\]]*\]\()|\]\([^)]*\)")
STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself
    yourselves ok okay please tell know get got also anything something thing things really
    us let lets i'm im i've ive what's whats does doesn't dont don't""".split()
)


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


def strip_markup(text: str) -> str:
    """Text without Markdown emphasis, footnote markers, link targets and table pipes."""
    return re.sub(r"\s+", " ", MARKUP.sub(" ", text)).strip()


# Number words and the figures they stand for ('five' → '5').
NUMBER_WORDS = {
    w: str(i)
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen "
        "fourteen fifteen sixteen seventeen eighteen nineteen twenty".split()
    )
} | {"thirty": "30", "forty": "40", "fifty": "50", "sixty": "60", "hundred": "100"}


@lru_cache(maxsize=65536)
def zipf(word: str) -> float:
    """The word's Zipf frequency in English (``wordfreq``'s packaged lists, no download):
    6 ≈ once per thousand words, 3 ≈ once per million, 0 for words the lists don't have."""
    from wordfreq import zipf_frequency

    return float(zipf_frequency(word, "en"))


def normalise(text: str) -> str:
    """Casefolded, markup-free, whitespace-collapsed text for containment checks."""
    return strip_markup(text).replace("’", "'").replace("‘", "'").casefold()


def words(text: str) -> list[str]:
    return [w.casefold().replace("’", "'") for w in WORD.findall(text)]


def content_words(text: str) -> list[str]:
    """The words that carry meaning: stopwords and single letters dropped, digits kept."""
    return [w for w in words(text) if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]


def content_stems(text: str) -> list[str]:
    """Stems of the words that carry meaning (stopwords dropped)."""
    return stems(content_words(text))


def stems(kept: list[str]) -> list[str]:
    """The stems of these (lower-case) words."""
    return _stemmer().stemWords(kept)


def word_count(text: str) -> int:
    return len(WORD.findall(text))


def loose_pattern(quote: str) -> str:
    """A regex for ``quote`` that tolerates other whitespace (line wrapping) between words."""
    return r"\s+".join(re.escape(word) for word in quote.split())


def unique_id(prefix: str, content: str, seen: set[str], length: int = 12) -> str:
    """``prefix:hash`` of ``content``, suffixed ``-2``, ``-3``… when already in ``seen``."""
    digest = hashlib.sha1(content.encode()).hexdigest()[:length]
    uid, n = f"{prefix}{digest}", 1
    while uid in seen:
        n += 1
        uid = f"{prefix}{digest}-{n}"
    seen.add(uid)
    return uid


# "(AMHP)", "(LAs)": a short form in brackets, with an optional plural s.
SHORT_FORM = re.compile(r"\(([A-Z][A-Za-z]{1,7}?)s?\)")
CONNECTIVES = frozenset({"and", "of", "in", "for", "the", "to", "on"})
DEFINITION_REACH = 200  # characters before the brackets searched for the spelled-out form


def abbreviations(text: str) -> dict[str, str]:
    """The short forms a text defines, lower-cased: 'Approved Mental Health Professional
    (AMHP)' gives {'amhp': 'approved mental health professional'}. A definition counts when
    the initials of the words just before the brackets (connectives skipped) spell it."""
    found: dict[str, str] = {}
    for match in SHORT_FORM.finditer(text):
        letters = match.group(1).lower()
        span = text[max(0, match.start() - DEFINITION_REACH) : match.start()]
        before = list(re.finditer(r"[A-Za-z][A-Za-z'’-]*", span))
        content = [w for w in before if w.group(0).lower() not in CONNECTIVES]
        if len(content) < len(letters):
            continue
        chosen = content[-len(letters) :]
        if "".join(w.group(0)[0].lower() for w in chosen) != letters:
            continue
        long = span[chosen[0].start() : chosen[-1].end()]
        found.setdefault(letters, " ".join(long.split()).lower())
    return found
