"""Money reports: the end-of-day cash-up, receipts by day and method, accounts
receivable by age, and a customer's statement.

Every figure is summed in SQL. Receivables read only the tickets that still owe
(``service_tickets.owed`` > 0, kept by the billing services, through its partial
index), so they cost the same on a shop with a million settled tickets as on a new one.
A customer's statement lists their invoices, credit notes and payments in date order
with a running balance; its last balance is Σ invoices − Σ credit notes − Σ payments,
what their tickets' ``owed`` add up to.

The cash-up and receipts need the payments permission (the service writer closing the
till prints them); receivables and statements the reports permission.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import Any

from sqlalchemy import String, case, func, literal, select

from mechanic_desktop.db.models import (
    CreditNote,
    Customer,
    Invoice,
    Payment,
    ServiceTicket,
    StaffUser,
)
from mechanic_desktop.db.types import Money, utcnow
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.billing import ZERO, PaymentMethod, method_label
from mechanic_desktop.domain.errors import ValidationError
from mechanic_desktop.domain.formatting import phone_text
from mechanic_desktop.domain.permissions import Action
from mechanic_desktop.services.common import require
from mechanic_desktop.services.permissions import require as require_permission
from mechanic_desktop.services.reports import Column, Period, sqlite_seconds
from mechanic_desktop.services.shop import settings_in

#: Upper bounds (days) of the receivables' age buckets; the last is open-ended.
AGE_BUCKETS = (30, 60, 90)
AGE_HEADERS = ("0–30 days", "31–60 days", "61–90 days", "Over 90 days")


# --- the cash-up -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MethodTotal:
    """One method's money on the day: taken in, given back, and the net."""

    method: str
    count: int
    received: Decimal
    refunded: Decimal

    @property
    def label(self) -> str:
        return method_label(self.method)

    @property
    def net(self) -> Decimal:
        return self.received - self.refunded


@dataclass(frozen=True, slots=True)
class Receipt:
    """One payment entry of the day (a refund is negative)."""

    taken_at: datetime
    ticket: str
    customer: str
    method: str
    reference: str
    amount: Decimal
    taken_by: str

    @property
    def method_text(self) -> str:
        return method_label(self.method) + (f" {self.reference}" if self.reference else "")


@dataclass(frozen=True, slots=True)
class CashUp:
    """A day's takings for closing the till. ``expected_cash`` is the cash the drawer
    should hold from the day's entries (the float is the clerk's to add)."""

    day: date
    by_method: tuple[MethodTotal, ...]
    receipts: tuple[Receipt, ...]

    @property
    def expected_cash(self) -> Decimal:
        return sum((m.net for m in self.by_method if m.method == PaymentMethod.CASH), ZERO)

    @property
    def total(self) -> Decimal:
        """Money taken less money given back, every method (customer credit moved
        between tickets is no money and nets to zero)."""
        return sum((m.net for m in self.by_method), ZERO)

    def difference(self, counted: Decimal) -> Decimal:
        """Counted cash less expected: negative is short, positive is over."""
        return counted - self.expected_cash

    @property
    def cash_by_clerk(self) -> tuple[tuple[str, Decimal], ...]:
        """The cash each clerk took in less what they gave back, by name: with several
        people at one till, a short drawer is asked about by whose entries it holds."""
        by: dict[str, Decimal] = {}
        for r in self.receipts:
            if r.method == PaymentMethod.CASH:
                name = r.taken_by or "Unknown"
                by[name] = by.get(name, ZERO) + r.amount
        return tuple(sorted(by.items(), key=lambda item: item[0].casefold()))


def parse_counted(text: str) -> Decimal:
    """The cash the clerk counted, as typed (zero allowed; rounded to cents)."""
    raw = text.strip().replace(",", "").lstrip("$").strip()
    try:
        amount = Decimal(raw or "x")
    except ArithmeticError:
        raise ValidationError.single(
            "counted", "Counted cash must be a number, like 412.50.") from None
    if not amount.is_finite() or amount < 0:
        raise ValidationError.single(
            "counted", "Counted cash must be a number of 0.00 or more, like 412.50.")
    return amount.quantize(Decimal("0.01"))


def _labels(uow: UnitOfWork) -> Any:
    return settings_in(uow, create=False).ticket_label


def cash_up(uow: UnitOfWork, day: date, tz: tzinfo | None = None) -> CashUp:
    """The payments taken on local ``day``: totals per method and every entry."""
    period = Period.between_days(day, day, tz=tz)
    with uow:
        require_permission(uow, Action.TAKE_PAYMENTS)
        when = (Payment.taken_at >= period.start, Payment.taken_at < period.end)
        received = func.sum(case((Payment.amount > 0, Payment.amount), else_=0))
        refunded = func.sum(case((Payment.amount < 0, -Payment.amount), else_=0))
        totals = uow.session.execute(
            select(Payment.method, func.count(), received.cast(Money), refunded.cast(Money))
            .where(*when).group_by(Payment.method)
        ).all()
        rows = uow.session.execute(
            select(Payment.taken_at, ServiceTicket.number, Customer.name, Payment.method,
                   Payment.reference, Payment.amount, StaffUser.full_name)
            .join(ServiceTicket, ServiceTicket.id == Payment.ticket_id)
            .join(Customer, Customer.id == ServiceTicket.customer_id)
            .outerjoin(StaffUser, StaffUser.id == Payment.taken_by)
            .where(*when).order_by(Payment.taken_at, Payment.id)
        ).all()
        label = _labels(uow)
    order = {m.value: i for i, m in enumerate(PaymentMethod)}
    by_method = sorted(
        (MethodTotal(r[0], int(r[1]), _money(r[2]), _money(r[3])) for r in totals),
        key=lambda m: (order.get(m.method, len(order)), m.method))
    return CashUp(day, tuple(by_method), tuple(
        Receipt(r[0], label(r[1]), r[2], r[3], r[4], r[5], r[6] or "") for r in rows))


def _money(value: object) -> Decimal:
    if value is None:
        return ZERO
    return value if isinstance(value, Decimal) else Decimal(str(value)).quantize(
        Decimal("0.01"))


@dataclass(frozen=True, slots=True)
class ReceiptDay:
    """Receipts of one local day in one method."""

    day: date
    method: str
    count: int
    net: Decimal


def _local_day(column: Any, offset_minutes: int, dialect: str) -> Any:
    if dialect == "sqlite":
        return func.date(sqlite_seconds(column), f"{offset_minutes:+d} minutes", type_=String)
    local = column + literal(timedelta(minutes=offset_minutes))
    return func.to_char(local, "YYYY-MM-DD", type_=String)


def receipts_by_day(uow: UnitOfWork, period: Period) -> list[ReceiptDay]:
    """Money taken (net of refunds) per local day and method in the period."""
    with uow:
        require_permission(uow, Action.TAKE_PAYMENTS)
        day = _local_day(Payment.taken_at, period.offset_minutes, uow.dialect).label("day")
        rows = uow.session.execute(
            select(day, Payment.method, func.count(), func.sum(Payment.amount))
            .where(Payment.taken_at >= period.start, Payment.taken_at < period.end)
            .group_by(day, Payment.method)
            .order_by(day, Payment.method)
        ).all()
    return [ReceiptDay(date.fromisoformat(r[0]), r[1], int(r[2]), _money(r[3])) for r in rows]


# --- receivables ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Receivable:
    """What one customer owes, by how long ago the invoices were posted."""

    customer_id: int
    name: str
    phone: str
    buckets: tuple[Decimal, Decimal, Decimal, Decimal]
    tickets: int
    oldest: datetime | None

    @property
    def total(self) -> Decimal:
        return sum(self.buckets, ZERO)


@dataclass(frozen=True, slots=True)
class Receivables:
    as_of: datetime
    rows: tuple[Receivable, ...]
    totals: tuple[Decimal, Decimal, Decimal, Decimal] = field(
        default=(ZERO, ZERO, ZERO, ZERO))

    @property
    def total(self) -> Decimal:
        return sum(self.totals, ZERO)


def receivables(uow: UnitOfWork, now: datetime | None = None) -> Receivables:
    """Customers who owe, most owed first: each ticket's balance goes in the bucket of
    its invoice's age. A ticket owes only while an invoice of it stands (reopening
    credits it in full, and a refund never exceeds what was paid), so it is closed, and
    closing posted that invoice in the same transaction: its ``closed_at`` is the
    invoice's date. Read from the partial index on owed alone (no invoice rows)."""
    as_of = now or utcnow()
    edges = [as_of - timedelta(days=d) for d in AGE_BUCKETS]
    with uow:
        require_permission(uow, Action.VIEW_REPORTS)
        owing = (
            select(ServiceTicket.customer_id, ServiceTicket.owed,
                   ServiceTicket.closed_at.label("posted_at"))
            .where(ServiceTicket.owed != 0, ServiceTicket.owed > 0)
            .subquery()
        )

        def bucket(i: int) -> Any:
            if i == 0:
                cond = owing.c.posted_at >= edges[0]
            elif i < len(edges):
                cond = (owing.c.posted_at < edges[i - 1]) & (owing.c.posted_at >= edges[i])
            else:
                cond = owing.c.posted_at < edges[-1]
            return func.sum(case((cond, owing.c.owed), else_=0)).cast(Money)

        total = func.sum(owing.c.owed)
        rows = uow.session.execute(
            select(Customer.id, Customer.name, Customer.phone, *(bucket(i) for i in range(4)),
                   func.count(), func.min(owing.c.posted_at))
            .join(owing, owing.c.customer_id == Customer.id)
            .group_by(Customer.id, Customer.name, Customer.phone)
            .order_by(total.desc(), Customer.id)
        ).all()
    found = tuple(
        Receivable(r[0], r[1], r[2], (_money(r[3]), _money(r[4]), _money(r[5]), _money(r[6])),
                   int(r[7]), r[8])
        for r in rows)
    totals = tuple(sum((r.buckets[i] for r in found), ZERO) for i in range(4))
    return Receivables(as_of, found, (totals[0], totals[1], totals[2], totals[3]))


# --- a customer's statement ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StatementLine:
    """One entry: an invoice adds (``charge``), a credit note or payment takes off
    (``credit``; a refund is a negative credit); ``balance`` runs after it."""

    at: datetime
    kind: str
    document: str
    ticket: str
    detail: str
    charge: Decimal
    credit: Decimal
    balance: Decimal


@dataclass(frozen=True, slots=True)
class Statement:
    customer_id: int
    name: str
    phone: str
    address: str
    lines: tuple[StatementLine, ...]
    made_at: datetime

    @property
    def balance(self) -> Decimal:
        return self.lines[-1].balance if self.lines else ZERO


def statement(uow: UnitOfWork, customer_id: int, now: datetime | None = None) -> Statement:
    """Every invoice, credit note and payment of the customer's tickets, oldest first,
    with the balance after each."""
    with uow:
        require_permission(uow, Action.VIEW_REPORTS)
        customer = require(uow.customers.get(customer_id), "Customer", customer_id)
        who = (customer.id, customer.name, customer.phone, customer.address)
        label = _labels(uow)
        mine = ServiceTicket.customer_id == customer_id
        entries: list[tuple[datetime, int, str, str, str, str, Decimal, Decimal]] = []
        for r in uow.session.execute(
            select(Invoice.posted_at, Invoice.id, Invoice.label, ServiceTicket.number,
                   Invoice.total, Invoice.on_account)
            .join(ServiceTicket, ServiceTicket.id == Invoice.ticket_id).where(mine)
        ):
            entries.append((r[0], 0, "Invoice", r[2], label(r[3]),
                            "on account" if r[5] else "", r[4], ZERO))
        for n in uow.session.execute(
            select(CreditNote.issued_at, CreditNote.id, CreditNote.label, ServiceTicket.number,
                   CreditNote.amount, CreditNote.reason, Invoice.label)
            .join(ServiceTicket, ServiceTicket.id == CreditNote.ticket_id)
            .join(Invoice, Invoice.id == CreditNote.invoice_id).where(mine)
        ):
            entries.append((n[0], 1, "Credit note", n[2], label(n[3]),
                            f"credits {n[6]}: {n[5]}", ZERO, n[4]))
        for p in uow.session.execute(
            select(Payment.taken_at, Payment.id, Payment.method, ServiceTicket.number,
                   Payment.amount, Payment.reference, Payment.reason, Payment.note)
            .join(ServiceTicket, ServiceTicket.id == Payment.ticket_id).where(mine)
        ):
            refund = p[4] < 0
            detail = method_label(p[2]) + (f" {p[5]}" if p[5] else "")
            if p[6]:
                detail += f" — {p[6]}"
            elif p[7] and p[2] == PaymentMethod.CREDIT:
                detail += f" — {p[7]}"
            entries.append((p[0], 2, "Refund" if refund else "Payment", "", label(p[3]),
                            detail, ZERO, p[4]))
    entries.sort(key=lambda e: (e[0], e[1]))
    balance, lines = ZERO, []
    for at, _order, kind, document, ticket, detail, charge, credit in entries:
        balance += charge - credit
        lines.append(StatementLine(at, kind, document, ticket, detail, charge, credit,
                                   balance))
    return Statement(*who, tuple(lines), now or datetime.now(UTC))


# --- columns -----------------------------------------------------------------------------------

CASH_UP_COLUMNS = (
    Column("Method", lambda r: r.label),
    Column("Entries", lambda r: r.count, "int"),
    Column("Received", lambda r: r.received, "money"),
    Column("Refunded", lambda r: r.refunded, "money"),
    Column("Net", lambda r: r.net, "money"),
)
RECEIPT_COLUMNS = (
    Column("Time", lambda r: r.taken_at, "datetime"),
    Column("Ticket", lambda r: r.ticket),
    Column("Customer", lambda r: r.customer),
    Column("Method", lambda r: r.method_text),
    Column("Amount", lambda r: r.amount, "money"),
    Column("Taken by", lambda r: r.taken_by),
)
RECEIPTS_BY_DAY_COLUMNS = (
    Column("Day", lambda r: r.day, "date"),
    Column("Method", lambda r: method_label(r.method)),
    Column("Entries", lambda r: r.count, "int"),
    Column("Net", lambda r: r.net, "money"),
)


def _bucket(i: int) -> Any:
    return lambda r: r.buckets[i]


RECEIVABLE_COLUMNS = (
    Column("Customer", lambda r: r.name),
    Column("Phone", lambda r: phone_text(r.phone)),
    *(Column(h, _bucket(i), "money") for i, h in enumerate(AGE_HEADERS)),
    Column("Total owed", lambda r: r.total, "money"),
    Column("Tickets", lambda r: r.tickets, "int"),
)
STATEMENT_COLUMNS = (
    Column("Date", lambda r: r.at, "date"),
    Column("Entry", lambda r: r.kind),
    Column("Number", lambda r: r.document),
    Column("Ticket", lambda r: r.ticket),
    Column("Detail", lambda r: r.detail),
    Column("Charges", lambda r: r.charge or None, "money"),
    Column("Credits", lambda r: r.credit or None, "money"),
    Column("Balance", lambda r: r.balance, "money"),
)
