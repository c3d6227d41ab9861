"""Noticing a lost database connection, and getting it back without busy polling.

A job failing with ``DatabaseUnavailable`` (or the change listener losing its socket)
makes the monitor check with a cheap ``SELECT 1`` on the DB worker. If that fails too,
the app is offline: the status bar says so and a single-shot timer retries after 1, 2,
4 … at most 15 seconds. When a check succeeds the app is connected again and every page
re-queries, since changes made meanwhile were not seen.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from mechanic_desktop.domain.changes import Changes
from mechanic_desktop.services.runner import Operation
from mechanic_desktop.ui.operations import DbWorker, alive

BACKOFF_S = (1.0, 2.0, 4.0, 8.0, 15.0)
OFFLINE_TEXT = "Offline — reconnecting…"
CONNECTED_TEXT = "Connected"


class ConnectionMonitor(QObject):
    """Knows whether the database answers; ``state_changed(connected)`` on each change."""

    state_changed = Signal(bool)
    #: The last problem seen while offline (a sentence), for the indicator's tooltip.
    problem_changed = Signal(str)

    def __init__(
        self,
        worker: DbWorker,
        ping: Operation[None],
        backoff: Sequence[float] = BACKOFF_S,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.worker = worker
        self.ping = ping
        self.backoff = tuple(backoff)
        self.connected = True
        self.attempts = 0
        self.checking = False
        self.problem = ""
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.check)
        worker.unavailable.connect(self.suspect)

    @property
    def retry_pending(self) -> bool:
        return self._timer.isActive()

    def suspect(self, error: object = None) -> None:
        """A job failed as if the connection were gone: find out with one check."""
        if error is not None:
            self._set_problem(str(error))
        if self.connected:
            self.check()

    def listener_state(self, up: bool) -> None:
        """The change listener lost (False) or regained (True) its own connection."""
        if not up:
            self.go_offline("The connection to the database server was lost.")
        elif not self.connected:
            self._timer.stop()
            self.check()

    def go_offline(self, problem: str = "") -> None:
        if problem:
            self._set_problem(problem)
        if self.connected:
            self.connected = False
            self.attempts = 0
            self.state_changed.emit(False)
        if not self.checking and not self._timer.isActive():
            self._schedule()

    def check(self) -> None:
        """One ``SELECT 1`` on the DB worker (queued behind whatever runs there)."""
        if self.checking:
            return
        self.checking = True
        self.worker.read(self.ping, alive(self, self._answered), alive(self, self._no_answer))

    def _answered(self, _result: object = None) -> None:
        self.checking = False
        self._timer.stop()
        if not self.connected:
            self.connected = True
            self.attempts = 0
            self._set_problem("")
            self.state_changed.emit(True)
            self.worker.changed.emit(Changes.everything())

    def _no_answer(self, error: BaseException) -> None:
        self.checking = False
        self._set_problem(str(error))
        if self.connected:
            self.go_offline()
        else:
            self._schedule()

    def _schedule(self) -> None:
        delay = self.backoff[min(self.attempts, len(self.backoff) - 1)]
        self.attempts += 1
        self._timer.start(int(delay * 1000))

    def _set_problem(self, text: str) -> None:
        if text != self.problem:
            self.problem = text
            self.problem_changed.emit(text)

    def stop(self) -> None:
        self._timer.stop()


class ConnectionIndicator(QLabel):
    """The status bar's "Connected" / "Offline — reconnecting…"."""

    def __init__(self, monitor: ConnectionMonitor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.monitor = monitor
        self.setObjectName("connectionState")
        self.setAccessibleName("Database connection")
        self.setContentsMargins(8, 0, 8, 0)
        monitor.state_changed.connect(self._show)
        monitor.problem_changed.connect(lambda _text: self._show(monitor.connected))
        self._show(monitor.connected)

    def _show(self, connected: bool) -> None:
        if connected:
            self.setText(f"● {CONNECTED_TEXT}")
            self.setStyleSheet("color: #1b5e20;")
            self.setToolTip("The database answers; changes from other desks appear live.")
        else:
            self.setText(f"● {OFFLINE_TEXT}")
            self.setStyleSheet("color: #b3261e; font-weight: bold;")
            problem = self.monitor.problem
            self.setToolTip((problem + "\n" if problem else "")
                            + "Saving is not possible until the connection is back; what "
                            "you typed stays in its window.")
        self.setAccessibleDescription(self.toolTip())

    @property
    def state_text(self) -> str:
        return self.text().removeprefix("● ")


def add_indicator(bar: QStatusBar, monitor: ConnectionMonitor) -> ConnectionIndicator:
    """Put the indicator at the left of the status bar's permanent widgets."""
    indicator = ConnectionIndicator(monitor, bar)
    bar.insertPermanentWidget(0, indicator)
    return indicator
