"""The file choosers of Export CSV (lists and reports) and of the shop's logo: one
function each, which tests replace so no native dialog ever blocks them."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QFileDialog, QWidget

#: (parent, caption, suggested file name) → chosen path, or None when cancelled.
SaveChooser = Callable[[QWidget | None, str, str], str | None]
#: (parent, caption) → chosen path, or None when cancelled.
OpenChooser = Callable[[QWidget | None, str], str | None]


def choose_save_file(parent: QWidget | None, caption: str, suggested: str) -> str | None:
    path, _filter = QFileDialog.getSaveFileName(parent, caption, suggested,
                                                "CSV files (*.csv);;All files (*)")
    return path or None


def choose_open_file(parent: QWidget | None, caption: str) -> str | None:
    path, _filter = QFileDialog.getOpenFileName(
        parent, caption, "", "CSV files (*.csv *.txt);;All files (*)")
    return path or None


def choose_picture_file(parent: QWidget | None, caption: str) -> str | None:
    path, _filter = QFileDialog.getOpenFileName(
        parent, caption, "", "Pictures (*.png *.jpg *.jpeg);;All files (*)")
    return path or None
