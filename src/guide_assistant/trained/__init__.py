"""Models trained on this corpus's written questions (``training/``), shipped in the wheel:
nothing is trained or downloaded on a user's machine. Each folder has a ``card.json``."""

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
EMBEDDER_DIR = HERE / "embedder"
DETECTOR_DIR = HERE / "detector"
ABSTAINER = HERE / "abstainer.json"
SUPPORT_DIR = HERE / "support"


@dataclass
class Classifier:
    """A shipped two-class model (fp16 on disk, float32 in use) and its card."""

    folder: Path

    @cached_property
    def card(self) -> dict[str, Any]:
        return dict(json.loads((self.folder / "card.json").read_text()))

    @property
    def threshold(self) -> float:
        """The bar set at training (on held-out items), from the card."""
        return float(self.card["threshold"])

    @cached_property
    def weights(self) -> tuple[Any, Any]:
        """(tokenizer, model), loaded on first use: transformers is a slow import."""
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(str(self.folder))
        model = AutoModelForSequenceClassification.from_pretrained(
            str(self.folder), dtype=torch.float32
        )
        return tokenizer, model.eval()
