"""The written answer, streamed (llm mode): the sources first, then each sentence as soon as
the guard has passed it, then the final ``Answer``. Nothing shown is ever taken back.

Falling back while streaming. ``Writer.write`` shows the extractive answer instead of the written
one when too little of it passes the guard (none of it, or less than ``llm_min_shown_share`` of
its sentences). That share is known only once the reply has ended, and holding every sentence
back until then would not be streaming. So what happens depends on what the user has seen:

- nothing shown yet (the server failed before a sentence passed, or none passed): the extractive
  answer is shown with the same one-line note as ``ask`` gives. Nothing was on screen to retract.
- sentences shown, then too few of the rest passed, or the stream broke, stalled or ran past
  the deadline: the shown sentences stay, and the extractive answer follows them under a
  one-line note saying why.

This is what a user would find honest. Every sentence on screen was checked against the
passage it cites, so nothing false has to be retracted. Replacing sentences someone has read
would make them wonder which version to believe. Appending says plainly that the written part
is incomplete, and still gives them the quoted guidance they would otherwise have got.
A stream that breaks mid-way is treated the same way: reading a cut-off reply as a short
answer would hide that it was cut off.

Numbering: sentences cite the passages as numbered in the prompt. The sources event lists
exactly those passages before the first sentence, so a marker on screen never changes meaning.
The final answer keeps those numbers, listing only the passages that were cited. That differs
from ``Writer.write``, which renumbers them 1.. because nothing was on screen before it.
"""

from __future__ import annotations

import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field

from llama_index.core.base.llms.types import ChatMessage as LlamaMessage

from guide_assistant.answer.check.guard import MARKER, Kept, SentenceGuard
from guide_assistant.answer.compose.layout import layout
from guide_assistant.answer.question.questions import Question
from guide_assistant.answer.retrieve.retrieval import Retrieved
from guide_assistant.answer.write import prompting
from guide_assistant.answer.write.events import SentenceShown, SourcesReady, StreamEvent
from guide_assistant.answer.write.written import UNAVAILABLE, UNVERIFIED, Writer, evidence_quotes
from guide_assistant.llm import streaming
from guide_assistant.llm.client import LLMFailure
from guide_assistant.models import Answer, Citation, Verification

# The one-line notes above the extractive answer appended after written sentences.
PARTIAL = (
    "Only {kept} of the written answer's {total} sentences could be verified against the "
    "sources, so the guidance is quoted below as well."
)
CUT_OFF = (
    "The rest of the written answer couldn't be read ({why}), so the guidance is quoted below."
)


@dataclass
class _Progress:
    """What one streamed reply has done so far."""

    guarding: SentenceGuard
    began: float
    lines: list[str] = field(default_factory=list)  # shown, in order
    failure: LLMFailure | None = None
    refused: bool = False
    first_ms: float | None = None


def _ms(since: float) -> float:
    return round((time.perf_counter() - since) * 1000, 2)


def write_stream(
    writer: Writer,
    question: Question,
    found: Retrieved,
    extractive: Answer,
    until: float | None = None,
) -> Generator[StreamEvent, None, Answer]:
    """Yields the sources and each verified sentence; returns the final answer."""
    if extractive.abstained:
        return extractive
    began = time.perf_counter()
    try:
        passages, messages = writer.request(question, found)
    except LLMFailure as exc:
        return writer.fallback(extractive, UNAVAILABLE.format(why=exc), Verification())
    scores = {h.passage.id: h.score for h in found.hits}
    given = [
        writer.composer.citation(i, p, scores.get(p.id, 0.0), []) for i, p in enumerate(passages, 1)
    ]
    yield SourcesReady(citations=given)
    readable = [writer.composer.for_model(p) for p in passages]  # as the model read them
    progress = _Progress(SentenceGuard(readable, writer.checker), began)
    yield from _read(writer, messages, until, progress)
    answer = _decide(writer, question, found, extractive, progress, given)
    timings = {"llm": _ms(began), "guard": round(progress.guarding.seconds * 1000, 2)}
    if progress.first_ms is not None:
        timings["first_sentence"] = progress.first_ms
    answer.timings_ms = {**answer.timings_ms, **timings}
    return answer


def _read(
    writer: Writer, messages: list[LlamaMessage], until: float | None, progress: _Progress
) -> Iterator[SentenceShown]:
    """Feed the stream to the guard, showing what passes; a failure ends it, recorded."""
    pieces = streaming.stream(writer.model, messages, until)
    try:
        for piece in pieces:
            passed = progress.guarding.feed(piece)
            if not progress.lines and prompting.REFUSAL in progress.guarding.text:
                progress.refused = True  # before anything was shown: abstain
                return
            yield from _show(progress, passed)
        yield from _show(progress, progress.guarding.finish())
    except LLMFailure as exc:
        progress.failure = exc
    finally:
        pieces.close()  # stops the reader thread


def _show(progress: _Progress, passed: list[Kept]) -> Iterator[SentenceShown]:
    for kept in passed:
        progress.lines.append(kept.line())
        if progress.first_ms is None:
            progress.first_ms = _ms(progress.began)
        yield SentenceShown(text=progress.lines[-1])


def _decide(
    writer: Writer,
    question: Question,
    found: Retrieved,
    extractive: Answer,
    progress: _Progress,
    given: list[Citation],
) -> Answer:
    """The final answer, given what was shown (see the module's docstring)."""
    result = progress.guarding.result
    verification = Verification(
        generated=result.generated, shown=result.shown, dropped=result.dropped
    )
    if progress.refused:
        return writer.refusal(question, found, extractive)
    if not progress.lines:
        if progress.failure is not None:
            note = UNAVAILABLE.format(why=progress.failure)
        elif result.generated:
            note = UNVERIFIED.format(why=f"none of its {result.generated} sentences passed")
        else:
            note = UNVERIFIED.format(why="the model wrote nothing")
        return writer.fallback(extractive, note, verification)
    written = _written(writer, question, progress, given)
    written.route, written.retrieved = extractive.route, extractive.retrieved
    written.verification = verification
    if progress.failure is not None:
        note = CUT_OFF.format(why=progress.failure)
    elif result.shown / result.generated < writer.settings.llm_min_shown_share:
        note = PARTIAL.format(kept=result.shown, total=result.generated)
    else:
        return written
    return _appended(writer, written, extractive, note, given)


def _written(
    writer: Writer, question: Question, progress: _Progress, given: list[Citation]
) -> Answer:
    """The sentences shown, with the passages they cite (numbered as shown) and the passage
    sentences backing them highlighted."""
    quotes = evidence_quotes(progress.guarding.result.kept, [c.text for c in given])
    cited = sorted({n for k in progress.guarding.result.kept for n in k.sentence.markers})
    citations = [given[n - 1].model_copy(update={"quotes": quotes.get(n, [])}) for n in cited]
    return Answer(
        question=question.text,
        answer=layout(progress.lines),
        citations=citations,
        resources=writer.composer.linked_resources(citations),
        query=question.query,
        mode="llm",
        model=writer.model.name,
    )


def _appended(
    writer: Writer, written: Answer, extractive: Answer, note: str, given: list[Citation]
) -> Answer:
    """The written sentences shown, then the extractive answer, its markers moved into the
    numbering already on screen (a passage the sources listed keeps its number)."""
    verification = written.verification or Verification()
    numbers = {c.passage_id: c.n for c in given}
    top = len(given)
    by_n = {c.n: c for c in written.citations}
    moved: dict[int, int] = {}
    for c in extractive.citations:
        if c.passage_id not in numbers:
            top += 1
            numbers[c.passage_id] = top
        moved[c.n] = new = numbers[c.passage_id]
        if new in by_n:
            extra = [q for q in c.quotes if q not in by_n[new].quotes]
            by_n[new] = by_n[new].model_copy(update={"quotes": [*by_n[new].quotes, *extra]})
        else:
            by_n[new] = c.model_copy(update={"n": new})
    text = MARKER.sub(lambda m: f"[{moved.get(int(m[1]), int(m[1]))}]", extractive.answer)
    citations = [by_n[n] for n in sorted(by_n)]
    verification.fell_back, verification.fallback_reason = True, note
    return extractive.model_copy(
        update={
            "answer": f"{written.answer}\n\n{text}",
            "citations": citations,
            "resources": writer.composer.linked_resources(citations),
            "mode": "extractive",
            "model": writer.model.name,
            "note": note,
            "verification": verification,
        }
    )
