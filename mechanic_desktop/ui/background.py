"""One-off work off the GUI thread that must not use the app's DB worker.

The DB worker is bound to the database the app has open; before anyone has signed in
(no worker to run as), testing a connection or creating a database runs on a throwaway
thread instead, and its result comes back to the GUI thread through a queued signal.
Progress for long work has one mechanism, ``operations.Progress``, on the DB worker.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal, Slot

T = TypeVar("T")


class BackgroundJob(QObject):
    """Runs ``fn`` in a daemon thread; ``done(result, error)`` arrives on the GUI thread."""

    _done = Signal(object, object)

    def __init__(
        self,
        owner: QObject,
        fn: Callable[[BackgroundJob], Any],
        on_success: Callable[[Any], None],
        on_failure: Callable[[BaseException], None],
    ) -> None:
        super().__init__(owner)
        self._fn = fn
        self._on_success = on_success
        self._on_failure = on_failure
        self.finished = False
        self._done.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        self._thread = threading.Thread(target=self._run, name="ui-background", daemon=True)

    def start(self) -> BackgroundJob:
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            result = self._fn(self)
        except BaseException as exc:  # delivered to the GUI thread, never lost
            if shiboken6.isValid(self):
                self._done.emit(None, exc)
        else:
            if shiboken6.isValid(self):
                self._done.emit(result, None)

    @Slot(object, object)
    def _deliver(self, result: Any, error: BaseException | None) -> None:
        self.finished = True
        try:
            if error is not None:
                self._on_failure(error)
            else:
                self._on_success(result)
        finally:
            self.deleteLater()


def run_off_gui(
    owner: QObject,
    fn: Callable[[], T],
    on_success: Callable[[T], None],
    on_failure: Callable[[BaseException], None],
) -> BackgroundJob:
    """Run ``fn()`` on a throwaway thread; the callbacks run on the GUI thread (skipped
    when ``owner`` was deleted meanwhile, since the job is its child)."""
    return BackgroundJob(owner, lambda _job: fn(), on_success, on_failure).start()
