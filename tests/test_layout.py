"""The house's stages hold: import contracts (pyproject's [tool.importlinter]) are checked, and every stage package
says in its docstring what it may import."""

from __future__ import annotations

import importlib
import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import thidua

STAGES = ("core", "forms", "intake", "counting", "pipeline", "system", "workspace", "mail", "excel", "writers")
TOP_MODULES = {"__init__", "__main__", "api", "cli", "errors", "issues"}


def test_import_contracts_are_kept() -> None:
    command = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if command is None:
        pytest.fail("lint-imports (import-linter) is not installed: pip install -e '.[test]'")
    done = subprocess.run([command], capture_output=True, text=True, cwd=Path(__file__).parent.parent)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout and " kept" in done.stdout


def test_each_stage_says_what_it_may_import() -> None:
    for stage in STAGES:
        module = importlib.import_module(f"thidua.{stage}")
        assert module.__doc__ and "import" in module.__doc__, stage


def test_only_the_faces_and_the_shared_vocabulary_stay_at_the_top() -> None:
    top = {m.name for m in pkgutil.iter_modules(thidua.__path__) if not m.ispkg}
    assert top <= TOP_MODULES, top - TOP_MODULES
