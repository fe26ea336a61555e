"""The one addition to pyproject.toml's build: the top-level ``corpus/`` and ``prompts/`` (the
single copy in git) go into the wheel as ``guide_assistant/corpus`` and
``guide_assistant/prompts``, where ``settings/locations.py`` finds them once installed.

Shipped: the editions (``corpus/*.md``), ``corpus/sources.toml`` and every prompt file. Not
shipped: ``corpus/raw/`` and ``corpus/dropped.toml``, curation records for the tests.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
SHIPPED = {"corpus": ["*.md", "sources.toml"], "prompts": ["**/*"]}


class BuildWithData(build_py):
    def run(self) -> None:
        super().run()
        for folder, patterns in SHIPPED.items():
            for pattern in patterns:
                for path in sorted((HERE / folder).glob(pattern)):
                    if path.is_file():
                        target = Path(self.build_lib, "guide_assistant", folder)
                        target = target / path.relative_to(HERE / folder)
                        self.mkpath(str(target.parent))
                        self.copy_file(str(path), str(target))


setup(cmdclass={"build_py": BuildWithData})
