"""The guard of the llm mode: the model's reply split into sentences, and only the sentences
the support checker finds in the passages they cite are kept.

A sentence is shown only when it cites at least one passage, every passage it cites was given
(an out-of-range ``[n]`` makes it unsupported), and ``support.verify`` finds it said by those
passages with the same numbers, dates, named bodies and negation. The rest are recorded, with the
reason, and never shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from guide_assistant.answer import support
from guide_assistant.models import DroppedSentence, Passage

GROUPED = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)+)\]")  # "[1, 3]" -> "[1][3]"
MARKER = re.compile(r"\[(\d+)\]")
BULLET = re.compile(r"^(?:[-*•]|\d+[.)])\s+")
ENDS = re.compile(r"[.!?][\"'”’)]*$")
# Short forms that end in a full stop without ending the sentence.
ABBREVIATIONS = frozenset("e.g. i.e. etc. eg. ie. cf. vs. dr. mr. mrs. ms. no. para. s.".split())


@dataclass
class Written:
    """One sentence of the model's reply, with the passage numbers it cites."""

    text: str
    markers: list[int]
    item: bool = False  # it came from a list line


@dataclass
class Kept:
    """A sentence that passed, with the passage sentence backing it (verbatim)."""

    sentence: Written
    evidence: str | None


@dataclass
class Guarded:
    generated: int
    kept: list[Kept] = field(default_factory=list)
    dropped: list[DroppedSentence] = field(default_factory=list)


def _sentence(tokens: list[str], item: bool) -> Written | None:
    raw = " ".join(tokens)
    markers = [int(n) for n in MARKER.findall(raw)]
    text = re.sub(r"\s+([.,;:!?])", r"\1", MARKER.sub("", raw))
    text = " ".join(text.split())
    if not re.search(r"\w", text):
        return None
    return Written(text=text, markers=markers, item=item)


def _starts_sentence(token: str, previous: str, after_stop: bool) -> bool:
    if after_stop:
        return not token.startswith("[")  # markers after a full stop belong to its sentence
    # "… twice a year [2] Managers should …": a marker, then a capital, starts another.
    return previous.endswith("]") and not token.startswith("[") and token[:1].isupper()


def split(reply: str) -> list[Written]:
    """Sentences and list items of a reply, each with its ``[n]`` markers."""
    out: list[Written] = []
    ungrouped = GROUPED.sub(lambda m: "".join(f"[{n}]" for n in re.split(r"\D+", m[1])), reply)
    for line in ungrouped.splitlines():
        line = line.strip()
        item = bool(BULLET.match(line))
        tokens: list[str] = []
        after_stop = False
        for token in BULLET.sub("", line).split():
            if tokens and _starts_sentence(token, tokens[-1], after_stop):
                out += [s for s in [_sentence(tokens, item)] if s]
                tokens, after_stop = [], False
            tokens.append(token)
            plain = MARKER.sub("", token)
            if plain:
                after_stop = bool(ENDS.search(plain)) and plain.lower() not in ABBREVIATIONS
        if tokens:
            out += [s for s in [_sentence(tokens, item)] if s]
    return out


def judge(sentence: Written, passages: list[Passage], min_overlap: float) -> support.Support:
    """Whether one sentence may be shown, given the passages numbered 1..len(passages)."""
    if not sentence.markers:
        return support.Support(ok=False, reason="it cites no passage")
    wrong = sorted({n for n in sentence.markers if not 1 <= n <= len(passages)})
    if wrong:
        return support.Support(
            ok=False, reason=f"it cites [{wrong[0]}], but only [1]-[{len(passages)}] were given"
        )
    cited = [passages[n - 1].text for n in dict.fromkeys(sentence.markers)]
    return support.verify(sentence.text, cited, min_overlap)


def guard(reply: str, passages: list[Passage], min_overlap: float) -> Guarded:
    """The reply's sentences, sorted into kept and dropped (with reasons)."""
    sentences = split(reply)
    result = Guarded(generated=len(sentences))
    for sentence in sentences:
        verdict = judge(sentence, passages, min_overlap)
        if verdict.ok:
            result.kept.append(Kept(sentence, verdict.evidence))
        else:
            reason = verdict.reason or "not supported by the cited passage"
            result.dropped.append(DroppedSentence(text=sentence.text, reason=reason))
    return result
