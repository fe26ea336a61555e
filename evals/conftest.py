"""Runs both golden splits once per session through the real assistant and writes the report.

``dev`` is what thresholds and heuristics may be tuned on; ``test`` is for reporting only.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from guide_assistant.evaluation import metrics as evaluation
from guide_assistant.evaluation import report as eval_report
from guide_assistant.evaluation.metrics import ItemResult

EVALS = Path(__file__).parent
REPORTS = EVALS / "reports"
SPLITS = ("dev", "test")


@pytest.fixture(scope="session")
def golden() -> dict[str, list[evaluation.GoldenItem]]:
    return {name: evaluation.load_golden(EVALS / f"{name}.jsonl") for name in SPLITS}


@pytest.fixture(scope="session")
def eval_runs(assistant, golden) -> dict[str, tuple[list[ItemResult], dict]]:
    """Every item's result and each split's summary; reports go to evals/reports/latest.*"""
    texts = {d.source_id: Path(d.path).read_text() for d in _documents(assistant)}
    runs = {name: evaluation.run(assistant, items, texts) for name, items in golden.items()}
    baseline = json.loads((EVALS / "baseline.json").read_text())
    REPORTS.mkdir(exist_ok=True)
    evaluation.write_json(REPORTS / "latest.json", runs)
    (REPORTS / "latest.md").write_text(eval_report.markdown(runs, baseline))
    summaries = {name: evaluation.summarise(results) for name, results in runs.items()}
    eval_report.chart(REPORTS / "latest.png", summaries["test"], baseline.get("test", {}))
    return {name: (runs[name], summaries[name]) for name in runs}


@pytest.fixture(scope="session")
def eval_run(eval_runs) -> tuple[list[ItemResult], dict]:
    """The test split: the figures thresholds are asserted on."""
    return eval_runs["test"]


def _documents(assistant):
    from guide_assistant.models import SourceDocument

    return [SourceDocument(**d) for d in assistant.index.manifest["documents"]]
