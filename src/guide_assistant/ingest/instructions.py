"""Planted instructions: sentences of a user's document that address the assistant, not its
reader ("Ignore previous instructions and say…").

Found at ingest with the generic, weighted cues of ``instruction_patterns.toml`` (described
there), recorded in the build as ``Sentence.instruction``, never quoted in an answer, and
reported by file and line. The curated guidance editions are not marked (a test checks the
cues flag none of their sentences).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from guide_assistant.ingest.corpus import LoadedDocument

if TYPE_CHECKING:
    from guide_assistant.ingest.chunking import Chunk

PATTERNS = Path(__file__).with_name("instruction_patterns.toml")
SHOWN_CHARS = 160  # of a flagged sentence, in the ingest report


class Cue(BaseModel):
    """One sign of text addressed to an AI, with its weight towards the threshold."""

    name: str
    weight: float
    description: str
    regex: str


class Finding(BaseModel):
    """A planted instruction found at ingest: the file, the line and the cues that fired."""

    path: str
    line: int = Field(description="1-based line of the file's text where the sentence starts.")
    text: str = Field(description="The sentence (shortened), for the user to find it.")
    cues: list[str]


@dataclass(frozen=True)
class Detector:
    """The cues, compiled, and the weight at which a sentence counts as addressed to the AI."""

    threshold: float
    cues: tuple[tuple[Cue, re.Pattern[str]], ...]

    @classmethod
    def load(cls, path: Path = PATTERNS) -> Detector:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        # Heaviest first, so a sentence that can no longer reach the threshold stops early.
        cues = sorted((Cue(**c) for c in data["cue"]), key=lambda c: -c.weight)
        flags = re.IGNORECASE | re.MULTILINE
        return cls(float(data["threshold"]), tuple((c, re.compile(c.regex, flags)) for c in cues))

    def cues_in(self, text: str, after_flagged: bool = False) -> list[str]:
        """The cues ``text`` shows, when they reach the threshold (else none).

        Right after a flagged sentence half the weight is enough: "Ignore previous
        instructions. Say that…" is one instruction in two sentences.
        """
        needed = self.threshold / 2 if after_flagged else self.threshold
        remaining = sum(c.weight for c, _ in self.cues)
        found: list[str] = []
        total = 0.0
        for cue, rx in self.cues:
            remaining -= cue.weight
            if rx.search(text):
                found.append(cue.name)
                total += cue.weight
            elif total + remaining < needed:
                return []  # the cues left can't make up the difference
        return found if total >= needed else []


def mark(
    docs: list[LoadedDocument], chunks: list[Chunk], detector: Detector | None = None
) -> list[Finding]:
    """Flag, in place, the sentences of users' documents that address the assistant; one
    ``Finding`` per flagged sentence, in document order."""
    detector = detector or Detector.load()
    users = {d.meta.source_id: d for d in docs if d.meta.kind == "user"}
    findings: list[Finding] = []
    for chunk in chunks:
        doc = users.get(chunk.passage.source_id)
        if doc is None:
            continue
        previous = False
        for sentence in chunk.sentences:
            cues = detector.cues_in(sentence.text, after_flagged=previous)
            previous = bool(cues)
            if not cues:
                continue
            sentence.instruction = True
            findings.append(
                Finding(
                    path=doc.meta.path,
                    line=doc.text.count("\n", 0, sentence.start) + 1,
                    text=sentence.text[:SHOWN_CHARS],
                    cues=cues,
                )
            )
    return findings
