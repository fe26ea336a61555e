"""The golden test split in llm mode against a scripted model, in every ``make test``: a real
OpenAI-compatible server on 127.0.0.1 that answers from the passages it is given, the way a
model might: one sentence copied, one reworded lightly, one invention and, where a passage
gives a figure, that sentence with the figure changed. Asserted:

- faithful sentences are shown (the guard must not drop what the passages say);
- no invention and no changed figure is ever shown;
- an out-of-scope question is refused in llm mode whenever it is in extractive mode.
"""

from __future__ import annotations

import re

import pytest

from guide_assistant.answer.write.prompting import REFUSAL
from guide_assistant.evaluation import metrics as evaluation
from tests.llm_servers import Recorded, Reply, scripted_server
from tests.test_llm_mode import in_llm_mode

INVENTED = "Every social worker is entitled to a lease car from their first day"
SENTENCE = re.compile(r"[^.!?]*[A-Za-z][^.!?]{30,}[.!?]")
CHANGED = "Notably, "  # opens the sentence whose figure was changed
FIGURE = re.compile(r"\b(\d{2,})\b")
# Faithful sentences shown (copied or lightly reworded): 0.641 over the 196 answers written on
# test under the learned guard (issue #25; 0.685 under the word-overlap check it replaced, which
# the lightly reworded sentence suits); the floor is about one answer's sentences below.
MIN_FAITHFUL_SHOWN = 0.63


def reply_for(body: dict) -> Reply:
    passages = Recorded("", {}, body).passages()
    if not passages:
        return Reply(REFUSAL)
    first = [s.strip() for s in SENTENCE.findall(passages[1].split(": ", 1)[-1])]
    lines = []
    if first:
        lines.append(f"{first[0].rstrip('.')} [1].")
    if len(first) > 1:
        second = first[1][0].lower() + first[1][1:]
        lines.append(f"The guidance also says that {second.rstrip('.')} [1].")
    lines.append(f"{INVENTED} [1].")
    for n, text in passages.items():
        figured = [s.strip() for s in SENTENCE.findall(text) if FIGURE.search(s)]
        if figured:
            changed = FIGURE.sub(lambda m: str(int(m[1]) + 7), figured[0], count=1)
            lines.append(f"{CHANGED}{changed[0].lower()}{changed[1:].rstrip('.')} [{n}].")
            break
    return Reply(" ".join(lines))


@pytest.fixture(scope="module")
def scripted_runs(assistant, golden):
    items = golden["test"]
    with scripted_server(reply_for) as server:
        llm = in_llm_mode(assistant, server.openai_url)
        answers = [(item, llm.ask(item.question, _history(item))) for item in items]
    extractive = {item.id: assistant.ask(item.question, _history(item)) for item in items}
    return answers, extractive


def _history(item: evaluation.GoldenItem) -> list[dict[str, str]]:
    return [{"role": "user", "content": h} for h in item.history]


def test_no_invention_or_changed_figure_is_shown(scripted_runs):
    answers, _ = scripted_runs
    shown = [a.answer for _, a in answers if a.mode == "llm"]
    assert shown, "the scripted model's answers should be shown for some questions"
    assert not [s for s in shown if INVENTED in s or CHANGED in s]
    # A changed figure is a number no cited passage gives, next to words that one does.
    for _, answer in answers:
        if answer.mode != "llm":
            continue
        cited = " ".join(c.text for c in answer.citations)
        for number in FIGURE.findall(answer.answer):
            assert number in cited, (number, answer.answer)


def test_faithful_sentences_are_shown(scripted_runs):
    answers, _ = scripted_runs
    written = [a for _, a in answers if a.verification and a.verification.generated]
    faithful = sum(
        1
        for a in written
        for d in a.verification.dropped
        if INVENTED not in d.text and not d.text.startswith(CHANGED)
    )
    kept = sum(a.verification.shown for a in written)
    share = kept / max(kept + faithful, 1)
    print(f"\nscripted llm mode: {len(written)} answers written, faithful shown {share:.3f}")
    assert share >= MIN_FAITHFUL_SHOWN


def test_out_of_scope_is_refused_as_in_extractive_mode(scripted_runs):
    answers, extractive = scripted_runs
    for item, answer in answers:
        if extractive[item.id].abstained:
            assert answer.abstained, item.id
