"""Return activates a list's current row on macOS too (Qt there edits on Return)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QAbstractItemView, QTableView
from pytestqt.qtbot import QtBot

from mechanic_desktop.ui.item_views import ReturnActivates, activate_on_return


def _view(qtbot: QtBot) -> tuple[QTableView, list[int]]:
    model = QStandardItemModel(0, 1)
    for text in ("Ada", "Bob"):
        model.appendRow(QStandardItem(text))
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setCurrentIndex(model.index(1, 0))
    seen: list[int] = []
    view.activated.connect(lambda index: seen.append(index.row()))
    return view, seen


def _key(key: Qt.Key) -> QKeyEvent:
    return QKeyEvent(QEvent.Type.KeyPress, key, Qt.KeyboardModifier.NoModifier)


def test_on_macos_return_and_enter_activate_the_current_row(qtbot: QtBot) -> None:
    view, seen = _view(qtbot)
    activate_on_return(view, platform="darwin")
    watcher = view.findChild(ReturnActivates)
    assert isinstance(watcher, ReturnActivates)
    for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
        assert watcher.eventFilter(view, _key(key)) is False  # the view still sees the key
    assert watcher.eventFilter(view, _key(Qt.Key.Key_A)) is False
    assert seen == [1, 1]


def test_the_filter_is_installed_on_macos_only(qtbot: QtBot) -> None:
    view, seen = _view(qtbot)
    activate_on_return(view, platform="win32")
    activate_on_return(view, platform="linux")
    assert view.findChild(ReturnActivates) is None
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Return)
    assert seen == [1]  # Qt's own activation here; the filter would add a second
    activate_on_return(view, platform="darwin")
    qtbot.keyClick(view, Qt.Key.Key_Return)
    assert seen == [1, 1, 1]
