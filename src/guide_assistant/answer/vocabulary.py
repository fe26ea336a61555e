"""Whether a text says a word: stems match, and so do derivations the stemmer keeps apart."""

from __future__ import annotations

import re
from collections.abc import Iterable, Set

DERIVED_MIN = 5  # shorter stems share their start by chance ('care', 'career')
# A number written onto a short letter prefix: 's75' for 'section 75', 'b6' for 'band 6'.
NUMBERED = re.compile(r"([a-z]{1,3})\.?(\d+)")


def says(stems: Iterable[str], said: Set[str]) -> bool:
    """Whether ``said`` (a text's stems) has any of ``stems``, or a derivation of one
    ('registered' and 'registration' stem to 'regist' and 'registr'), or the same number
    ('section 75' and 's75')."""
    for stem in stems:
        if stem in said:
            return True
        if stem.isdigit() and any(_number_of(s) == stem for s in said):
            return True
        if (match := NUMBERED.fullmatch(stem)) and _spelled_out(match, said):
            return True
        if len(stem) >= DERIVED_MIN and any(
            len(s) >= DERIVED_MIN and (s.startswith(stem) or stem.startswith(s)) for s in said
        ):
            return True
    return False


def _number_of(stem: str) -> str | None:
    """The number of a numbered short form ('s75' -> '75'), else None."""
    match = NUMBERED.fullmatch(stem)
    return match.group(2) if match else None


def _spelled_out(short: re.Match[str], said: Set[str]) -> bool:
    """'s75' written out: its number, and a word that starts as it does ('section')."""
    prefix, number = short.groups()
    return number in said and any(s.startswith(prefix) and not s.isdigit() for s in said)
