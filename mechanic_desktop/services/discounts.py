"""Discounts on a ticket's lines or on its approved work as a whole.

A discount is a percentage or an amount with a reason (``domain.discounts``). A service
writer may give at most the shop's limit (``max_writer_discount``, percent of what the
discount is taken off); administrators any. Each change is one write transaction that
locks the ticket, checks the version the desk read, recomputes the totals (a discount
on approved work lowers what the customer is asked to authorise) and records who gave
it and why. A blank discount removes one.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, ROUND_UP, Decimal

from mechanic_desktop.db.models import (
    LineDiscount,
    ServiceTicket,
    TicketDiscount,
    TicketFee,
    TicketMechanic,
    TicketPart,
)
from mechanic_desktop.db.repositories import TICKET_DISCOUNT_ROW, WorkflowRepository
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.discounts import Discount, parse_discount
from mechanic_desktop.domain.errors import PermissionDenied, ValidationError
from mechanic_desktop.domain.jobs import JobStatus
from mechanic_desktop.domain.money import money_text
from mechanic_desktop.domain.permissions import Action
from mechanic_desktop.domain.records import (
    LineRecord,
    ShopSettingsRecord,
    TicketDetail,
    own_discount,
)
from mechanic_desktop.domain.staff import Actor, Role
from mechanic_desktop.domain.totals import LineKind, labor_line, parts_line
from mechanic_desktop.services.documents import percent_text
from mechanic_desktop.services.permissions import require as require_permission
from mechanic_desktop.services.shop import settings_in
from mechanic_desktop.services.workflow import (
    TICKET_DISCOUNT,
    _detail,
    _lock_ticket,
    _recompute,
    _save,
)


@dataclass(frozen=True, slots=True)
class DiscountData:
    """A discount as typed: "10%" or "5.00" (blank: none), and why."""

    text: str
    reason: str = ""


def check_discount(data: DiscountData) -> Discount | None:
    """The discount typed, or the message for the field that will not do."""
    try:
        return parse_discount(data.text, data.reason)
    except ValueError as error:
        field = "reason" if "why" in str(error) or "reason" in str(error) else "discount"
        raise ValidationError.single(field, str(error)) from None


def _within_limit(actor: Actor | None, discount: Discount, base: Decimal,
                  settings: ShopSettingsRecord) -> None:
    """Refuse a service writer's discount over the shop's limit (naming it); an amount
    larger than what it is taken off is refused for everyone."""
    if discount.amount is not None and discount.amount > base:
        raise ValidationError.single(
            "discount", f"A discount of {money_text(discount.amount)} is more than the "
            f"{money_text(base)} it is taken off.")
    if actor is None or actor.role is Role.ADMIN:
        return
    limit = settings.max_writer_discount
    share = discount.share_of(base)
    if share > limit:
        given = (f"{percent_text(discount.percent)}%" if discount.percent is not None
                 else f"{money_text(discount.amount or Decimal(0))} "
                 f"({percent_text(_shown_over(share, limit))}%)")
        raise PermissionDenied(
            f"A discount of {given} is over the largest a service writer may give "
            f"({percent_text(limit)}%); an administrator can give it, or change the limit "
            "in Shop settings.")


def _shown_over(share: Decimal, limit: Decimal) -> Decimal:
    """``share`` (over ``limit``) rounded as coarsely as still reads over it: 5.01 of
    50.00 is 10.02 %, which a tenth would show as the 10 % limit itself."""
    for step in (Decimal("0.1"), Decimal("0.01")):
        shown = share.quantize(step, ROUND_HALF_UP)
        if shown > limit:
            return shown
    return share.quantize(Decimal("0.001"), ROUND_UP)


def _apply(row: LineDiscount, discount: Discount | None) -> None:
    row.discount_percent = discount.percent if discount else None
    row.discount_amount = discount.amount if discount else None
    row.discount_reason = discount.reason if discount else ""


def _gross(line: TicketMechanic | TicketPart | TicketFee) -> Decimal:
    if isinstance(line, TicketMechanic):
        return labor_line(line.minutes, line.hourly_rate)
    if isinstance(line, TicketPart):
        return parts_line(line.quantity, line.unit_price)
    return line.amount


def _said(discount: Discount | None) -> str:
    return f"discount {discount.text} ({discount.reason})" if discount else "no discount"


def set_line_discount(
    uow: UnitOfWork, kind: LineKind | str, line_id: int, data: DiscountData,
    expected_version: int,
) -> TicketDetail:
    """Give (or, blank, take away) a labour, parts or fee line's discount."""
    kind = LineKind(kind)
    with uow.writing():
        actor = require_permission(uow, Action.EDIT_TICKETS)
        discount = check_discount(data)
        line = WorkflowRepository(uow.session).line(kind, line_id)
        if line is None:
            raise ValidationError.single(
                "discount", f"That {kind.value} line was removed at another desk; reload "
                "the ticket.")
        ticket = _lock_ticket(uow, line.ticket_id, expected_version, lines=True)
        settings = settings_in(uow, create=True)
        if discount is not None:
            _within_limit(actor, discount, _gross(line), settings)
        _apply(line, discount)
        _recompute(uow, ticket, settings)
        return _save(uow, ticket, "discount", f"{kind.value} line #{line.id}: {_said(discount)}")


def _approved_net(uow: UnitOfWork, ticket: ServiceTicket) -> Decimal:
    """What the ticket's approved lines bill after their own discounts (what a ticket
    discount is taken off)."""
    detail = _detail(uow, ticket)
    approved = {j.id for j in detail.jobs if j.status == JobStatus.APPROVED.value}
    lines: tuple[LineRecord, ...] = (*detail.mechanics, *detail.parts, *detail.fees)
    return sum((line.amount - own_discount(line) for line in lines if line.job_id in approved),
               Decimal("0.00"))


def set_ticket_discount(
    uow: UnitOfWork, ticket_id: int, data: DiscountData, expected_version: int
) -> TicketDetail:
    """Give (or, blank, take away) the discount on the ticket's approved work."""
    with uow.writing():
        actor = require_permission(uow, Action.EDIT_TICKETS)
        discount = check_discount(data)
        ticket = _lock_ticket(uow, ticket_id, expected_version, lines=True)
        settings = settings_in(uow, create=True)
        repo = WorkflowRepository(uow.session)
        row = repo.ticket_discount(ticket.id)
        if discount is None:
            if row is not None:
                uow.session.delete(row)
        else:
            base = _approved_net(uow, ticket)
            if base <= 0:
                raise ValidationError.single(
                    "discount", "The ticket has no approved work to discount yet: record "
                    "the customer's authorisation first, or discount a line.")
            _within_limit(actor, discount, base, settings)
            if row is None:
                row = TicketDiscount(ticket_id=ticket.id)
                uow.session.add(row)
            row.given_by = uow.actor_id
            _apply(row, discount)
        uow.session.info.pop(TICKET_DISCOUNT, None)
        uow.session.info.pop(TICKET_DISCOUNT_ROW, None)
        _recompute(uow, ticket, settings)
        return _save(uow, ticket, "discount", f"ticket: {_said(discount)}")
