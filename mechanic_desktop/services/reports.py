"""Reports for the owner: every figure is an SQL aggregate computed in the database.

No report loads rows to sum them in Python: a million tickets stay on the server and
only the grouped answer comes back. Money is summed in whole cents (exact on both
backends: SQLite keeps Money as integer cents, PostgreSQL as NUMERIC) and converted
back to ``Decimal`` once, so a report's labour revenue equals the sum of the tickets'
line totals (``domain.totals.labor_line``: minutes / 60 × rate, half-up per line).

What counts where:

- *Revenue* (the revenue report, this week's revenue) is what posted invoices billed in
  the period (by the day each was posted) less what credit notes credited in it (by the
  day each was issued): a posted invoice never changes, so last month's figure stays.
- *Billed work* (ranking, customers' spend) is a ticket completed in the period
  (``completed_at``) whose status is completed or closed; a reopened ticket has no
  ``completed_at`` until it is completed again.
- *Parts usage* counts part lines added in the period on tickets that are not cancelled
  (a cancelled ticket keeps its lines as a record, but its parts went back on the shelf).
- Periods are local calendar days converted to UTC; revenue buckets are cut in local
  time using the UTC offset at the period's start (a DST change inside the period can
  move an hour at a bucket edge into its neighbour).

Every report needs someone signed in (the app's unit of work requires one); those that
show money earned need the revenue permission, the others the reports permission
(``domain.permissions``), checked here inside each report's read transaction.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Numeric,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    type_coerce,
    union_all,
)

from mechanic_desktop.db.mechanic_work import billed_work, whole_days
from mechanic_desktop.db.models import (
    CreditNote,
    Customer,
    Invoice,
    Mechanic,
    MechanicWorkDay,
    Part,
    ServiceTicket,
    StockMovement,
    TicketPart,
    Vehicle,
)
from mechanic_desktop.db.types import Money, UtcDateTime, utcnow
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.errors import ValidationError
from mechanic_desktop.domain.permissions import Action
from mechanic_desktop.domain.status import ACTIVE_STATUSES, TicketStatus
from mechanic_desktop.services.common import require
from mechanic_desktop.services.permissions import require as require_permission

Grain = Literal["week", "month"]
ZERO = Decimal("0.00")
BILLED = (TicketStatus.COMPLETED.value, TicketStatus.CLOSED.value)
ACTIVE = tuple(s.value for s in ACTIVE_STATUSES)
#: Stock movements that are parts going to (or coming back from) tickets.
USAGE_REASONS = ("ticket", "return", "cancel")
USAGE_DAYS = 90
IDLE_DAYS = 365
#: Days of demand a suggested order covers above the reorder level.
COVER_DAYS = 30
TOP_LIMIT = 20
WIP_LIMIT = 500


# --- periods ---------------------------------------------------------------------------


def _midnight(day: date, tz: tzinfo | None) -> datetime:
    """Local midnight of ``day`` as an aware time (system zone when ``tz`` is None)."""
    if tz is None:
        return datetime(day.year, day.month, day.day).astimezone()
    return datetime(day.year, day.month, day.day, tzinfo=tz)


def _today(now: datetime | None, tz: tzinfo | None) -> date:
    moment = now if now is not None else datetime.now(UTC)
    return (moment.astimezone(tz) if tz is not None else moment.astimezone()).date()


@dataclass(frozen=True, slots=True)
class Period:
    """``[start, end)`` in UTC, made from local calendar days; ``offset_minutes`` is the
    local UTC offset at the start, which revenue buckets are cut by."""

    start: datetime
    end: datetime
    label: str = ""
    offset_minutes: int = 0

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("a period needs aware times")
        if self.end <= self.start:
            raise ValidationError.single("period", "The period must end after it starts.")

    @classmethod
    def between_days(
        cls, first: date, last: date, label: str = "", tz: tzinfo | None = None
    ) -> Period:
        """From the start of ``first`` to the end of ``last`` (both included), local."""
        if last < first:
            raise ValidationError.single("period", "The last day is before the first day.")
        start = _midnight(first, tz)
        end = _midnight(last + timedelta(days=1), tz)
        offset = start.utcoffset() or timedelta(0)
        return cls(start.astimezone(UTC), end.astimezone(UTC),
                   label or f"{first:%Y-%m-%d} – {last:%Y-%m-%d}",
                   int(offset.total_seconds() // 60))

    @classmethod
    def custom(cls, first: date, last: date, tz: tzinfo | None = None) -> Period:
        return cls.between_days(first, last, tz=tz)

    @classmethod
    def today(cls, now: datetime | None = None, tz: tzinfo | None = None) -> Period:
        day = _today(now, tz)
        return cls.between_days(day, day, "Today", tz)

    @classmethod
    def this_week(cls, now: datetime | None = None, tz: tzinfo | None = None) -> Period:
        """Monday to Sunday of the current week."""
        day = _today(now, tz)
        monday = day - timedelta(days=day.weekday())
        return cls.between_days(monday, monday + timedelta(days=6), "This week", tz)

    @classmethod
    def this_month(cls, now: datetime | None = None, tz: tzinfo | None = None) -> Period:
        day = _today(now, tz)
        last = calendar.monthrange(day.year, day.month)[1]
        return cls.between_days(day.replace(day=1), day.replace(day=last), "This month", tz)

    @classmethod
    def last_month(cls, now: datetime | None = None, tz: tzinfo | None = None) -> Period:
        first_this = _today(now, tz).replace(day=1)
        last = first_this - timedelta(days=1)
        return cls.between_days(last.replace(day=1), last, "Last month", tz)

    @classmethod
    def this_year(cls, now: datetime | None = None, tz: tzinfo | None = None) -> Period:
        day = _today(now, tz)
        return cls.between_days(date(day.year, 1, 1), date(day.year, 12, 31), "This year", tz)

    @property
    def first_day(self) -> date:
        return (self.start + timedelta(minutes=self.offset_minutes)).date()

    @property
    def last_day(self) -> date:
        return (self.end + timedelta(minutes=self.offset_minutes) - timedelta(days=1)).date()


PERIODS: dict[str, Callable[..., Period]] = {
    "this_week": Period.this_week,
    "this_month": Period.this_month,
    "last_month": Period.last_month,
    "this_year": Period.this_year,
}


# --- SQL helpers that differ per backend -------------------------------------------------


def cents(column: Any, dialect: str) -> ColumnElement[int]:
    """A Money column as whole cents (SQLite already stores cents)."""
    if dialect == "sqlite":
        return type_coerce(column, BigInteger)
    return cast(column * 100, BigInteger)


def money_from_cents(expr: Any, dialect: str) -> ColumnElement[Decimal]:
    """Whole cents back to a Money-typed expression (so results arrive as Decimal)."""
    if dialect == "sqlite":
        return type_coerce(expr, Money)
    return type_coerce(cast(expr, Numeric(20, 2)) / 100, Money)


def sqlite_seconds(column: Any) -> Any:
    """A SQLite timestamp cut to whole seconds ('YYYY-MM-DD HH:MM:SS'): SQLite's date
    functions round the microseconds, so a moment in the last half-millisecond before
    midnight read as the next day (range comparisons, as the cash-up makes, never did)."""
    return func.substr(column, 1, 19)


def date_bucket(column: Any, grain: Grain, offset_minutes: int, dialect: str) -> Any:
    """The local day starting ``column``'s week (Monday) or month, as 'YYYY-MM-DD' text:
    ``strftime``/``date`` modifiers on SQLite, ``date_trunc`` on PostgreSQL."""
    if grain not in ("week", "month"):
        raise ValueError(f"unknown grain {grain!r}")
    if dialect == "sqlite":
        shift = f"{offset_minutes:+d} minutes"
        if grain == "month":
            return func.strftime("%Y-%m-01", sqlite_seconds(column), shift, type_=String)
        return func.date(sqlite_seconds(column), shift, "-6 days", "weekday 1", type_=String)
    local = column + literal(timedelta(minutes=offset_minutes))
    return func.to_char(func.date_trunc(grain, local), "YYYY-MM-DD", type_=String)


def _billed_in(period: Period, dialect: str) -> ColumnElement[bool]:
    """Completed or closed, with completed_at in the period. Most tickets in a shop's
    history are billed, so the status index narrows nothing: on SQLite ``status || ''``
    keeps the planner on the completion-date index (PostgreSQL costs this itself)."""
    status = ServiceTicket.status + "" if dialect == "sqlite" else ServiceTicket.status
    return and_(
        status.in_(BILLED),
        ServiceTicket.completed_at >= period.start,
        ServiceTicket.completed_at < period.end,
        # Opened before it was completed: lets the opened_at index cut old periods short.
        ServiceTicket.opened_at < period.end,
    )


# --- report rows ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Column:
    """How a report column is shown and exported: ``kind`` picks the formatting
    (text, int, money, hours (from minutes), days (from seconds), date, datetime)."""

    header: str
    value: Callable[[Any], object]
    kind: str = "text"


@dataclass(frozen=True, slots=True)
class MechanicRank:
    mechanic_id: int
    name: str
    active: bool
    tickets: int
    minutes: int
    labor: Decimal
    avg_seconds: float | None

    @property
    def hours(self) -> Decimal:
        return (Decimal(self.minutes) / 60).quantize(Decimal("0.01"))


@dataclass(frozen=True, slots=True)
class RevenueBucket:
    """A week's or month's revenue: invoices posted in it (their parts, labour, tax and
    totals) less credit notes issued in it; ``total`` is the net."""

    start: date
    invoices: int
    parts: Decimal
    labor: Decimal
    tax: Decimal
    invoiced: Decimal
    credit_notes: int = 0
    credited: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.invoiced - self.credited

    @property
    def fees_less_discounts(self) -> Decimal:
        """Fee lines less discounts of the invoices: what makes parts + labour + tax
        come to what was invoiced (an invoice keeps its parts and labour before
        discounts, as printed; its fees and discounts only in its snapshot)."""
        return self.invoiced - self.parts - self.labor - self.tax


@dataclass(frozen=True, slots=True)
class PartUsage:
    part_id: int
    sku: str
    name: str
    quantity: int
    revenue: Decimal


@dataclass(frozen=True, slots=True)
class IdlePart:
    part_id: int
    sku: str
    name: str
    on_hand: int
    stock_value: Decimal
    last_movement: datetime | None


@dataclass(frozen=True, slots=True)
class PartsUsage:
    by_quantity: tuple[PartUsage, ...]
    by_revenue: tuple[PartUsage, ...]
    idle: tuple[IdlePart, ...]


@dataclass(frozen=True, slots=True)
class LowStockLine:
    part_id: int
    sku: str
    name: str
    on_hand: int
    reorder_level: int
    used_90_days: int
    suggested: int
    unit_cost: Decimal
    #: Units on special order for approved jobs of open tickets (in ``suggested``).
    for_tickets: int = 0

    @property
    def order_cost(self) -> Decimal:
        return (self.unit_cost * self.suggested).quantize(Decimal("0.01"))


@dataclass(frozen=True, slots=True)
class WipStatus:
    status: str
    tickets: int
    value: Decimal
    oldest: datetime | None


@dataclass(frozen=True, slots=True)
class WipTicket:
    ticket_id: int
    number: int
    status: str
    customer: str
    vehicle: str
    opened_at: datetime
    promised_at: datetime | None
    total: Decimal
    age_days: float


@dataclass(frozen=True, slots=True)
class WorkInProgress:
    by_status: tuple[WipStatus, ...]
    tickets: tuple[WipTicket, ...]
    total_tickets: int
    total_value: Decimal


@dataclass(frozen=True, slots=True)
class CustomerTotal:
    customer_id: int
    name: str
    tickets: int
    total: Decimal
    last_completed: datetime | None


@dataclass(frozen=True, slots=True)
class HistoryTicket:
    ticket_id: int
    number: int
    status: str
    vehicle: str
    opened_at: datetime
    completed_at: datetime | None
    total: Decimal


@dataclass(frozen=True, slots=True)
class CustomerHistory:
    customer_id: int
    name: str
    tickets: tuple[HistoryTicket, ...]
    visits: int
    billed: Decimal
    open_tickets: int
    first_visit: datetime | None
    last_visit: datetime | None


@dataclass(frozen=True, slots=True)
class Dashboard:
    #: Active tickets now, per status value ('open', 'in_progress'), zero included.
    open_by_status: dict[str, int]
    completed_today: int
    low_stock: int
    week_revenue: Decimal
    week_tickets: int


# --- the reports ----------------------------------------------------------------------------


def _work_in(period: Period, dialect: str) -> Any:
    """Per mechanic: tickets, lines, minutes, labour cents and turnaround milliseconds
    of billed work completed in the period. Whole UTC days come summed from
    ``mechanic_work_days`` (kept by triggers); the partial first and last days (a local
    midnight is not a UTC one) from the labour lines themselves."""
    days = whole_days(period.start, period.end)
    if days is None:
        return billed_work(dialect, ServiceTicket.completed_at >= period.start,
                           ServiceTicket.completed_at < period.end)
    first, last = days
    edges = billed_work(dialect, or_(
        and_(ServiceTicket.completed_at >= period.start, ServiceTicket.completed_at < first),
        and_(ServiceTicket.completed_at >= last, ServiceTicket.completed_at < period.end),
    ))
    summed = select(
        MechanicWorkDay.mechanic_id,
        *(func.sum(c).label(c.key) for c in (
            MechanicWorkDay.tickets, MechanicWorkDay.lines, MechanicWorkDay.minutes,
            MechanicWorkDay.labor_cents, MechanicWorkDay.milliseconds)),
    ).where(
        MechanicWorkDay.completed_on >= first.date(), MechanicWorkDay.completed_on < last.date()
    ).group_by(MechanicWorkDay.mechanic_id)
    both = union_all(edges, summed).subquery()
    return select(
        both.c.mechanic_id,
        *(func.sum(both.c[name]).label(name)
          for name in ("tickets", "lines", "minutes", "labor_cents", "milliseconds")),
    ).group_by(both.c.mechanic_id)


def mechanic_ranking(uow: UnitOfWork, period: Period) -> list[MechanicRank]:
    """Mechanics by completed tickets in the period (then labour revenue, then name):
    every active mechanic, and inactive ones who completed work in the period. Only
    approved jobs count: time on a declined or deferred job was never billed. The
    average is per labour line, of its ticket's opened → completed time."""
    with uow:
        require_permission(uow, Action.VIEW_REVENUE)
        d = uow.dialect
        work = _work_in(period, d).subquery()
        tickets = func.coalesce(work.c.tickets, 0)
        labor = func.coalesce(work.c.labor_cents, 0)
        rows = uow.session.execute(
            select(
                Mechanic.id, Mechanic.name, Mechanic.active, tickets,
                func.coalesce(work.c.minutes, 0), money_from_cents(labor, d),
                work.c.lines, work.c.milliseconds,
            )
            .outerjoin(work, work.c.mechanic_id == Mechanic.id)
            .where(or_(Mechanic.active.is_(True), work.c.tickets > 0))
            .order_by(tickets.desc(), labor.desc(), Mechanic.name_key, Mechanic.id)
        ).all()
        return [
            MechanicRank(r[0], r[1], bool(r[2]), int(r[3]), int(r[4]), r[5] or ZERO,
                         int(r[7]) / int(r[6]) / 1000 if r[6] else None)
            for r in rows
        ]


def revenue(uow: UnitOfWork, period: Period, grain: Grain = "month",
            now: datetime | None = None) -> list[RevenueBucket]:
    """Revenue per week or month of the period: invoices posted less credit notes
    issued (empty buckets included, as zero);
    weeks or months that have not begun yet are left out, not charted as a zero."""
    with uow:
        require_permission(uow, Action.VIEW_REVENUE)
        bucket = date_bucket(Invoice.posted_at, grain, period.offset_minutes,
                             uow.dialect).label("bucket")
        rows = uow.session.execute(
            select(
                bucket, func.count(), func.sum(Invoice.parts_total),
                func.sum(Invoice.labor_total), func.sum(Invoice.tax_total),
                func.sum(Invoice.total),
            )
            .where(Invoice.posted_at >= period.start, Invoice.posted_at < period.end)
            .group_by(bucket)
        ).all()
        note_bucket = date_bucket(CreditNote.issued_at, grain, period.offset_minutes,
                                  uow.dialect).label("bucket")
        credits = {r[0]: (int(r[1]), r[2] or ZERO) for r in uow.session.execute(
            select(note_bucket, func.count(), func.sum(CreditNote.amount))
            .where(CreditNote.issued_at >= period.start, CreditNote.issued_at < period.end)
            .group_by(note_bucket)
        )}
    found = {
        date.fromisoformat(r[0]): RevenueBucket(
            date.fromisoformat(r[0]), int(r[1]), r[2] or ZERO, r[3] or ZERO, r[4] or ZERO,
            r[5] or ZERO, *credits.pop(r[0], (0, ZERO)))
        for r in rows
    }
    for key, (count, amount) in credits.items():
        found[date.fromisoformat(key)] = RevenueBucket(
            date.fromisoformat(key), 0, ZERO, ZERO, ZERO, ZERO, count, amount)
    today = ((now or datetime.now(UTC)) + timedelta(minutes=period.offset_minutes)).date()
    return [found.get(day) or RevenueBucket(day, 0, ZERO, ZERO, ZERO, ZERO)
            for day in bucket_starts(period, grain) if day <= today]


def bucket_starts(period: Period, grain: Grain) -> list[date]:
    """The first day of every week (Monday) or month the period touches."""
    first, last = period.first_day, period.last_day
    if grain == "week":
        day = first - timedelta(days=first.weekday())
        step: Callable[[date], date] = lambda d: d + timedelta(days=7)  # noqa: E731
    else:
        day = first.replace(day=1)
        step = lambda d: (d.replace(day=28) + timedelta(days=4)).replace(day=1)  # noqa: E731
    days = []
    while day <= last:
        days.append(day)
        day = step(day)
    return days


def parts_usage(
    uow: UnitOfWork, period: Period, limit: int = TOP_LIMIT, now: datetime | None = None
) -> PartsUsage:
    """Top parts by quantity and by revenue on non-cancelled tickets in the period, and
    parts with no stock movement at all for twelve months (stock value at cost)."""
    moment = now or utcnow()
    with uow:
        require_permission(uow, Action.VIEW_REVENUE)
        d = uow.dialect
        quantity = func.sum(TicketPart.quantity)
        line_cents = func.sum(TicketPart.quantity * cents(TicketPart.unit_price, d))
        base = (
            select(Part.id, Part.sku, Part.name, quantity, money_from_cents(line_cents, d))
            .join(TicketPart, TicketPart.part_id == Part.id)
            .join(ServiceTicket, ServiceTicket.id == TicketPart.ticket_id)
            .where(
                ServiceTicket.status != TicketStatus.CANCELLED.value,
                TicketPart.taken,  # parts that left the shelf: approved jobs' only
                TicketPart.added_at >= period.start,
                TicketPart.added_at < period.end,
            )
            .group_by(Part.id, Part.sku, Part.name)
            .limit(limit)
        )
        by_quantity = uow.session.execute(
            base.order_by(quantity.desc(), line_cents.desc(), Part.sku)).all()
        by_revenue = uow.session.execute(
            base.order_by(line_cents.desc(), quantity.desc(), Part.sku)).all()
        cutoff = moment - timedelta(days=IDLE_DAYS)
        last_move = (
            select(func.max(StockMovement.created_at))
            .where(StockMovement.part_id == Part.id)
            .scalar_subquery()
        )
        recent = (
            select(StockMovement.id)
            .where(StockMovement.part_id == Part.id, StockMovement.created_at >= cutoff)
            .exists()
        )
        value_cents = Part.quantity_on_hand * cents(Part.unit_cost, d)
        idle = uow.session.execute(
            select(Part.id, Part.sku, Part.name, Part.quantity_on_hand,
                   money_from_cents(value_cents, d), type_coerce(last_move, UtcDateTime))
            .where(~recent)
            .order_by(value_cents.desc(), Part.sku)
        ).all()
    return PartsUsage(
        tuple(PartUsage(r[0], r[1], r[2], int(r[3]), r[4] or ZERO) for r in by_quantity),
        tuple(PartUsage(r[0], r[1], r[2], int(r[3]), r[4] or ZERO) for r in by_revenue),
        tuple(IdlePart(r[0], r[1], r[2], int(r[3]), r[4] or ZERO, r[5]) for r in idle),
    )


def suggested_order(on_hand: int, reorder_level: int, used_90_days: int) -> int:
    """How many to order: enough to bring the shelf back to the reorder level plus
    30 days of demand at the last 90 days' rate (ceil(used_90 / 3)), and at least one
    above the reorder level so the part leaves the low list; a part with reorder level
    0 (no longer stocked) is only ordered for demand actually seen.

        target    = reorder_level + max(ceil(used_90 × 30 / 90), 1 if reorder_level else 0)
        suggested = max(0, target − on_hand)
    """
    demand = -(-max(used_90_days, 0) * COVER_DAYS // USAGE_DAYS)
    target = reorder_level + max(demand, 1 if reorder_level else 0)
    return max(0, target - on_hand)


def low_stock(uow: UnitOfWork, now: datetime | None = None) -> list[LowStockLine]:
    """Parts at or below their reorder level (as the Stock page's filter), and parts on
    special order for open tickets, with the net quantity used on tickets in the last 90
    days and a suggested order (:func:`suggested_order`, plus what the tickets wait
    for: a line waits until it is taken from stock)."""
    moment = now or utcnow()
    with uow:
        require_permission(uow, Action.VIEW_REPORTS)
        used = (
            select(-func.coalesce(func.sum(StockMovement.quantity), 0))
            .where(
                StockMovement.part_id == Part.id,
                StockMovement.reason.in_(USAGE_REASONS),
                StockMovement.created_at >= moment - timedelta(days=USAGE_DAYS),
            )
            .scalar_subquery()
        )
        waiting = (
            select(TicketPart.part_id, func.sum(TicketPart.quantity).label("n"))
            .join(ServiceTicket, ServiceTicket.id == TicketPart.ticket_id)
            .where(TicketPart.ordered, ServiceTicket.status.in_(ACTIVE))
            .group_by(TicketPart.part_id)
            .subquery()
        )
        rows = uow.session.execute(
            select(Part.id, Part.sku, Part.name, Part.quantity_on_hand, Part.reorder_level,
                   used, Part.unit_cost, waiting.c.n)
            .outerjoin(waiting, waiting.c.part_id == Part.id)
            .where(or_(Part.quantity_on_hand <= Part.reorder_level, waiting.c.n > 0))
            .order_by(Part.sku)
        ).all()
    return [
        LowStockLine(r[0], r[1], r[2], r[3], r[4], max(0, int(r[5] or 0)),
                     suggested_order(r[3], r[4], int(r[5] or 0)) + int(r[7] or 0), r[6],
                     int(r[7] or 0))
        for r in rows
    ]


def _vehicle_title() -> ColumnElement[str]:
    return func.trim(
        func.coalesce(cast(Vehicle.year, String), "") + " " + Vehicle.make + " "
        + Vehicle.model + " " + Vehicle.plate
    )


def work_in_progress(
    uow: UnitOfWork, now: datetime | None = None, limit: int = WIP_LIMIT
) -> WorkInProgress:
    """Open and in-progress tickets: count, value and oldest per status, and the
    tickets themselves oldest first (at most ``limit``)."""
    moment = now or utcnow()
    with uow:
        require_permission(uow, Action.VIEW_REPORTS)
        summary = uow.session.execute(
            select(ServiceTicket.status, func.count(), func.sum(ServiceTicket.total),
                   func.min(ServiceTicket.opened_at))
            .where(ServiceTicket.status.in_(ACTIVE))
            .group_by(ServiceTicket.status)
        ).all()
        rows = uow.session.execute(
            select(ServiceTicket.id, ServiceTicket.number, ServiceTicket.status, Customer.name,
                   _vehicle_title(), ServiceTicket.opened_at, ServiceTicket.promised_at,
                   ServiceTicket.total)
            .join(Customer, Customer.id == ServiceTicket.customer_id)
            .join(Vehicle, Vehicle.id == ServiceTicket.vehicle_id)
            .where(ServiceTicket.status.in_(ACTIVE))
            .order_by(ServiceTicket.opened_at, ServiceTicket.id)
            .limit(limit)
        ).all()
    found = {r[0]: WipStatus(r[0], int(r[1]), r[2] or ZERO, r[3]) for r in summary}
    by_status = tuple(found.get(s) or WipStatus(s, 0, ZERO, None) for s in ACTIVE)
    tickets = tuple(
        WipTicket(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7],
                  (moment - r[5]).total_seconds() / 86400)
        for r in rows
    )
    return WorkInProgress(by_status, tickets, sum(s.tickets for s in by_status),
                          sum((s.value for s in by_status), ZERO))


def customer_totals(uow: UnitOfWork, period: Period, limit: int = 100) -> list[CustomerTotal]:
    """Customers by what was billed to them in the period (most first)."""
    with uow:
        require_permission(uow, Action.VIEW_REVENUE)
        total = func.sum(ServiceTicket.total)
        rows = uow.session.execute(
            select(Customer.id, Customer.name, func.count(ServiceTicket.id), total,
                   func.max(ServiceTicket.completed_at))
            .join(Customer, Customer.id == ServiceTicket.customer_id)
            .where(_billed_in(period, uow.dialect))
            .group_by(Customer.id, Customer.name)
            .order_by(total.desc(), Customer.name_key, Customer.id)
            .limit(limit)
        ).all()
    return [CustomerTotal(r[0], r[1], int(r[2]), r[3] or ZERO, r[4]) for r in rows]


def customer_history(uow: UnitOfWork, customer_id: int) -> CustomerHistory:
    """One customer's tickets, newest first, with visits (not cancelled), what was
    billed (completed or closed) and open tickets, all aggregated in SQL."""
    with uow:
        require_permission(uow, Action.VIEW_REPORTS)
        customer = require(uow.customers.get(customer_id), "Customer", customer_id)
        not_cancelled = ServiceTicket.status != TicketStatus.CANCELLED.value
        billed = case((ServiceTicket.status.in_(BILLED), ServiceTicket.total), else_=None)
        totals = uow.session.execute(
            select(
                func.count(case((not_cancelled, 1))),
                type_coerce(func.sum(billed), Money),
                func.count(case((ServiceTicket.status.in_(ACTIVE), 1))),
                type_coerce(func.min(case((not_cancelled, ServiceTicket.opened_at))),
                            UtcDateTime),
                type_coerce(func.max(case((not_cancelled, ServiceTicket.opened_at))),
                            UtcDateTime),
            ).where(ServiceTicket.customer_id == customer_id)
        ).one()
        rows = uow.session.execute(
            select(ServiceTicket.id, ServiceTicket.number, ServiceTicket.status,
                   _vehicle_title(), ServiceTicket.opened_at, ServiceTicket.completed_at,
                   ServiceTicket.total)
            .join(Vehicle, Vehicle.id == ServiceTicket.vehicle_id)
            .where(ServiceTicket.customer_id == customer_id)
            .order_by(ServiceTicket.opened_at.desc(), ServiceTicket.id.desc())
        ).all()
        return CustomerHistory(
            customer.id, customer.name, tuple(HistoryTicket(*r) for r in rows),
            int(totals[0]), totals[1] or ZERO, int(totals[2]), totals[3], totals[4],
        )


def dashboard(uow: UnitOfWork, now: datetime | None = None, tz: tzinfo | None = None
              ) -> Dashboard:
    """Active tickets by status, tickets completed today, the low-stock count and this
    week's billed revenue, in one read transaction."""
    moment = now or utcnow()
    today = Period.today(moment, tz)
    week = Period.this_week(moment, tz)
    with uow:
        require_permission(uow, Action.VIEW_REVENUE)
        counts = {r[0]: int(r[1]) for r in uow.session.execute(
            select(ServiceTicket.status, func.count())
            .where(ServiceTicket.status.in_(ACTIVE))
            .group_by(ServiceTicket.status)
        )}
        done_today = uow.session.scalar(
            select(func.count()).select_from(ServiceTicket).where(_billed_in(today, uow.dialect)))
        low = uow.session.scalar(
            select(func.count()).select_from(Part)
            .where(Part.quantity_on_hand <= Part.reorder_level))
        week_row = uow.session.execute(
            select(func.count(), func.sum(Invoice.total))
            .where(Invoice.posted_at >= week.start, Invoice.posted_at < week.end)
        ).one()
        week_credited = uow.session.scalar(
            select(func.sum(CreditNote.amount))
            .where(CreditNote.issued_at >= week.start, CreditNote.issued_at < week.end))
    return Dashboard(
        {s: int(counts.get(s, 0)) for s in ACTIVE}, int(done_today or 0), int(low or 0),
        (week_row[1] or ZERO) - (week_credited or ZERO), int(week_row[0]),
    )


# --- columns: how each report is shown and exported ------------------------------------------

RANKING_COLUMNS = (
    Column("#", lambda r: r[0], "int"),
    Column("Mechanic", lambda r: r[1].name),
    Column("Completed", lambda r: r[1].tickets, "int"),
    Column("Hours", lambda r: r[1].minutes, "hours"),
    Column("Labour", lambda r: r[1].labor, "money"),
    Column("Avg. days", lambda r: r[1].avg_seconds, "days"),
    Column("Active", lambda r: "yes" if r[1].active else "no"),
)
REVENUE_COLUMNS = (
    Column("Starting", lambda r: r.start, "date"),
    Column("Invoices", lambda r: r.invoices, "int"),
    Column("Parts", lambda r: r.parts, "money"),
    Column("Labour", lambda r: r.labor, "money"),
    Column("Fees − discounts", lambda r: r.fees_less_discounts, "money"),
    Column("Tax", lambda r: r.tax, "money"),
    Column("Invoiced", lambda r: r.invoiced, "money"),
    Column("Credit notes", lambda r: r.credit_notes, "int"),
    Column("Credited", lambda r: r.credited, "money"),
    Column("Net revenue", lambda r: r.total, "money"),
)
USAGE_COLUMNS = (
    Column("SKU", lambda r: r.sku),
    Column("Part", lambda r: r.name),
    Column("Quantity", lambda r: r.quantity, "int"),
    Column("Revenue", lambda r: r.revenue, "money"),
)
IDLE_COLUMNS = (
    Column("SKU", lambda r: r.sku),
    Column("Part", lambda r: r.name),
    Column("On hand", lambda r: r.on_hand, "int"),
    Column("Stock value (cost)", lambda r: r.stock_value, "money"),
    Column("Last movement", lambda r: r.last_movement, "date"),
)
LOW_STOCK_COLUMNS = (
    Column("SKU", lambda r: r.sku),
    Column("Part", lambda r: r.name),
    Column("On hand", lambda r: r.on_hand, "int"),
    Column("Reorder level", lambda r: r.reorder_level, "int"),
    Column("Used (90 days)", lambda r: r.used_90_days, "int"),
    Column("On order for tickets", lambda r: r.for_tickets, "int"),
    Column("Suggested order", lambda r: r.suggested, "int"),
    Column("Unit cost", lambda r: r.unit_cost, "money"),
    Column("Order cost", lambda r: r.order_cost, "money"),
)
PURCHASE_COLUMNS = (
    Column("sku", lambda r: r.sku),
    Column("name", lambda r: r.name),
    Column("quantity", lambda r: r.suggested, "int"),
    Column("unit_cost", lambda r: r.unit_cost, "money"),
    Column("line_cost", lambda r: r.order_cost, "money"),
)
WIP_COLUMNS = (
    Column("Ticket", lambda r: r.number, "int"),
    Column("Status", lambda r: TicketStatus(r.status).label),
    Column("Customer", lambda r: r.customer),
    Column("Vehicle", lambda r: r.vehicle),
    Column("Opened", lambda r: r.opened_at, "datetime"),
    Column("Promised", lambda r: r.promised_at, "datetime"),
    Column("Age (days)", lambda r: r.age_days * 86400, "days"),
    Column("Value", lambda r: r.total, "money"),
)
CUSTOMER_COLUMNS = (
    Column("Customer", lambda r: r.name),
    Column("Tickets", lambda r: r.tickets, "int"),
    Column("Billed", lambda r: r.total, "money"),
    Column("Last completed", lambda r: r.last_completed, "date"),
)
HISTORY_COLUMNS = (
    Column("Ticket", lambda r: r.number, "int"),
    Column("Status", lambda r: TicketStatus(r.status).label),
    Column("Vehicle", lambda r: r.vehicle),
    Column("Opened", lambda r: r.opened_at, "date"),
    Column("Completed", lambda r: r.completed_at, "date"),
    Column("Total", lambda r: r.total, "money"),
)


def ranked(rows: Sequence[MechanicRank]) -> list[tuple[int, MechanicRank]]:
    """Rows with their place (1-based), as the ranking columns expect."""
    return list(enumerate(rows, start=1))
