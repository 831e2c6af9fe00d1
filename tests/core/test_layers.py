"""Domain apps never import an interface app (portal, back office, API)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "guichet"
INTERFACES = ("guichet.portal", "guichet.backoffice", "guichet.api")
DOMAIN_APPS = ["core", "accounts", "catalog", "dossiers", "notifications", "audit"]


def _imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("app", DOMAIN_APPS)
def test_a_domain_app_imports_no_interface(app: str) -> None:
    upward = {
        f"{path.relative_to(PACKAGE)}: {module}"
        for path in sorted((PACKAGE / app).rglob("*.py"))
        for module in _imported_modules(path)
        if module.startswith(INTERFACES)
    }
    assert not upward
