"""The oauth package only signs in and keeps tokens: it imports neither the Email tab
(webpanel.settings) nor the outbox, which sit above it."""

from __future__ import annotations

import ast
from pathlib import Path

import webpanel.oauth

ABOVE = ("webpanel.settings", "webpanel.outbox", "webpanel.home")


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_oauth_imports_nothing_above_it():
    package = Path(webpanel.oauth.__file__).parent
    found = {f"{path.name}: {name}" for path in sorted(package.glob("*.py"))
             for name in imported_modules(path) if name.startswith(ABOVE)}
    assert found == set()
