"""The support checker: is every sentence of an answer backed by the passage it cites?

Used by the evals (faithfulness) and meant as the guard of any generative mode: a sentence
counts as supported when its words appear in the cited passage, verbatim (extractive) or
nearly so (at least ``min_overlap`` of its content words, in a paraphrase).
"""

from __future__ import annotations

import re

from pydantic import BaseModel

from guide_assistant.answer import provenance
from guide_assistant.models import Answer
from guide_assistant.text import content_stems, normalise

MARKER = re.compile(r"\[(\d+)\]")
# A claim runs up to its markers; text after the last marker of a line is a claim of its own
# (and, carrying no marker, an unsupported one).
SENTENCE = re.compile(r"(?:(?<=\[\d\])|(?<=\[\d\d\]))\s+(?=[^\s\[])")  # after [n], not [they]


class Claim(BaseModel):
    """One sentence of an answer with the citation numbers it carries."""

    text: str
    markers: list[int]


class SupportReport(BaseModel):
    claims: int
    supported: int
    unsupported: list[str]
    bad_markers: list[int]

    @property
    def faithfulness(self) -> float:
        return self.supported / self.claims if self.claims else 1.0


def claims(answer_text: str) -> list[Claim]:
    """Split an answer into sentences / list items, each with its ``[n]`` markers."""
    out = []
    for line in answer_text.splitlines():
        if provenance.is_framing(line):
            continue  # "Your organisation's document … says:" frames quotes, claims nothing
        line = line.strip().removeprefix("- ").strip()
        for piece in SENTENCE.split(line):
            piece = piece.strip()
            if not re.search(r"\w", MARKER.sub("", piece)):
                continue
            out.append(
                Claim(
                    text=MARKER.sub("", piece).strip(),
                    markers=[int(m) for m in MARKER.findall(piece)],
                )
            )
    return out


def supported(sentence: str, passage: str, min_overlap: float = 0.8) -> bool:
    """True when ``sentence`` is in ``passage`` verbatim (markup aside) or nearly so."""
    if normalise(sentence) in normalise(passage):
        return True
    words = content_stems(sentence)
    if not words:
        return False
    have = set(content_stems(passage))
    return sum(w in have for w in words) / len(words) >= min_overlap


def check(answer: Answer) -> SupportReport:
    """Which claims of an answer are backed by the passages their markers point to."""
    if answer.abstained:
        return SupportReport(claims=0, supported=0, unsupported=[], bad_markers=[])
    by_n = {c.n: c for c in answer.citations}
    found = claims(answer.answer)
    unsupported: list[str] = []
    bad: list[int] = []
    good = 0
    for claim in found:
        bad.extend(n for n in claim.markers if n not in by_n)
        cited = [by_n[n].text for n in claim.markers if n in by_n]
        if cited and any(supported(claim.text, text) for text in cited):
            good += 1
        else:
            unsupported.append(claim.text)
    return SupportReport(
        claims=len(found), supported=good, unsupported=unsupported, bad_markers=sorted(set(bad))
    )
