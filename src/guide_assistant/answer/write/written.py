"""The compose stage, written (llm mode): the model answers from the retrieved passages, then
the guard keeps only the sentences their cited passages support.

It reuses the extractive pipeline's question, retrieval and abstention: it is asked only when
the extractive answer would be given, and that answer is what users get, with a one-line note,
whenever the written one can't be trusted (the server down, slow or talking junk; too few
sentences passing the guard). The refusal token abstains exactly as the extractive mode does.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from llama_index.core.base.llms.types import ChatMessage as LlamaMessage

from guide_assistant.answer.check import support
from guide_assistant.answer.check.guard import Guarded, Kept, guard
from guide_assistant.answer.compose.extractive import Composer
from guide_assistant.answer.compose.layout import layout
from guide_assistant.answer.question.questions import Question
from guide_assistant.answer.retrieve.retrieval import Retrieved
from guide_assistant.answer.write import prompting
from guide_assistant.llm.client import ChatModel, LLMFailure
from guide_assistant.models import Answer, ChatMessage, Citation, Passage, Verification
from guide_assistant.settings import Settings

# The one-line notes shown above the extractive answer when the written one is not.
UNVERIFIED = (
    "The written answer couldn't be verified against the sources ({why}), "
    "so the guidance is quoted instead."
)
UNAVAILABLE = "The model couldn't write an answer ({why}), so the guidance is quoted instead."


class Writer:
    """Writes answers with the configured model and guards every sentence."""

    def __init__(self, settings: Settings, composer: Composer, model: ChatModel | None = None):
        self.settings = settings
        self.composer = composer
        self.model = model or ChatModel(settings)
        self._prompts: prompting.Prompts | None = None
        self.checker = support.Checker(settings.llm_support_threshold)

    def prompts(self) -> prompting.Prompts:
        if self._prompts is None:
            try:
                self._prompts = prompting.Prompts.load(self.settings.prompts_dir)
            except prompting.PromptsMissing as exc:
                raise LLMFailure(str(exc)) from None
        return self._prompts

    def deadline(self) -> float:
        """When the model calls of one answer (condense and write) must be done by."""
        return self.model.deadline()

    def condense(
        self,
        question: Question,
        history: Sequence[ChatMessage | dict[str, str]] | None,
        until: float | None = None,
    ) -> Question:
        """A follow-up rewritten by the model as a standalone query (the rule-made query is
        kept when the model fails or says something unusable)."""
        turns = [m if isinstance(m, ChatMessage) else ChatMessage(**m) for m in history or []]
        if not question.follow_up or not turns:
            return question
        try:
            prompt = prompting.condense_prompt(self.prompts(), question.text, turns, self.settings)
            reply = self.model.chat(prompting.as_user(prompt), until).strip()
        except LLMFailure:
            return question
        line = " ".join(reply.split())
        if not line or prompting.REFUSAL in line or len(line) > self.settings.max_question_chars:
            return question
        return question.model_copy(update={"query": line, "keywords": line})

    def write(
        self, question: Question, found: Retrieved, extractive: Answer, until: float | None = None
    ) -> Answer:
        """The written answer, or the extractive one with a note saying why not."""
        if extractive.abstained:
            return extractive
        began = time.perf_counter()
        answer = self._write(question, found, extractive, until)
        waited = round((time.perf_counter() - began) * 1000, 2)
        answer.timings_ms = {**answer.timings_ms, "llm": waited}
        return answer

    def request(
        self, question: Question, found: Retrieved
    ) -> tuple[list[Passage], list[LlamaMessage]]:
        """The passages that fit the context window, and the chat messages asking for the
        answer from them; raises ``LLMFailure`` when the prompts are missing."""
        prompts = self.prompts()
        room = prompting.budget_chars(
            self.settings, prompting.template_chars(prompts, question.text)
        )
        passages = prompting.fit_passages([h.passage for h in found.hits], room)
        readable = [self.composer.for_model(p) for p in passages]
        return passages, prompting.answer_messages(prompts, question.text, readable)

    def _write(
        self, question: Question, found: Retrieved, extractive: Answer, until: float | None
    ) -> Answer:
        try:
            passages, messages = self.request(question, found)
            reply = self.model.chat(messages, until)
        except LLMFailure as exc:
            return self.fallback(extractive, UNAVAILABLE.format(why=exc), Verification())
        if prompting.REFUSAL in reply:
            return self.refusal(question, found, extractive)
        # Checked against what the model was given: a sentence whose only support is a
        # withheld (planted or suspicious) sentence is not supported.
        readable = [self.composer.for_model(p) for p in passages]
        guarded = guard(reply, readable, self.checker)
        return self._guarded(question, found, extractive, guarded, passages)

    def _guarded(
        self,
        question: Question,
        found: Retrieved,
        extractive: Answer,
        guarded: Guarded,
        passages: list[Passage],
    ) -> Answer:
        kept, total = guarded.shown, guarded.generated
        verification = Verification(generated=total, shown=kept, dropped=guarded.dropped)
        if kept == 0:
            why = f"none of its {total} sentences passed" if total else "the model wrote nothing"
            return self.fallback(extractive, UNVERIFIED.format(why=why), verification)
        if kept / total < self.settings.llm_min_shown_share:
            why = f"only {kept} of its {total} sentences passed"
            return self.fallback(extractive, UNVERIFIED.format(why=why), verification)
        answer = self._cited(question, found, guarded, passages)
        answer.verification = verification
        answer.route, answer.retrieved = extractive.route, extractive.retrieved
        return answer

    def _cited(
        self, question: Question, found: Retrieved, guarded: Guarded, passages: list[Passage]
    ) -> Answer:
        """The kept sentences, their markers renumbered 1.. in order of first citation."""
        numbers: dict[int, int] = {}
        quotes = evidence_quotes(guarded.kept, [p.text for p in passages])
        lines = []
        for kept in guarded.kept:
            marks = [numbers.setdefault(n, len(numbers) + 1) for n in kept.sentence.markers]
            lines.append(kept.line(marks))
        scores = {h.passage.id: h.score for h in found.hits}
        citations: list[Citation] = [
            self.composer.citation(
                new, passages[old - 1], scores.get(passages[old - 1].id, 0.0), quotes.get(old, [])
            )
            for old, new in numbers.items()
        ]
        return Answer(
            question=question.text,
            answer=layout(lines),
            citations=citations,
            resources=self.composer.linked_resources(citations),
            query=question.query,
            mode="llm",
            model=self.model.name,
        )

    def refusal(self, question: Question, found: Retrieved, extractive: Answer) -> Answer:
        """The model says the passages don't answer it: abstain, with the related passages."""
        answer = self.composer.abstention(
            question, found.hits, "the model found no answer to it in the passages"
        )
        answer.route, answer.retrieved = extractive.route, extractive.retrieved
        answer.mode, answer.model = "llm", self.model.name
        answer.verification = Verification()
        return answer

    def fallback(self, extractive: Answer, note: str, verification: Verification) -> Answer:
        verification.fell_back = True
        verification.fallback_reason = note
        return extractive.model_copy(
            update={"mode": "extractive", "note": note, "verification": verification}
        )


def evidence_quotes(kept: Sequence[Kept], texts: Sequence[str]) -> dict[int, list[str]]:
    """Each cited passage's sentences that back the kept sentences citing it (``texts``: the
    passages' texts, marker n at n - 1), each once, to highlight under its citation."""
    quotes: dict[int, list[str]] = {}
    for k in kept:
        for n in dict.fromkeys(k.sentence.markers):
            if k.evidence and k.evidence in texts[n - 1] and k.evidence not in quotes.get(n, []):
                quotes.setdefault(n, []).append(k.evidence)
    return quotes
