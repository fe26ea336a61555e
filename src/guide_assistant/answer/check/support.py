"""The support checker: is every sentence of an answer backed by the passage it cites?

Two judges of a written sentence, both with the hard checks of ``agreement.py`` (numbers, dates,
named bodies and negation must agree with the passage):

- ``Checker`` (the llm mode's guard, and the evals' model faithfulness): the learned support
  model (``entailment.py``) reads the sentence with its cited passages and says whether they
  say it. It accepts a heavy paraphrase and refuses a near-miss that keeps the passage's words
  but changes a scope, a duty's holder or a "should" into "must".
- ``overlap_verify`` (the evals' word-overlap faithfulness, kept beside it): at least
  ``min_overlap`` of the sentence's content words are in the passage.

A verbatim sentence (extractive answers) is supported by either without a model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pydantic import BaseModel

from guide_assistant.answer.check import agreement, entailment
from guide_assistant.answer.compose import provenance
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


def check(answer: Answer, checker: Checker | None = None) -> SupportReport:
    """Which claims of an answer are backed by the passages their markers point to: written
    (llm) sentences judged by ``checker``'s model, or by word overlap without one."""
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
        if answer.mode == "llm":  # written sentences must also agree with what they cite
            judged = checker.verify if checker else overlap_verify
            ok = bool(cited) and judged(claim.text, cited).ok
        else:
            ok = bool(cited) and any(supported(claim.text, text) for text in cited)
        if ok:
            good += 1
        else:
            unsupported.append(claim.text)
    return SupportReport(
        claims=len(found), supported=good, unsupported=unsupported, bad_markers=sorted(set(bad))
    )


class Support(BaseModel):
    """The verdict on one written sentence: supported or not, why not, and the evidence."""

    ok: bool
    reason: str | None = None
    evidence: str | None = None  # the passage sentence closest to it, verbatim


def _settled(sentence: str, passages: list[str]) -> tuple[str, str | None, Support | None]:
    """What both judges do first: the passages joined, the passage sentence closest to
    ``sentence``, and a verdict when no judging is needed (verbatim; nothing to support)."""
    segments = [seg for text in passages for seg in agreement.segments(text)]
    joined = "\n".join(passages)
    best = agreement.closest(sentence, segments)
    if normalise(sentence) in normalise(joined):
        return joined, best, Support(ok=True, evidence=best)
    if not content_stems(sentence):
        return joined, best, Support(ok=False, reason="it says nothing the passages could support")
    return joined, best, None


def overlap_verify(sentence: str, passages: list[str], min_overlap: float = 0.8) -> Support:
    """Word overlap: whether ``passages`` (taken together) hold ``min_overlap`` of the
    sentence's content words, and agree with it on numbers, dates, named bodies and negation."""
    joined, best, settled = _settled(sentence, passages)
    if settled:
        return settled
    words = content_stems(agreement.numerals(sentence))  # 'eighteen' matches '18'
    if not words:
        return Support(ok=False, reason="it says nothing the passages could support")
    have = set(content_stems(agreement.numerals(joined)))
    share = sum(w in have for w in words) / len(words)
    if share < min_overlap:
        return Support(
            ok=False,
            reason=f"only {share:.0%} of its words are in the cited passage "
            f"(at least {min_overlap:.0%} needed)",
        )
    disagreement = agreement.disagreement(sentence, joined, best)
    if disagreement:
        return Support(ok=False, reason=disagreement, evidence=best)
    return Support(ok=True, evidence=best)


@dataclass
class Checker:
    """The guard's judge: the support model at ``threshold`` (None: its card's, set on dev),
    and the hard checks."""

    threshold: float | None = None
    model: entailment.SupportModel = field(default_factory=entailment.shared)

    @property
    def bar(self) -> float:
        return self.model.threshold if self.threshold is None else self.threshold

    def verify(self, sentence: str, passages: list[str]) -> Support:
        """Whether ``passages`` (the ones it cites) say ``sentence``, and agree with it on
        numbers, dates, named bodies and negation."""
        joined, best, settled = _settled(sentence, passages)
        if settled:
            return settled
        disagreement = agreement.disagreement(sentence, joined, best)
        if disagreement:
            return Support(ok=False, reason=disagreement, evidence=best)
        chance = self.model.probability(sentence, passages)
        if chance < self.bar:
            return Support(
                ok=False,
                reason=f"the support model finds it in the cited passage with "
                f"{chance:.0%} confidence ({self.bar:.0%} needed)",
                evidence=best,
            )
        return Support(ok=True, evidence=best)
