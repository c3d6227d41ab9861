"""Posted invoices and credit notes: numbers from gapless sequences, frozen documents.

Closing a completed ticket (``workflow.set_status``) posts its invoice inside the same
transaction: the next number of the shop's invoice sequence, the date, who posted it,
its totals and a frozen copy of the document (``documents.invoice_snapshot``, stored as
JSON). Nothing ever updates or deletes an invoice. A credit note (its own sequence)
credits chosen lines or an amount of it (``credit_invoice``), several per invoice while
their sum stays within its total. Reopening the ticket (``workflow.reopen_ticket``)
still needs the invoice credited in full: it issues a credit note for what is left of
it, and closing the ticket again posts a new invoice.

Each entry (invoice, credit note, payment) also moves the ticket's ``owed`` column by
its amount (``owe``) in the same transaction, which holds the ticket's lock: so owed is
always Σ invoices − Σ credit notes − Σ payments (the tests check it against the entries),
read by receivables and customer credit without summing every ticket's entries.

Why one JSON column rather than invoice-line tables: the snapshot is read only whole
(to print or show it), never searched or summed line by line, and it holds things of
many shapes (jobs, lines, authorisations, the customer's address as it was); the
amounts that are summed (totals, tax) are columns of their own.

Gapless: each sequence is one row of ``document_counters``, locked ``FOR UPDATE`` on
PostgreSQL (SQLite's BEGIN IMMEDIATE already serialises writers) and raised in the
posting transaction, so a posting that rolls back gives its number back and two desks
posting at once queue on the row.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from mechanic_desktop.db import change_log, ticket_loading
from mechanic_desktop.db import repositories as repos
from mechanic_desktop.db.models import (
    CreditNote,
    DocumentCounter,
    Invoice,
    ServiceTicket,
)
from mechanic_desktop.db.types import utcnow
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.billing import (
    ZERO,
    BillingRecord,
    CreditNoteRecord,
    InvoiceRecord,
    PaymentRecord,
)
from mechanic_desktop.domain.errors import NotFound, ValidationError
from mechanic_desktop.domain.money import money_text
from mechanic_desktop.domain.records import ShopSettingsRecord, TicketDetail
from mechanic_desktop.domain.status import TicketStatus
from mechanic_desktop.services.documents import invoice_snapshot

INVOICE, CREDIT_NOTE = "invoice", "credit_note"


def next_number(uow: UnitOfWork, sequence: str) -> int:
    """The next number of ``sequence``, taken inside the caller's write transaction.

    One statement (a round trip to a distant server): the counter row is made at 1 or
    raised by one, and either way row-locked until the transaction ends, so a posting
    that rolls back gives its number back and two desks posting at once queue on it."""
    dialect_insert = postgresql_insert if uow.dialect == "postgresql" else sqlite_insert
    statement = dialect_insert(DocumentCounter).values(name=sequence, last_number=1)
    number = uow.session.execute(
        statement.on_conflict_do_update(
            index_elements=["name"],
            set_={"last_number": DocumentCounter.last_number + 1},
        )
        .returning(DocumentCounter.last_number)
        .execution_options(**{change_log.NAMES_ITS_ROWS: True})
    ).scalar_one()
    return int(number)


def _billing_rows(uow: UnitOfWork, ticket_id: int) -> list[Any]:
    """The ticket's invoices ("i"), credit notes ("c") and payments ("p", with the name
    of who took each) in one query (``billing_statement``), or as this transaction read
    them with the ticket when nothing of them changed since (db/ticket_loading.py)."""
    held = ticket_loading.billing(uow.session, ticket_id)
    if held is not None:
        return held
    return list(uow.session.execute(*repos.billing_statement(ticket_id)))


def billing_in(uow: UnitOfWork, ticket: ServiceTicket) -> BillingRecord:
    """The ticket's invoices, credit notes, payments and balance, inside the caller's
    transaction. Billed is Σ invoices − Σ credit notes once an invoice stands, and on a
    closed ticket whose invoices credit notes have cancelled without reopening it (a
    goodwill credit of the whole invoice: it owes nothing more, and what was paid is the
    customer's credit, as ``owed`` says); before posting, and on a ticket reopened after
    its credit note, the ticket's current total; nothing if cancelled."""
    rows = _billing_rows(uow, ticket.id)
    invoices = [r for r in rows if r.kind == "i"]
    notes = [r for r in rows if r.kind == "c"]
    payments = [r for r in rows if r.kind == "p"]
    cancelled = {n.invoice_id: n.label for n in notes if n.cancels}
    credited: dict[int, Decimal] = {}
    for n in notes:
        credited[n.invoice_id] = credited.get(n.invoice_id, ZERO) + n.amount
    labels = {i.id: i.label for i in invoices}
    invoice_records = tuple(
        InvoiceRecord(i.id, i.label, i.at, i.amount, bool(i.on_account),
                      cancelled.get(i.id, ""), credited.get(i.id, ZERO))
        for i in invoices
    )
    standing = any(not i.credited_by for i in invoice_records)
    if standing or ticket.status == TicketStatus.CLOSED.value:
        billed = sum((i.amount for i in invoices), ZERO) - sum((n.amount for n in notes), ZERO)
    elif ticket.status == TicketStatus.CANCELLED.value:
        billed = ZERO
    else:
        billed = ticket.total
    return BillingRecord(
        invoices=invoice_records,
        credit_notes=tuple(
            CreditNoteRecord(n.id, n.label, n.invoice_id, labels.get(n.invoice_id, ""),
                             n.at, n.amount, n.reason, note_lines(n.lines), bool(n.cancels))
            for n in notes
        ),
        payments=tuple(
            PaymentRecord(p.id, p.at, p.amount, p.method, p.reference, p.who or "",
                          p.note, p.reason)
            for p in payments
        ),
        billed=billed,
        paid=sum((p.amount for p in payments), ZERO),
    )


def note_lines(text: str) -> tuple[tuple[str, Decimal], ...]:
    """A credit note's stored lines as (what, amount) pairs."""
    return tuple((str(x["what"]), Decimal(str(x["amount"]))) for x in json.loads(text or "[]"))


def with_posted(billing: BillingRecord, invoice: Invoice) -> BillingRecord:
    """``billing`` (read before ``invoice`` was posted) with it, as ``billing_in`` would
    read it now, without reading it again: the invoice stands, so the ticket is billed
    Σ invoices − Σ credit notes."""
    invoices = (*billing.invoices, InvoiceRecord(
        invoice.id, invoice.label, invoice.posted_at, invoice.total, bool(invoice.on_account)))
    billed = (sum((i.total for i in invoices), ZERO)
              - sum((n.amount for n in billing.credit_notes), ZERO))
    return replace(billing, invoices=invoices, billed=billed)


def standing_invoice(uow: UnitOfWork, ticket_id: int) -> Invoice | None:
    """The ticket's posted invoice that no credit note cancels (at most one)."""
    return uow.session.scalars(
        select(Invoice)
        .where(Invoice.ticket_id == ticket_id)
        .where(~select(CreditNote.id).where(CreditNote.invoice_id == Invoice.id,
                                            CreditNote.cancels).exists())
        .order_by(Invoice.id.desc())
    ).first()


def credited_so_far(uow: UnitOfWork, invoice_id: int) -> Decimal:
    """What the credit notes of ``invoice_id`` have credited (inside the caller's
    transaction, which has locked the invoice's ticket)."""
    total = uow.session.scalar(
        select(func.sum(CreditNote.amount)).where(CreditNote.invoice_id == invoice_id))
    return total if total is not None else ZERO


def owe(ticket: ServiceTicket, amount: Decimal) -> None:
    """Move ``ticket.owed`` by an entry's effect (an invoice adds its total, a credit
    note or payment takes its amount off), in the write transaction that adds the entry
    and holds the ticket's lock."""
    if amount:
        ticket.owed = ticket.owed + amount


def post_invoice(
    uow: UnitOfWork,
    ticket: ServiceTicket,
    detail: TicketDetail,
    settings: ShopSettingsRecord,
    *,
    on_account: bool,
) -> Invoice:
    """Post the invoice of ``ticket`` (its lines as ``detail`` shows them) inside the
    caller's write transaction, which has locked the ticket and checked the rules."""
    number = next_number(uow, INVOICE)
    label = f"{settings.invoice_prefix}{number}"
    posted_at = utcnow()
    actor = uow.actor
    snapshot = invoice_snapshot(
        detail, settings, label=label, customer_address=ticket.customer.address,
        posted_at=posted_at, posted_by=actor.full_name if actor is not None else "",
    )
    invoice = Invoice(
        number=number, label=label, ticket_id=ticket.id, posted_at=posted_at,
        posted_by=uow.actor_id, parts_total=detail.totals.parts,
        labor_total=detail.totals.labor, tax_total=detail.totals.tax,
        total=detail.totals.total, on_account=on_account,
        snapshot=json.dumps(snapshot, ensure_ascii=False, sort_keys=True),
    )
    uow.session.add(invoice)
    uow.flush()
    return invoice


def issue_credit_note(
    uow: UnitOfWork,
    invoice: Invoice,
    settings: ShopSettingsRecord,
    reason: str,
    amount: Decimal | None = None,
    lines: Sequence[tuple[str, Decimal]] = (),
) -> CreditNote:
    """Credit ``amount`` of ``invoice`` (None: all that is left of it) inside the
    caller's write transaction, which has locked its ticket; a credit beyond the
    invoice's total is refused and nothing is written."""
    left = invoice.total - credited_so_far(uow, invoice.id)
    if amount is None:
        amount = left
    if amount > left:
        raise ValidationError.single("amount", credit_refusal(invoice.label, invoice.total,
                                                               left, amount))
    number = next_number(uow, CREDIT_NOTE)
    note = CreditNote(
        number=number, label=f"{settings.credit_note_prefix}{number}",
        invoice_id=invoice.id, ticket_id=invoice.ticket_id, issued_at=utcnow(),
        issued_by=uow.actor_id, amount=amount, reason=reason, cancels=amount == left,
        lines=json.dumps([{"what": w, "amount": str(a)} for w, a in lines],
                         ensure_ascii=False),
    )
    uow.session.add(note)
    uow.flush()
    return note


def credit_refusal(label: str, total: Decimal, left: Decimal, amount: Decimal) -> str:
    """The sentence refusing a credit note larger than what is left of the invoice."""
    if left == total:
        return (f"A credit note of {money_text(amount)} is more than invoice {label}'s "
                f"total of {money_text(total)}.")
    return (f"A credit note of {money_text(amount)} is more than is left to credit on "
            f"invoice {label}: {money_text(left)} of its {money_text(total)} "
            f"({money_text(total - left)} is credited already).")


def get_invoice_snapshot(uow: UnitOfWork, invoice_id: int) -> dict[str, Any]:
    """A posted invoice's frozen document, exactly as it was posted."""
    with uow:
        text = uow.session.scalar(select(Invoice.snapshot).where(Invoice.id == invoice_id))
        if text is None:
            raise NotFound(f"Invoice #{invoice_id} does not exist.")
        return dict(json.loads(text))

