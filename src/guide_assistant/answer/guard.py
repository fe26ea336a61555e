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
    lead_in: Written | None = None  # for a list item: the line introducing its list


@dataclass
class Kept:
    """A sentence that passed, with the passage sentence backing it (verbatim)."""

    sentence: Written
    evidence: str | None
    lead_in: bool = False  # shown to introduce its items, not counted as a sentence


@dataclass
class Guarded:
    generated: int
    kept: list[Kept] = field(default_factory=list)
    dropped: list[DroppedSentence] = field(default_factory=list)

    @property
    def shown(self) -> int:
        return sum(not k.lead_in for k in self.kept)


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
    return _with_lead_ins(out)


def _with_lead_ins(sentences: list[Written]) -> list[Written]:
    """Each list item knows the line introducing it ('Employers should:'), if any."""
    lead: Written | None = None
    for s in sentences:
        if s.item:
            s.lead_in = lead
        else:
            lead = s if s.text.endswith(":") else None
    return sentences


def _claim(sentence: Written) -> Written:
    """What a sentence claims: a list item, read with its lead-in ('Employers should provide
    supervision'), citing what either cites."""
    if sentence.lead_in is None:
        return sentence
    lead = sentence.lead_in
    text = f"{lead.text.rstrip(':').rstrip()} {sentence.text}"
    return Written(text=text, markers=[*sentence.markers, *lead.markers], item=True)


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
    """The reply's sentences, sorted into kept and dropped (with reasons). A lead-in is judged
    with each of its items, and shown before the first item that passes."""
    sentences = split(reply)
    leads = {id(s.lead_in) for s in sentences if s.lead_in is not None}
    result = Guarded(generated=sum(id(s) not in leads for s in sentences))
    shown_leads: set[int] = set()
    for sentence in sentences:
        if id(sentence) in leads:
            continue
        verdict = judge(_claim(sentence), passages, min_overlap)
        if verdict.ok:
            lead = sentence.lead_in
            if lead is not None and id(lead) not in shown_leads:
                shown_leads.add(id(lead))
                result.kept.append(Kept(Written(lead.text, []), None, lead_in=True))
            result.kept.append(Kept(sentence, verdict.evidence))
        else:
            reason = verdict.reason or "not supported by the cited passage"
            result.dropped.append(DroppedSentence(text=sentence.text, reason=reason))
    return result
