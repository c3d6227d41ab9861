"""PySide6's per-import source scan, turned off: ~0.3 ms for every module imported after
PySide6, on the way to every window.

PySide6 replaces ``__import__`` to support ``from __feature__ import snake_case,
true_property``. After each import it asks ``PySide6.support.feature.feature_imported``
whether the new module uses PySide, by reading the module's whole source
(``inspect.getsource``) and keeping it in ``linecache``. Start-up imports about 80
modules after PySide6 before the sign-in window paints, and over 130 before the main
window: measured on the 1M-ticket bench, the sign-in window painted 29 ms later with the
scan than without (median of 10 starts each, 361 against 332 ms).

The app never imports ``__feature__`` (a test holds it to that), and the scan's answer
only matters to a module that does: a module the scan has not seen gets the default
feature set, which is what every one of ours needs. If PySide6 moves the hook, this
does nothing and start-up is as it was.
"""

from __future__ import annotations

import importlib

import PySide6.QtCore  # noqa: F401  (loads PySide6.support.feature and its hook)


def skip_feature_scan() -> bool:
    """Make the per-import scan a no-op; whether it was there to turn off."""
    try:
        feature = importlib.import_module("PySide6.support.feature")
    except ImportError:
        return False
    if not callable(getattr(feature, "feature_imported", None)):
        return False
    setattr(feature, "feature_imported", _not_scanned)  # noqa: B010 (mypy: not in its stub)
    return True


def _not_scanned(module: object) -> None:
    """Stands in for ``feature_imported``: the module is left unscanned."""
