"""Fee lines on a ticket's jobs and the taxable flag of every line.

A fee line is a plain amount with what it is for (an environmental or disposal fee,
shop supplies). It counts in the job's and the ticket's totals as the job's labour and
parts do: only while the job is approved. Any line (labour, part, fee) may be marked
not taxable; taxable lines are taxed at their kind's rate (``ShopSettingsRecord.tax_rules``).

Each change is one write transaction that locks the ticket and checks the version the
desk read (``workflow._lock_ticket``), recomputes the totals and records who did it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from mechanic_desktop.db.models import TicketFee, TicketMechanic, TicketPart
from mechanic_desktop.db.repositories import WorkflowRepository
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.errors import ValidationError
from mechanic_desktop.domain.money import money_text, parse_money
from mechanic_desktop.domain.permissions import Action
from mechanic_desktop.domain.records import TicketDetail
from mechanic_desktop.domain.totals import LineKind
from mechanic_desktop.domain.validation import clean_line
from mechanic_desktop.services.permissions import require as require_permission
from mechanic_desktop.services.shop import settings_in
from mechanic_desktop.services.workflow import _job_of, _lock_ticket, _recompute, _save

MAX_DESCRIPTION = 200


@dataclass(frozen=True, slots=True)
class FeeData:
    """A fee line as typed: what it is for and its amount."""

    description: str
    amount: str | Decimal
    taxable: bool = True


def check_fee(data: FeeData) -> tuple[str, Decimal]:
    """The fee's description and amount (rounded half-up to cents), or the message for
    the field that will not do."""
    description = clean_line(data.description)
    if not description:
        raise ValidationError.single(
            "description", "Say what the fee is for, e.g. \"Tyre disposal\".")
    if len(description) > MAX_DESCRIPTION:
        raise ValidationError.single(
            "description", f"The description is too long (at most {MAX_DESCRIPTION} "
            "characters).")
    try:
        amount = parse_money(data.amount, "The fee")
    except ValueError as error:
        raise ValidationError.single("amount", str(error)) from None
    if amount == 0:
        raise ValidationError.single("amount", "The fee must be more than 0.00.")
    return description, amount


def add_fee(
    uow: UnitOfWork, ticket_id: int, job_id: int, data: FeeData, expected_version: int
) -> TicketDetail:
    """Put a fee line on a job of the ticket."""
    with uow.writing():
        require_permission(uow, Action.ASSIGN_WORK)
        description, amount = check_fee(data)
        ticket = _lock_ticket(uow, ticket_id, expected_version, lines=True)
        job = _job_of(uow, ticket, job_id)
        uow.session.add(TicketFee(
            ticket_id=ticket.id, job_id=job.id, description=description, amount=amount,
            taxable=bool(data.taxable),
        ))
        _recompute(uow, ticket, settings_in(uow, create=True))
        untaxed = "" if data.taxable else ", not taxed"
        return _save(uow, ticket, "fees",
                     f"{job.title}: fee {description} {money_text(amount)}{untaxed}")


def _gone(what: str) -> str:
    return f"That {what} line was removed at another desk; reload the ticket."


def remove_fee(uow: UnitOfWork, line_id: int, expected_version: int) -> TicketDetail:
    """Remove a fee line typed on the ticket. One the shop's fee rules put on is refused:
    the rules would put it straight back (at the rule's amount, without the discount or
    tax flag given to it); a discount of 100 % waives it and says so on the invoice."""
    with uow.writing():
        require_permission(uow, Action.ASSIGN_WORK)
        line = WorkflowRepository(uow.session).fee_line(line_id)
        if line is None:
            raise ValidationError.single("fee", _gone("fee"))
        ticket = _lock_ticket(uow, line.ticket_id, expected_version, lines=True)
        if line.automatic:
            raise ValidationError.single(
                "fee", f"{line.description} is put on by the shop's fee rules and would come "
                "straight back: to waive it on this ticket, give it a 100% discount.")
        uow.session.delete(line)
        _recompute(uow, ticket, settings_in(uow, create=True))
        return _save(uow, ticket, "fees",
                     f"removed fee {line.description} {money_text(line.amount)}")


def _line_name(line: TicketMechanic | TicketPart | TicketFee) -> str:
    if isinstance(line, TicketFee):
        return f"fee {line.description}"
    if isinstance(line, TicketMechanic):
        return f"labour {line.operation or '#' + str(line.id)}"
    return f"part line #{line.id}"


def set_taxable(
    uow: UnitOfWork, kind: LineKind | str, line_id: int, taxable: bool, expected_version: int
) -> TicketDetail:
    """Mark a labour, parts or fee line taxable or not."""
    kind = LineKind(kind)
    with uow.writing():
        require_permission(uow, Action.ASSIGN_WORK)
        line = WorkflowRepository(uow.session).line(kind, line_id)
        if line is None:
            raise ValidationError.single("taxable", _gone(kind.value))
        ticket = _lock_ticket(uow, line.ticket_id, expected_version, lines=True)
        if line.taxable == taxable:
            _recompute(uow, ticket, settings_in(uow, create=True))
            return _save(uow, ticket, "tax", f"{_line_name(line)} unchanged")
        line.taxable = taxable
        _recompute(uow, ticket, settings_in(uow, create=True))
        return _save(uow, ticket, "tax", f"{_line_name(line)} "
                     + ("taxable" if taxable else "not taxable"))
