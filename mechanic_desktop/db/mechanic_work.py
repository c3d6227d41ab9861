"""Billed labour per mechanic: the figures the mechanic ranking sums, as SQL.

One labour line counts when its ticket is billed (completed or closed) and its job is
approved (time on a declined, deferred or proposed job was never billed). For each
mechanic the ranking needs the tickets they worked on, their lines, minutes, labour in
cents and the tickets' opened → completed time.

:func:`billed_work` computes those from the lines themselves; ``mechanic_work_days``
(:class:`~mechanic_desktop.db.models.MechanicWorkDay`) holds them summed per UTC day
of completion, kept in step by triggers (migration 0017) that recount a day with the
same formulas. A report adds the whole days it covers from that table to the lines of
its partial first and last day (:func:`whole_days`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Date,
    Select,
    cast,
    delete,
    func,
    insert,
    select,
    type_coerce,
)

from mechanic_desktop.db.models import (
    MechanicWorkDay,
    ServiceTicket,
    TicketJob,
    TicketMechanic,
)
from mechanic_desktop.domain.jobs import JobStatus
from mechanic_desktop.domain.status import TicketStatus

#: Ticket statuses whose work is billed.
BILLED = (TicketStatus.COMPLETED.value, TicketStatus.CLOSED.value)


def labor_cents(dialect: str) -> ColumnElement[int]:
    """One labour line in cents, as ``domain.totals.labor_line`` rounds it:
    (2 · minutes · rate¢ + 60) div 120 is minutes · rate¢ / 60 rounded half-up.
    SQLite keeps Money as whole cents already; PostgreSQL as NUMERIC(12, 2)."""
    rate: ColumnElement[int] = (
        type_coerce(TicketMechanic.hourly_rate, BigInteger) if dialect == "sqlite"
        else cast(TicketMechanic.hourly_rate * 100, BigInteger)
    )
    minutes = cast(TicketMechanic.minutes, BigInteger)
    return (minutes * rate * 2 + 60) // 120


def turnaround_ms(dialect: str) -> ColumnElement[int]:
    """The line's ticket's opened → completed time in whole milliseconds."""
    opened, completed = ServiceTicket.opened_at, ServiceTicket.completed_at
    if dialect == "sqlite":
        days = func.julianday(completed) - func.julianday(opened)
        return cast(func.round(days * 86_400_000), BigInteger)
    return cast(func.round(func.extract("epoch", completed - opened) * 1000), BigInteger)


def completed_day(dialect: str) -> ColumnElement[date]:
    """The UTC day a ticket was completed (times are stored as naive UTC)."""
    if dialect == "sqlite":
        return type_coerce(func.date(ServiceTicket.completed_at), Date)
    return cast(ServiceTicket.completed_at, Date)


def billed_work(dialect: str, *where: ColumnElement[bool], by_day: bool = False) -> Select[Any]:
    """Per mechanic (and per UTC day of completion when ``by_day``): tickets, lines,
    minutes, labour cents and milliseconds of billed lines on approved jobs, for
    tickets matching ``where``; columns named as ``mechanic_work_days``'."""
    # On SQLite ``status || ''`` keeps the planner on the completion-date index (most
    # tickets are billed: the status index narrows nothing).
    status = ServiceTicket.status + "" if dialect == "sqlite" else ServiceTicket.status
    keys: list[ColumnElement[Any]] = [TicketMechanic.mechanic_id.label("mechanic_id")]
    if by_day:
        keys.insert(0, completed_day(dialect).label("completed_on"))
    return (
        select(
            *keys,
            func.count(ServiceTicket.id.distinct()).label("tickets"),
            func.count().label("lines"),
            func.sum(cast(TicketMechanic.minutes, BigInteger)).label("minutes"),
            func.sum(labor_cents(dialect)).label("labor_cents"),
            func.sum(turnaround_ms(dialect)).label("milliseconds"),
        )
        .join(ServiceTicket, ServiceTicket.id == TicketMechanic.ticket_id)
        .join(TicketJob, TicketJob.id == TicketMechanic.job_id)
        .where(
            status.in_(BILLED),
            TicketJob.status == JobStatus.APPROVED.value,
            TicketMechanic.mechanic_id.is_not(None),
            *where,
        )
        .group_by(*keys)
    )


def whole_days(start: datetime, end: datetime) -> tuple[datetime, datetime] | None:
    """The UTC midnights bounding the whole days inside ``[start, end)`` (None when
    the period holds no whole UTC day)."""
    start_utc, end_utc = start.astimezone(UTC), end.astimezone(UTC)
    first = datetime.combine(start_utc.date(), time(), UTC)
    if first < start_utc:
        first += timedelta(days=1)
    last = datetime.combine(end_utc.date(), time(), UTC)
    return (first, last) if first < last else None


def recount_all(dialect: str) -> list[Any]:
    """Statements that make ``mechanic_work_days`` again from the lines (after a bulk
    load that ran without its triggers)."""
    work = billed_work(dialect, by_day=True)
    columns = [c.name for c in work.selected_columns]
    return [delete(MechanicWorkDay), insert(MechanicWorkDay).from_select(columns, work)]
