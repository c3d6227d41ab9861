"""Layers point one way: domain, db and services never import Qt."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import mechanic_desktop

PACKAGE = Path(mechanic_desktop.__file__).parent
LOWER_LAYERS = ("domain", "db", "services")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("layer", LOWER_LAYERS)
def test_lower_layers_do_not_import_qt_or_ui(layer: str) -> None:
    files = sorted((PACKAGE / layer).rglob("*.py"))
    assert files, f"no modules found in {layer}/"
    offenders = {
        str(f.relative_to(PACKAGE)): sorted(
            n
            for n in _imports(f)
            if n.split(".")[0] in {"PySide6", "PyQt6", "shiboken6"}
            or n.startswith("mechanic_desktop.ui")
        )
        for f in files
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_importing_every_service_loads_no_qt() -> None:
    code = (
        "import sys, pkgutil, importlib, mechanic_desktop\n"
        "for layer in ('domain', 'db', 'services'):\n"
        "    pkg = importlib.import_module('mechanic_desktop.' + layer)\n"
        "    for m in pkgutil.iter_modules(pkg.__path__):\n"
        "        importlib.import_module(f'mechanic_desktop.{layer}.{m.name}')\n"
        "print(sorted(n for n in sys.modules if n.startswith('PySide6')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_every_subpackage_is_listed_for_installation() -> None:
    """pyproject lists packages explicitly (resources/ maps into the package), so a new
    sub-package must be added there or installs and frozen builds lose it."""
    import tomllib

    listed = set(
        tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
            "setuptools"
        ]["packages"]
    )
    found = {
        ".".join(p.parent.relative_to(PACKAGE.parent).parts)
        for p in PACKAGE.rglob("__init__.py")
    }
    assert found - listed == set()
