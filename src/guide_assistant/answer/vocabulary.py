"""Whether a text says a word: stems match, and so do derivations the stemmer keeps apart."""

from __future__ import annotations

from collections.abc import Iterable, Set

DERIVED_MIN = 5  # shorter stems share their start by chance ('care', 'career')


def says(stems: Iterable[str], said: Set[str]) -> bool:
    """Whether ``said`` (a text's stems) has any of ``stems``, or a derivation of one
    ('registered' and 'registration' stem to 'regist' and 'registr')."""
    for stem in stems:
        if stem in said:
            return True
        if len(stem) >= DERIVED_MIN and any(
            len(s) >= DERIVED_MIN and (s.startswith(stem) or stem.startswith(s)) for s in said
        ):
            return True
    return False
