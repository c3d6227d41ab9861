"""Other workstations' changes, live: the PostgreSQL listener's callbacks come from its
own thread, cross to the GUI thread through a queued signal, and go out on
``DbWorker.changed`` like the app's own writes — so open pages refresh the rows
concerned and open editors notice that their record changed.

The app's own writes are skipped (their notification carries this unit of work's
origin); after a reconnect every page re-queries, since missed notifications are not
replayed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import QObject, Qt, Signal, Slot
from sqlalchemy.engine import URL

from mechanic_desktop.domain.changes import Changes, Payload
from mechanic_desktop.ui.operations import DbWorker


class Listener(Protocol):
    def start(self) -> None: ...
    def stop(self) -> None: ...
    def wait_ready(self, timeout: float = 5.0) -> bool: ...


ListenerFactory = Callable[..., Listener]


class LiveUpdates(QObject):
    """Runs a ``ChangeListener`` for one database and feeds ``worker.changed``."""

    _changed = Signal(object, object)
    _state = Signal(bool)
    _reconnected = Signal()
    #: The listener's connection went down (False) or came back (True); GUI thread.
    state_changed = Signal(bool)

    def __init__(
        self,
        url: URL,
        worker: DbWorker,
        origin: str | None,
        parent: QObject | None = None,
        listener_factory: ListenerFactory | None = None,
    ) -> None:
        super().__init__(parent)
        self.worker = worker
        queued = Qt.ConnectionType.QueuedConnection
        self._changed.connect(self._deliver, queued)
        self._state.connect(self.state_changed, queued)
        self._reconnected.connect(self._requery, queued)
        if listener_factory is None:
            from mechanic_desktop.db.notifications import ChangeListener

            listener_factory = ChangeListener
        self.listener: Listener = listener_factory(
            url,
            on_change=lambda changed, by: self._emit(self._changed, changed, by),
            on_state=lambda up: self._emit(self._state, up),
            on_reconnect=lambda: self._emit(self._reconnected),
            ignore_origin=origin,
        )
        self._stopped = False

    def _emit(self, signal: Any, *args: Any) -> None:
        """Called on the listener's thread; after ``stop`` nothing crosses any more."""
        if not self._stopped:
            signal.emit(*args)

    def start(self) -> None:
        self.listener.start()

    def wait_ready(self, timeout: float = 5.0) -> bool:
        return self.listener.wait_ready(timeout)

    def stop(self) -> None:
        self._stopped = True
        self.listener.stop()

    @Slot(object, object)
    def _deliver(self, changed: Payload, by: str | None) -> None:
        if not self._stopped:
            self.worker.changed.emit(Changes.from_payload(changed, by))

    @Slot()
    def _requery(self) -> None:
        if not self._stopped:
            self.worker.changed.emit(Changes.everything())
