"""Where things are: the data shipped inside the package, and the home of writable state.

Read-only data (the corpus editions, ``sources.toml``, ``prompts/``) has one copy, in the
checkout's top-level ``corpus/`` and ``prompts/``. The wheel maps them into the package
(``setup.py``), where ``importlib.resources`` finds them wherever pip put it.
Writable state (indexes, feedback, self-assessment, user documents) lives under one home:
``GUIDE_HOME`` when set (read by ``Settings``); else the source checkout the package is
imported from, so ``make run`` keeps using the repo's folders; else the user data folder that
``platformdirs`` names for this system (``~/.local/share/guide-assistant`` on Linux).
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

import platformdirs

PACKAGE = "guide_assistant"
DISTRIBUTION = "guide-assistant"


def packaged(name: str) -> Path:
    """A folder of the shipped data (``corpus``, ``prompts``), as a real path: the checkout's
    top-level one when run from a checkout, else the installed package's.

    pip installs wheels unpacked, so the package's resources are files on disk; a zipped
    install (which would need extracting first) is refused with a clear message.
    """
    root = checkout_root()
    if root is not None and (root / name).is_dir():
        return root / name
    folder = resources.files(PACKAGE) / name
    if not isinstance(folder, Path):
        raise FileNotFoundError(
            f"the packaged {name!r} folder is not on disk ({folder}): install "
            f"{DISTRIBUTION} from its wheel with pip or pipx"
        )
    return folder


def prompt(name: str) -> str:
    """The text of the shipped prompt file ``prompts/<name>``."""
    return (packaged("prompts") / name).read_text(encoding="utf-8")


def checkout_root() -> Path | None:
    """The source checkout this package is imported from (``src/`` layout), if it is."""
    package = Path(__file__).resolve().parents[1]  # guide_assistant/, above settings/
    root = package.parent.parent
    if package.parent.name != "src" or not (root / "pyproject.toml").is_file():
        return None
    try:
        project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    return root if project.get("project", {}).get("name") == DISTRIBUTION else None


def user_data_home() -> Path:
    """This system's per-user data folder for the application (platformdirs)."""
    return platformdirs.user_data_path(DISTRIBUTION, appauthor=False)


def default_home() -> Path:
    """The home when ``GUIDE_HOME`` is not set: the checkout, else the user data folder."""
    return checkout_root() or user_data_home()
