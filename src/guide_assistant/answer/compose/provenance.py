"""Provenance in the answer's own words: a local document is quoted apart from the guidance,
under a line naming its file, never run into a sentence of the guidance.

The support checker skips these lines: they frame quotes, they claim nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from guide_assistant.models import Citation

ATTRIBUTION = (
    "Your organisation's document ‘{file}’ says (a local document, not the guidance{note}):"
)
# Added when a quoted local sentence speaks for the guidance ("The guidance requires…").
CLAIM_NOTE = "; what it says about the guidance is its own claim, not the guidance's words"
_FRAMING = re.compile(
    "^"
    + re.escape(ATTRIBUTION)
    .replace(re.escape("{file}"), ".+")
    .replace(re.escape("{note}"), "(?:" + re.escape(CLAIM_NOTE) + ")?")
    + "$"
)
FALLBACK_NOTE = (
    "The national guidance doesn't cover this question. What follows is from your "
    "organisation's own documents, not from the guidance."
)


def attribution(file_name: str, claims_guidance: bool = False) -> str:
    """The line that opens the quotes from one local document (noting, when they speak for
    the guidance, that this is the document's claim)."""
    return ATTRIBUTION.format(file=file_name, note=CLAIM_NOTE if claims_guidance else "")


def is_framing(line: str) -> bool:
    """True for an attribution line or the fallback note (framing, not a claim to check)."""
    line = line.strip()
    return bool(_FRAMING.match(line)) or line == FALLBACK_NOTE


def guidance_first(rows: list[int], local_source: Callable[[int], str | None]) -> list[list[int]]:
    """``rows`` as blocks: the guidance's rows first, then one block per local document, each
    in the order given. ``local_source`` names a row's local document (None: the guidance)."""
    guidance = [r for r in rows if local_source(r) is None]
    blocks: dict[str, list[int]] = {}
    for row in rows:
        source = local_source(row)
        if source is not None:
            blocks.setdefault(source, []).append(row)
    return [b for b in (guidance, *blocks.values()) if b]


def model_text(citation: Citation) -> str:
    """A cited passage as a generative mode may give it to a model: without the sentences that
    address the assistant (they are shown to people, marked, but never passed on as input)."""
    text = citation.text
    for sentence in citation.withheld:
        text = text.replace(sentence, "")
    return text
