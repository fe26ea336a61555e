"""Whether a text says a word: stems match, and so do derivations the stemmer keeps apart."""

from __future__ import annotations

import re
from collections.abc import Iterable, Set

DERIVED_MIN = 5  # shorter stems share their start by chance ('care', 'career')
# A number written onto a short letter prefix: 's75' for 'section 75', 'b6' for 'band 6'.
NUMBERED = re.compile(r"([a-z]{1,3})(\d+)")


def says(stems: Iterable[str], said: Set[str]) -> bool:
    """Whether ``said`` (a text's stems) has any of ``stems``, or a derivation of one
    ('registered' and 'registration' stem to 'regist' and 'registr'), or a number written
    onto a short prefix ('section 75' is said by 's75'; not the other way: any word starting
    with 's' beside a 75 would do)."""
    for stem in stems:
        if stem in said:
            return True
        if stem.isdigit() and any(_number_of(s) == stem for s in said):
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
