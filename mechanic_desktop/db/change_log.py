"""The change log every write passes through: which rows a transaction touched.

Installed on the unit of work's session factory for every backend. Three sources feed
one pending log per Session:
- ORM flushes (``after_flush``): new, dirty and deleted objects, by their entity's id;
- Core statements run through the Session (``do_orm_execute``): an INSERT, UPDATE or
  DELETE on a table we show marks its entity as changed in "any row" — unless the
  statement carries the execution option ``NAMES_ITS_ROWS``, whose writer then names
  exactly the rows it wrote with ``record`` (the stock repository, the CSV importer,
  the settings insert). A writer can therefore never forget to announce a row: at
  worst it announces too much.
COMMIT moves the pending log into the committed log the unit of work hands to its
caller (``UnitOfWork.take_changes``); a rollback forgets it. PostgreSQL's NOTIFY
(db/notifications.py) sends the pending log as it stands just before COMMIT — so this
desk and the others hear the same thing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction, sessionmaker

from mechanic_desktop.db import models
from mechanic_desktop.domain.changes import Changes

#: Which entity a change to each table is about, and the column holding that entity's id.
ENTITY_OF: dict[str, tuple[str, str]] = {
    models.Customer.__tablename__: ("customer", "id"),
    models.Vehicle.__tablename__: ("vehicle", "id"),
    models.Mechanic.__tablename__: ("mechanic", "id"),
    models.Part.__tablename__: ("part", "id"),
    models.ServiceTicket.__tablename__: ("ticket", "id"),
    models.TicketPart.__tablename__: ("ticket", "ticket_id"),
    models.TicketMechanic.__tablename__: ("ticket", "ticket_id"),
    models.TicketJob.__tablename__: ("ticket", "ticket_id"),
    models.Authorisation.__tablename__: ("ticket", "ticket_id"),
    models.StockMovement.__tablename__: ("part", "part_id"),
    models.StaffUser.__tablename__: ("staff", "id"),
    models.ShopSettings.__tablename__: ("settings", "id"),
    models.AuditEntry.__tablename__: ("audit", "id"),
    models.CannedJob.__tablename__: ("canned_job", "id"),
    models.CannedJobLine.__tablename__: ("canned_job", "canned_job_id"),
}

_PENDING = "change_log"

#: Execution option of a Core statement whose writer names its rows with ``record`` (and
#: may write none, as INSERT … ON CONFLICT DO NOTHING): no "any row" for it.
NAMES_ITS_ROWS = "names_its_rows"


@dataclass
class ChangeLog:
    """Ids per entity, and the entities written without naming their rows."""

    ids: dict[str, set[int]] = field(default_factory=dict)
    unnamed: set[str] = field(default_factory=set)

    def add(self, entity: str, ids: Iterable[int]) -> None:
        self.ids.setdefault(entity, set()).update(ids)

    def merge(self, other: ChangeLog) -> None:
        for entity, ids in other.ids.items():
            self.ids.setdefault(entity, set()).update(ids)
        self.unnamed |= other.unnamed

    def __bool__(self) -> bool:
        return bool(self.ids) or bool(self.unnamed)

    def changes(self, by: str | None = None) -> Changes:
        return Changes.build(self.ids, self.unnamed, by=by)


def pending(session: Session) -> ChangeLog:
    """The log of the session's open transaction (made on first use)."""
    log: ChangeLog | None = session.info.get(_PENDING)
    if log is None:
        log = session.info[_PENDING] = ChangeLog()
    return log


def record(session: Session, entity: str, ids: Iterable[int]) -> None:
    """Name the rows a Core statement wrote (so views re-read those, not everything)."""
    pending(session).add(entity, (int(i) for i in ids))


def record_all(session: Session, entity: str) -> None:
    """A bulk write that cannot name its rows: every row of ``entity`` may have changed."""
    log = pending(session)
    log.add(entity, ())
    log.unnamed.add(entity)


def _after_flush(session: Session, _context: object) -> None:
    log = pending(session)
    for obj in (*session.new, *session.dirty, *session.deleted):
        target = ENTITY_OF.get(getattr(obj, "__tablename__", ""))
        if target is None:
            continue
        entity, column = target
        value = getattr(obj, column, None)
        log.add(entity, [value] if isinstance(value, int) else [])


def _on_execute(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    if state.execution_options.get(NAMES_ITS_ROWS):
        return  # the writer calls ``record`` with exactly what it wrote
    table = getattr(state.statement, "table", None)
    target = ENTITY_OF.get(getattr(table, "name", ""))
    if target is not None:
        record_all(state.session, target[0])


def _after_commit(session: Session) -> None:
    log: ChangeLog | None = session.info.pop(_PENDING, None)
    committed: ChangeLog | None = session.info.get("committed_changes")
    if log and committed is not None:
        committed.merge(log)


def _after_rollback(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outer transaction: nothing of it was kept
        session.info.pop(_PENDING, None)


def install(factory: sessionmaker[Session]) -> None:
    """Make every session from ``factory`` keep a change log (every backend)."""
    event.listen(factory, "after_flush", _after_flush)
    event.listen(factory, "do_orm_execute", _on_execute)
    event.listen(factory, "after_commit", _after_commit)
    event.listen(factory, "after_soft_rollback", _after_rollback)


def committed_into(session: Session, log: ChangeLog) -> None:
    """Where this session's committed logs go (the unit of work's, per thread)."""
    session.info["committed_changes"] = log

