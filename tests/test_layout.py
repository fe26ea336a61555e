"""The package layout: one folder per stage, imports pointing one way, small modules.

Reads the source with ``ast``; imports nothing from the package.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "guide_assistant"
ROOT_MODULES = {"__init__", "models", "text", "assistant"}
MAX_ROOT_MODULES = 6
# trained/: the weights learned from training/ (data, and the paths to it). settings/: the one
# Settings and its groups, and where things are (locations).
BASE = {"models", "settings", "text", "trained"}
# What each part may import. The data flow is ingest → index → answer → assistant →
# interfaces; obligations, storage and evaluation sit beside it.
ALLOWED: dict[str, set[str]] = {
    "models": set(),
    "trained": set(),
    "settings": set(),
    "text": set(),
    "ingest": BASE,
    "storage": {"models", "settings"},
    "index": BASE | {"ingest"},
    "obligations": BASE | {"ingest", "storage"},
    "llm": BASE,  # adapters to model servers, apart from the pipeline
    "answer": BASE | {"ingest", "index", "obligations", "llm"},
    "evaluation": BASE | {"ingest", "index", "answer"},
    "assistant": BASE | {"ingest", "index", "obligations", "answer"},
    "interfaces": BASE
    | {"ingest", "index", "obligations", "answer", "storage", "assistant", "evaluation", "llm"},
    "__init__": {"models", "settings", "assistant"},
}
# answer/'s stages, in the order the data flows: a stage imports only those before it.
STAGES = ["question", "retrieve", "compose", "check", "write"]
MAX_MODULE_LINES = 300
MAX_FUNCTION_LINES = 60


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def part_of(path: Path) -> str:
    """The layer a module belongs to: its top folder, or its own name at the root."""
    relative = path.relative_to(PACKAGE)
    return relative.parts[0] if len(relative.parts) > 1 else relative.stem


def imported_names(tree: ast.AST) -> set[str]:
    """Every ``guide_assistant…`` name a module imports (``from M import x`` gives ``M.x``),
    wherever in the module the import stands."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found |= {f"{node.module}.{a.name}" for a in node.names}
    return {n for n in found if n.startswith("guide_assistant.")}


def imported_parts(tree: ast.AST) -> set[str]:
    """The layers a module imports (``guide_assistant.<part>``)."""
    return {n.split(".")[1] for n in imported_names(tree)}


def test_the_root_holds_only_the_shared_modules():
    root = {p.stem for p in PACKAGE.glob("*.py")}
    assert root == ROOT_MODULES
    assert len(root) <= MAX_ROOT_MODULES
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"}
    expected = {n for n in ALLOWED if n not in ROOT_MODULES} | {"trained", "settings"}
    assert folders == expected - {"models", "text"}


def test_the_shipped_data_has_one_copy_at_the_top():
    """The design card's corpus/ and prompts/ are top-level folders, not copies in the package
    (setup.py maps them into the wheel)."""
    top = PACKAGE.parents[1]
    assert (top / "corpus" / "sources.toml").is_file()
    assert (top / "prompts" / "answer.txt").is_file()
    assert not (PACKAGE / "corpus").exists()
    assert not (PACKAGE / "prompts").exists()


def test_every_package_says_what_it_holds():
    for init in PACKAGE.rglob("__init__.py"):
        assert ast.get_docstring(ast.parse(init.read_text())), init


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_down_the_data_flow(path):
    part = part_of(path)
    outside = imported_parts(ast.parse(path.read_text())) - {part}
    assert outside <= ALLOWED[part], f"{part} imports {sorted(outside - ALLOWED[part])}"


def answer_stages(tree: ast.AST) -> set[str]:
    """The stages of answer/ a module imports (``guide_assistant.answer.<stage>…``)."""
    names = imported_names(tree)
    return {n.split(".")[2] for n in names if n.startswith("guide_assistant.answer.")}


def test_answer_is_arranged_by_stage():
    answer = PACKAGE / "answer"
    assert {p.stem for p in answer.glob("*.py")} == {"__init__"}
    folders = {p.name for p in answer.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert folders == set(STAGES)


@pytest.mark.parametrize(
    "path", sorted((PACKAGE / "answer").rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE))
)
def test_answer_stages_import_only_the_stages_before_them(path):
    parts = path.relative_to(PACKAGE / "answer").parts
    if len(parts) == 1:
        return  # answer/__init__.py
    stage = parts[0]
    allowed = set(STAGES[: STAGES.index(stage) + 1])
    used = answer_stages(ast.parse(path.read_text()))
    assert used <= allowed, f"{stage} imports later stages {sorted(used - allowed)}"


def test_the_stage_check_sees_a_later_stage():
    tree = ast.parse("from guide_assistant.answer.write import written\n")
    assert answer_stages(tree) == {"write"}
    assert not answer_stages(tree) <= set(STAGES[:3])


def test_modules_and_functions_stay_small():
    too_long = []
    for path in modules():
        text = path.read_text()
        name = path.relative_to(PACKAGE)
        if text.count("\n") > MAX_MODULE_LINES:
            too_long.append(f"{name}: {text.count(chr(10))} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    too_long.append(f"{name}:{node.lineno} {node.name}() {lines} lines")
    assert not too_long, "\n".join(too_long)


def test_the_layer_check_sees_a_wrong_import(tmp_path):
    """The check itself can fail: an upward import is found wherever it stands."""
    tree = ast.parse("def f():\n    from guide_assistant.interfaces import cli\n")
    assert imported_parts(tree) == {"interfaces"}
    assert not imported_parts(tree) <= ALLOWED["index"]
