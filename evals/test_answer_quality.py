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

# On test (189 items: 163 in scope, 26 out of scope; 60 of them written apart and never read
# while tuning, added at issue #10); one item moves a rate by 1/163 = 0.006 in scope and by
# 1/26 = 0.038 out of scope, so the floors sit about one item below what it achieves. Measured
# on test when they were last raised (issue #10): hit 0.902, cited 0.767, MRR 0.746, must
# 0.708, answered 0.920, refused 0.769 (builds agree since the wider search). The refused floor
# stays at 0.76: the fresh items made test harder there, and a floor is never lowered.
THRESHOLDS = {
    "hit_at_k": 0.89,
    "cited_evidence": 0.76,
    "mrr": 0.74,
    "must_include_recall": 0.70,
    "faithfulness": 1.00,
    "citation_validity": 1.00,
    "answered_in_scope": 0.91,
    "refused_out_of_scope": 0.76,
}
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


def test_report_written(eval_run):
    from evals.conftest import REPORTS

    assert (REPORTS / "latest.md").read_text().startswith("# Evaluation report")
    assert (REPORTS / "latest.png").stat().st_size > 1000
