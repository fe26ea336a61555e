"""The obligations register: verbatim spans, known duties, filters, search, CLI output."""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from guide_assistant.interfaces.cli import app
from guide_assistant.obligations import register as obligations
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
    obligations._CACHE.clear()
    assert [e.id for e in obligations.load_register(settings)] == [e.id for e in register]


@pytest.mark.parametrize(
    ("words", "modality", "actor", "topic"),
    [
        ("Newly-qualified social workers must undergo", "must", "social workers", "training"),
        ("NHS trusts and other agencies should maintain a central database", "should",
         "NHS trusts", "data/recording"),
        ("It is good practice to have a professional registration policy", "good practice",
         "organisations", "registration"),
        ("Both NHS and LAs must ensure that AMHPs are released", "must", "NHS trusts", "AMHP"),
        ("Boards should consider the value of appointing", "consider", "boards", "leadership"),
        ("have clear policies and procedures", "should", "organisations", "safety"),
    ],
)  # fmt: skip
def test_known_duties_are_found(register, words, modality, actor, topic):
    entry = find(register, words)
    assert (entry.modality, entry.actor) == (modality, actor)
    assert topic in entry.topics


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


def test_search_ranks_amhp_supervision(register):
    hits = obligations.search(register, "What must we have in place for AMHP supervision?")
    assert 0 < len(hits) <= 8
    assert all("AMHP" in e.topics or "supervision" in e.topics for e in hits[:3])
    assert obligations.search(register, "the and of") == []


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


def test_obligations_tab_builds(settings):
    import gradio as gr

    from guide_assistant.interfaces.web import obligations_tab as obligations_ui

    with gr.Blocks() as demo, gr.Tab("Obligations"):
        obligations_ui.render(settings)
    assert demo.fns  # events were wired
