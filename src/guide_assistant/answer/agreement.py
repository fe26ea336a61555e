"""Does a written sentence agree with the passage it cites? The details a paraphrase must keep:
numbers, dates, named bodies and negation.

Word overlap alone accepts "28 hours" for "18 hours", "must not" for "must", and "the trust
must" for "the local authority must"; these checks catch what overlap cannot. Named bodies are
the register's actor patterns (the same ones it files duties under), acronyms and multi-word
proper names, so nothing here is keyed to one document's wording.
"""

from __future__ import annotations

import re

from guide_assistant.obligations.rules import ACTOR_RULES
from guide_assistant.text import content_stems, normalise

NEGATION = re.compile(r"\b(?:not|no|never|none|nor|neither|cannot|without)\b|n['’]t\b", re.I)
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
NUMBER_WORDS = {
    w: str(i)
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen "
        "fourteen fifteen sixteen seventeen eighteen nineteen twenty".split()
    )
} | {"thirty": "30", "forty": "40", "fifty": "50", "sixty": "60", "hundred": "100"}
NUMBER_WORD = re.compile(r"\b(" + "|".join(NUMBER_WORDS) + r")\b", re.I)
CALENDAR = re.compile(
    r"\b(?:January|February|March|April|May|June|July|August|September|October|November|"
    r"December|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b"
)
ACRONYM = re.compile(r"\b[A-Z][A-Z0-9]{1,7}(?=s?\b)")
CAPITALISED = re.compile(r"\b[A-Z][a-z]+(?:\s+(?:of|and|for|the)?\s*[A-Z][a-z]+)+")
# Where a passage's sentences end: closing punctuation, or a line break (list items).
SEGMENT_END = re.compile(r"(?<=[.!?;:])\s+|\s*\n\s*")


def segments(passage: str) -> list[str]:
    """The passage's sentences and list items, verbatim."""
    return [s.strip() for s in SEGMENT_END.split(passage) if s and s.strip()]


def closest(sentence: str, candidates: list[str]) -> str | None:
    """The candidate sharing most of the sentence's content words (the first, on a tie)."""
    words = set(content_stems(sentence))
    best, best_share = None, 0.0
    for seg in candidates:
        share = len(words & set(content_stems(seg))) / max(len(words), 1)
        if share > best_share:
            best, best_share = seg, share
    return best


def numerals(text: str) -> str:
    """Number words (up to a hundred) written as figures: 'eighteen hours' -> '18 hours'."""
    return NUMBER_WORD.sub(lambda m: NUMBER_WORDS[m.group(1).lower()], text)


def numbers(text: str) -> set[str]:
    """Numbers in figures or words, as figures: '18', 'eighteen' -> '18'."""
    return {n.replace(",", "") for n in NUMBER.findall(numerals(text))}


def bodies(text: str) -> set[str]:
    """Named bodies: the register's actors, then acronyms and proper names no actor covers."""
    found = {label for label, pattern in ACTOR_RULES if pattern.search(text)}
    covered = " ".join(m.group(0) for _, p in ACTOR_RULES for m in p.finditer(text))
    found |= {a for a in ACRONYM.findall(text) if a not in covered}
    for match in CAPITALISED.finditer(text):
        name = match.group(0)
        if match.start() == 0 or text[: match.start()].rstrip().endswith((".", ":", "-")):
            name = name.split(maxsplit=1)[1] if " " in name else ""  # sentence-initial word
        if len(name.split()) >= 2 and name not in covered:
            found.add(normalise(name))
    return found


def _mentions(passage: str, body: str) -> bool:
    """An acronym as a word (plural allowed), a name anywhere in the passage."""
    if body.isupper():
        return re.search(rf"\b{re.escape(body)}s?\b", passage) is not None
    return body in normalise(passage)


def negated(text: str) -> bool:
    return bool(NEGATION.search(text))


def disagreement(sentence: str, passage: str, closest_segment: str | None) -> str | None:
    """Why ``sentence`` contradicts ``passage`` in a detail, or None when it agrees."""
    extra = sorted(numbers(sentence) - numbers(passage))
    if extra:
        return f"the number {extra[0]} is not in the cited passage"
    dates = sorted(set(CALENDAR.findall(sentence)) - set(CALENDAR.findall(passage)))
    if dates:
        return f"the date '{dates[0]}' is not in the cited passage"
    have = bodies(passage)
    missing = sorted(b for b in bodies(sentence) if b not in have and not _mentions(passage, b))
    if missing:
        return f"it names {missing[0]}, which the cited passage doesn't"
    if closest_segment is not None and negated(sentence) != negated(closest_segment):
        said = "says not" if negated(sentence) else "drops the negation"
        return f"it {said}, unlike the passage's closest sentence"
    return None
