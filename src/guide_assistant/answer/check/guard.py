"""The guard of the llm mode: the model's reply split into sentences, and only the sentences
the support checker finds in the passages they cite are kept.

A sentence is shown only when it cites at least one passage, every passage it cites was given
(an out-of-range ``[n]`` makes it unsupported), the learned support model finds it said by those
passages, and they agree on numbers, dates, named bodies and negation (``support.Checker``). The
rest are recorded, with the reason, and never shown.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

from guide_assistant.answer.check import support
from guide_assistant.models import DroppedSentence, Passage

GROUPED = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)+)\]")  # "[1, 3]" -> "[1][3]"
MARKER = re.compile(r"\[(\d+)\]")
BULLET = re.compile(r"^(?:[-*•]|\d+[.)])\s+")
ENDS = re.compile(r"[.!?][\"'”’)]*$")
BOUNDARY = frozenset(".!?\"'”’)]:\n")  # what a sentence may end on, or after
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

    def line(self, marks: list[int] | None = None) -> str:
        """The sentence as shown: its text, its markers (``marks``: renumbered ones) once each,
        and '- ' before a list item."""
        cites = "".join(f"[{n}]" for n in dict.fromkeys(marks or self.sentence.markers))
        shown = f"{self.sentence.text} {cites}".rstrip()
        return f"- {shown}" if self.sentence.item else shown


@dataclass
class Guarded:
    generated: int
    kept: list[Kept] = field(default_factory=list)
    dropped: list[DroppedSentence] = field(default_factory=list)
    judged_ms: list[float] = field(default_factory=list)  # per sentence, for the benchmark

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


def judge(sentence: Written, passages: list[Passage], checker: support.Checker) -> support.Support:
    """Whether one sentence may be shown, given the passages numbered 1..len(passages)."""
    if not sentence.markers:
        return support.Support(ok=False, reason="it cites no passage")
    wrong = sorted({n for n in sentence.markers if not 1 <= n <= len(passages)})
    if wrong:
        return support.Support(
            ok=False, reason=f"it cites [{wrong[0]}], but only [1]-[{len(passages)}] were given"
        )
    cited = [passages[n - 1].text for n in dict.fromkeys(sentence.markers)]
    return checker.verify(sentence.text, cited)


class SentenceGuard:
    """The guard fed a reply as it arrives: each sentence is judged once it is complete (a
    later one has begun, or the reply has ended), in order, so a streamed answer shows each
    sentence as soon as it passes and never one that didn't. ``guard`` is this, fed at once.

    A line ending in ':' may introduce a list; it waits until the next sentence is complete, so
    whether it is a lead-in (judged with each item) or a sentence of its own is known.
    """

    def __init__(self, passages: list[Passage], checker: support.Checker) -> None:
        self.passages, self.checker = passages, checker
        self.text = ""
        self.result = Guarded(generated=0)
        self.seconds = 0.0  # time spent judging
        self._done = 0  # sentences of the reply judged (or set aside as lead-ins)
        self._shown_leads: set[int] = set()  # their positions
        self._armed = False  # a sentence may be about to complete (see ``_arm``)

    def feed(self, piece: str) -> list[Kept]:
        """Add ``piece`` to the reply; the sentences it completed that passed, in order."""
        before, self.text = self.text, self.text + piece
        # A sentence ends only after closing punctuation, a marker or a line break (see
        # ``split``): without one near the new text, nothing can have been completed.
        kept = before.rstrip()
        near = kept[-1:] + before[len(kept) :] + piece
        if not self._armed and not BOUNDARY.intersection(near):
            return []
        return self._judge(final=False)

    def _arm(self, sentences: list[Written]) -> None:
        """Whether the next pieces may complete the last sentence: it may have ended (a stop
        or a marker in it), or its line has (the next line has no word yet)."""
        last = sentences[-1] if sentences else None
        line = self.text.rsplit("\n", 1)[-1]
        self._armed = last is not None and (
            bool(last.markers)
            or bool(BOUNDARY.intersection(last.text[-1:]))
            or not re.search(r"\w", line)
        )

    def finish(self) -> list[Kept]:
        """The reply is complete: its last sentences, judged."""
        return self._judge(final=True)

    def _judge(self, final: bool) -> list[Kept]:
        began = time.perf_counter()
        sentences = split(self.text)
        complete = len(sentences) if final else len(sentences) - 1
        at = {id(s): i for i, s in enumerate(sentences)}
        passed: list[Kept] = []
        while self._done < complete:
            i, sentence = self._done, sentences[self._done]
            waits = sentence.text.endswith(":") and not sentence.item and not final
            if waits and i + 1 >= complete:
                break  # a lead-in or not: its next sentence decides
            self._done += 1
            if i + 1 < len(sentences) and sentences[i + 1].lead_in is sentence:
                continue  # a lead-in: judged with each of its items
            self.result.generated += 1
            started = time.perf_counter()
            verdict = judge(_claim(sentence), self.passages, self.checker)
            self.result.judged_ms.append((time.perf_counter() - started) * 1000)
            if not verdict.ok:
                reason = verdict.reason or "not supported by the cited passage"
                self.result.dropped.append(DroppedSentence(text=sentence.text, reason=reason))
                continue
            lead = sentence.lead_in
            if lead is not None and at[id(lead)] not in self._shown_leads:
                self._shown_leads.add(at[id(lead)])
                passed.append(Kept(Written(lead.text, []), None, lead_in=True))
            passed.append(Kept(sentence, verdict.evidence))
        self.result.kept += passed
        self._arm(sentences)
        self.seconds += time.perf_counter() - began
        return passed


def guard(reply: str, passages: list[Passage], checker: support.Checker) -> Guarded:
    """The reply's sentences, sorted into kept and dropped (with reasons). A lead-in is judged
    with each of its items, and shown before the first item that passes."""
    guarding = SentenceGuard(passages, checker)
    guarding.feed(reply)
    guarding.finish()
    return guarding.result
