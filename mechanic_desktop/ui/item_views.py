"""The app's read-only tables, set up one way, and Return opening (or picking) their
current row on every platform.

Qt's item views emit ``activated`` on Return/Enter on Windows and Linux, but on macOS
they try to edit the item instead (activation is Cmd+O there), so the app's read-only
lists would ignore Return although their tooltips and the manual promise it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

from PySide6.QtCore import QAbstractItemModel, QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


class ReturnActivates(QObject):
    """Emits the view's ``activated`` for its current row on Return/Enter, then lets the
    view handle the key as it would (as on the other platforms, the key then goes on to
    the parent: a dialog's default button still sees it)."""

    def __init__(self, view: QAbstractItemView, swallow: bool = False) -> None:
        super().__init__(view)
        self.view = view
        self.swallow = swallow

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.view
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in _KEYS
            and self.view.state() != QAbstractItemView.State.EditingState
        ):
            index = self.view.currentIndex()
            if index.isValid():
                self.view.activated.emit(index)
                return self.swallow
        return False


class _DownEnters(QObject):
    def __init__(self, box: QWidget, into: Callable[[], object]) -> None:
        super().__init__(box)
        self.into = into

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent)
                and event.key() in (Qt.Key.Key_Down, Qt.Key.Key_PageDown)):
            self.into()
            return True
        return False


def down_enters(box: QWidget, into: Callable[[], object]) -> None:
    """Down (or Page Down) in a search ``box`` runs ``into``: into the list it narrows,
    on its first row, so find → arrow → Return needs no mouse."""
    box.installEventFilter(_DownEnters(box, into))


def activate_on_return(
    view: QAbstractItemView, platform: str = sys.platform, *, swallow: bool = False
) -> None:
    """Make Return activate ``view``'s current row where Qt does not (macOS).

    ``swallow``: on every platform, Return that opens a row goes no further — for a list
    in an editor, whose default button would otherwise also take it (Save, closing the
    editor and what the row opened with it)."""
    if platform == "darwin" or swallow:
        view.installEventFilter(ReturnActivates(view, swallow))


def read_only_table(
    parent: QWidget,
    model: QAbstractItemModel,
    name: str,
    accessible: str,
    widths: Sequence[int] = (),
    *,
    row_padding: int = 8,
    stretch: int | None = None,
) -> QTableView:
    """A table of whole rows, one selected at a time, never edited in place: no grid, no
    row numbers, no wrapping (long text ends in "…"), fixed-height rows and left-aligned
    headers. Columns take ``widths``; the last one takes the spare width, or column
    ``stretch`` does (then the last keeps its width, so numbers stay at the edge). Tab
    leaves the table for the next field instead of walking its cells."""
    table = QTableView(parent)
    table.setObjectName(name)
    table.setAccessibleName(accessible)
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setTabKeyNavigation(False)
    table.setAlternatingRowColors(True)
    table.setShowGrid(False)
    table.setWordWrap(False)
    table.setTextElideMode(Qt.TextElideMode.ElideRight)
    rows = table.verticalHeader()
    rows.hide()
    rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    rows.setDefaultSectionSize(table.fontMetrics().height() + row_padding)
    header = table.horizontalHeader()
    header.setHighlightSections(False)
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    for i, width in enumerate(widths):
        table.setColumnWidth(i, width)
    header.setStretchLastSection(stretch is None)
    if stretch is not None:
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return table
