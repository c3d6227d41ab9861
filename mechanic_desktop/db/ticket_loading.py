"""A ticket and everything its detail shows, read in one exchange with the server.

Opening a ticket, and the first read of every write to one, needs the ticket (locked, for
a write) with its vehicle, customer, discount and the shop settings, its jobs, labour,
parts and fee lines, its authorisations and its billing; a write adds what it checks (the
signed-in account, the fee rules, the parts it puts on). ``load`` sends them together
(db/pipeline.py: one round trip to a distant PostgreSQL server; SQLite runs them in turn)
and keeps what it read in the Session for the rest of the transaction as a ``Held``:

- the lines stay current without being read again: each flush of this Session applies
  its new, changed and deleted lines to them (``_after_flush``); a change they cannot
  follow (a new job or labour line, a part they have no name for, a Core statement on a
  line table) drops them, and the next ``lines`` reads them anew;
- the authorisations and billing rows are dropped by any write to those tables (or to a
  job, whose title they show).

Nothing held outlives its transaction (dropped at COMMIT and ROLLBACK).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction, sessionmaker
from sqlalchemy.sql import Executable

from mechanic_desktop.db import pipeline
from mechanic_desktop.db import repositories as repos
from mechanic_desktop.db.models import (
    Authorisation,
    AuthorisationJob,
    CreditNote,
    Invoice,
    Payment,
    ServiceTicket,
    ShopSettings,
    TicketFee,
    TicketJob,
    TicketMechanic,
    TicketPart,
)
from mechanic_desktop.db.prepared import Bound

#: ``session.info`` key of what ``load`` read.
HELD = "ticket_loading.held"

Lines = tuple[
    list[TicketJob], list[tuple[TicketMechanic, str, bool]], list[tuple[TicketPart, str, str]],
    list[TicketFee],
]

_LINE_TYPES = (TicketJob, TicketMechanic, TicketPart, TicketFee)
_LINE_TABLES = {m.__tablename__ for m in _LINE_TYPES}
_SIDE_TYPES = (Authorisation, AuthorisationJob, Invoice, CreditNote, Payment, TicketJob)
_SIDE_TABLES = {m.__tablename__ for m in _SIDE_TYPES}


@dataclass
class Held:
    """What ``load`` read of one ticket, kept current through this transaction."""

    ticket_id: int
    locked: bool
    ticket: ServiceTicket | None
    lines: Lines | None
    authorisations: list[tuple[Authorisation, str | None, list[tuple[str, str]]]] | None
    billing: list[Any] | None
    #: SKU and name of each part seen (lines and the parts being added), by part id.
    part_names: dict[int, tuple[str, str]] = field(default_factory=dict)
    #: The rows of the caller's ``extra`` statements, by their key.
    extra: dict[str, list[Any]] = field(default_factory=dict)


def load(
    session: Session, ticket_id: int, *, lock: bool,
    extra: Mapping[str, Executable | Bound] | None = None,
) -> Held:
    """Read the ticket (``lock``: row-locked for a write) and its whole detail, with the
    caller's ``extra`` statements, in one exchange; held for the transaction. The
    ticket is None when it does not exist."""
    extra = dict(extra or {})
    statements: list[Executable | Bound] = [
        repos.ticket_statement(ticket_id, lock=lock),
        repos.jobs_statement(ticket_id),
        repos.mechanic_lines_statement(ticket_id),
        repos.part_lines_statement(ticket_id),
        repos.fee_lines_statement(ticket_id),
        repos.authorisations_statement(ticket_id),
        repos.billing_statement(ticket_id),
        *extra.values(),
    ]
    rows = pipeline.run(session, statements)
    ticket = repos.hold_ticket(session, ticket_id, rows[0][0] if rows[0] else None)
    lines: Lines = (
        [r[0] for r in rows[1]], repos.mechanic_lines_of(rows[2]),
        repos.part_lines_of(rows[3]), [r[0] for r in rows[4]],
    )
    held = Held(
        ticket_id, lock, ticket, lines, repos.authorisations_of(rows[5]), list(rows[6]),
        extra=dict(zip(extra, rows[7:], strict=True)),
    )
    held.part_names.update((tp.part_id, (sku, name)) for tp, sku, name in lines[2])
    session.info[HELD] = held
    return held


def held(session: Session, ticket_id: int) -> Held | None:
    """What ``load`` read of this ticket in this transaction, if anything."""
    found: Held | None = session.info.get(HELD)
    return found if found is not None and found.ticket_id == ticket_id else None


def locked_ticket(session: Session, ticket_id: int) -> ServiceTicket | None:
    """The ticket ``load`` locked in this transaction (None: not loaded locked)."""
    found = held(session, ticket_id)
    return found.ticket if found is not None and found.locked else None


def name_parts(session: Session, names: Mapping[int, tuple[str, str]]) -> None:
    """SKU and name of parts a write is about to put on the held ticket."""
    found: Held | None = session.info.get(HELD)
    if found is not None:
        found.part_names.update(names)


def lines(session: Session, ticket_id: int) -> Lines | None:
    """The held ticket's jobs and lines as the database now has them (None: not held).
    Changes to lines not yet flushed are flushed first, as a query would."""
    found = held(session, ticket_id)
    if found is None or found.lines is None:
        return None
    if any(isinstance(o, _LINE_TYPES) for o in (*session.new, *session.dirty, *session.deleted)):
        session.flush()  # as a query would (autoflush): the held lines follow each flush
        if found.lines is None:
            return None
    jobs, labour, parts, fees = found.lines
    return (sorted(jobs, key=lambda j: (j.position, j.id)), list(labour),
            sorted(parts, key=lambda r: r[0].id), sorted(fees, key=lambda f: f.id))


def hold_lines(session: Session, ticket_id: int, read: Lines) -> None:
    """Lines just read from the database (by the caller), held like ``load``'s."""
    found = held(session, ticket_id)
    if found is None:
        found = session.info[HELD] = Held(ticket_id, False, None, None, None, None)
    found.lines = (list(read[0]), list(read[1]), list(read[2]), list(read[3]))
    found.part_names.update((tp.part_id, (sku, name)) for tp, sku, name in read[2])


def authorisations(
    session: Session, ticket_id: int
) -> list[tuple[Authorisation, str | None, list[tuple[str, str]]]] | None:
    found = held(session, ticket_id)
    return found.authorisations if found is not None else None


def billing(session: Session, ticket_id: int) -> list[Any] | None:
    found = held(session, ticket_id)
    return found.billing if found is not None else None


# --- keeping it current ---------------------------------------------------------------


def _changed(obj: Any, *names: str) -> bool:
    attrs = inspect(obj).attrs
    return any(attrs[name].history.has_changes() for name in names)


def _after_flush(session: Session, _context: object) -> None:
    if any(isinstance(o, ShopSettings) for o in session.new):
        session.info.pop(repos.NO_SETTINGS_ROW, None)  # there is one now
    found: Held | None = session.info.get(HELD)
    if found is None:
        return
    tid = found.ticket_id
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, _SIDE_TYPES):
            found.authorisations = found.billing = None
    if found.lines is None:
        return
    _, _, parts, fees = found.lines
    for obj in session.new:
        if getattr(obj, "ticket_id", None) != tid:
            continue
        if isinstance(obj, TicketPart) and obj.part_id in found.part_names:
            parts.append((obj, *found.part_names[obj.part_id]))
        elif isinstance(obj, TicketFee):
            fees.append(obj)
        elif isinstance(obj, TicketJob | TicketMechanic | TicketPart):
            found.lines = None
            return
    for obj in session.dirty:
        if isinstance(obj, TicketJob | TicketMechanic | TicketPart | TicketFee) and _changed(
                obj, "ticket_id", *(["mechanic_id"] if isinstance(obj, TicketMechanic) else []),
                *(["part_id"] if isinstance(obj, TicketPart) else [])):
            found.lines = None
            return
    for obj in session.deleted:
        if isinstance(obj, TicketJob | TicketMechanic):
            if obj.ticket_id == tid:
                found.lines = None
                return
        elif isinstance(obj, TicketPart):
            parts[:] = [r for r in parts if r[0] is not obj]
        elif isinstance(obj, TicketFee):
            fees[:] = [f for f in fees if f is not obj]


def _on_execute(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    found: Held | None = state.session.info.get(HELD)
    if found is None:
        return
    table = getattr(getattr(state.statement, "table", None), "name", "")
    if table in _LINE_TABLES:
        found.lines = None
    if table in _SIDE_TABLES:
        found.authorisations = found.billing = None


def _drop(session: Session, *_: SessionTransaction) -> None:
    session.info.pop(HELD, None)


def install(factory: sessionmaker[Session]) -> None:
    """Keep what ``load`` holds current in every Session of ``factory``."""
    from sqlalchemy import event

    event.listen(factory, "after_flush", _after_flush)
    event.listen(factory, "do_orm_execute", _on_execute)
    event.listen(factory, "after_commit", _drop)
    event.listen(factory, "after_soft_rollback", _drop)
