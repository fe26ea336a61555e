"""Calibrate when the assistant abstains, on the dev split: prints, for a grid of settings,
the share of in-scope questions answered and of out-of-scope questions refused.

    .venv/bin/python benchmarks/calibrate_abstention.py [--min-answered 0.92] [--min-refused 0.80]

The suggestion is the setting with the most right decisions (items, not rates) among those that
meet both floors (issue #10's goals: in-scope refused at most 0.08, out-of-scope refused at
least 0.80); with none, the best sum of the two rates above ``--min-answered``.

It reads the dev split only (evals/dev.jsonl): the thresholds are tuned there, and
evals/test.jsonl reports how they hold on questions they were not tuned on.
"""

from __future__ import annotations

import argparse
import copy
import itertools
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from guide_assistant.settings import Settings, offline_environment  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--min-answered", type=float, default=0.92)
    parser.add_argument("--min-refused", type=float, default=0.80)
    args = parser.parse_args()
    offline_environment()
    from guide_assistant.answer import routing
    from guide_assistant.answer.extractive import Draft
    from guide_assistant.answer.questions import Question
    from guide_assistant.assistant import Assistant
    from guide_assistant.evaluation import metrics as evaluation

    settings = Settings()
    assistant = Assistant.load(settings)
    print(f"calibrating for the scoring weights {settings.scoring.model_dump()}")
    everyday_grid = [4.5, 5.0, 5.5, 99.0]  # 99: every word counts, however everyday
    # The draft leads with a sentence saying the question's distinctive words, and which words
    # are distinctive depends on the everyday bar: one set of drafts per bar.
    searched = []  # (out of scope?, question, retrieved): the same whatever the thresholds
    for item in evaluation.load_golden(ROOT / "evals" / "dev.jsonl"):
        history = [{"role": "user", "content": h} for h in item.history]
        asked = assistant.understanding.understand(item.question, history)
        searched.append((not item.in_scope, asked, assistant.retriever.search(asked)))
    drafts: dict[float, list[tuple[bool, Question, Draft]]] = {}
    for everyday in everyday_grid:
        abstention = copy.copy(assistant.abstention)
        abstention.settings = Settings(abstain_everyday_zipf=everyday)
        drafts[everyday] = [
            (
                oos,
                asked,
                assistant.composer.draft(
                    asked, routing.route(asked), found, focus=abstention.distinctive(asked.said)
                ),
            )
            for oos, asked, found in searched
        ]

    rows = []
    grid = itertools.product(
        [0.25, 0.30, 0.35],
        [0.40, 0.45, 0.50],
        [0.1, 0.2],
        [0.0, 0.45, 0.50, 0.55, 0.60, 0.65],
        everyday_grid,
    )
    for low, unknown_bar, share, uncovered_bar, everyday in grid:
        settings = Settings(
            abstain_threshold=low,
            abstain_unknown_threshold=unknown_bar,
            abstain_unknown_share=share,
            abstain_uncovered_threshold=uncovered_bar,
            abstain_everyday_zipf=everyday,
        )
        # The whole decision, the answer-type check included, under these thresholds.
        abstention = copy.copy(assistant.abstention)
        abstention.settings = settings
        features = drafts[everyday]
        refuse = [abstention.decide(q, d.relevance, d.rows, d.best).abstain for _, q, d in features]
        answered = [not r for (oos, _, _), r in zip(features, refuse, strict=True) if not oos]
        refused = [r for (oos, _, _), r in zip(features, refuse, strict=True) if oos]
        rows.append(
            (
                sum(answered) / len(answered),
                sum(refused) / len(refused),
                low,
                unknown_bar,
                share,
                uncovered_bar,
                everyday,
            )
        )
    print(f"{len(features)} items; {sum(f[0] for f in features)} out of scope")
    print(
        "answered_in_scope refused_out_of_scope | threshold unknown_threshold unknown_share "
        "uncovered_threshold everyday_zipf"
    )
    for row in sorted(rows, key=lambda r: -(r[0] + r[1]))[:15]:
        print("  ".join(f"{v:.3f}" if isinstance(v, float) else str(v) for v in row))
    inside, outside = len(features) - sum(f[0] for f in features), sum(f[0] for f in features)
    both = [r for r in rows if r[0] >= args.min_answered and r[1] >= args.min_refused]
    ok = both or [r for r in rows if r[0] >= args.min_answered]
    if ok:
        if both:
            best = max(both, key=lambda r: (r[0] * inside + r[1] * outside, r[0]))
        else:
            best = max(ok, key=lambda r: (r[0] + r[1], r[0]))
        print(
            f"\nbest with answered >= {args.min_answered}: answered {best[0]:.3f}, refused "
            f"{best[1]:.3f} -> GUIDE_ABSTAIN_THRESHOLD={best[2]} "
            f"GUIDE_ABSTAIN_UNKNOWN_THRESHOLD={best[3]} GUIDE_ABSTAIN_UNKNOWN_SHARE={best[4]} "
            f"GUIDE_ABSTAIN_UNCOVERED_THRESHOLD={best[5]} GUIDE_ABSTAIN_EVERYDAY_ZIPF={best[6]}"
        )
        print(
            "Record the weights above as CALIBRATED_SCORING in settings.py with the thresholds, "
            "or tests/test_answering.py fails."
        )


if __name__ == "__main__":
    main()
