"""Payments against a ticket: entries added, never edited.

A payment is taken before the invoice is posted (a deposit: it counts towards the
invoice) or after it; a refund is a negative entry with its reason, never more than
what was paid. Each is one write transaction that locks the ticket (``_lock_ticket``)
and checks the copy the desk read, so the balance a desk showed is the one it changes.
The ticket's version moves too: every open copy of it learns of the payment.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from mechanic_desktop.db.models import Payment, ServiceTicket
from mechanic_desktop.db.types import utcnow
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.billing import (
    MAX_NOTE,
    TAKEN_METHODS,
    ZERO,
    PaymentMethod,
    check_reason,
    check_reference,
    method_label,
    parse_amount,
    shop_methods,
)
from mechanic_desktop.domain.errors import ValidationError
from mechanic_desktop.domain.money import money_text
from mechanic_desktop.domain.permissions import Action
from mechanic_desktop.domain.records import TicketDetail
from mechanic_desktop.domain.status import TicketStatus
from mechanic_desktop.domain.validation import clean_line, clean_text
from mechanic_desktop.services import audit, invoicing
from mechanic_desktop.services.common import FieldErrors
from mechanic_desktop.services.permissions import require as require_permission
from mechanic_desktop.services.shop import settings_in, ticket_label
from mechanic_desktop.services.workflow import _lock_ticket, _save


@dataclass(frozen=True, slots=True)
class PaymentData:
    """A payment as typed: the amount (positive), how, the reference (a card's last
    four digits, a cheque's number), a note."""

    amount: str | Decimal
    method: str | PaymentMethod
    reference: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class RefundData:
    """A refund as typed: the amount given back (positive), how, and why."""

    amount: str | Decimal
    method: str | PaymentMethod
    reason: str
    reference: str = ""
    note: str = ""


def methods_in(uow: UnitOfWork) -> tuple[str, ...]:
    """The methods money may be taken in: the four built in, then the shop's own."""
    own = shop_methods(settings_in(uow, create=False).payment_methods)
    return tuple(m.value for m in TAKEN_METHODS) + own


def _checked(uow: UnitOfWork, data: PaymentData | RefundData
             ) -> tuple[Decimal, str, str, str]:
    errors = FieldErrors()
    amount = Decimal("0.00")
    try:
        amount = parse_amount(data.amount)
    except ValueError as exc:
        errors.add("amount", str(exc))
    reference = clean_line(data.reference)
    method = str(data.method)
    allowed = methods_in(uow)
    if method not in allowed:
        names = ", ".join(method_label(m).lower() for m in allowed)
        errors.add("method", f"'{method_label(method)}' is not a way of paying this shop "
                             f"takes; choose one of: {names}.")
    else:
        errors.add("reference", check_reference(method, reference))
    note = clean_text(data.note)
    if len(note) > MAX_NOTE:
        errors.add("note", f"The note is too long (at most {MAX_NOTE} characters).")
    errors.raise_if_any()
    return amount, method, reference, note


def take_payment(
    uow: UnitOfWork, ticket_id: int, data: PaymentData, expected_version: int | None
) -> TicketDetail:
    """Record money received for the ticket (a deposit before its invoice is posted)."""
    with uow.writing():
        require_permission(uow, Action.TAKE_PAYMENTS)
        amount, method, reference, note = _checked(uow, data)
        ticket = _lock_ticket(uow, ticket_id, expected_version, lines=False)
        label = ticket_label(uow, ticket.number)
        if ticket.status == TicketStatus.CANCELLED.value:
            raise ValidationError.single(
                "amount", f"Ticket {label} is cancelled: there is nothing to pay for.")
        uow.session.add(Payment(
            ticket_id=ticket.id, taken_at=utcnow(), amount=amount, method=method,
            reference=reference, taken_by=uow.actor_id, note=note,
        ))
        invoicing.owe(ticket, -amount)
        return _save(uow, ticket, "payment",
                     f"{method_label(method)} payment of {money_text(amount)}")


def refund_payment(
    uow: UnitOfWork, ticket_id: int, data: RefundData, expected_version: int | None
) -> TicketDetail:
    """Give money back: a negative entry with its reason, never more than was paid."""
    with uow.writing():
        require_permission(uow, Action.REFUND_PAYMENTS)
        amount, method, reference, note = _checked(uow, data)
        reason = clean_text(data.reason)
        problem = check_reason(reason, "Say why the money is given back.")
        if problem:
            raise ValidationError.single("reason", problem)
        ticket = _lock_ticket(uow, ticket_id, expected_version, lines=False)
        paid = invoicing.billing_in(uow, ticket).paid
        if amount > paid:
            raise ValidationError.single(
                "amount", f"A refund cannot be more than what was paid: "
                f"{money_text(paid)} on ticket {ticket_label(uow, ticket.number)}.")
        uow.session.add(Payment(
            ticket_id=ticket.id, taken_at=utcnow(), amount=-amount, method=method,
            reference=reference, taken_by=uow.actor_id, note=note, reason=reason,
        ))
        invoicing.owe(ticket, amount)
        return _save(uow, ticket, "refund",
                     f"{method_label(method)} refund of {money_text(amount)}: {reason}")


# --- customer credit ------------------------------------------------------------------

#: Tickets whose overpayment is the customer's credit: finished ones (an open ticket's
#: deposit still waits for its invoice).
CREDIT_STATUSES = (TicketStatus.CLOSED.value, TicketStatus.CANCELLED.value)


def credit_sources(uow: UnitOfWork, customer_id: int, *, lock: bool = False
                   ) -> list[tuple[int, Decimal]]:
    """(ticket id, credit) of the customer's finished tickets paid beyond what they
    bill, oldest first (read from ``owed`` through its partial index)."""
    query = (
        select(ServiceTicket.id, ServiceTicket.owed)
        .where(ServiceTicket.customer_id == customer_id, ServiceTicket.owed < 0,
               ServiceTicket.status.in_(CREDIT_STATUSES))
        .order_by(ServiceTicket.id)
    )
    if lock:
        query = query.with_for_update()
    return [(row.id, -row.owed) for row in uow.session.execute(query)]


def customer_credit(uow: UnitOfWork, customer_id: int) -> Decimal:
    """What the customer has in credit (their finished tickets' overpayments)."""
    with uow:
        require_permission(uow, Action.TAKE_PAYMENTS)
        return sum((c for _, c in credit_sources(uow, customer_id)), ZERO)


def apply_credit(
    uow: UnitOfWork, ticket_id: int, amount: str | Decimal, expected_version: int | None
) -> TicketDetail:
    """Pay ``amount`` of the ticket from its customer's credit: for each finished ticket
    the credit comes from (oldest first), a minus entry there and a plus entry here, in
    the method ``credit``, so every ticket's balance and the customer's stay
    Σ invoices − Σ credit notes − Σ payments. Never more than the credit or than the
    ticket still owes."""
    with uow.writing():
        require_permission(uow, Action.TAKE_PAYMENTS)
        try:
            wanted = parse_amount(amount)
        except ValueError as exc:
            raise ValidationError.single("amount", str(exc)) from None
        ticket = _lock_ticket(uow, ticket_id, expected_version, lines=False)
        label = ticket_label(uow, ticket.number)
        if ticket.status == TicketStatus.CANCELLED.value:
            raise ValidationError.single(
                "amount", f"Ticket {label} is cancelled: there is nothing to pay for.")
        due = invoicing.billing_in(uow, ticket).balance
        if wanted > due:
            raise ValidationError.single(
                "amount", f"Ticket {label} owes {money_text(max(due, ZERO))}: credit of "
                f"more than that cannot be applied to it.")
        sources = [(i, c) for i, c in credit_sources(uow, ticket.customer_id, lock=True)
                   if i != ticket.id]
        available = sum((c for _, c in sources), ZERO)
        if wanted > available:
            raise ValidationError.single(
                "amount", f"The customer has {money_text(available)} in credit: "
                f"{money_text(wanted)} cannot be applied.")
        left, now = wanted, utcnow()
        for source_id, credit in sources:
            if left <= 0:
                break
            part = min(left, credit)
            left -= part
            source = _lock_ticket(uow, source_id, None, lines=False)
            source_label = ticket_label(uow, source.number)
            uow.session.add_all([
                Payment(ticket_id=source.id, taken_at=now, amount=-part,
                        method=PaymentMethod.CREDIT.value, taken_by=uow.actor_id,
                        reason=f"Credit applied to ticket {label}"),
                Payment(ticket_id=ticket.id, taken_at=now, amount=part,
                        method=PaymentMethod.CREDIT.value, taken_by=uow.actor_id,
                        note=f"Credit from ticket {source_label}"),
            ])
            invoicing.owe(source, part)
            invoicing.owe(ticket, -part)
            source.updated_at = now
            audit.record(uow, "credit", "ticket", source.id,
                         f"Ticket {source.number}: {money_text(part)} of credit applied "
                         f"to ticket {label}")
        return _save(uow, ticket, "credit",
                     f"{money_text(wanted)} paid from the customer's credit")
