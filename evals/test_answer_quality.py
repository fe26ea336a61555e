"""Answer quality on the held-out test split, metric by metric; dev figures are printed.

Thresholds are asserted on ``evals/test.jsonl`` and are what the system achieves there (see
evals/baseline.json); raise them as it improves, never lower one to go green. A failure names
the failing test items by id only: their questions stay unread while tuning (use dev).
Retrieval figures used to move by about one item between builds (approximate neighbour
search flipped a near-tie); the search is now wide enough that builds agree, and the
thresholds keep that item's margin.
"""

from __future__ import annotations

import pytest

from guide_assistant.evaluation.metrics import summarise

# On test (237 items: 199 in scope, 38 out of scope; 108 of them, usr-f and usr-h, written
# apart and never read while tuning). One item moves a rate by 1/199 = 0.005 in scope and by
# 1/38 = 0.026 out of scope, so the floors sit one item below what test achieves. Measured when
# set (issue #23, the tuned model and the learned abstain decision): hit 0.920, cited 0.839,
# MRR 0.796, must 0.749, answered 0.955, refused 0.842 (32 of 38). Issue #10's floors on the
# same items were hit 0.90, cited 0.77, MRR 0.74, must 0.71, answered 0.92, refused 0.71.
THRESHOLDS = {
    "hit_at_k": 0.914,
    "cited_evidence": 0.834,
    "mrr": 0.79,
    "must_include_recall": 0.744,
    "faithfulness": 1.00,
    "citation_validity": 1.00,
    "answered_in_scope": 0.949,
    "refused_out_of_scope": 0.815,
}
# A floor is never lowered on the items it was set on: the refused floor was 0.76 when test
# held 189 items, and it still holds there (every item but the 48 usr-h added since).
EARLIER_FLOORS: list[tuple[tuple[str, ...], dict[str, float]]] = [
    (("usr-h-",), {"refused_out_of_scope": 0.76}),
]
WHY = {
    "hit_at_k": lambda r: r.hit_at_k is not None and r.hit_at_k < 1,
    "cited_evidence": lambda r: r.cited_evidence == 0,
    "mrr": lambda r: r.reciprocal_rank is not None and r.reciprocal_rank < 0.5,
    "must_include_recall": lambda r: bool(r.missing) and not r.abstained,
    "faithfulness": lambda r: bool(r.unsupported),
    "citation_validity": lambda r: not r.citations_valid,
    "answered_in_scope": lambda r: r.in_scope and r.abstained,
    "refused_out_of_scope": lambda r: not r.in_scope and not r.abstained,
}


def _listing(results, metric: str) -> str:
    bad = [r for r in results if WHY[metric](r)]
    ids = ", ".join(f"{r.id} [{r.kind}]" for r in bad[:40])
    return f"{len(bad)} test items fall short on {metric}: {ids}"


@pytest.mark.parametrize("metric", list(THRESHOLDS))
def test_metric_meets_threshold(eval_run, metric):
    results, summary = eval_run
    value = summary[metric]
    assert value is not None
    assert value >= THRESHOLDS[metric], (
        f"{metric} = {value:.3f} < {THRESHOLDS[metric]}\n" + _listing(results, metric)
    )


@pytest.mark.parametrize("added_since", [added for added, _ in EARLIER_FLOORS])
def test_earlier_floors_hold_on_the_items_they_were_set_on(eval_run, added_since):
    results, _ = eval_run
    floors = dict(EARLIER_FLOORS)[added_since]
    earlier = [r for r in results if not r.id.startswith(added_since)]
    summary = summarise(earlier)
    for metric, floor in floors.items():
        assert summary[metric] >= floor, (
            f"{metric} = {summary[metric]:.3f} < {floor} on the {len(earlier)} items it was "
            "set on\n" + _listing(earlier, metric)
        )


def test_dev_figures_are_reported(eval_runs, record_property, capsys):
    """Dev is the split to tune on: its figures are printed beside test's, not asserted."""
    dev, test = eval_runs["dev"][1], eval_runs["test"][1]
    rows = [f"{metric:<22} dev {dev[metric]:.3f}  test {test[metric]:.3f}" for metric in THRESHOLDS]
    for name, (_, summary) in eval_runs.items():
        record_property(f"{name}_summary", summary)
    with capsys.disabled():
        print("\n" + "\n".join(rows))
    assert dev["items"] > 0
    assert all(dev[metric] is not None for metric in THRESHOLDS)


def test_report_states_the_runs_figures(eval_runs):
    """The report's summary table gives each split's figures as this run measured them,
    and the chart was drawn."""
    from evals.conftest import REPORTS

    report = (REPORTS / "latest.md").read_text()
    assert report.startswith("# Evaluation report")
    tables = [[c.strip() for c in line.strip("|").split("|")] for line in report.splitlines()]
    rows = {cells[0]: cells[1:] for cells in tables if len(cells) == 5}
    for metric in THRESHOLDS:
        dev, _, test, _ = rows[metric]
        assert dev == f"{eval_runs['dev'][1][metric]:.3f}", metric
        assert test == f"{eval_runs['test'][1][metric]:.3f}", metric
    assert (REPORTS / "latest.png").stat().st_size > 1000
