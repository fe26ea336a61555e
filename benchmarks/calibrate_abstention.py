"""Calibrate when the assistant abstains, on the golden set: prints, for a grid of settings,
the share of in-scope questions answered and of out-of-scope questions refused.

    .venv/bin/python benchmarks/calibrate_abstention.py [--min-answered 0.88]

The golden set is both the calibration and the evaluation data here (it is all we have), so
the figures are in-sample: treat them as an upper bound for new questions.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from guide_assistant.settings import Settings, offline_environment  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--min-answered", type=float, default=0.88)
    args = parser.parse_args()
    offline_environment()
    from guide_assistant import answering, evaluation
    from guide_assistant.assistant import Assistant
    from guide_assistant.models import ChatMessage
    from guide_assistant.text import content_stems

    assistant = Assistant.load(Settings())
    composer = assistant.composer
    features = []  # (out of scope?, best relevance, share of words unknown to the corpus)
    for item in evaluation.load_golden(ROOT / "evals" / "golden.jsonl"):
        history = [ChatMessage(role="user", content=h) for h in item.history]
        query = answering.standalone_query(item.question, history)
        vector = assistant.embedder.embed_query(query)
        ranked = composer.candidates(query, vector, assistant.retriever.retrieve(query, vector))
        stems = content_stems(query)
        unknown = sum(w not in composer.vocabulary for w in stems) / max(len(stems), 1)
        features.append((not item.in_scope, ranked[0].score if ranked else 0.0, unknown))

    rows = []
    grid = itertools.product(
        [0.25, 0.28, 0.30, 0.33, 0.36, 0.40], [0.40, 0.45, 0.50, 0.55, 0.60], [0.1, 0.2, 0.3]
    )
    for low, high, share in grid:
        refuse = [s < low or (u >= share and s < high) for _, s, u in features]
        answered = [not r for (oos, _, _), r in zip(features, refuse, strict=True) if not oos]
        refused = [r for (oos, _, _), r in zip(features, refuse, strict=True) if oos]
        rows.append((sum(answered) / len(answered), sum(refused) / len(refused), low, high, share))
    print(f"{len(features)} items; {sum(f[0] for f in features)} out of scope")
    print("answered_in_scope refused_out_of_scope threshold unknown_threshold unknown_share")
    for row in sorted(rows, key=lambda r: (-r[1], -r[0]))[:15]:
        print("  ".join(f"{v:.3f}" if isinstance(v, float) else str(v) for v in row))
    ok = [r for r in rows if r[0] >= args.min_answered]
    if ok:
        best = max(ok, key=lambda r: (r[1], r[0]))
        print(
            f"\nbest with answered >= {args.min_answered}: answered {best[0]:.3f}, refused "
            f"{best[1]:.3f} -> GUIDE_ABSTAIN_THRESHOLD={best[2]} "
            f"GUIDE_ABSTAIN_UNKNOWN_THRESHOLD={best[3]} GUIDE_ABSTAIN_UNKNOWN_SHARE={best[4]}"
        )


if __name__ == "__main__":
    main()
