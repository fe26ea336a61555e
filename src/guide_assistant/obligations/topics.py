"""The register's topic tags, derived from the editions themselves: no list of topics is
written by hand, so a new edition brings its own.

A topic is a theme the editions' section headings return to: a word in at least
``MIN_HEADINGS`` headings that is not everyday English (at most ``MAX_ZIPF`` on wordfreq's
scale: "work", "people", "using" say nothing of a theme) and not a verb that opens action
points ("Enable…", "Embed…"), or a short form the documents define ("AMHP", which also stands
for its spelled-out phrase). It is kept when it groups duties (at least ``MIN_ENTRIES`` say
it) and sorts them (at most ``MAX_SHARE`` do: "social", "ensure" and "consideration" are
said by nearly every duty). A duty carries a topic when its text, its lead-in or its own
heading says it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

from guide_assistant.models import SECTION_SEP
from guide_assistant.obligations.rules import IMPERATIVE_VERBS
from guide_assistant.obligations.terms import Phrases, phrases, stems
from guide_assistant.text import zipf

MIN_HEADINGS = 2
MAX_ZIPF = 4.8
MIN_ENTRIES = 3
MAX_SHARE = 0.15
SURFACE = re.compile(r"[A-Za-z][A-Za-z'’-]*")


def said(text: str, lead_in: str, section: str, known: Phrases) -> set[str]:
    """The terms a duty says: in its text, its lead-in and its own (last) heading."""
    heading = section.split(SECTION_SEP)[-1]
    return set(stems(f"{text}\n{lead_in}\n{heading}", known))


def vocabulary(
    headings: Iterable[str], duties: Sequence[set[str]], glossary: dict[str, str]
) -> dict[str, str]:
    """The topics: stem → label, from the headings' terms and the terms each duty says."""
    known = phrases(glossary)
    shorts = _short_labels(glossary)
    heading_list = list(headings)
    labels = {**_labels(heading_list), **shorts}
    in_headings = Counter(s for h in heading_list for s in set(stems(h, known)))
    themes = {
        s
        for s, n in in_headings.items()
        if s in shorts or (n >= MIN_HEADINGS and s in labels and _rare(labels[s]))
    } - set(stems(" ".join(IMPERATIVE_VERBS)))  # "Enable…", "Embed…" headings: actions
    counts = Counter(s for terms in duties for s in terms & themes)
    most = MAX_SHARE * len(duties)
    kept = {s for s, n in counts.items() if MIN_ENTRIES <= n <= most}
    return {s: labels[s] for s in sorted(kept)}


def _rare(word: str) -> bool:
    """Not everyday English."""
    return zipf(word) <= MAX_ZIPF


def tag(terms: set[str], topics: dict[str, str]) -> list[str]:
    """The topics a duty carries, in the vocabulary's order."""
    return [label for stem, label in topics.items() if stem in terms]


def names(tags: Iterable[list[str]]) -> list[str]:
    """The topics some duties carry, the most common first (the register's topic filter)."""
    return [t for t, _ in Counter(t for carried in tags for t in carried).most_common()]


def _short_labels(glossary: dict[str, str]) -> dict[str, str]:
    """A defined short form's stem → the short form as written ('amhp' → 'AMHP')."""
    out: dict[str, str] = {}
    for short in glossary:
        found = stems(short)
        if found:
            out[found[0]] = short.upper()
    return out


def _labels(headings: list[str]) -> dict[str, str]:
    """Each heading term's stem → the word the headings most often write for it, in lower
    case (a stem is no label: 'supervis' reads as 'supervision')."""
    forms: dict[str, Counter[str]] = {}
    for heading in headings:
        for word in SURFACE.findall(heading):
            low = word.lower()
            for s in stems(low):
                forms.setdefault(s, Counter())[low] += 1
    return {s: c.most_common(1)[0][0] for s, c in forms.items()}
