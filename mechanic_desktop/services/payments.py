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

from mechanic_desktop.db.models import Payment
from mechanic_desktop.db.types import utcnow
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.billing import (
    MAX_NOTE,
    PaymentMethod,
    check_reference,
    parse_amount,
)
from mechanic_desktop.domain.errors import ValidationError
from mechanic_desktop.domain.money import money_text
from mechanic_desktop.domain.permissions import Action
from mechanic_desktop.domain.records import TicketDetail
from mechanic_desktop.domain.status import TicketStatus
from mechanic_desktop.domain.validation import clean_line, clean_text
from mechanic_desktop.services import invoicing
from mechanic_desktop.services.common import FieldErrors
from mechanic_desktop.services.permissions import require as require_permission
from mechanic_desktop.services.shop import ticket_label
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


def _checked(data: PaymentData | RefundData) -> tuple[Decimal, PaymentMethod, str, str]:
    errors = FieldErrors()
    amount = Decimal("0.00")
    try:
        amount = parse_amount(data.amount)
    except ValueError as exc:
        errors.add("amount", str(exc))
    reference = clean_line(data.reference)
    try:
        method = PaymentMethod(data.method)
    except ValueError:
        errors.add("method", f"'{data.method}' is not a way of paying; choose cash, card, "
                             "cheque or bank transfer.")
        method = PaymentMethod.CASH
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
        amount, method, reference, note = _checked(data)
        ticket = _lock_ticket(uow, ticket_id, expected_version, lines=False)
        label = ticket_label(uow, ticket.number)
        if ticket.status == TicketStatus.CANCELLED.value:
            raise ValidationError.single(
                "amount", f"Ticket {label} is cancelled: there is nothing to pay for.")
        uow.session.add(Payment(
            ticket_id=ticket.id, taken_at=utcnow(), amount=amount, method=method.value,
            reference=reference, taken_by=uow.actor_id, note=note,
        ))
        return _save(uow, ticket, "payment",
                     f"{method.label} payment of {money_text(amount)}")


def refund_payment(
    uow: UnitOfWork, ticket_id: int, data: RefundData, expected_version: int | None
) -> TicketDetail:
    """Give money back: a negative entry with its reason, never more than was paid."""
    with uow.writing():
        require_permission(uow, Action.REFUND_PAYMENTS)
        amount, method, reference, note = _checked(data)
        reason = clean_text(data.reason)
        if not reason:
            raise ValidationError.single("reason", "Say why the money is given back.")
        if len(reason) > MAX_NOTE:
            raise ValidationError.single(
                "reason", f"The reason is too long (at most {MAX_NOTE} characters).")
        ticket = _lock_ticket(uow, ticket_id, expected_version, lines=False)
        paid = invoicing.billing_in(uow, ticket).paid
        if amount > paid:
            raise ValidationError.single(
                "amount", f"A refund cannot be more than what was paid: "
                f"{money_text(paid)} on ticket {ticket_label(uow, ticket.number)}.")
        uow.session.add(Payment(
            ticket_id=ticket.id, taken_at=utcnow(), amount=-amount, method=method.value,
            reference=reference, taken_by=uow.actor_id, note=note, reason=reason,
        ))
        return _save(uow, ticket, "refund",
                     f"{method.label} refund of {money_text(amount)}: {reason}")
