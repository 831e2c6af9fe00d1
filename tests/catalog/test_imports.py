"""The definition reads the registries; the registries never read the definition back."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import guichet.catalog

CATALOG = Path(guichet.catalog.__file__).parent


def runtime_imports(path: Path) -> list[tuple[str, bool]]:
    """(module, inside a function) for each import run when the module is used."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[str, bool]] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue  # read by the type checker only
            if isinstance(child, ast.ImportFrom) and child.module:
                found.append((child.module, in_function))
            elif isinstance(child, ast.Import):
                found.extend((alias.name, in_function) for alias in child.names)
            visit(child, in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef))

    visit(tree, in_function=False)
    return found


@pytest.mark.parametrize("module", ["registries", "fees", "lists", "errors"])
def test_what_the_definition_reads_does_not_import_the_definition(module):
    imports = runtime_imports(CATALOG / f"{module}.py")
    assert "guichet.catalog.definition" not in [name for name, _inside in imports]


def test_the_definition_imports_the_registries_once_at_the_top():
    catalogue = [
        (name, inside) for name, inside in runtime_imports(CATALOG / "definition.py") if "catalog" in name
    ]
    assert ("guichet.catalog.registries", False) in catalogue
    assert not [name for name, inside in catalogue if inside]


@pytest.mark.parametrize(
    "first",
    [
        "guichet.catalog.registries",
        "guichet.catalog.fees",
        "guichet.catalog.definition",
        "guichet.catalog.validation",
    ],
)
def test_any_catalogue_module_can_be_imported_first(first):
    code = f"import {first}; import guichet.catalog.forms"
    result = subprocess.run(  # noqa: S603 (our own interpreter, fixed arguments)
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={"DJANGO_SETTINGS_MODULE": "guichet.settings", "PATH": ""},
        check=False,
        cwd=CATALOG.parent.parent,
    )
    assert result.returncode == 0, result.stderr
