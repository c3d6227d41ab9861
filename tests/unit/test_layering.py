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


#: The start-up wiring: the only modules of ui/ that may reach into db/ (engines, the
#: change listener, recovery of a damaged file). Everything else goes through an
#: operation on the DB worker and the services.
UI_WIRING = frozenset({"ui/application.py", "ui/live_updates.py", "ui/recovery.py"})


def test_only_the_wiring_in_ui_imports_the_database_layer() -> None:
    """Imports anywhere in a module count, those inside functions too."""
    offenders = {
        str(f.relative_to(PACKAGE)): sorted(
            n for n in _imports(f) if n == "mechanic_desktop.db"
            or n.startswith("mechanic_desktop.db.")
        )
        for f in sorted((PACKAGE / "ui").rglob("*.py"))
        if str(f.relative_to(PACKAGE)) not in UI_WIRING
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_no_widget_holds_the_unit_of_work_or_writes_its_own_change_set() -> None:
    """The worker alone holds the unit of work; what a write changed comes from it."""
    for path in sorted((PACKAGE / "ui").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert "Changes.of(" not in text, path
        assert ".uow" not in text or path.name in {"smoke.py", "bundle_check.py",
                                                    "application.py"}, path


def test_every_resource_folder_is_packaged_quietly_and_bundled() -> None:
    """Each folder of data files under resources/ is a listed package whose package-data
    patterns take every file in it: setuptools warns at every install about a folder
    Python could import but `packages` lacks, and a file no pattern matches is lost from
    wheels. The frozen bundle (build.spec) copies the same folders. The licence is an SPDX
    string: a table is deprecated and warns too."""
    import fnmatch
    import re
    import tomllib

    root = PACKAGE.parent
    config = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    tool = config["tool"]["setuptools"]
    assert tool["package-dir"] == {"mechanic_desktop.resources": "resources"}
    listed, patterns = set(tool["packages"]), tool["package-data"]
    spec = (root / "build.spec").read_text(encoding="utf-8")
    bundled = {"/".join(re.findall(r'"([^"]+)"', m)) for m in
               re.findall(r'ROOT((?: / "[^"]+")+)', spec)}
    resources = root / "resources"
    folders = [resources, *(p for p in resources.rglob("*") if p.is_dir()
                            and p.name != "__pycache__")]
    for folder in folders:
        files = [f.name for f in folder.iterdir() if f.is_file() and f.suffix not in {
            ".py", ".pyc"}]
        if not files:
            continue
        relative = folder.relative_to(root).as_posix()
        name = ".".join(("mechanic_desktop", *folder.relative_to(root).parts))
        assert name in listed, f"{relative}: add {name} to [tool.setuptools] packages"
        unmatched = [f for f in files
                     if not any(fnmatch.fnmatch(f, p) for p in patterns.get(name, []))]
        assert unmatched == [], f"{relative}: no package-data pattern takes {unmatched}"
        assert any(relative == b or relative.startswith(b + "/") for b in bundled), (
            f"build.spec does not bundle {relative}")
    assert isinstance(config["project"]["license"], str)
    assert "setuptools>=77" in config["build-system"]["requires"]  # SPDX licence strings


def _module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking_only(tree: ast.AST) -> set[int]:
    """Nodes under ``if TYPE_CHECKING:`` (imports for annotations, never run)."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for inner in node.body:
                skipped.update(id(n) for n in ast.walk(inner))
    return skipped


def _package_imports(path: Path, root: Path, modules: set[str]) -> set[str]:
    """The package's modules ``path`` imports anywhere: at the top, inside functions
    (``ast.walk`` visits every node), relative or absolute; ``from pkg import mod``
    counts as importing ``pkg.mod``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = _type_checking_only(tree)
    own = _module_name(path, root)
    package = own if path.name == "__init__.py" else own.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in modules)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            for alias in node.names:
                if f"{base}.{alias.name}" in modules:
                    found.add(f"{base}.{alias.name}")
                elif base in modules:
                    found.add(base)
    found.discard(own)
    return found


def import_cycles(root: Path = PACKAGE) -> list[list[str]]:
    """Every group of modules that import each other round in a circle (Tarjan's strongly
    connected components of the import graph), each sorted."""
    files = {_module_name(p, root): p for p in root.rglob("*.py")}
    graph = {name: _package_imports(path, root, set(files)) for name, path in files.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in sorted(graph[module]):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return cycles


def test_no_import_cycles_even_through_imports_inside_functions() -> None:
    assert import_cycles() == []


def test_the_cycle_finder_sees_imports_inside_functions(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from pkg import b\n")
    (package / "b.py").write_text("def later():\n    from pkg.c import x\n")
    (package / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg import b\n"
        "def f():\n    from . import a\n")
    (package / "d.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg import a\n")
    assert import_cycles(package) == [["pkg.a", "pkg.b", "pkg.c"]]
