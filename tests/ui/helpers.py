"""Small helpers for reading tables and waiting for dialogs as a user would see them."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractItemModel, Qt
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from mechanic_desktop.ui.pages.list_page import ListPage

WAIT_MS = 5000


def column(model: QAbstractItemModel, col: int = 0) -> list[str]:
    """The text of one column over every row, as displayed."""
    return [model.index(r, col).data(Qt.ItemDataRole.DisplayRole) for r in
            range(model.rowCount())]


def wait_column(qtbot: QtBot, page: ListPage, expected: list[str], col: int = 0) -> None:
    qtbot.waitUntil(
        lambda: not page.model.loading and not page.model.search_pending
        and column(page.model, col) == expected,
        timeout=WAIT_MS,
    )


def wait_dialog(qtbot: QtBot, page: ListPage) -> Any:
    qtbot.waitUntil(lambda: page.dialog is not None and page.dialog.isVisible(), timeout=WAIT_MS)
    dialog = page.dialog
    assert isinstance(dialog, QDialog)
    return dialog


def select(qtbot: QtBot, page: ListPage, text: str, col: int = 0) -> None:
    rows = column(page.model, col)
    page.table.setFocus()
    page.table.selectRow(rows.index(text))
    qtbot.waitUntil(lambda: page.selected_row() is not None, timeout=WAIT_MS)
