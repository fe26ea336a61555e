"""Provenance: a user's document is marked as local wherever it is cited (answer text, CLI,
JSON, chat), by its file name; it is never quoted as the guidance, and a question about what
the guidance requires is answered from the guidance editions."""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from guide_assistant.answer.check import support
from guide_assistant.answer.compose import provenance
from guide_assistant.answer.question.scope import NATIONAL
from guide_assistant.assistant import Assistant
from guide_assistant.index import build as indexing
from guide_assistant.interfaces.cli import app, render
from guide_assistant.interfaces.web import header
from guide_assistant.interfaces.web import render as web_render
from guide_assistant.models import LOCAL_LABEL, Answer
from guide_assistant.settings import Settings
from tests.helpers import tiny_corpus

PLANTED = Path(__file__).parent / "fixtures" / "planted" / "addendum.txt"
CLAIM = "The guidance requires 100 hours of supervision every month."
GUIDANCE_QUESTION = "How many hours of supervision does the guidance require?"


@pytest.fixture(scope="module")
def local_settings(tmp_path_factory) -> Settings:
    """The tiny corpus, plus the reliability run's planted addendum and a parking note."""
    settings = tiny_corpus(tmp_path_factory.mktemp("provenance"))
    settings.user_docs_dir.mkdir()
    shutil.copy(PLANTED, settings.user_docs_dir / "addendum.txt")
    (settings.user_docs_dir / "parking.md").write_text(
        "# Staff parking\n\nStaff park in the visitors' car park on level two and display a "
        "permit.\n"
    )
    indexing.build(settings)
    return settings


@pytest.fixture(scope="module")
def assistant(local_settings) -> Assistant:
    return Assistant.load(local_settings, build_if_missing=False)


def blocks(answer: Answer) -> list[tuple[str | None, list[int]]]:
    """The answer's paragraphs grouped under the file their attribution line names."""
    out: list[tuple[str | None, list[int]]] = [(None, [])]
    for line in answer.answer.splitlines():
        named = re.match(r"^Your organisation's document ‘(.+)’ says", line)
        if named:
            out.append((named.group(1), []))
        out[-1][1].extend(int(n) for n in re.findall(r"\[(\d+)\]", line))
    return out


def test_a_local_source_is_labelled_with_its_file_name(assistant):
    answer = assistant.ask("where do staff park?")
    assert not answer.abstained
    cited = answer.citations[0]
    assert (cited.kind, cited.file_name, cited.source_id) == ("local", "parking.md", "user-parking")
    assert cited.label == f"{LOCAL_LABEL}: parking.md — “Staff parking”"
    assert answer.answer.startswith(provenance.attribution("parking.md"))
    report = support.check(answer)  # the attribution frames the quotes; it is not a claim
    quoted = sum(len(c.quotes) for c in answer.citations)
    assert report.faithfulness == 1.0
    assert 1 <= report.claims <= quoted


def test_guidance_and_local_quotes_are_never_blended(assistant):
    answer = assistant.ask("supervision every month")
    kinds = {c.n: (c.kind, c.file_name) for c in answer.citations}
    assert {k for k, _ in kinds.values()} == {"guidance", "local"}  # both were quoted
    grouped = blocks(answer)
    assert grouped[0][0] is None
    assert all(kinds[n][0] == "guidance" for n in grouped[0][1])  # the guidance comes first
    for file_name, numbers in grouped[1:]:
        assert numbers
        assert all(kinds[n] == ("local", file_name) for n in numbers)
    # The addendum's sentence speaks for the guidance: its attribution says it is its claim.
    assert CLAIM in answer.answer
    assert provenance.attribution("addendum.txt", claims_guidance=True) in answer.answer
    assert provenance.attribution("parking.md") not in answer.answer


def test_a_guidance_question_is_not_answered_by_a_local_claim(assistant, local_settings):
    answer = assistant.ask(GUIDANCE_QUESTION)
    assert CLAIM not in answer.answer
    assert all(c.kind == "guidance" for c in answer.shown_citations)
    assert "guidance editions first" in (answer.scope or "")
    # Control: without the policy (no words that refer to the guidance) the planted claim
    # is what answers it, as the reliability run found; labelled local even then.
    plain = local_settings.model_copy(update={"guidance_words": []})
    control = Assistant(plain, assistant.index, assistant.embedder).ask(GUIDANCE_QUESTION)
    assert CLAIM in control.answer
    assert [c.kind for c in control.citations] == ["local"]
    assert control.answer.startswith(provenance.attribution("addendum.txt"))


def test_a_guidance_question_only_local_documents_cover_says_so(assistant):
    answer = assistant.ask("where do staff park according to the guidance?")
    assert answer.answer.startswith(provenance.FALLBACK_NOTE)
    assert {c.kind for c in answer.citations} == {"local"}
    assert support.check(answer).faithfulness == 1.0


def test_a_streamed_answer_from_local_documents_says_so_before_its_first_sentence(assistant):
    """In llm mode the sentences stream: the note that the guidance doesn't cover the question
    comes with the local sources, before any sentence it speaks for, on the page and the CLI."""
    import io

    from guide_assistant.answer.write.events import SentenceShown, SourcesReady
    from guide_assistant.interfaces import terminal
    from tests.test_llm_stream import run, streaming

    question = "where do staff park according to the guidance?"
    script = streaming("Staff park in the visitors' car park on level two [{n}].", anchor="park")
    events, _, _ = run(assistant, script, question=question)
    first = next(i for i, e in enumerate(events) if isinstance(e, SentenceShown))
    sources = [e for e in events[:first] if isinstance(e, SourcesReady)]
    assert sources
    assert sources[-1].note == provenance.FALLBACK_NOTE
    answer = events[-1].answer
    assert answer.answer.startswith(provenance.FALLBACK_NOTE)
    assert {c.kind for c in answer.citations} == {"local"}

    from tests.llm_servers import scripted_server
    from tests.test_llm_mode import in_llm_mode

    with scripted_server(script) as server:
        out = io.StringIO()
        terminal.streamed(in_llm_mode(assistant, server.openai_url), question, out)
    assert out.getvalue().startswith(provenance.FALLBACK_NOTE)
    assert out.getvalue().count(provenance.FALLBACK_NOTE) == 1
    assert "visitors' car park" in out.getvalue()


def test_the_cli_says_the_local_note_only_over_what_the_local_documents_answer(assistant):
    """When none of the model's sentences stands, the note is not printed over whatever is
    printed instead, and never twice."""
    import io

    from guide_assistant.interfaces import terminal
    from tests.llm_servers import scripted_server
    from tests.test_llm_mode import in_llm_mode
    from tests.test_llm_stream import streaming

    question = "where do staff park according to the guidance?"  # answered by local documents
    script = streaming("Staff pay four hundred pounds a month for a space [{n}].", anchor="park")
    with scripted_server(script) as server:
        out = io.StringIO()
        answer = terminal.streamed(in_llm_mode(assistant, server.openai_url), question, out)
    printed = out.getvalue()
    assert "four hundred pounds" not in printed  # the guard let no sentence through
    assert printed.count(provenance.FALLBACK_NOTE) == answer.answer.count(provenance.FALLBACK_NOTE)
    assert printed.count(provenance.FALLBACK_NOTE) <= 1


def test_the_national_guidance_only(assistant, local_settings):
    chosen = assistant.ask("where do staff park?", sources=[NATIONAL])
    only = local_settings.model_copy(update={"guidance_only": True})
    setting = Assistant(only, assistant.index, assistant.embedder).ask("where do staff park?")
    for answer in (chosen, setting):
        assert answer.shown_citations
        assert {c.kind for c in answer.shown_citations} == {"guidance"}


def test_the_cli_and_json_mark_local_documents(local_settings, monkeypatch):
    for name in ("corpus_dir", "user_docs_dir", "index_dir", "data_dir"):
        monkeypatch.setenv(f"GUIDE_{name.upper()}", str(getattr(local_settings, name)))
    runner = CliRunner()
    result = runner.invoke(app, ["ask", "--json", "where do staff park?"])
    assert result.exit_code == 0, result.output
    cited = Answer.model_validate_json(result.stdout).citations[0]
    assert (cited.kind, cited.file_name) == ("local", "parking.md")
    only = runner.invoke(app, ["ask", "--guidance-only", "--json", "where do staff park?"])
    assert {c.kind for c in Answer.model_validate_json(only.stdout).shown_citations} == {"guidance"}


def test_terminal_text_and_chat_label_the_local_source(assistant):
    answer = assistant.ask("supervision every month")
    text = render(answer)
    assert f"{LOCAL_LABEL}: addendum.txt — “Supervision policy addendum”" in text
    assert "not used: text addressed to the assistant" in text  # its planted sentence
    _, html = web_render.chat_sources(answer)
    assert 'data-kind="local"' in html
    assert f"{LOCAL_LABEL}: addendum.txt" in html
    assert "Not used:" in html
    assert 'data-kind="guidance"' in web_render.panel_html(answer)
    exported = web_render.conversation_markdown([answer])
    assert f"**[2] {LOCAL_LABEL}: addendum.txt" in exported


def test_the_header_lists_documents_with_their_dates(assistant, local_settings):
    html = header.indexed_html(assistant.index.manifest)
    built = assistant.index.manifest["created"].split("T")[0]
    assert "Doc A on supervision</cite> (2020)" in html
    modified = (local_settings.user_docs_dir / "parking.md").stat().st_mtime
    day = time.strftime("%Y-%m-%d", time.localtime(modified))
    assert f"<code>parking.md</code>, “Staff parking” (file modified {day}; ingested {built})" in (
        html
    )
    assert html.index("Doc B") < html.index("parking.md")  # the guidance first, apart


def test_the_chat_offers_the_national_guidance_only(assistant, local_settings):
    from guide_assistant.interfaces.web.chat import ChatHandlers

    choices = ChatHandlers(assistant, local_settings).source_choices()
    assert ("National guidance only", NATIONAL) in choices
    assert ("Local: parking.md", "user-parking") in choices


def test_what_refers_to_the_guidance():
    from guide_assistant.answer.question.scope import Scoper

    documents = [
        {"source_id": "hee-2020-guidance"},
        {"source_id": "user-ng10", "kind": "user"},
    ]
    scoper = Scoper(documents, Settings())
    assert scoper.asks_about_guidance("what does guidance say about supervision?")
    assert scoper.asks_about_guidance("does HEE cover AMHPs?")
    assert not scoper.asks_about_guidance("where do staff park?")
    assert scoper.speaks_for_guidance("The guidance requires 100 hours of supervision.")
    assert scoper.speaks_for_guidance("HEE expects monthly supervision.")
    assert not scoper.speaks_for_guidance("This guidance covers violence and aggression.")
