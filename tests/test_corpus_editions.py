"""No-loss and format checks for the corpus editions (corpus/*.md).

Every sentence of each raw seed (corpus/raw) must survive, after markup
normalisation, in its Markdown edition, unless the seed line is listed in
corpus/dropped.toml with a reason. (raw/ and dropped.toml stay in the repo; the wheel ships
only the editions and sources.toml.)  Stdlib + pyyaml only.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
RAW = CORPUS / "raw"
SHARED_SEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"

REQUIRED_KEYS = ("source_id", "title", "publisher", "year", "date", "seed")
HEADING_PATH_SEP = " › "

SOURCES = tomllib.loads((CORPUS / "sources.toml").read_text(encoding="utf-8"))
DROPPED = tomllib.loads((CORPUS / "dropped.toml").read_text(encoding="utf-8"))["dropped"]
DOCS = SOURCES["documents"]
DOC_IDS = [d["source_id"] for d in DOCS]


# ---------------------------------------------------------------- helpers


def split_front_matter(text: str) -> tuple[dict, str]:
    assert text.startswith("---\n"), "edition must start with YAML front matter"
    end = text.index("\n---\n", 4)
    meta = yaml.safe_load(text[4:end])
    return meta, text[end + len("\n---\n") :]


def normalise(text: str) -> str:
    """Strip Markdown/HTML markup so seed and edition text can be compared."""
    s = text
    s = re.sub(r"<sup>\s*\d+\s*</sup>", " ", s)
    s = re.sub(r"\[\^\d+\]:?", " ", s)  # footnote references / definitions
    s = re.sub(r"[¹²³⁴⁵⁶⁷⁸⁹⁰]+", " ", s)  # unicode superscript note markers
    s = re.sub(r"\[([^\]]*)\]\(([^)]*)\)", r"\1", s)  # [text](url) -> text
    s = re.sub(r"\]\(#\)", " ", s)  # tail of a link broken over two lines
    s = re.sub(r"<((?:https?://|mailto:)[^>]+)>", r"\1", s)  # autolinks
    s = re.sub(r"<br\s*/?>", " ", s, flags=re.I)
    s = re.sub(r"</?[a-zA-Z][^>]*>", " ", s)  # any other HTML tag
    s = re.sub(r"(?m)^\s*#{1,6}\s+", " ", s)  # heading marks
    s = re.sub(r"(?m)^\s*[-*+]\s+", " ", s)  # list bullets
    s = re.sub(r"(?m)^\|?[\s|:-]*-{3,}[\s|:-]*$", " ", s)  # table rule rows
    s = s.replace("•", " ").replace("|", " ").replace("\t", " ")
    s = s.replace("\\", "").replace("*", "").replace("_", "")
    s = s.replace("[", "").replace("]", "")
    s = re.sub(r"\s+", " ", s)
    return s.strip().casefold()


def seed_sentences(line: str) -> list[str]:
    return [p for p in re.split(r"(?<=[.!?])\s+", line.strip()) if p.strip()]


def heading_paths(body: str) -> set[str]:
    stack: list[tuple[int, str]] = []
    paths = set()
    for line in body.split("\n"):
        m = re.match(r"^(#{1,6}) (.+)$", line)
        if not m:
            continue
        level = len(m.group(1))
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, m.group(2).strip()))
        paths.add(HEADING_PATH_SEP.join(t for _, t in stack))
    return paths


def doc_by_id(source_id: str) -> dict:
    return next(d for d in DOCS if d["source_id"] == source_id)


def load(doc: dict) -> tuple[dict, str, str]:
    text = (CORPUS / doc["file"]).read_text(encoding="utf-8")
    meta, body = split_front_matter(text)
    return meta, body, text


def dropped_for(source_id: str) -> list[dict]:
    return [d for d in DROPPED if d["source_id"] == source_id]


def is_dropped(entries: list[dict], lineno: int, stripped: str) -> bool:
    for e in entries:
        if "pattern" in e and re.search(e["pattern"], stripped):
            return True
        if "text" in e and e["text"] == stripped and e.get("line", lineno) == lineno:
            return True
    return False


# ---------------------------------------------------------------- tests


def test_manifest_lists_both_documents():
    assert set(DOC_IDS) == {"hee-2020-guidance", "tcsw-2014-role"}
    for d in DOCS:
        for key in ("source_id", "file", "seed", "title", "publisher", "year"):
            assert d.get(key), f"{d.get('source_id')}: missing {key}"
        assert isinstance(d["year"], str)


@pytest.mark.parametrize("source_id", DOC_IDS)
def test_front_matter(source_id):
    doc = doc_by_id(source_id)
    raw = (CORPUS / doc["file"]).read_bytes()
    assert b"\r" not in raw, "edition must use \\n line ends"
    meta, _body, _ = load(doc)
    for key in REQUIRED_KEYS:
        assert meta.get(key), f"front matter lacks {key}"
        assert isinstance(meta[key], str), f"front matter {key} must be a string"
    assert meta["source_id"] == source_id
    assert meta["seed"] == doc["seed"]
    assert meta["title"] == doc["title"]
    assert meta["year"] == doc["year"]
    if "url" in doc:
        assert meta.get("url") == doc["url"]


@pytest.mark.parametrize("source_id", DOC_IDS)
def test_raw_copy_matches_shared_seed(source_id):
    doc = doc_by_id(source_id)
    raw = RAW / doc["seed"]
    assert raw.is_file(), f"missing raw copy {raw}"
    shared = SHARED_SEEDS / doc["seed"]
    if not SHARED_SEEDS.is_dir():
        pytest.skip("../shared/seeds not available")
    assert raw.read_bytes() == shared.read_bytes(), f"{raw} differs from {shared}"


@pytest.mark.parametrize("source_id", DOC_IDS)
def test_no_sentence_lost(source_id):
    doc = doc_by_id(source_id)
    _, _, text = load(doc)
    edition = normalise(text)
    entries = dropped_for(source_id)
    lines = (RAW / doc["seed"]).read_text(encoding="utf-8").split("\n")
    missing = []
    for lineno, line in enumerate(lines, 1):
        stripped = line.strip()
        if not stripped or is_dropped(entries, lineno, stripped):
            continue
        for sentence in seed_sentences(line):
            norm = normalise(sentence)
            if norm and norm not in edition:
                missing.append(f"  seed line {lineno}: {sentence[:160]}")
    assert not missing, (
        f"{len(missing)} seed sentence(s) missing from {doc['file']} "
        f"(first 20):\n" + "\n".join(missing[:20])
    )


@pytest.mark.parametrize("source_id", DOC_IDS)
def test_dropped_entries_occur_in_seed(source_id):
    doc = doc_by_id(source_id)
    lines = (RAW / doc["seed"]).read_text(encoding="utf-8").split("\n")
    stripped = [line.strip() for line in lines]
    for e in dropped_for(source_id):
        assert e.get("reason"), f"dropped entry without reason: {e}"
        if "pattern" in e:
            assert any(re.search(e["pattern"], s) for s in stripped if s), e
        else:
            assert e["text"], e
            if "line" in e:
                assert stripped[e["line"] - 1] == e["text"], (
                    f"seed line {e['line']} is not {e['text']!r}"
                )
            else:
                assert e["text"] in stripped, e


def test_dropped_entries_name_known_documents():
    for e in DROPPED:
        assert e["source_id"] in DOC_IDS, e


@pytest.mark.parametrize("source_id", DOC_IDS)
def test_no_conversion_junk(source_id):
    doc = doc_by_id(source_id)
    _, body, _ = load(doc)
    problems = []
    for i, line in enumerate(body.split("\n"), 1):
        if "<sup>" in line or "](#)" in line or "<p>" in line.lower():
            problems.append((i, "leftover markup", line[:100]))
        if re.match(r"^\s*-\s+(\S{0,4}\.)?\*\*(\s|$)", line):
            problems.append((i, "stray ** at start of list item", line[:100]))
        if re.match(r"^\s*-\s", line) and line.count("**") % 2:
            problems.append((i, "unbalanced ** in list item", line[:100]))
        if re.fullmatch(r"\s*(-{3,}|\*{3,}|_{3,})\s*", line):
            problems.append((i, "horizontal rule in body", line))
        html = re.sub(r"<br>", "", line)
        html = re.sub(r"<(?:https?://|mailto:)[^>]+>", "", html)
        if re.search(r"</?[a-zA-Z][^>]*>", html):
            problems.append((i, "HTML other than <br>", line[:100]))
        if "<br>" in line and not line.startswith("|"):
            problems.append((i, "<br> outside a table cell", line[:100]))
    assert not problems, "\n".join(map(str, problems[:20]))


@pytest.mark.parametrize("source_id", DOC_IDS)
def test_headings(source_id):
    doc = doc_by_id(source_id)
    meta, body, _ = load(doc)
    prev = 0
    problems = []
    for line in body.split("\n"):
        m = re.match(r"^(#+)(\s*)(.*)$", line)
        if not m:
            continue
        level, text = len(m.group(1)), m.group(3)
        if not m.group(2) or level > 4:
            problems.append(f"malformed heading: {line}")
        if level > prev + 1:
            problems.append(f"heading jumps from level {prev} to {level}: {line}")
        if "*" in text or re.search(r"(?<!\w)_|_(?!\w)", text):
            problems.append(f"emphasis markup in heading: {line}")
        if text.rstrip().endswith(":"):
            problems.append(f"heading ends with a colon: {line}")
        if text.strip() == meta["title"]:
            problems.append(f"document title repeated as heading: {line}")
        prev = level
    assert body.lstrip().startswith("# "), "body must start with a top-level heading"
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("source_id", DOC_IDS)
def test_footnotes_resolve(source_id):
    _, body, _ = load(doc_by_id(source_id))
    defined = set(re.findall(r"(?m)^\[\^(\d+)\]:", body))
    used = set(re.findall(r"\[\^(\d+)\](?!:)", body))
    assert used <= defined, f"undefined footnotes: {sorted(used - defined)}"
    assert defined <= used, f"unreferenced footnotes: {sorted(defined - used)}"


def test_resources_linked_from_existing_headings():
    paths = {d["source_id"]: heading_paths(load(d)[1]) for d in DOCS}
    hee = paths["hee-2020-guidance"]
    bad = []
    for r in SOURCES["resources"]:
        assert r.get("code"), r
        assert r.get("title"), r
        if "url" in r:
            assert r["url"].startswith("https://www.nice.org.uk/"), r
        assert r.get("linked_from"), f"{r['code']}: no linked_from"
        for p in r["linked_from"]:
            if p not in hee:
                bad.append(f"{r['code']}: {p}")
    assert not bad, "linked_from paths not in the HEE edition:\n" + "\n".join(bad)


def test_readme_nice_codes_listed():
    codes = {r["code"] for r in SOURCES["resources"]}
    for code in (
        "CG136",
        "QS14",
        "NG86",
        "NG44",
        "QS148",
        "NG74",
        "NG13",
        "QS147",
        "NG10",
        "PH50",
        "NG96",
        "NG108",
    ):
        assert code in codes, code
    for r in SOURCES["resources"]:
        if re.fullmatch(r"[A-Z]{2,3}\d+", r["code"]):
            assert r["url"] == f"https://www.nice.org.uk/guidance/{r['code'].lower()}"
