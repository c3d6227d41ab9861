"""The single DB worker: every read or write from the UI runs here, off the GUI thread.

Following Anki's ``QueryOp``/``CollectionOp`` and ``taskman``: the UI hands a plain
function (a service call) plus callbacks; the function runs on one background thread
(so writes are serialised and each thread keeps its own Session), and its result or
error comes back to the GUI thread through a queued signal.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal, Slot

log = logging.getLogger(__name__)

T = TypeVar("T")


#: Every entity a view may show; a reconnect re-queries them all (``Changes.everything``).
ALL_ENTITIES = ("customer", "vehicle", "mechanic", "part", "ticket", "staff", "settings",
                "audit")


@dataclass(frozen=True)
class Changes:
    """What a write changed, so open views refresh only that: entity → ids.

    Changes announced by another workstation carry ``by`` (who) and ``remote``; an
    entity in ``all_of`` may have changed in any row (an editor of one record then
    counts itself touched too).
    """

    entities: dict[str, frozenset[int]] = field(default_factory=dict)
    by: str | None = None
    remote: bool = False
    all_of: frozenset[str] = frozenset()

    @classmethod
    def of(cls, entity: str, *ids: int) -> Changes:
        return cls({entity: frozenset(ids)})

    @classmethod
    def everything(cls) -> Changes:
        """After a reconnect: notifications missed meanwhile are not replayed."""
        return cls({e: frozenset() for e in ALL_ENTITIES}, remote=True,
                   all_of=frozenset(ALL_ENTITIES))

    def touches_record(self, entity: str, record_id: int) -> bool:
        """Whether this change may be about one record (an open editor's)."""
        return record_id in self.ids(entity) or entity in self.all_of

    def touches(self, entity: str) -> bool:
        return entity in self.entities

    def ids(self, entity: str) -> frozenset[int]:
        return self.entities.get(entity, frozenset())

    def merged(self, other: Changes) -> Changes:
        combined = dict(self.entities)
        for entity, ids in other.entities.items():
            combined[entity] = combined.get(entity, frozenset()) | ids
        return Changes(combined, self.by or other.by, self.remote or other.remote,
                       self.all_of | other.all_of)


@dataclass
class _Job(Generic[T]):
    fn: Callable[[], T]
    on_success: Callable[[T], None] | None
    on_failure: Callable[[BaseException], None] | None
    changes: Callable[[T], Changes] | None = None


class DbWorker(QObject):
    """One background thread for all database work; results arrive on the GUI thread."""

    _finished = Signal(object, object, object)  # job, result, error
    #: Emitted on the GUI thread after every successful write that reports changes.
    changed = Signal(object)
    #: Emitted when work starts or stops (busy count), for a status-bar indicator.
    busy_changed = Signal(int)
    #: A job failed with ``DatabaseUnavailable`` (the connection may be gone); carries it.
    unavailable = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="db-worker")
        self._pending = 0
        self._closed = False
        self._finished.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    @property
    def pending(self) -> int:
        return self._pending

    def read(
        self,
        fn: Callable[[], T],
        on_success: Callable[[T], None] | None = None,
        on_failure: Callable[[BaseException], None] | None = None,
    ) -> Future[None] | None:
        """Run a query; ``on_success(result)`` runs on the GUI thread."""
        return self._submit(_Job(fn, on_success, on_failure))

    def write(
        self,
        fn: Callable[[], T],
        changes: Callable[[T], Changes],
        on_success: Callable[[T], None] | None = None,
        on_failure: Callable[[BaseException], None] | None = None,
    ) -> Future[None] | None:
        """Run a write; afterwards ``changed`` tells open views what to refresh.

        A write the server certainly rolled back (serialization failure, deadlock) runs
        again (``with_retries``); any other failure — above all a connection lost during
        COMMIT, whose outcome is unknown — is reported, never repeated.
        """
        from mechanic_desktop.db.retry import with_retries

        return self._submit(_Job(lambda: with_retries(fn), on_success, on_failure, changes))

    def _submit(self, job: _Job[Any]) -> Future[None] | None:
        if self._closed:
            return None
        self._pending += 1
        self.busy_changed.emit(self._pending)
        return self._pool.submit(self._run, job)

    def _run(self, job: _Job[Any]) -> None:
        try:
            result = job.fn()
        except BaseException as exc:  # delivered to the GUI thread, never lost
            if not _is_expected(exc):
                log.error("database operation failed:\n%s", traceback.format_exc())
            self._finished.emit(job, None, exc)
        else:
            self._finished.emit(job, result, None)

    @Slot(object, object, object)
    def _deliver(self, job: _Job[Any], result: Any, error: BaseException | None) -> None:
        self._pending -= 1
        self.busy_changed.emit(self._pending)
        if error is not None:
            if _is_unavailable(error):
                self.unavailable.emit(error)
            if job.on_failure is not None:
                job.on_failure(error)
            else:
                log.error("unhandled database error: %s", error)
            return
        if job.on_success is not None:
            job.on_success(result)
        if job.changes is not None:
            self.changed.emit(job.changes(result))

    def shutdown(self, wait: bool = True) -> None:
        """Stop taking work; wait for what is running (it may be a write)."""
        self._closed = True
        self._pool.shutdown(wait=wait, cancel_futures=True)


def alive(owner: QObject, fn: Callable[..., None]) -> Callable[..., None]:
    """Wrap a GUI-thread callback so it is skipped once ``owner`` was deleted (a page or
    dialog closed while its query was still running)."""

    def call(*args: Any) -> None:
        if shiboken6.isValid(owner):
            fn(*args)

    return call


def _is_unavailable(exc: BaseException) -> bool:
    from mechanic_desktop.domain.errors import DatabaseUnavailable, SchemaTooNew

    return isinstance(exc, DatabaseUnavailable) and not isinstance(exc, SchemaTooNew)


def _is_expected(exc: BaseException) -> bool:
    from mechanic_desktop.domain.errors import DomainError

    return isinstance(exc, DomainError)
