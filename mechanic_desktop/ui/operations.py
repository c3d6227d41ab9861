"""The single DB worker: every read or write from the UI runs here, off the GUI thread.

Following Anki's ``QueryOp``/``CollectionOp`` and ``taskman``: the UI hands an
operation — a function of the unit of work, ``op(uow)``, calling services — plus
callbacks; it runs on one background thread (so writes are serialised and each thread
keeps its own Session), and its result or error comes back to the GUI thread through a
queued signal, followed by the unit of work's change set on ``changed``.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget

from mechanic_desktop.domain.errors import DatabaseUnavailable, DomainError, SchemaTooNew
from mechanic_desktop.domain.staff import Actor
from mechanic_desktop.services import runner
from mechanic_desktop.services.runner import Operation

if TYPE_CHECKING:
    from mechanic_desktop.services.runner import UnitOfWork

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass
class _Job(Generic[T]):
    op: Operation[T]
    actor: Actor | None
    write: bool
    on_success: Callable[[T], None] | None
    on_failure: Callable[[BaseException], None] | None
    progress: Progress | None = None


class Progress(QObject):
    """Progress and Cancel for one long operation (import, export, demo data, backup).

    The operation, on the worker thread, calls ``report(done, total, text)`` and checks
    ``cancelled()`` between chunks; the GUI shows a window-modal progress dialog after
    300 ms (or, with ``dialog=False``, the text in the status bar) and Cancel sets the
    flag. The worker closes it when the operation ends.
    """

    _reported = Signal(int, int, str)

    def __init__(self, parent: QWidget, title: str, label: str, *, dialog: bool = True,
                 name: str = "progress") -> None:
        super().__init__(parent)
        self._cancel = threading.Event()
        self.label = label
        self.dialog: QProgressDialog | None = None
        if dialog:
            box = QProgressDialog(label, "Cancel", 0, 0, parent)
            box.setObjectName(name)
            box.setAccessibleName(f"{title} progress")
            box.setWindowTitle(title)
            box.setWindowModality(Qt.WindowModality.WindowModal)
            box.setMinimumDuration(300)
            box.canceled.connect(self._cancel.set)
            self.dialog = box
        self._reported.connect(self._show, Qt.ConnectionType.QueuedConnection)
        #: (done, total, text) on the GUI thread, for whoever shows it elsewhere.
        self.progressed = self._reported

    def report(self, done: int, total: int = 0, text: str = "") -> None:
        """Called from the operation's thread; safe once the owner is gone."""
        if shiboken6.isValid(self):
            self._reported.emit(done, total, text)

    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def cancel(self) -> None:
        self._cancel.set()

    @Slot(int, int, str)
    def _show(self, done: int, total: int, text: str) -> None:
        if self.dialog is None:
            return
        if total:
            self.dialog.setMaximum(total)
            self.dialog.setValue(min(done, total))
        if text:
            self.dialog.setLabelText(text)

    def finish(self) -> None:
        if self.dialog is not None:
            self.dialog.reset()
            self.dialog.hide()


class DbWorker(QObject):
    """One background thread for all database work; results arrive on the GUI thread.

    It alone holds the unit of work: widgets hand it operations (``op(uow)``), never
    touch the unit of work themselves, and it runs each one for the actor who was signed
    in when it was asked for (``actor``, set at sign-in and sign-out on the GUI thread).
    """

    _finished = Signal(object, object)  # job, outcome
    #: Emitted on the GUI thread with the unit of work's change set after every
    #: operation that committed something (and, from live_updates, other desks' ones).
    changed = Signal(object)
    #: Emitted when work starts or stops (busy count), for a status-bar indicator.
    busy_changed = Signal(int)
    #: A job failed with ``DatabaseUnavailable`` (the connection may be gone); carries it.
    unavailable = Signal(object)
    #: A job was refused with ``RightsRevoked``: the signed-in account was deactivated or
    #: its role changed; the session locks its windows back to sign-in. Carries the error.
    rights_revoked = Signal(object)
    #: Someone signed in or out (carries the new actor, or None): what each control
    #: offers is decided again (``ui/permission_gate.py``).
    actor_changed = Signal(object)

    def __init__(self, uow: UnitOfWork | None = None, parent: QObject | None = None, *,
                 make_uow: Callable[[], UnitOfWork] | None = None) -> None:
        """``uow``, or ``make_uow`` to make it when first needed (on the worker thread,
        for start-up: see ``bootstrap.AppContext``)."""
        super().__init__(parent)
        if uow is None and make_uow is None:
            raise ValueError("DbWorker needs a unit of work or a way to make one")
        self._uow = uow
        self._make_uow = make_uow
        self._actor: Actor | None = None
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="db-worker")
        self._pending = 0
        self._closed = False
        self._finished.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    @property
    def actor(self) -> Actor | None:
        """Who is signed in; every operation asked for from now on runs as them."""
        return self._actor

    @actor.setter
    def actor(self, actor: Actor | None) -> None:
        changed = actor != self._actor
        self._actor = actor
        if changed:
            self.actor_changed.emit(actor)

    @property
    def pending(self) -> int:
        return self._pending

    @property
    def origin(self) -> str:
        """Tags this app's NOTIFY payloads, so its own listener skips its own writes."""
        return self._held().origin

    def _held(self) -> UnitOfWork:
        """The unit of work, made on first use when the worker was given ``make_uow``."""
        if self._uow is None:
            assert self._make_uow is not None
            self._uow = self._make_uow()
        return self._uow

    def read(
        self,
        op: Operation[T],
        on_success: Callable[[T], None] | None = None,
        on_failure: Callable[[BaseException], None] | None = None,
        progress: Progress | None = None,
    ) -> Future[None] | None:
        """Run a query; ``on_success(result)`` runs on the GUI thread."""
        return self._submit(_Job(op, self.actor, False, on_success, on_failure, progress))

    def write(
        self,
        op: Operation[T],
        on_success: Callable[[T], None] | None = None,
        on_failure: Callable[[BaseException], None] | None = None,
        progress: Progress | None = None,
    ) -> Future[None] | None:
        """Run a write (retried only when the server certainly rolled it back);
        afterwards ``changed`` tells open views what its commits changed."""
        return self._submit(_Job(op, self.actor, True, on_success, on_failure, progress))

    def _submit(self, job: _Job[Any]) -> Future[None] | None:
        if self._closed:
            return None
        self._pending += 1
        self.busy_changed.emit(self._pending)
        return self._pool.submit(self._run, job)

    def _run(self, job: _Job[Any]) -> None:
        outcome = runner.run(self._held(), job.op, job.actor, write=job.write)
        if outcome.error is not None and not _is_expected(outcome.error):
            log.error("database operation failed:\n%s", "".join(
                traceback.format_exception(outcome.error)))
        self._finished.emit(job, outcome)

    @Slot(object, object)
    def _deliver(self, job: _Job[Any], outcome: runner.Outcome[Any]) -> None:
        self._pending -= 1
        self.busy_changed.emit(self._pending)
        if job.progress is not None and shiboken6.isValid(job.progress):
            job.progress.finish()
        error = outcome.error
        if error is not None:
            if _is_unavailable(error):
                self.unavailable.emit(error)
            if _is_revoked(error):
                self.rights_revoked.emit(error)
            if job.on_failure is not None:
                job.on_failure(error)
            else:
                log.error("unhandled database error: %s", error)
        elif job.on_success is not None:
            job.on_success(outcome.result)
        if outcome.changes:
            self.changed.emit(outcome.changes)

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
    return isinstance(exc, DatabaseUnavailable) and not isinstance(exc, SchemaTooNew)


def _is_revoked(exc: BaseException) -> bool:
    from mechanic_desktop.domain.errors import RightsRevoked

    return isinstance(exc, RightsRevoked)


def _is_expected(exc: BaseException) -> bool:
    return isinstance(exc, DomainError)
