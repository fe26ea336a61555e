"""Does a written sentence agree with the passage it cites? The details a paraphrase must keep:
numbers, dates, named bodies and negation.

These are the guard's hard checks, beside the learned support model (``entailment.py``): a
sentence that gives a number, date or name the passage doesn't, or flips its negation, is never
shown, whatever the model says. Named bodies are kinds of organisation in plain English, acronyms
and multi-word proper names; an acronym and the words whose initials spell it name the same body
("LA", "local authority"), so nothing here is keyed to one document's wording. A duty moved from
one body to another in plain words ("the trust" for "the local authority") is the model's to judge.
"""

from __future__ import annotations

import re
from functools import lru_cache

from guide_assistant.text import NUMBER_WORDS, content_stems, normalise

NEGATION = re.compile(r"\b(?:not|no|never|none|nor|neither|cannot|without)\b|n['’]t\b", re.I)
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
# The word "one" is left out: paraphrases use it as a pronoun or an article ("one way social
# work does this", "loyal to one employer", "One example is"), and on the training pairs' dev
# passages it vetoed more faithful sentences than it caught; a count changed to "one" is the
# support model's to catch, as other changes of wording are.
COUNT_WORDS = [w for w in NUMBER_WORDS if w != "one"]
NUMBER_WORD = re.compile(r"\b(" + "|".join(COUNT_WORDS) + r")\b(?! of\b)", re.I)
# "seventeen thousand" and "17 thousand" state the figure "17,000".
MAGNITUDE = re.compile(r"\b(\d+)\s+(thousand|million)\b", re.I)
SCALE = {"thousand": "000", "million": "000000"}
CALENDAR = re.compile(
    r"\b(?:January|February|March|April|May|June|July|August|September|October|November|"
    r"December|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b"
)
# Kinds of organisation in plain English, beside the register's actors ("universities must…").
ORGANISATIONS = re.compile(
    r"\b(universit(?:y|ies)|colleges?|schools?|charit(?:y|ies)|government|departments?|"
    r"regulators?|unions?|courts?|police|hospitals?|GPs?)\b",
    re.I,
)
ACRONYM = re.compile(r"\b[A-Z][A-Z0-9]{1,7}(?=s?\b)")
CAPITALISED = re.compile(r"\b[A-Z][a-z]+(?:\s+(?:of|and|for|the)?\s*[A-Z][a-z]+)+")
SMALL_WORDS = frozenset({"of", "and", "for", "the", "in", "on", "to"})
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
    figures = NUMBER_WORD.sub(lambda m: NUMBER_WORDS[m.group(1).lower()], text)
    return MAGNITUDE.sub(lambda m: m.group(1) + SCALE[m.group(2).lower()], figures)


def numbers(text: str) -> set[str]:
    """Numbers in figures or words, as figures: '18', 'eighteen' -> '18'."""
    return {n.replace(",", "") for n in NUMBER.findall(numerals(text))}


def bodies(text: str) -> set[str]:
    """Named bodies: kinds of organisation, acronyms, and proper names of two or more words."""
    found = {re.sub(r"ies$", "y", m.lower()).rstrip("s") for m in ORGANISATIONS.findall(text)}
    found |= set(ACRONYM.findall(text))
    for match in CAPITALISED.finditer(text):
        name = match.group(0)
        if match.start() == 0 or text[: match.start()].rstrip().endswith((".", ":", "-")):
            name = name.split(maxsplit=1)[1] if " " in name else ""  # sentence-initial word
            name = re.sub(r"^(?:of|and|for|the)\s+", "", name)  # "Developing the Think Ahead"
        if len(name.split()) >= 2:
            found.add(normalise(name))
    return found


@lru_cache(maxsize=256)  # per passage: a guarded answer checks each passage many times
def _initials(text: str) -> frozenset[str]:
    """The initials of every run of two to six words, with and without the small words
    ('Department of Health' -> 'doh', 'dh')."""
    words = re.findall(r"[A-Za-z]+", text.lower())
    out: set[str] = set()
    for size in range(2, 7):
        for i in range(len(words) - size + 1):
            run = words[i : i + size]
            out.add("".join(w[0] for w in run))
            out.add("".join(w[0] for w in run if w not in SMALL_WORDS))
    return frozenset(out)


def _mentions(passage: str, body: str) -> bool:
    """An acronym as a word (plural allowed) or spelt out; a name, or its acronym."""
    if body.isupper():
        return re.search(
            rf"\b{re.escape(body)}s?\b", passage
        ) is not None or body.lower() in _initials(passage)
    words = [w for w in body.split() if w not in SMALL_WORDS]
    short = "".join(w[0] for w in words).upper()
    text = normalise(passage)
    if body in text or re.search(rf"\b{short}s?\b", passage) is not None:
        return True
    # Names listed in another order or form ("Allen, Linde, Carr and Sewell" for "Carr S and
    # Sewell H"): every word of the name is in the passage.
    have = set(re.findall(r"[a-z]+", text))
    return all(w in have for w in words)


def negated(text: str) -> set[str]:
    """What a text denies: the first content word after each negation ('should not be
    cancelled' -> {'cancel'}; 'nothing to quote' has none)."""
    denied: set[str] = set()
    for match in NEGATION.finditer(text):
        after = content_stems(" ".join(text[match.end() :].split()[:4]))
        denied |= set(after[:1])
    return denied


def flipped(sentence: str, segment: str) -> str | None:
    """A negation the sentence adds to, or drops from, what the segment says. A sentence may
    leave out a negated part of the segment ('… so that they do not create an imbalance'),
    but not assert it; and it may add no negation of its own."""
    said, meant = negated(sentence), negated(segment)
    if NEGATION.search(sentence) and (
        not NEGATION.search(segment) or (said - meant) & set(content_stems(segment))
    ):
        return "says not"
    if (meant - said) & set(content_stems(sentence)):
        return "drops the negation"
    return None


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
    said = flipped(sentence, closest_segment) if closest_segment is not None else None
    if said:
        return f"it {said}, unlike the passage's closest sentence"
    return None
