"""PySide6's scan of every imported module's source is off once ``mechanic_desktop.ui``
is imported (ui/qt_imports.py): start-up imports ~80 modules after PySide6 before the
sign-in window paints, each read whole for it."""

from __future__ import annotations

import inspect
import re
import sys
from pathlib import Path
from typing import Any

import pytest

import mechanic_desktop
import mechanic_desktop.ui  # what start-up imports before any window


def test_a_module_imported_after_the_ui_package_is_not_read_for_pyside(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    read: list[Any] = []
    real = inspect.getsource
    monkeypatch.setattr(inspect, "getsource", lambda obj: read.append(obj) or real(obj))
    (tmp_path / "freshly_imported_module.py").write_text("VALUE = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        # An import statement: PySide6 hooks ``__import__`` (importlib's calls skip it).
        module = __import__("freshly_imported_module")
    finally:
        sys.modules.pop("freshly_imported_module", None)
    assert module.VALUE == 1
    assert read == []  # PySide6's hook would have read its source here


def test_the_app_uses_no_pyside_feature_which_the_scan_was_for() -> None:
    """Without the scan a module gets PySide6's default features: right only while no
    module of the app asks for ``from __feature__ import snake_case`` or the like."""
    root = Path(mechanic_desktop.__file__).parent
    asking = [str(p.relative_to(root)) for p in root.rglob("*.py")
              if re.search(r"^\s*(from|import)\s+__feature__", p.read_text(encoding="utf-8"),
                           re.MULTILINE)]
    assert asking == []
