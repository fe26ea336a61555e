"""Split golden items into ``evals/dev.jsonl`` (tune on it) and ``evals/test.jsonl`` (report on
it; don't read its items while tuning), stratified by kind and persona.

    .venv/bin/python evals/split_golden.py NEW.jsonl [NEW2.jsonl ...]
    .venv/bin/python evals/split_golden.py --to dev PROBES.jsonl   # seen while tuning
    .venv/bin/python evals/split_golden.py --to test UNSEEN.jsonl  # written, never read

Items already in dev or test keep their split, so a test item never moves into dev. Each new
item goes, within its (kind, persona) stratum and in the order of a hash of its id, to test
while the stratum's test share is under ``TEST_SHARE``, else to dev. ``--to`` puts every new
item in one split: questions someone has read while tuning belong in dev, and a batch written
apart and never read may all go to test.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections import defaultdict
from pathlib import Path

EVALS = Path(__file__).parent
TEST_SHARE = 0.375
SPLITS = ("dev", "test")


def read(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def main(new_files: list[str], to: str | None = None) -> None:
    splits = {name: read(EVALS / f"{name}.jsonl") for name in SPLITS}
    known = {item["id"] for items in splits.values() for item in items}
    fresh = [i for f in new_files for i in read(Path(f)) if i["id"] not in known]
    counts: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: {"dev": 0, "test": 0})
    for name, items in splits.items():
        for item in items:
            counts[(item["kind"], item["persona"])][name] += 1
    for item in sorted(fresh, key=lambda i: hashlib.sha256(i["id"].encode()).hexdigest()):
        stratum = counts[(item["kind"], item["persona"])]
        total = stratum["dev"] + stratum["test"] + 1
        name = to or ("test" if stratum["test"] + 1 <= TEST_SHARE * total + 0.5 else "dev")
        stratum[name] += 1
        splits[name].append(item)
    for name, items in splits.items():
        items.sort(key=lambda i: i["id"])
        lines = [json.dumps(i, ensure_ascii=False) for i in items]
        (EVALS / f"{name}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"{name}: {len(items)} items")


if __name__ == "__main__":
    args = sys.argv[1:]
    split = None
    if args[:1] == ["--to"]:
        split, args = args[1], args[2:]
        if split not in SPLITS:
            sys.exit(f"--to takes one of {', '.join(SPLITS)}")
    main(args, split)
