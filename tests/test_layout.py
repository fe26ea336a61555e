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
MAX_MODULE_LINES = 300
MAX_FUNCTION_LINES = 60


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def part_of(path: Path) -> str:
    """The layer a module belongs to: its top folder, or its own name at the root."""
    relative = path.relative_to(PACKAGE)
    return relative.parts[0] if len(relative.parts) > 1 else relative.stem


def imported_parts(tree: ast.AST) -> set[str]:
    """The layers a module imports (``guide_assistant.<part>`` and ``from guide_assistant
    import <part>``), wherever in the module the import stands."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
            if node.module == "guide_assistant":
                names = [f"guide_assistant.{a.name}" for a in node.names]
        else:
            continue
        found |= {n.split(".")[1] for n in names if n.startswith("guide_assistant.")}
    return found


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
