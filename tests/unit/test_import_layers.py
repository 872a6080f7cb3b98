"""The import contracts in pyproject.toml (run by `make lint` as `lint-imports`) hold for the
code as it is, and fail once an import makes a cycle: checked on a copy of the package."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
#: The store importing a screen of the Email tab, which imports the store: a cycle.
PLANTED = "\nfrom webpanel.emailtab import forms as _planted  # noqa: E402,F401\n"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the package and its pyproject.toml, which lint-imports reads first."""
    shutil.copytree(ROOT / "webpanel", tmp_path / "webpanel",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def lint_imports(tree: Path) -> subprocess.CompletedProcess:
    """Run lint-imports on `tree`, whose copy of webpanel comes first on the path."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=tree, env=env,
                          capture_output=True, text=True, timeout=120)


def test_the_contracts_hold(tree):
    result = lint_imports(tree)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout


def test_a_planted_cycle_breaks_the_contracts(tree):
    models = tree / "webpanel" / "settings" / "models.py"
    models.write_text(models.read_text() + PLANTED)
    result = lint_imports(tree)
    assert result.returncode != 0
    assert "webpanel.settings.models -> webpanel.emailtab.forms" in result.stdout
    assert "webpanel.settings is not allowed to import webpanel.emailtab" in result.stdout
    assert "Packages import only downward BROKEN" in result.stdout
    assert "No cycle between the packages and modules of webpanel BROKEN" in result.stdout
    assert "- .settings -> .emailtab (1 import)" in result.stdout


def test_test_modules_share_helpers_through_tests_support_only():
    """A test module that imports another couples their fixtures and order: what several use
    lives in tests/support."""
    offenders = []
    for path in sorted((ROOT / "tests").rglob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and node.module and any(
                    part.startswith("test_") for part in node.module.split(".")):
                offenders.append(f"{path.relative_to(ROOT)}: from {node.module}")
    assert offenders == []
