"""Credit notes for part of a posted invoice: chosen lines of it, or an amount.

A posted invoice never changes; what was billed wrongly is credited. The lines offered
are the invoice's own (its frozen snapshot): a line credits its amount plus its share
of the invoice's tax (parts always, labour when the invoice taxed it), rounded half-up.
Several notes may credit one invoice while their sum stays within its total; a line is
credited at most once. Each note is one write transaction that locks the ticket and
checks the copy the desk read; ``owed`` and the ticket's version move with it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select

from mechanic_desktop.db.models import CreditNote, Invoice
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.billing import ZERO, check_reason, parse_amount
from mechanic_desktop.domain.errors import ValidationError
from mechanic_desktop.domain.money import money_text
from mechanic_desktop.domain.permissions import Action
from mechanic_desktop.domain.records import TicketDetail
from mechanic_desktop.domain.validation import clean_text
from mechanic_desktop.services import invoicing
from mechanic_desktop.services.permissions import require as require_permission
from mechanic_desktop.services.shop import settings_in
from mechanic_desktop.services.workflow import _lock_ticket, _save


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    """A line of a posted invoice that may be credited: ``key`` names it in the
    snapshot ("1/labour/0"), ``amount`` is its amount and ``credit`` that with its tax."""

    key: str
    what: str
    amount: Decimal
    credit: Decimal
    #: The credit note that credited it already ("" if none).
    credited_by: str = ""


@dataclass(frozen=True, slots=True)
class CreditData:
    """A credit note as the desk asks for it: chosen line keys, or an amount (when no
    line is chosen), and the reason."""

    invoice_id: int
    reason: str
    lines: tuple[str, ...] = ()
    amount: str | Decimal = ""


CENT = Decimal("0.01")


def _net(line: dict[str, Any]) -> Decimal:
    """What a line billed before tax: its amount less its own discount."""
    discount = line.get("discount")
    return Decimal(line["amount"]) - (Decimal(discount["amount"]) if discount else ZERO)


def _lines(snap: dict[str, Any], invoice: Invoice,
           credited: dict[str, str]) -> list[InvoiceLine]:
    """Each labour, parts and fee line the invoice billed, with what crediting it gives
    back: its amount less its own discount and its share of the ticket's discount, and
    the tax it carried. The snapshot keeps each line's taxable flag, not its tax, so
    the tax is the invoice's own tax spread over its taxed lines (two rates blend)."""
    labour_taxed = not snap.get("labour_untaxed", False)
    entries = [(job, kind, i, line) for job in snap.get("jobs", [])
               for kind in ("labour", "parts", "fees")
               for i, line in enumerate(job.get(kind, []))]

    def taxed(kind: str, line: dict[str, Any]) -> bool:
        return bool(line.get("taxable", True)) and (kind != "labour" or labour_taxed)

    nets = sum((_net(line) for *_, line in entries), ZERO)
    own = sum((Decimal(line["discount"]["amount"]) for *_, line in entries
               if line.get("discount")), ZERO)
    ticket_off = max(abs(Decimal(snap.get("totals", {}).get("discount", "0"))) - own, ZERO)
    # A ticket discount taking all the lines bill (a job done free) leaves each line
    # nothing billed, so nothing to credit.
    share = (nets - ticket_off) / nets if nets > ticket_off else ZERO
    base = sum((_net(line) * share for _job, kind, _i, line in entries if taxed(kind, line)),
               ZERO)
    rate = invoice.tax_total / base if invoice.tax_total and base else ZERO
    found = []
    for job, kind, i, line in entries:
        amount = (_net(line) * share).quantize(CENT, ROUND_HALF_UP)
        if amount <= 0:
            continue  # a line billing nothing has nothing to credit
        tax = (amount * rate).quantize(CENT, ROUND_HALF_UP) if taxed(kind, line) else ZERO
        what = (line["what"] if kind == "labour" else line["description"] if kind == "fees"
                else f"{line['quantity']} × {line['name']}")
        key = f"{job['position']}/{kind}/{i}"
        found.append(InvoiceLine(key, f"{job['title']}: {what}", amount, amount + tax,
                                 credited.get(key, "")))
    return found


def _credited_lines(uow: UnitOfWork, invoice_id: int) -> dict[str, str]:
    rows = uow.session.execute(
        select(CreditNote.label, CreditNote.lines).where(CreditNote.invoice_id == invoice_id))
    return {str(x.get("key", "")): label for label, text in rows
            for x in json.loads(text or "[]") if x.get("key")}


def invoice_lines(uow: UnitOfWork, invoice_id: int) -> list[InvoiceLine]:
    """The invoice's lines as a credit note offers them (those billing something)."""
    with uow:
        require_permission(uow, Action.ISSUE_CREDIT_NOTES)
        invoice = uow.session.get(Invoice, invoice_id)
        if invoice is None:
            raise ValidationError.single("invoice", f"Invoice #{invoice_id} does not exist.")
        return _lines(json.loads(invoice.snapshot), invoice,
                      _credited_lines(uow, invoice_id))


def _chosen(lines: Sequence[InvoiceLine], keys: Sequence[str]) -> list[InvoiceLine]:
    by_key = {line.key: line for line in lines}
    chosen = []
    for key in dict.fromkeys(keys):
        line = by_key.get(key)
        if line is None:
            raise ValidationError.single("lines", "That line is not on the invoice; reload it.")
        if line.credited_by:
            raise ValidationError.single(
                "lines", f"{line.what} was credited already by credit note "
                f"{line.credited_by}.")
        chosen.append(line)
    return chosen


def credit_invoice(
    uow: UnitOfWork, ticket_id: int, data: CreditData, expected_version: int | None
) -> TicketDetail:
    """Issue a credit note for chosen lines of the ticket's posted invoice, or an amount
    of it, with the reason. Refused, with nothing written, when it would credit more
    than is left of the invoice."""
    with uow.writing():
        require_permission(uow, Action.ISSUE_CREDIT_NOTES)
        reason = clean_text(data.reason)
        problem = check_reason(reason, "Say why the invoice is credited.")
        if problem:
            raise ValidationError.single("reason", problem)
        ticket = _lock_ticket(uow, ticket_id, expected_version, lines=False)
        invoice = uow.session.get(Invoice, data.invoice_id)
        if invoice is None or invoice.ticket_id != ticket.id:
            raise ValidationError.single("invoice", "That invoice is not this ticket's.")
        snap = json.loads(invoice.snapshot)
        chosen = _chosen(_lines(snap, invoice, _credited_lines(uow, invoice.id)), data.lines)
        if chosen:
            amount = sum((line.credit for line in chosen), ZERO)
        else:
            try:
                amount = parse_amount(data.amount, "Amount to credit")
            except ValueError as exc:
                raise ValidationError.single("amount", str(exc)) from None
        settings = settings_in(uow, create=True)
        note = invoicing.issue_credit_note(
            uow, invoice, settings, reason, amount,
            [(line.what, line.credit) for line in chosen])
        if chosen:
            note.lines = json.dumps(
                [{"key": line.key, "what": line.what, "amount": str(line.credit)}
                 for line in chosen], ensure_ascii=False)
        invoicing.owe(ticket, -amount)
        whole = " (cancels it)" if note.cancels else ""
        return _save(uow, ticket, "credit_note",
                     f"credit note {note.label} credits {money_text(amount)} of invoice "
                     f"{invoice.label}{whole}: {reason}")
