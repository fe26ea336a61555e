"""The learned support model: does a passage say what a written sentence says?

A cross-encoder (all-MiniLM-L6-v2 fine-tuned with a two-class head on written faithful
paraphrases and near-misses of the editions' passages: changed numbers, dates, negation,
modality, scope, actor, added or merged claims; ``training/train_support.py``) reads the
sentence and its cited passage together and gives P(supported). The guard shows a sentence at or
above the card's ``threshold`` (set on held-out written pairs) unless a hard check vetoes it.

The model reads the sentence beside the passage's segments closest to it (about 100 tokens, in
the passage's order), not the whole passage: what it compares is the evidence, and a sentence is
judged in well under the 40 ms a streamed answer can spare (``benchmarks/bench_llm.py``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from guide_assistant.answer.check import agreement
from guide_assistant.text import content_stems
from guide_assistant.trained import SUPPORT_DIR, Classifier

MAX_TOKENS = 256
CONTEXT_CHARS = 450  # about 100 tokens: the passage segments closest to the sentence
BATCH = 16


def context(sentence: str, passage: str, budget: int = CONTEXT_CHARS) -> str:
    """The passage, or where it is too long, its segments sharing most words with the
    sentence (kept in the passage's order) up to ``budget`` characters."""
    if len(passage) <= budget:
        return passage
    segments = agreement.segments(passage)
    words = set(content_stems(sentence))
    ranked = sorted(
        range(len(segments)), key=lambda i: -len(words & set(content_stems(segments[i])))
    )
    keep: set[int] = set()
    used = 0
    for i in ranked:
        if used + len(segments[i]) > budget and keep:
            continue
        keep.add(i)
        used += len(segments[i]) + 1
    return " ".join(segments[i] for i in sorted(keep))


def probabilities(tokenizer: Any, model: Any, pairs: list[tuple[str, str]]) -> list[float]:
    """P(supported) for each (sentence, passage) pair, by a two-class model (the shipped one,
    or one being trained). The sentence goes first so that it is never cut."""
    import torch

    out: list[float] = []
    # Queries run on one thread (index/embedding.py); a pair of ~150 tokens gains from both
    # cores: p95 46 -> 29 ms per sentence here.
    previous = torch.get_num_threads()
    torch.set_num_threads(os.cpu_count() or 1)
    try:
        with torch.no_grad():
            for i in range(0, len(pairs), BATCH):
                rows = pairs[i : i + BATCH]
                enc = tokenizer(
                    [s for s, _ in rows],
                    [context(s, p) for s, p in rows],
                    padding=True,
                    truncation="only_second",
                    max_length=MAX_TOKENS,
                    return_tensors="pt",
                )
                out += torch.softmax(model(**enc).logits, dim=-1)[:, 1].tolist()
    finally:
        torch.set_num_threads(previous)  # the query path's one thread, even on an error
    return out


@dataclass
class SupportModel(Classifier):
    """The fine-tuned cross-encoder and its threshold (from its card)."""

    folder: Path = SUPPORT_DIR

    def prepare(self) -> None:
        """Load the weights now (a second or so), not within an answer's deadline."""
        _ = self.weights

    def probability(self, sentence: str, passages: list[str]) -> float:
        """P(supported) of a sentence by the passages it cites: each on its own, and all
        together when it cites several (a sentence may join two passages' facts)."""
        candidates = list(passages)
        if len(passages) > 1:
            candidates.append("\n".join(passages))
        pairs = [(sentence, p) for p in candidates]
        return max(probabilities(*self.weights, pairs), default=0.0)


@cache
def shared() -> SupportModel:
    """The shipped model, loaded once per process (the guard runs it on every sentence)."""
    return SupportModel()
