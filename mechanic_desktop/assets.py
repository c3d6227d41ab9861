"""Where icons and style sheets are read from, the same way from source and frozen.

From a checkout (editable install) ``resources/`` is the package
``mechanic_desktop.resources`` (see pyproject.toml); a PyInstaller bundle carries the
same files under ``mechanic_desktop/resources`` inside the bundle.
"""

from __future__ import annotations

import sys
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path


def resources() -> Traversable:
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "mechanic_desktop" / "resources"
    return files("mechanic_desktop.resources")


def asset_path(*parts: str) -> str:
    """A file path Qt can open (QIcon, QPixmap) for a resource such as icons/app.svg."""
    item = resources().joinpath(*parts)
    return str(item)
