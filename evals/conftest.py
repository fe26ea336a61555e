"""Runs the golden set once per session through the real assistant and writes the report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from guide_assistant.evaluation import metrics as evaluation
from guide_assistant.evaluation import report as eval_report

EVALS = Path(__file__).parent
REPORTS = EVALS / "reports"


@pytest.fixture(scope="session")
def golden() -> list[evaluation.GoldenItem]:
    return evaluation.load_golden(EVALS / "golden.jsonl")


@pytest.fixture(scope="session")
def eval_run(assistant, golden):
    """Every item's result and the run's summary; reports go to evals/reports/latest.*"""
    texts = {d.source_id: Path(d.path).read_text() for d in _documents(assistant)}
    results = evaluation.run(assistant, golden, texts)
    summary = evaluation.summarise(results)
    baseline = json.loads((EVALS / "baseline.json").read_text())
    REPORTS.mkdir(exist_ok=True)
    evaluation.write_json(REPORTS / "latest.json", results, summary)
    (REPORTS / "latest.md").write_text(eval_report.markdown(results, summary, baseline))
    eval_report.chart(REPORTS / "latest.png", summary, baseline)
    return results, summary


def _documents(assistant):
    from guide_assistant.models import SourceDocument

    return [SourceDocument(**d) for d in assistant.index.manifest["documents"]]
