"""What the app loads while the sign-in window waits for the password.

The sign-in window shows before the database layer and the main window's modules are
imported (about half of a cold start). Once it has painted, the DB worker makes the unit
of work (importing the ORM and the models), loads the services the first pages call and
runs one query (configuring the mappers and opening the pooled connection); then the
GUI thread imports the main window's modules one at a time between events, so typing
stays smooth. By the time Sign in is pressed, opening the main window is building
widgets and reading the first page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QWidget

from mechanic_desktop.ui.operations import DbWorker, alive

if TYPE_CHECKING:
    from mechanic_desktop.services.runner import UnitOfWork


def warm_database(uow: UnitOfWork) -> bool:
    """On the DB worker: load the services the main window calls first and run one
    query through the unit of work. Returns whether the database needs its first
    administrator (the query)."""
    from mechanic_desktop.services import (  # noqa: F401 - loaded for their first use
        auth,
        maintenance,
        mechanics,
        shop,
        tickets,
        workflow,
    )

    return auth.needs_first_admin(uow)


def _main_window() -> None:
    from mechanic_desktop.ui import main_window  # noqa: F401


def _first_pages() -> None:
    from mechanic_desktop.ui.pages import my_tickets, tickets  # noqa: F401


def _window_parts() -> None:
    from mechanic_desktop.ui import connection_status, idle_lock  # noqa: F401


def _file_menu() -> None:
    from mechanic_desktop.ui.dialogs import backup  # noqa: F401


def _after_sign_in() -> None:
    from mechanic_desktop.ui import demo_offer  # noqa: F401
    from mechanic_desktop.ui.dialogs import change_password  # noqa: F401


def _qt_classes() -> None:
    """Hand Python an object of one of Qt's private classes (a top-level window is a
    ``QWidgetWindow``). To find the closest class it knows, PySide6 then makes every
    QObject class of QtCore, QtGui and QtWidgets not made yet, with all their enums
    (~110 of them, QStyle's ~600 members among them: 40-100 ms here). Without this
    step the main window paid for it between Sign in and its first page, the first
    time the idle lock's application-wide event filter saw such a window."""
    from PySide6.QtCore import QObject
    from PySide6.QtWidgets import QApplication

    for window in QApplication.topLevelWidgets():
        window.findChildren(QObject)


def window_icons() -> list[str]:
    """The icons of any role's main window: its side bar's and its toolbar's."""
    from mechanic_desktop.ui import access
    from mechanic_desktop.ui.main_window import ACTION_ICONS

    return list(dict.fromkeys([*(area.icon for area in access.ALL), *ACTION_ICONS]))


def _icons() -> None:
    """Draw the main window's icons (each from its SVG, at five sizes, in the palette's
    colours: 2-5 ms apiece, a dozen in every window) into the cache it takes them from."""
    from mechanic_desktop.ui import icons

    for name in window_icons():
        icons.icon(name)


#: GUI-thread steps, one per turn of the event loop.
WINDOW_STEPS: tuple[Callable[[], None], ...] = (
    _main_window, _first_pages, _window_parts, _file_menu, _after_sign_in, _qt_classes,
    _icons,
)


class WarmUp(QObject):
    """Starts once ``window`` has first painted; ``done`` when everything is loaded."""

    done = Signal()

    def __init__(self, window: QWidget, worker: DbWorker) -> None:
        super().__init__(worker)  # outlives the sign-in window, which may close first
        self.worker = worker
        self.started = False
        self.finished = False
        self._steps = list(WINDOW_STEPS)
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not self.started and event.type() == QEvent.Type.Paint:
            self.started = True
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self._start)
        return False

    def _start(self) -> None:
        # The window's modules import the services too: load those on the worker first,
        # so the GUI thread never waits on the import lock behind it.
        self.worker.read(warm_database, alive(self, lambda _first: self._next()),
                         alive(self, lambda _error: self._next()))

    def _next(self) -> None:
        if not self._steps:
            self.finished = True
            self.done.emit()
            return
        self._steps.pop(0)()
        QTimer.singleShot(0, self._next)
