"""The evaluation report: Markdown with tables and worst items, and a chart against baseline."""

from __future__ import annotations

from pathlib import Path

from guide_assistant.evaluation.metrics import BREAKDOWNS, ItemResult, breakdown, summarise

HEADLINE = [
    "hit_at_k",
    "cited_evidence",
    "mrr",
    "must_include_recall",
    "faithfulness",
    "citation_validity",
    "answered_in_scope",
    "refused_out_of_scope",
]


def _fmt(value) -> str:
    return "–" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)


def _table(rows: dict[str, dict], keys: list[str]) -> list[str]:
    out = ["| group | items | " + " | ".join(keys) + " |", "|---" * (len(keys) + 2) + "|"]
    for name, summary in rows.items():
        cells = " | ".join(_fmt(summary.get(k)) for k in keys)
        out.append(f"| {name} | {summary['items']} | {cells} |")
    return out


def badness(r: ItemResult) -> float:
    """How wrong an item went, for the 'worst items' list."""
    score = 0.0 if r.abstention_correct else 2.0
    score += 1 - (r.must_include_recall if r.must_include_recall is not None else 1)
    score += 1 - (r.faithfulness if r.faithfulness is not None else 1)
    score += 0 if r.citations_valid else 1
    score += 1 - (r.hit_at_k if r.hit_at_k is not None else 1)
    return score


def _summary_table(runs: dict[str, list[ItemResult]], baseline: dict) -> list[str]:
    """Each split's headline figures beside its baseline."""
    names = list(runs)
    summaries = {name: summarise(results) for name, results in runs.items()}
    head = " | ".join(f"{n} | {n} baseline" for n in names)
    lines = [f"| metric | {head} |", "|---" * (1 + 2 * len(names)) + "|"]
    for key in summaries[names[0]]:
        cells = []
        for name in names:
            value, base = summaries[name].get(key), baseline.get(name, {}).get(key)
            cells += [_fmt(value), _fmt(base)]
        lines.append(f"| {key} | " + " | ".join(cells) + " |")
    return lines


def _worst(results: list[ItemResult], worst: int) -> list[str]:
    lines: list[str] = []
    for r in sorted(results, key=badness, reverse=True)[:worst]:
        if badness(r) == 0:
            break
        lines += [
            f"### {r.id} ({r.kind}, {r.persona}, {r.route})",
            "",
            f"**Question:** {r.question}",
            "",
            "| answer given | reference and evidence |",
            "|---|---|",
            f"| {_cell(r.answer)} | {_cell(r.reference)}<br><br>"
            + "<br>".join(f"> {_cell(e)}" for e in r.evidence)
            + " |",
            "",
            f"abstained={r.abstained} (correct: {r.abstention_correct}); "
            f"hit@k={_fmt(r.hit_at_k)}; missing={r.missing}; "
            f"unsupported={len(r.unsupported)}; citation problems={r.citation_problems}",
            "",
        ]
    return lines


def markdown(runs: dict[str, list[ItemResult]], baseline: dict, worst: int = 15) -> str:
    """The report: both splits against their baselines, breakdowns, and the worst dev items
    (test items are not listed one by one: nobody should tune on them)."""
    lines = ["# Evaluation report", "", "![metrics against baseline](latest.png)", ""]
    lines += _summary_table(runs, baseline)
    for name, results in runs.items():
        for field in BREAKDOWNS:
            lines += [
                "",
                f"## {name}: by {field}",
                "",
                *_table(breakdown(results, field), HEADLINE),
            ]
    lines += ["", f"## Worst {worst} dev items", "", *_worst(runs.get("dev", []), worst)]
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "<br>")


def chart(path: Path, summary: dict, baseline: dict) -> None:
    """Bar chart of the headline metrics of one split, this run next to its baseline."""
    import matplotlib

    matplotlib.use("Agg")  # no display here, and no font or backend downloads
    import matplotlib.pyplot as plt

    keys = [k for k in HEADLINE if summary.get(k) is not None]
    xs = range(len(keys))
    fig, ax = plt.subplots(figsize=(9, 4), dpi=100)
    ax.bar(
        [x - 0.2 for x in xs],
        [baseline.get(k) or 0 for k in keys],
        0.4,
        label="baseline",
        color="#9e9e9e",
    )
    ax.bar(
        [x + 0.2 for x in xs], [summary[k] for k in keys], 0.4, label="this run", color="#1f5fa8"
    )
    ax.set_xticks(list(xs), [k.replace("_", "\n") for k in keys], fontsize=8)
    ax.set_ylim(0, 1.05)
    ax.set_title("Guide Assistant evals: this run vs baseline")
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
