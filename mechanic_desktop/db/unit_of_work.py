"""Unit of work: one session, one transaction, rolled back unless committed.

A ``UnitOfWork`` is made once (by bootstrap) and entered once per service call; each
``with`` opens a fresh Session, so a UoW can be shared by the services but a Session never
crosses threads. Writers pass ``write=True`` so SQLite takes its write lock up front
(``BEGIN IMMEDIATE``) instead of failing half-way through.

On PostgreSQL a block marked ``reading()`` runs its SELECTs outside a transaction
(autocommit): each sees the latest committed data, exactly as it would inside the READ
COMMITTED transaction it replaces, without the BEGIN and ROLLBACK round trips (issue 19:
a server across town pays 10-60 ms for each). A write inside such a block is refused.

Every write passes through here, so here is where what it changed is known: each
session keeps a change log (db/change_log.py) of ORM flushes and Core statements, and
each COMMIT adds its log to the thread's committed changes, which ``take_changes``
hands to whoever ran the operation (the app's DB worker) as one ``Changes``.
"""

from __future__ import annotations

import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Self

from sqlalchemy import Engine, event
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

from mechanic_desktop.db import change_log, notifications, ticket_loading
from mechanic_desktop.db import repositories as repos
from mechanic_desktop.db.engine import describe, known_connection_problem
from mechanic_desktop.domain.changes import Changes
from mechanic_desktop.domain.errors import DatabaseUnavailable
from mechanic_desktop.domain.staff import Actor

#: Called with each new Session; tests use it to prove no query runs on the GUI thread.
SessionGuard = Callable[[], None]

#: ``session.info`` key of a ``reading()`` block's session (no transaction: no writes).
_READ_ONLY = "read_only"


def _refuse_write(state: ORMExecuteState) -> None:
    if state.session.info.get(_READ_ONLY) and (state.is_insert or state.is_update
                                                or state.is_delete):
        raise RuntimeError("a write inside uow.reading(); use uow.writing()")


def _refuse_flush(session: Session, *_: object) -> None:
    if session.info.get(_READ_ONLY) and (session.new or session.dirty or session.deleted):
        raise RuntimeError("a write inside uow.reading(); use uow.writing()")


class UnitOfWork:
    """Context manager giving repositories over one transaction."""

    customers: repos.CustomerRepository
    vehicles: repos.VehicleRepository
    mechanics: repos.MechanicRepository
    parts: repos.PartRepository
    tickets: repos.TicketRepository

    def __init__(
        self,
        engine: Engine,
        guard: SessionGuard | None = None,
        actor: Actor | None = None,
        *,
        require_actor: bool = False,
    ) -> None:
        self.engine = engine
        #: Who the work is done for (set at sign-in); None for system work (migrations,
        #: seeding) and for tests of rules that do not depend on the role.
        self.actor = actor
        #: The app's own unit of work sets this: with nobody signed in (e.g. a write
        #: queued just before Sign out), a role-checked service refuses instead of acting
        #: for nobody.
        self.require_actor = require_actor
        self._factory = sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)
        change_log.install(self._factory)
        ticket_loading.install(self._factory)
        if engine.dialect.name == "postgresql":
            notifications.install(self._factory)
            event.listen(self._factory, "do_orm_execute", _refuse_write)
            event.listen(self._factory, "before_flush", _refuse_flush)
        self._guard = guard
        #: Tags this app's NOTIFY payloads, so its own listener can skip its own writes.
        self.origin = uuid.uuid4().hex
        self._local = threading.local()
        self._write = False

    @property
    def session(self) -> Session:
        session: Session | None = getattr(self._local, "session", None)
        if session is None:
            raise RuntimeError("UnitOfWork used outside its 'with' block")
        return session

    @property
    def in_transaction(self) -> bool:
        """Whether this thread is inside the unit of work's ``with`` block."""
        return getattr(self._local, "session", None) is not None

    @property
    def actor_id(self) -> int | None:
        return self.actor.id if self.actor is not None else None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def writing(self) -> Self:
        """Mark the next ``with`` block as a write (``BEGIN IMMEDIATE`` on SQLite)."""
        self._local.write = True
        return self

    def reading(self) -> Self:
        """Mark the next ``with`` block as reads only (no BEGIN/ROLLBACK on PostgreSQL)."""
        self._local.read = True
        return self

    def __enter__(self) -> Self:
        if getattr(self._local, "session", None) is not None:
            raise RuntimeError("UnitOfWork is not re-entrant; pass it down instead")
        if self._guard is not None:
            self._guard()
        session = self._factory()
        change_log.committed_into(session, self._committed())
        session.info["origin"] = self.origin
        if self.actor is not None:
            session.info["actor_name"] = self.actor.full_name
        write = getattr(self._local, "write", False)
        read = getattr(self._local, "read", False) and not write
        self._local.write = self._local.read = False
        if read and self.dialect == "postgresql":
            session.info[_READ_ONLY] = True
            try:
                session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
            except DBAPIError as exc:
                session.close()
                raise self._explain(exc) from exc
        if write and self.dialect == "sqlite":
            try:
                session.connection(execution_options={"sqlite_immediate": True})
            except DBAPIError as exc:  # could not even begin: same clear error as below
                session.close()
                raise self._explain(exc) from exc
        self._local.session = session
        self.customers = repos.CustomerRepository(session)
        self.vehicles = repos.VehicleRepository(session)
        self.mechanics = repos.MechanicRepository(session)
        self.parts = repos.PartRepository(session)
        self.tickets = repos.TicketRepository(session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session = self.session
        self._local.session = None
        try:
            session.rollback()
        except DBAPIError:
            pass  # the connection is gone; the server rolled the transaction back itself
        finally:
            session.close()
        if isinstance(exc, DBAPIError) and not isinstance(exc, IntegrityError):
            raise self._explain(exc) from exc

    def _explain(self, exc: DBAPIError) -> DatabaseUnavailable:
        """One clear sentence for a failed database call; nothing of it was saved."""
        text = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else str(exc)
        if isinstance(exc.orig, sqlite3.OperationalError) and "locked" in text.lower():
            return DatabaseUnavailable(
                "The database file is busy (another program is writing to it); "
                "nothing was saved. Try again in a moment."
            )
        known = known_connection_problem(exc, self.engine.url)
        if known is None and exc.connection_invalidated:
            known = f"The connection to {describe(self.engine.url)} was lost."
        if known is not None:
            return DatabaseUnavailable(f"{known} Nothing was saved; try again.")
        return DatabaseUnavailable(
            f"The database could not finish the operation ({text}); nothing was saved."
        )

    def _committed(self) -> change_log.ChangeLog:
        log: change_log.ChangeLog | None = getattr(self._local, "committed", None)
        if log is None:
            log = self._local.committed = change_log.ChangeLog()
        return log

    def take_changes(self) -> Changes:
        """What this thread's commits changed since the last call (then forgotten)."""
        log = self._committed()
        self._local.committed = change_log.ChangeLog()
        return log.changes()

    def record(self, entity: str, ids: Iterable[int]) -> None:
        """Name the rows a Core statement of this transaction wrote (see change_log)."""
        change_log.record(self.session, entity, ids)

    def record_all(self, entity: str) -> None:
        """A bulk write of this transaction that cannot name its rows."""
        change_log.record_all(self.session, entity)

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()

    def flush(self) -> None:
        self.session.flush()
