"""The obligations register: verbatim spans, known duties, filters, search, CLI output."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter

import pytest
from typer.testing import CliRunner

from guide_assistant.interfaces.cli import app
from guide_assistant.models import SECTION_SEP
from guide_assistant.obligations import register as obligations
from guide_assistant.obligations import search as register_search
from guide_assistant.obligations import topics
from guide_assistant.obligations.search import RegisterSearch
from guide_assistant.obligations.terms import phrases, stems
from guide_assistant.settings import Settings


@pytest.fixture
def settings(tmp_path, monkeypatch) -> Settings:
    # The CLI builds its own Settings from the environment: point it at tmp folders too.
    monkeypatch.setenv("GUIDE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("GUIDE_USER_DOCS_DIR", str(tmp_path / "user_docs"))
    return Settings(data_dir=tmp_path / "data", user_docs_dir=tmp_path / "user_docs")


@pytest.fixture
def register(settings) -> list[obligations.Obligation]:
    return obligations.load_register(settings)


@pytest.fixture
def glossary(settings) -> dict[str, str]:
    return obligations.glossary(obligations.editions(settings))


def find(register, words: str) -> obligations.Obligation:
    hits = [e for e in register if words in e.text]
    assert hits, f"not in the register: {words!r}"
    return hits[0]


def test_register_is_verbatim_with_unique_ids(settings, register):
    assert len(register) > 100
    texts = {d.meta.source_id: d.text for d in obligations.editions(settings)}
    assert {e.source_id for e in register} == set(texts)
    for e in register:
        assert texts[e.source_id][e.start : e.end] == e.text
        assert e.lead_in == "" or e.lead_in in texts[e.source_id]
    assert len({e.id for e in register}) == len(register)


def test_ids_are_stable_across_loads(settings, register):
    assert [e.id for e in obligations.load_register(settings)] == [e.id for e in register]


@pytest.mark.parametrize(
    ("words", "modality", "actor"),
    [
        ("Newly-qualified social workers must undergo", "must", "social workers"),
        ("NHS trusts and other agencies should maintain a central database", "should",
         "NHS trusts"),
        ("It is good practice to have a professional registration policy", "good practice",
         "organisations"),
        ("Both NHS and LAs must ensure that AMHPs are released", "must", "NHS trusts"),
        ("Boards should consider the value of appointing", "consider", "boards"),
        ("have clear policies and procedures", "should", "organisations"),
    ],
)  # fmt: skip
def test_known_duties_are_found(register, words, modality, actor):
    entry = find(register, words)
    assert (entry.modality, entry.actor) == (modality, actor)


def test_topics_come_from_the_headings_and_sort_the_duties(settings, register):
    """No topic list is written by hand: each topic is a word of the editions' headings or a
    short form they define, said by the duty it tags, and neither too rare nor too common to
    sort the register by."""
    editions = obligations.editions(settings)
    defined = obligations.glossary(editions)
    known = phrases(defined)
    headings = " ".join(p for e in register for p in e.section.split(SECTION_SEP))
    heading_terms = set(stems(headings, known))
    counts = Counter(t for e in register for t in e.topics)
    assert len(counts) >= 8
    for e in register:
        said = topics.said(e.text, e.lead_in, e.section, known)
        for topic in e.topics:
            term = stems(topic.lower())[0]
            assert term in said, (topic, e.text)
            assert term in heading_terms, topic
    most = topics.MAX_SHARE * len(register)
    assert all(topics.MIN_ENTRIES <= n <= most for n in counts.values())
    everyday = {"social", "work", "people", "ensure", "health", "consideration"}
    assert not everyday & set(counts)


def test_a_short_form_tags_its_spelled_out_phrase_too(register):
    spelled = [e for e in register if "approved mental health professional" in e.text.lower()]
    assert spelled
    assert all("AMHP" in e.topics for e in spelled)


def test_topics_follow_whatever_headings_a_document_has():
    """The vocabulary is the documents': other headings give other topics."""
    headings = ["Lone working and visits", "Visits out of hours", "Lone working at night"]
    duties = [{"lone", "work", "visit"}] * 3 + [{"visit"}] * 2 + [{"rota"}] * 40
    found = topics.vocabulary(headings, duties, {})
    assert set(found.values()) == {"lone", "visits"}
    assert topics.tag({"visit", "rota"}, found) == ["visits"]


def test_list_items_carry_their_lead_in_and_section(register):
    entry = find(register, "equip social workers with appropriate tools on wellbeing")
    assert entry.lead_in == "Organisations should:"
    assert entry.consideration == "Consideration 5"
    assert entry.section.endswith(
        "Consideration 5: Enable social workers' engagement and wellbeing"
    )


def test_descriptions_and_references_are_not_duties(register):
    texts = " ".join(e.text for e in register)
    assert "can be used to audit current levels of care" not in texts  # "can", not a duty
    assert not any(e.text.startswith("See NICE") for e in register)
    assert not any(e.section.startswith("References") for e in register)


def test_filters(register):
    nhs = obligations.filter_entries(register, actor="nhs trusts")
    assert nhs
    assert all("NHS trusts" in e.actors for e in nhs)
    amhp_must = obligations.filter_entries(register, topic="AMHP", modality="must")
    assert amhp_must
    assert all(e.modality == "must" and "AMHP" in e.topics for e in amhp_must)
    tcsw = obligations.filter_entries(register, source="tcsw-2014-role")
    assert tcsw
    assert all(e.source_id == "tcsw-2014-role" for e in tcsw)
    assert obligations.filter_entries(register, text="central database")
    assert obligations.filter_entries(register, actor="nobody") == []


def test_search_ranks_amhp_supervision(settings, register, glossary):
    hits = RegisterSearch(register, settings).search(
        "What must we have in place for AMHP supervision?"
    )
    assert 0 < len(hits) <= 8
    assert all("AMHP" in e.topics or "supervision" in e.topics for e in hits[:3])
    assert register_search.search(register, "the and of", settings, glossary) == []


@pytest.mark.parametrize(
    ("query", "best"),
    [
        ("AMHP training hours", "AMHPs require a minimum of 18 hours"),
        ("apprentice off the job training", "20% of the apprentice"),
        ("disciplinary and fitness to practise", "Have clear agreements/policies on who"),
        ("ASYE", "Newly-qualified social workers must undergo"),
        ("supervison policy", "a multi-professional supervision policy"),  # typo mended
        ("principal social worker", "principal social worker (PSW)"),
    ],
)
def test_search_ranks_the_obvious_row_first(settings, register, query, best, glossary):
    hits = register_search.search(register, query, settings, glossary)
    assert hits, query
    assert best in hits[0].text
    assert len(hits) < 10  # a search, not a re-ordering of the whole register


@pytest.mark.parametrize("query", ["parking permits", "annual leave entitlement", "salary bands"])
def test_search_finds_nothing_for_words_the_register_lacks(settings, register, query, glossary):
    assert register_search.search(register, query, settings, glossary) == []


def test_search_of_a_subset_returns_only_that_subset(settings, register, glossary):
    subset = obligations.filter_entries(register, source="tcsw-2014-role")
    hits = register_search.search(subset, "AMHP supervision", settings, glossary)
    assert hits
    assert all(e.source_id == "tcsw-2014-role" for e in hits)
    assert register_search.search([], "AMHP supervision", settings, glossary) == []


def test_search_cut_off_comes_from_settings(settings, register):
    strict = settings.model_copy(
        update={"register_search": settings.register_search.model_copy(update={"min_share": 1.0})}
    )
    loose = settings.model_copy(
        update={"register_search": settings.register_search.model_copy(update={"min_share": 0.0})}
    )
    everything_amhp = RegisterSearch(register, loose).search("AMHP supervision", limit=200)
    best_only = RegisterSearch(register, strict).search("AMHP supervision", limit=200)
    assert 1 <= len(best_only) < len(RegisterSearch(register, settings).search("AMHP supervision"))
    assert len(everything_amhp) > 20  # every row naming AMHPs or supervision scores


def test_render_formats(register):
    some = register[:5]
    rows = list(csv.DictReader(io.StringIO(obligations.render(some, "csv"))))
    assert [r["id"] for r in rows] == [e.id for e in some]
    assert json.loads(obligations.render(some, "json"))[0]["text"] == some[0].text
    md = obligations.render(some, "md").splitlines()
    assert md[1] == "|---|---|---|---|---|"
    assert len(md) == 2 + len(some)
    assert "5 obligations" in obligations.render(some, "table")
    with pytest.raises(ValueError, match="unknown format"):
        obligations.render(some, "xml")


def test_exports_show_text_without_markup_and_keep_offsets(settings, register):
    marked = [e for e in register if "**" in e.text]
    assert len(marked) >= 20  # the HEE edition bolds the first words of many list items
    texts = {d.meta.source_id: d.text for d in obligations.editions(settings)}
    assert all(texts[e.source_id][e.start : e.end] == e.text for e in marked)  # still verbatim
    for fmt in ("table", "csv", "md"):
        assert "**" not in obligations.render(marked, fmt), fmt
    rows = list(csv.DictReader(io.StringIO(obligations.render(marked, "csv"))))
    assert [r["text"] for r in rows] == [e.display_text for e in marked]
    assert [(int(r["start"]), int(r["end"])) for r in rows] == [(e.start, e.end) for e in marked]
    md = obligations.render(marked, "md")
    assert all(e.display_text in md for e in marked)
    exported = json.loads(obligations.render(marked, "json"))
    assert [x["text"] for x in exported] == [e.text for e in marked]
    assert all("**" not in x["display_text"] for x in exported)


def test_assessment_reports_show_text_without_markup(register):
    from datetime import date

    from guide_assistant.obligations import assessment

    marked = [e for e in register if "**" in e.text][:3]
    marks = {
        e.id: assessment.Mark(obligation_id=e.id, status="not met", updated_at="2024-01-01")
        for e in marked
    }
    md = assessment.report(marked, marks, "md", date(2024, 1, 2))
    assert all(e.display_text in md and e.text not in md for e in marked)
    rows = list(csv.DictReader(io.StringIO(assessment.report(marked, marks, "csv"))))
    assert [r["text"] for r in rows] == [e.display_text for e in marked]


def test_cli_json_filters(settings):
    runner = CliRunner()
    result = runner.invoke(
        app, ["obligations", "--actor", "NHS trusts", "--topic", "supervision", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    entries = json.loads(result.stdout)
    assert isinstance(entries, list)
    assert entries
    assert all("NHS trusts" in e["actors"] and "supervision" in e["topics"] for e in entries)
    everything = json.loads(runner.invoke(app, ["obligations", "--format", "json"]).stdout)
    assert len(everything) > len(entries)


def test_cli_csv_and_search(settings):
    runner = CliRunner()
    result = runner.invoke(app, ["obligations", "--modality", "must", "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows
    assert all(r["modality"] == "must" for r in rows)
    result = runner.invoke(app, ["obligations", "--search", "AMHP training hours"])
    assert "AMHPs require a minimum of 18 hours" in result.stdout
    assert runner.invoke(app, ["obligations", "--format", "xml"]).exit_code == 2


def test_cli_search_lone_working_returns_only_matching_rows(settings):
    runner = CliRunner()
    result = runner.invoke(app, ["obligations", "--search", "lone working", "--format", "json"])
    assert result.exit_code == 0, result.output
    hits = json.loads(result.stdout)
    assert hits
    assert "lone working" in hits[0]["text"]
    assert len(hits) <= 3  # was 171 of 182 rows before the cut-off
    table = runner.invoke(app, ["obligations", "--search", "lone working"]).stdout
    assert f"{len(hits)} obligations" in table


def test_cli_search_without_matches_lists_nothing(settings):
    runner = CliRunner()
    result = runner.invoke(app, ["obligations", "--search", "parking permits", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == []
    table = runner.invoke(app, ["obligations", "--search", "parking permits"]).stdout
    assert "0 obligations" in table


def test_cli_search_combines_with_filters(settings):
    runner = CliRunner()
    args = ["obligations", "--search", "supervision", "--modality", "must", "--format", "json"]
    hits = json.loads(runner.invoke(app, args).stdout)
    assert hits
    assert all(e["modality"] == "must" for e in hits)
    assert any("supervision" in e["text"].lower() for e in hits)


def test_obligations_tab_builds(settings):
    import gradio as gr

    from guide_assistant.interfaces.web import obligations_tab as obligations_ui

    with gr.Blocks() as demo, gr.Tab("Obligations"):
        obligations_ui.render(settings)
    assert demo.fns  # events were wired


def test_short_forms_are_read_from_the_documents(settings, register, glossary):
    from guide_assistant.text import abbreviations

    made_up = "The Widget Safety Board (WSB) meets. Local Authorities (LAs) act. See (NHS) here."
    assert abbreviations(made_up) == {"wsb": "widget safety board", "la": "local authorities"}
    assert glossary["asye"] == "assessed and supported year in employment"
    short = register_search.search(register, "ASYE", settings, glossary)
    spelled = register_search.search(register, "assessed and supported year", settings, glossary)
    assert short
    assert short[0].id in {e.id for e in spelled}
