"""Return opens (or picks) the current row of a list on every platform.

Qt's item views emit ``activated`` on Return/Enter on Windows and Linux, but on macOS
they try to edit the item instead (activation is Cmd+O there), so the app's read-only
lists would ignore Return although their tooltips and the manual promise it.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractItemView

_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


class ReturnActivates(QObject):
    """Emits the view's ``activated`` for its current row on Return/Enter, then lets the
    view handle the key as it would (as on the other platforms, the key then goes on to
    the parent: a dialog's default button still sees it)."""

    def __init__(self, view: QAbstractItemView) -> None:
        super().__init__(view)
        self.view = view

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
        return False


def activate_on_return(view: QAbstractItemView, platform: str = sys.platform) -> None:
    """Make Return activate ``view``'s current row where Qt does not (macOS)."""
    if platform == "darwin":
        view.installEventFilter(ReturnActivates(view))
