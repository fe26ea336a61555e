"""The llm mode streamed (``Assistant.ask_stream``) against real servers on 127.0.0.1 sending
OpenAI server-sent events and Ollama NDJSON a word at a time: what appears, in what order, and
how a stream that breaks, stalls or says too little ends.
"""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

from guide_assistant.answer.check import guard as guarding
from guide_assistant.answer.check import support
from guide_assistant.answer.write.events import AnswerReady, SentenceShown, SourcesReady
from guide_assistant.models import Answer
from tests.llm_servers import Recorded, Reply, scripted_server
from tests.test_llm_mode import ANCHOR, FIRST, MODEL, QUESTION, SECOND, in_llm_mode

INVENTED = "Every AMHP is given a company car by the trust [{n}]."
PROVIDERS = ["openai", "ollama"]


def streaming(*sentences: str, anchor: str = ANCHOR, **reply: Any):
    """A script streaming ``sentences`` ({n}: the passage holding ``anchor``), with ``reply``'s
    delays and breaks."""

    def script(body: dict[str, Any]) -> Reply:
        passages = Recorded("", {}, body).passages()
        n = next((k for k, text in passages.items() if anchor in text), 1)
        return Reply(" ".join(s.format(n=n) for s in sentences), **reply)

    return script


def url(server, provider: str) -> str:
    return server.openai_url if provider == "openai" else server.ollama_url


def run(assistant, script, provider: str = "openai", question: str = QUESTION, **extra: Any):
    """The events of one streamed answer, each with the words the server had sent by then."""
    with scripted_server(script) as server:
        llm = in_llm_mode(assistant, url(server, provider), provider=provider, **extra)
        events = [(e, server.sent) for e in llm.ask_stream(question)]
    return [e for e, _ in events], [sent for _, sent in events], server


def shown(events) -> list[str]:
    return [e.text for e in events if isinstance(e, SentenceShown)]


def final(events) -> Answer:
    assert isinstance(events[-1], AnswerReady)
    assert sum(isinstance(e, AnswerReady) for e in events) == 1
    return events[-1].answer


def markers_resolve(answer: Answer) -> bool:
    return {int(n) for n in re.findall(r"\[(\d+)\]", answer.answer)} <= {
        c.n for c in answer.citations
    }


REPLIES = [
    "AMHPs need 18 hours [1]. They attend forums [2].",
    "Employers should:\n- provide supervision [1];\n- record it [2].\nThat is all [1].",
    "Employers should:\nThe next line is prose [1].",
    "A marker then a capital [1] Managers should plan [2]. e.g. this one [1].",
    "Grouped markers [1, 2]. Uncited sentence. Out of range [7].",
    "A line with no stop\nThey attend forums [2]\n\n1. AMHPs need 18 hours [1]",
]


@pytest.mark.parametrize("reply", REPLIES)
def test_the_guard_fed_word_by_word_judges_as_the_whole_reply_does(reply):
    """The streamed guard and ``guard`` agree: same sentences kept, same dropped, same order."""
    from guide_assistant.models import Passage

    text = "AMHPs need 18 hours. They attend forums. Employers should provide supervision."
    passages = [
        Passage(id=f"p{i}", source_id="s", title="T", section=["S"], text=text, start=0, end=1)
        for i in (1, 2)
    ]
    whole = guarding.guard(reply, passages, support.Checker())
    # A word at a time, and a character at a time (tokens that split words and markers).
    for pieces in (re.findall(r"\s*\S+", reply), list(reply)):
        fed = guarding.SentenceGuard(passages, support.Checker())
        passed = []
        for piece in pieces:
            passed += fed.feed(piece)
            assert fed._judge(final=False) == []  # nothing complete was held back
        passed += fed.finish()
        assert [k.sentence.text for k in passed] == [k.sentence.text for k in whole.kept]
        assert [k.lead_in for k in passed] == [k.lead_in for k in whole.kept]
        assert fed.result.dropped == whole.dropped
        assert fed.result.generated == whole.generated


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_faithful_answer_streams_every_sentence_in_order_after_its_sources(assistant, provider):
    # The server goes quiet for a second just after the first sentence (and the next word,
    # which shows it has ended): the sentence must be out during that pause, whatever the load.
    pause_at = len(Reply(FIRST).words()) + 1
    script = streaming(FIRST, SECOND, token_delay_s=0.01, stall_after=pause_at, stall_s=1.0)
    events, sent, server = run(assistant, script, provider)
    assert isinstance(events[0], SourcesReady)
    assert any(ANCHOR in c.text for c in events[0].citations)
    lines = shown(events)
    assert len(lines) == 2
    assert "18 hours" in lines[0]
    assert "forums" in lines[1]
    # The first sentence was out before the model had finished writing.
    total = len(Reply(" ".join([FIRST, SECOND])).words())
    first_at = sent[next(i for i, e in enumerate(events) if isinstance(e, SentenceShown))]
    assert first_at <= pause_at < total
    answer = final(events)
    assert answer.mode == "llm"
    assert answer.model == MODEL
    assert answer.answer == " ".join(lines)  # what was shown, unchanged: nothing taken back
    assert markers_resolve(answer)
    assert answer.verification is not None
    assert (answer.verification.generated, answer.verification.shown) == (2, 2)
    assert server.requests[0].body["stream"] is True
    # Its markers are the sources event's numbers: the passage [n] points at holds the fact.
    n = int(re.search(r"\[(\d+)\]", lines[0])[1])
    assert ANCHOR in events[0].citations[n - 1].text
    assert all(q in c.text for c in answer.citations for q in c.quotes)
    assert answer.citations[0].quotes


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize(
    "bad",
    [INVENTED, SECOND.replace("[{n}]", "[9]"), FIRST.replace("18", "28")],
    ids=["invented", "wrong-marker", "changed-number"],
)
def test_an_unsupported_sentence_mid_stream_never_appears(assistant, provider, bad):
    good = (
        [FIRST, SECOND]
        if "forums" not in bad
        else [FIRST, FIRST.replace("at least", "a minimum of")]
    )
    events, _, _ = run(assistant, streaming(good[0], bad, good[1]), provider)
    lines = shown(events)
    assert len(lines) == 2
    bad_text = bad.format(n=1).split("[")[0].strip()
    assert all(bad_text not in line for line in lines)
    answer = final(events)
    assert bad_text not in answer.answer
    assert answer.verification is not None
    assert len(answer.verification.dropped) == 1


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("junk", [b"", b"data: {not json\n\n"], ids=["closed", "garbage"])
def test_a_stream_that_breaks_mid_way_keeps_what_was_verified_and_quotes_the_rest(
    assistant, provider, junk
):
    if provider == "ollama" and junk:
        junk = b"{not json\n"
    words = len(Reply(FIRST.format(n=1)).words())
    script = streaming(FIRST, SECOND, break_after=words + 4, junk=junk)
    events, _, server = run(assistant, script, provider)
    lines = shown(events)
    assert len(lines) == 1
    assert "18 hours" in lines[0]
    answer = final(events)
    assert answer.answer.startswith(lines[0])  # still there, first
    assert answer.note
    assert "\n" not in answer.note
    assert "couldn't be read" in answer.note
    assert ("stopped sending" if not junk else "could not be read") in answer.note
    extractive = assistant.ask(QUESTION)
    assert answer.answer.count("\n\n") >= 1
    assert len(answer.answer) > len(lines[0])
    assert answer.mode == "extractive"
    assert answer.verification
    assert answer.verification.fell_back
    assert markers_resolve(answer)
    assert len(answer.citations) >= len(extractive.citations)
    assert len(server.requests) == 1  # no retry once words were shown


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_stall_past_the_timeout_gives_the_extractive_answer_with_a_note(assistant, provider):
    script = streaming(FIRST, SECOND, stall_after=0, stall_s=6.0)
    began = time.perf_counter()
    events, _, _ = run(assistant, script, provider, llm_timeout_s=0.5)
    waited = time.perf_counter() - began
    assert waited < 6.0  # it did not wait for the server
    assert not shown(events)
    answer = final(events)
    assert answer.mode == "extractive"
    assert answer.answer == assistant.ask(QUESTION).answer
    assert answer.note
    assert "did not" in answer.note
    assert "\n" not in answer.note


def test_a_stall_after_a_sentence_keeps_it_and_quotes_the_guidance(assistant):
    words = len(Reply(FIRST.format(n=1)).words())
    script = streaming(FIRST, SECOND, stall_after=words + 2, stall_s=6.0)
    events, _, _ = run(assistant, script, llm_timeout_s=0.5)
    lines = shown(events)
    assert len(lines) == 1
    answer = final(events)
    assert answer.answer.startswith(lines[0])
    assert answer.note
    assert "did not" in answer.note


@pytest.mark.parametrize("provider", PROVIDERS)
def test_the_refusal_token_abstains(assistant, provider):
    events, _, _ = run(assistant, streaming("NOT_IN_SOURCES", token_delay_s=0.0), provider)
    assert not shown(events)
    answer = final(events)
    assert answer.abstained
    assert answer.related
    assert not answer.citations


def test_too_few_verified_sentences_keep_the_shown_ones_and_add_the_extractive_answer(assistant):
    script = streaming(FIRST, INVENTED, "AMHPs are paid 40 pounds an hour [{n}].")
    events, _, _ = run(assistant, script)
    lines = shown(events)
    assert len(lines) == 1
    answer = final(events)
    assert answer.answer.startswith(lines[0])
    assert "Only 1 of the written answer's 3 sentences" in (answer.note or "")
    assert "company car" not in answer.answer
    assert "40 pounds" not in answer.answer
    assert markers_resolve(answer)
    # The number the shown sentence cites still names the same passage.
    n = int(re.search(r"\[(\d+)\]", lines[0])[1])
    assert ANCHOR in next(c.text for c in answer.citations if c.n == n)


def test_nothing_verified_shows_the_extractive_answer_as_ask_does(assistant):
    events, _, _server = run(assistant, streaming(INVENTED))
    assert not shown(events)
    answer = final(events)
    with scripted_server(streaming(INVENTED)) as again:
        asked = in_llm_mode(assistant, again.openai_url).ask(QUESTION)
    assert (answer.answer, answer.note, answer.mode) == (asked.answer, asked.note, asked.mode)


def test_ask_stream_in_extractive_mode_gives_the_answer_ask_gives(assistant):
    events = list(assistant.ask_stream(QUESTION))
    assert len(events) == 1
    assert final(events).answer == assistant.ask(QUESTION).answer


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize(
    ("reply", "says"),
    [
        (Reply(status=400), "returned HTTP 400"),  # e.g. a prompt past the context window
        (Reply(status=404), "is the model name 'test-model' right?"),
        (Reply(status=500), "returned HTTP 500"),
    ],
    ids=["context-overflow", "wrong-model", "http-500"],
)
def test_a_server_refusing_the_stream_gives_the_extractive_answer(assistant, provider, reply, says):
    events, _, server = run(assistant, reply, provider)
    assert not shown(events)
    answer = final(events)
    assert answer.mode == "extractive"
    assert answer.citations
    assert says in (answer.note or "")
    assert len(server.requests) == (2 if reply.status >= 500 else 1)  # 5xx: one retry


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        (
            Answer(
                question="q", answer="Quoted [1].", note="The written answer couldn't be verified."
            ),
            "*The written answer couldn't be verified.*",
        ),
        (
            Answer(question="q", answer="Written [1].", mode="llm", model=MODEL),
            f"*Written by {MODEL} and checked against the sources.*",
        ),
        (Answer(question="q", answer="Quoted [1]."), "*Quoted from the guidance.*"),
    ],
)
def test_the_export_says_how_each_answer_was_produced(answer, said):
    """A saved conversation keeps what the chat showed: who wrote it, or why it fell back."""
    from guide_assistant.interfaces.web.render import conversation_markdown

    assert said in conversation_markdown([answer])
