"""Sentence splitters compared: the chunker's own regexes against nltk Punkt ``span_tokenize``.

Over both corpus editions, the same paragraph and list-item spans that
``chunking.section_groups`` hands to ``chunking.split_sentences`` are re-split with Punkt (the
English ``punkt_tab`` parameters bundled inside llama-index, loaded from there: nothing is
downloaded). Punkt's spans get the chunker's own ``_trim`` (list markers, emphasis markup), as
they would in the chunker. Prints counts, agreement, verbatim and trimming checks, categories
of disagreement with examples, and speed. Figures only, no assertions.

    .venv/bin/python benchmarks/compare_sentence_splitters.py [--repeat 20] [--examples 3]
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import nltk
from nltk.tokenize.punkt import PunktTokenizer

from guide_assistant.ingest import chunking
from guide_assistant.ingest.corpus import LoadedDocument, load_edition, load_manifest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"

Spans = list[tuple[int, int]]
ENUMERATOR = re.compile(r"\(?(?:[ivxlcIVXLC]{1,4}|[A-Za-z]|\d+)\.")
ABBREVIATIONS = set("e.g i.e etc cf al no nos dr mr mrs ms st vs prof fig vol pp ed eds".split())
HIDDEN_END = re.compile(r"[.!?][*_]+\s+[A-Z0-9]")  # "**Safe staffing.** Organisations"
CLOSERS = ("’", "'", "”", '"', ")", "]", "[^")
CATEGORIES = (
    "emphasis markup (**Lead-in.** Next)",
    "semicolon (';' then a capital)",
    "enumerator (i., iv., A.)",
    "abbreviation (e.g., etc., No.)",
    "closing quote/bracket/footnote split off",
    "ellipsis ('...')",
    "other",
)


@dataclass(frozen=True, eq=False)  # hashed by identity: one key per span
class Piece:
    """One span the chunker splits into sentences: ``doc.text[start:end]``."""

    doc: LoadedDocument
    start: int
    end: int
    kind: str  # "para" | "item"

    @property
    def text(self) -> str:
        return self.doc.text


def load_punkt() -> tuple[PunktTokenizer, Path, float]:
    """Punkt English from llama-index's bundled nltk cache; never nltk's downloader."""
    spec = importlib.util.find_spec("llama_index.core")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("llama-index-core is not installed: no bundled punkt_tab")
    cache = Path(next(iter(spec.submodule_search_locations))) / "_static" / "nltk_cache"
    nltk.data.path[:] = [str(cache)]  # only the bundled data: a missing file fails, not fetched
    began = time.perf_counter()
    tokenizer = PunktTokenizer("english")
    return tokenizer, cache / "tokenizers" / "punkt_tab" / "english", time.perf_counter() - began


def chunker_pieces() -> tuple[list[Piece], int]:
    """The spans ``section_groups`` splits (recorded by wrapping ``split_sentences``), and how
    many para/item units ``section_groups`` itself produced (a check on the recording)."""
    pieces: list[Piece] = []
    produced = 0
    for entry in load_manifest(CORPUS)["documents"]:
        doc = load_edition(CORPUS / entry["file"])
        wrapped = chunking.split_sentences
        with mock.patch.object(chunking, "split_sentences", wraps=wrapped) as spy:
            groups = [g for s in doc.sections for g in chunking.section_groups(doc, s)]
        produced += sum(u.kind in ("para", "item") for g in groups for u in g.units)
        for call in spy.call_args_list:
            text, start, end, kind = call.args
            assert text is doc.text
            pieces.append(Piece(doc, start, end, kind))
    return pieces, produced


def split_ours(piece: Piece) -> Spans:
    units = chunking.split_sentences(piece.text, piece.start, piece.end, piece.kind)
    return [(u.start, u.end) for u in units]


def punkt_splitters(tokenizer: PunktTokenizer) -> tuple[Callable, Callable]:
    def raw(piece: Piece) -> Spans:
        found = tokenizer.span_tokenize(piece.text[piece.start : piece.end])
        return [(piece.start + a, piece.start + b) for a, b in found]

    def trimmed(piece: Piece) -> Spans:
        spans = (chunking._trim(piece.text, a, b) for a, b in raw(piece))
        return [(a, b) for a, b in spans if piece.text[a:b].strip()]

    return raw, trimmed


def cuts(spans: Spans) -> Spans:
    """Where one sentence stops and the next begins: (end of one, start of the next)."""
    return [(spans[i][1], spans[i + 1][0]) for i in range(len(spans) - 1)]


def unmatched(mine: Spans, theirs: Spans) -> Spans:
    """Cuts in ``mine`` that no cut in ``theirs`` overlaps (same gap = same boundary)."""
    return [(a, b) for a, b in mine if not any(a <= d and c <= b for c, d in theirs)]


def classify(piece: Piece, gap: tuple[int, int]) -> str:
    text = piece.text
    left = text[piece.start : gap[0]].rstrip()
    between = text[gap[0] : gap[1]]
    right = text[gap[1] : piece.end]
    token = left.split()[-1] if left.split() else ""
    if "*" in between or "_" in between:
        return CATEGORIES[0]
    if left.endswith(";"):
        return CATEGORIES[1]
    if ENUMERATOR.fullmatch(token):
        return CATEGORIES[2]
    if token.lower().lstrip("(").rstrip(".") in ABBREVIATIONS:
        return CATEGORIES[3]
    if right.startswith(CLOSERS):
        return CATEGORIES[4]
    if left.endswith(("...", "…")):
        return CATEGORIES[5]
    return CATEGORIES[6]


def show(piece: Piece, gap: tuple[int, int], width: int = 50) -> str:
    text = piece.text
    left = text[max(piece.start, gap[0] - width) : gap[0]]
    right = text[gap[1] : min(piece.end, gap[1] + width)]
    head = "…" if gap[0] - width > piece.start else ""
    tail = "…" if gap[1] + width < piece.end else ""
    return f"{head}{left} ‖ {right}{tail}".replace("\n", " ")


def words(text: str) -> int:
    return len(re.findall(r"[A-Za-z]{2,}", text))


def throughput(split: Callable, pieces: list[Piece], repeat: int) -> tuple[float, float]:
    """Sentences per second and seconds per pass (best of ``repeat``: the machine is shared)."""
    best, count = float("inf"), 0
    for _ in range(repeat):
        began = time.perf_counter()
        count = sum(len(split(p)) for p in pieces)
        best = min(best, time.perf_counter() - began)
    return count / best, best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=20, help="timing passes (best is kept)")
    parser.add_argument("--examples", type=int, default=3, help="examples per category")
    args = parser.parse_args()

    tokenizer, data_dir, load_seconds = load_punkt()
    punkt_raw, punkt_trimmed = punkt_splitters(tokenizer)
    pieces, produced = chunker_pieces()
    print(f"Punkt data: {data_dir}")
    print(f"Punkt loaded in {load_seconds * 1000:.0f} ms (nltk {nltk.__version__})")
    print(f"spans split by the chunker: {len(pieces)} ({Counter(p.kind for p in pieces)})")

    ours = {p: split_ours(p) for p in pieces}
    raw = {p: punkt_raw(p) for p in pieces}
    punkt = {p: punkt_trimmed(p) for p in pieces}
    recorded = sum(len(s) for s in ours.values())
    print(f"check: section_groups made {produced} para/item units; re-splitting gives {recorded}")

    print("\n== Sentence counts (Punkt spans trimmed with chunking._trim, as the chunker would)")
    print(f"{'edition':<22}{'ours':>7}{'punkt':>7}{'same':>7}{'only ours':>11}{'only punkt':>12}")
    per_doc: dict[str, list[Piece]] = defaultdict(list)
    for p in pieces:
        per_doc[p.doc.meta.source_id].append(p)
    for name, group in [*per_doc.items(), ("both", pieces)]:
        mine = {(p.doc.meta.source_id, *s) for p in group for s in ours[p]}
        theirs = {(p.doc.meta.source_id, *s) for p in group for s in punkt[p]}
        print(
            f"{name:<22}{len(mine):>7}{len(theirs):>7}{len(mine & theirs):>7}"
            f"{len(mine - theirs):>11}{len(theirs - mine):>12}"
        )
    agree = sum(ours[p] == punkt[p] for p in pieces)
    print(f"input spans split identically: {agree} of {len(pieces)}")
    untrimmed = {(id(p.doc), *s) for p in pieces for s in raw[p]}
    mine_all = {(id(p.doc), *s) for p in pieces for s in ours[p]}
    same = len(untrimmed & mine_all)
    print(f"untrimmed Punkt spans identical to ours: {same} of {len(untrimmed)}")

    print("\n== Verbatim and trimming")
    strings_match = all(
        tokenizer.tokenize(p.text[p.start : p.end]) == [p.text[a:b] for a, b in raw[p]]
        for p in pieces
    )
    print(f"Punkt tokenize() strings == text[start:end] of span_tokenize(): {strings_match}")
    inside = all(p.start <= a < b <= p.end for p in pieces for a, b in punkt[p])
    print(f"every trimmed Punkt span lies inside its input span: {inside}")
    changed: Counter[str] = Counter()
    for p in pieces:
        for a, b in raw[p]:
            if chunking._trim(p.text, a, b) == (a, b):
                continue
            piece = p.text[a:b]
            if chunking.LIST_ITEM.match(piece):
                changed["starts with a list marker ('- ', '1. ')"] += 1
            elif chunking.EDGE_MARKUP.match(piece) or chunking.EDGE_MARKUP.search(piece):
                changed["starts/ends with emphasis or quote markup ('**', '_', '>')"] += 1
    print(f"raw Punkt spans that need our _trim to be quotable: {sum(changed.values())}")
    for reason, n in changed.most_common():
        print(f"  {n:>4}  {reason}")
    print("quotability of the sentences each splitter yields:")
    units = {
        label: {(id(p.doc), a, b): (p, a, b) for p in pieces for a, b in table[p]}
        for label, table in (("ours", ours), ("punkt", punkt))
    }
    for label, other in (("ours", "punkt"), ("punkt", "ours")):
        texts = [p.text[a:b] for p, a, b in units[label].values()]
        hidden = sum(bool(HIDDEN_END.search(t)) for t in texts)
        short = [
            p.text[a:b]
            for key, (p, a, b) in units[label].items()
            if words(p.text[a:b]) < 2 and key not in units[other]
        ]
        sample = ", ".join(f"{t!r} x{n}" for t, n in Counter(short).most_common(6))
        print(f"  {label:<6} sentences running on past a '.**'-style end: {hidden}")
        print(f"  {label:<6} fragments (< 2 words) the other splitter does not make: {len(short)}")
        if sample:
            print(f"           e.g. {sample}")

    print("\n== Disagreements: boundaries only one splitter makes")
    found: dict[tuple[str, str], list[tuple[Piece, tuple[int, int]]]] = defaultdict(list)
    for p in pieces:
        mine, theirs = cuts(ours[p]), cuts(punkt[p])
        for who, extra in (("punkt", unmatched(theirs, mine)), ("ours", unmatched(mine, theirs))):
            for gap in extra:
                found[(who, classify(p, gap))].append((p, gap))
    print(f"{'category':<44}{'punkt only':>11}{'ours only':>11}")
    for category in CATEGORIES:
        n_punkt, n_ours = len(found[("punkt", category)]), len(found[("ours", category)])
        if n_punkt or n_ours:
            print(f"{category:<44}{n_punkt:>11}{n_ours:>11}")
    total_punkt = sum(len(v) for (who, _), v in found.items() if who == "punkt")
    total_ours = sum(len(v) for (who, _), v in found.items() if who == "ours")
    print(f"{'total':<44}{total_punkt:>11}{total_ours:>11}")
    for category in CATEGORIES:
        for who in ("punkt", "ours"):
            hits = found[(who, category)]
            if not hits:
                continue
            print(f"\n  {category}: cut only by {who} ({len(hits)})")
            for p, gap in hits[: args.examples]:
                print(f"    [{p.doc.meta.source_id}] {show(p, gap)}")

    print(f"\n== Speed (same run, best of {args.repeat} passes over {len(pieces)} spans)")
    rates = {
        "ours (split_sentences)": throughput(split_ours, pieces, args.repeat),
        "punkt span_tokenize": throughput(punkt_raw, pieces, args.repeat),
        "punkt span_tokenize + _trim": throughput(punkt_trimmed, pieces, args.repeat),
    }
    for label, (rate, seconds) in rates.items():
        print(f"{label:<30}{rate:>12,.0f} sentences/s  ({seconds * 1000:.1f} ms per pass)")
    ratio = rates["ours (split_sentences)"][0] / rates["punkt span_tokenize + _trim"][0]
    print(f"ours / punkt(+_trim) throughput ratio: {ratio:.1f}x")


if __name__ == "__main__":
    main()
