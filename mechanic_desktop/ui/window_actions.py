"""The main window's commands as ``QAction`` objects, made one way wherever they come from
(the window itself, the CSV actions, the database actions), and the File menu they join.

Every action is added to the window too, so its shortcut works whichever page has focus;
its tooltip names the shortcut as this platform writes it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu

from mechanic_desktop.ui import icons

Shortcut = QKeySequence | QKeySequence.StandardKey | str


def window_action(
    window: QMainWindow,
    name: str,
    text: str,
    slot: Callable[[], None],
    shortcuts: Iterable[Shortcut] = (),
    *,
    tip: str = "",
    icon: str | None = None,
) -> QAction:
    """An action of ``window`` named ``name`` (for tests and settings); ``tip`` defaults
    to its text without the mnemonic and the ellipsis."""
    action = QAction(text, window)
    action.setObjectName(name)
    if icon is not None:
        icons.apply(action, icon)
    keys = [QKeySequence(s) for s in shortcuts if s]
    if keys:
        action.setShortcuts(keys)
    tip = tip or text.replace("&", "").rstrip("….")
    native = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
    action.setToolTip(f"{tip} ({native})" if native else tip)
    action.setStatusTip(tip)
    action.triggered.connect(lambda _checked=False: slot())
    window.addAction(action)
    return action


def file_menu(window: QMainWindow) -> QMenu | None:
    """The window's File menu: the one holding Quit (None before the menus are built)."""
    for entry in window.menuBar().actions():
        menu = entry.menu()
        if isinstance(menu, QMenu) and any(a.objectName() == "quitAction"
                                           for a in menu.actions()):
            return menu
    return None


def add_to_file_menu(window: QMainWindow, actions: Iterable[QAction]) -> None:
    """Put ``actions`` in the File menu as a group just above Quit."""
    menu = file_menu(window)
    if menu is None:
        return
    quit_action = next(a for a in menu.actions() if a.objectName() == "quitAction")
    for action in actions:
        menu.insertAction(quit_action, action)
    menu.insertSeparator(quit_action)
