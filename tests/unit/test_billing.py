"""Invoices, credit notes and payments, on both backends: closing posts a numbered,
frozen invoice; a balance due needs an administrator's "on account"; reopening credits
the invoice; payments are checked, each refusal has its own message and writes nothing;
a refund never exceeds what was paid."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mechanic_desktop.db.models import CreditNote, DocumentCounter, Invoice, Payment
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.billing import BillingRecord, PaymentState
from mechanic_desktop.domain.errors import PermissionDenied, StaleRecord, ValidationError
from mechanic_desktop.domain.records import TicketDetail
from mechanic_desktop.domain.staff import Role
from mechanic_desktop.services import (
    customers,
    documents,
    invoicing,
    parts,
    payments,
    shop,
    tickets,
    workflow,
)
from tests.unit import factories
from tests.unit import workflow_factories as wf

D = Decimal


def _shop(uow: UnitOfWork) -> None:
    shop.get_settings(uow)
    workflow.update_settings(uow, shop.ShopSettingsData("Bolt & Nut", tax_rate="10"), 1)


def _completed(uow: UnitOfWork, quantity: int = 2, price: str = "25.00") -> TicketDetail:
    """A completed ticket billing ``quantity`` pads (plus 10 % tax): 55.00 by default."""
    _shop(uow)
    c = customers.create_customer(uow, customers.CustomerData(
        "Ada Lovelace", address="1 Main St", phone="2125550100"))
    v = factories.vehicle(uow, c.id)
    pad = wf.part(uow, "PAD", on_hand=50, price=price)
    return factories.completed(uow, c.id, v.id, pad.id, quantity)


def _pay(uow: UnitOfWork, detail: TicketDetail, amount: str, method: str = "cash",
         reference: str = "") -> TicketDetail:
    return payments.take_payment(uow, detail.ticket.id,
                                 payments.PaymentData(amount, method, reference),
                                 detail.ticket.version)


def _close(uow: UnitOfWork, detail: TicketDetail, **kw: bool) -> TicketDetail:
    return workflow.set_status(uow, detail.ticket.id, "closed", detail.ticket.version, **kw)


def _counts(engine: Engine) -> tuple[int, ...]:
    with Session(engine) as s:
        return tuple(
            int(s.scalar(select(func.count()).select_from(table)) or 0)
            for table in (Invoice, CreditNote, Payment, DocumentCounter)
        )


def test_closing_a_paid_ticket_posts_a_numbered_frozen_invoice(
    uow: UnitOfWork, engine: Engine
) -> None:
    detail = _completed(uow)
    assert detail.billing.billed == D("55.00") and detail.billing.state is PaymentState.UNPAID
    detail = _pay(uow, detail, "20.00", "card", "4242")
    assert detail.billing.state is PaymentState.PARTLY_PAID
    assert detail.billing.summary() == "Partially paid: 35.00 due of 55.00"
    detail = _close(uow, _pay(uow, detail, "35.00"))
    invoice = detail.billing.invoice
    assert invoice is not None and (invoice.label, invoice.total) == ("INV-1", D("55.00"))
    assert detail.billing.state is PaymentState.PAID and detail.billing.balance == 0
    frozen = invoicing.get_invoice_snapshot(uow, invoice.id)
    assert frozen["customer"] == {"name": "Ada Lovelace", "address": "1 Main St",
                                  "phone": "2125550100"}
    assert frozen["totals"] == {"parts": "50.00", "labor": "0.00", "fees": "0.00",
                                "discount": "0.00", "tax": "5.00", "total": "55.00"}
    assert frozen["jobs"][0]["parts"][0]["unit_price"] == "25.00"
    # The world moves on; the invoice does not.
    pad = detail.parts[0].part_id
    parts.update_part(uow, pad, parts.PartData("PAD", "Renamed pad", "99.00"),
                      parts.get_part(uow, pad).version)
    c = customers.get_customer(uow, detail.ticket.customer_id)
    customers.update_customer(uow, c.id, customers.CustomerData("Ada King"), c.version)
    workflow.update_settings(uow, shop.ShopSettingsData("New Name", tax_rate="20"),
                             shop.get_settings(uow).version)
    assert invoicing.get_invoice_snapshot(uow, invoice.id) == frozen
    html = documents.snapshot_html(frozen, workflow.get_ticket_detail(uow, detail.ticket.id)
                                   .billing)
    for text in ("Invoice INV-1", "Bolt &amp; Nut", "Ada Lovelace", "1 Main St", "Part PAD",
                 "Tax (10%)", "55.00", "Card ····4242", "Balance due"):
        assert text in html
    assert "Ada King" not in html and "99.00" not in html
    with Session(engine) as s:
        row = s.scalars(select(Invoice)).one()
        assert json.loads(row.snapshot) == frozen and not row.on_account


def test_a_deposit_before_the_invoice_counts_towards_it(uow: UnitOfWork) -> None:
    _shop(uow)
    record = factories.ticket(uow, approved=False)  # an estimate
    detail = _pay(uow, workflow.get_ticket_detail(uow, record.id), "100.00")
    assert detail.billing.state is PaymentState.OVERPAID  # nothing billed yet
    pad = wf.part(uow, "PAD", on_hand=50, price="50.00")
    workflow.add_part_lines(uow, record.id, [(pad.id, 2)], detail.ticket.version,
                            detail.jobs[0].id)
    version = factories.authorise(uow, record.id).ticket.version
    version = workflow.set_status(uow, record.id, "in_progress", version).ticket.version
    detail = workflow.set_status(uow, record.id, "completed", version)
    assert detail.billing.balance == D("10.00")  # 110.00 with tax, 100.00 paid
    detail = _close(uow, _pay(uow, detail, "10.00"))
    assert detail.billing.state is PaymentState.PAID
    assert detail.billing.invoice is not None and detail.billing.invoice.total == D("110.00")


def test_a_balance_due_closes_only_on_account_by_an_administrator(
    uow: UnitOfWork, engine: Engine
) -> None:
    detail = _completed(uow)
    before = _counts(engine)
    with pytest.raises(ValidationError, match=r"^Ticket RO-\d+ has 55.00 still to pay: take "
                       "the payment before invoicing, or an administrator closes it on "
                       "account"):
        _close(uow, detail)
    uow.actor = factories.signed_in(uow, Role.WRITER)
    with pytest.raises(PermissionDenied, match="cannot close a ticket with a balance due"):
        _close(uow, detail, on_account=True)
    assert _counts(engine) == before  # no invoice, no number used
    uow.actor = factories.signed_in(uow, Role.ADMIN)
    detail = _close(uow, detail, on_account=True)
    assert detail.ticket.status == "closed"
    invoice = detail.billing.invoice
    assert invoice is not None and invoice.on_account and invoice.label == "INV-1"
    assert detail.billing.balance == D("55.00")
    detail = _pay(uow, detail, "55.00")  # paid later: the invoice stays as it was
    assert detail.billing.state is PaymentState.PAID


def test_reopening_credits_the_invoice_and_closing_again_posts_a_new_one(
    uow: UnitOfWork,
) -> None:
    detail = _close(uow, _completed(uow), on_account=True)
    first = detail.billing.invoice
    assert first is not None
    frozen = invoicing.get_invoice_snapshot(uow, first.id)
    with pytest.raises(ValidationError, match="reopening issues a credit note for all of it "
                       r"\(55.00\)"):
        workflow.reopen_ticket(uow, detail.ticket.id, "Wrong pads", detail.ticket.version)
    detail = workflow.reopen_ticket(uow, detail.ticket.id, "Wrong pads",
                                    detail.ticket.version, credit_note=True)
    [note] = detail.billing.credit_notes
    assert (note.label, note.invoice_label, note.amount, note.reason) == (
        "CN-1", "INV-1", D("55.00"), "Wrong pads")
    assert detail.billing.invoice is None and detail.billing.billed == D("55.00")
    html = documents.credit_note_html(frozen, note)
    assert "<title>Credit note CN-1</title>" in html and "Credits invoice" in html
    assert "INV-1 is cancelled in full" in html
    assert "Wrong pads" in html
    line = detail.parts[0]
    detail = workflow.change_part_quantity(uow, line.id, 1, detail.ticket.version)
    version = factories.authorise(uow, detail.ticket.id).ticket.version
    detail = workflow.set_status(uow, detail.ticket.id, "completed", version)
    detail = _close(uow, _pay(uow, detail, "27.50"))
    assert [(i.label, i.total, i.credited_by) for i in detail.billing.invoices] == [
        ("INV-1", D("55.00"), "CN-1"), ("INV-2", D("27.50"), "")]
    assert detail.billing.balance == 0
    assert invoicing.get_invoice_snapshot(uow, first.id) == frozen


def test_each_credit_note_credits_the_invoice_standing_then_and_names_who(
    uow: UnitOfWork, engine: Engine
) -> None:
    """Reopened twice: the second credit note cancels the second invoice (the first is
    already credited), and each records the administrator who issued it."""
    detail = _completed(uow)
    admin = factories.signed_in(uow, Role.ADMIN)
    uow.actor = admin
    for reason, quantity in (("Wrong pads", 1), ("Wrong again", 2)):
        detail = _close(uow, detail, on_account=True)
        detail = workflow.reopen_ticket(uow, detail.ticket.id, reason,
                                        detail.ticket.version, credit_note=True)
        detail = workflow.change_part_quantity(uow, detail.parts[0].id, quantity,
                                               detail.ticket.version)
        version = factories.authorise(uow, detail.ticket.id).ticket.version
        detail = workflow.set_status(uow, detail.ticket.id, "completed", version)
    assert [(n.label, n.invoice_label, n.amount) for n in detail.billing.credit_notes] == [
        ("CN-1", "INV-1", D("55.00")), ("CN-2", "INV-2", D("27.50"))]
    with Session(engine) as s:
        assert list(s.scalars(select(CreditNote.issued_by).order_by(CreditNote.id))) == [
            admin.id, admin.id]


@pytest.mark.parametrize(
    ("amount", "method", "reference", "field", "message"),
    [
        ("0", "cash", "", "amount", "Amount must be more than 0.00"),
        ("-5.00", "cash", "", "amount", "Amount must be more than 0.00"),
        ("0.004", "cash", "", "amount", "Amount must be more than 0.00"),
        ("abc", "cash", "", "amount", "Amount must be a number, like 12.50."),
        ("", "cash", "", "amount", "Amount is required."),
        ("10", "card", "424", "reference", "the card's last four digits"),
        ("10", "card", "42a2", "reference", "the card's last four digits"),
        ("10", "card", "", "reference", "the card's last four digits"),
        ("10", "cheque", "", "reference", "enter the cheque number"),
        ("10", "bitcoin", "", "method", "'bitcoin' is not a way of paying this shop takes"),
    ],
)
def test_bad_payments_are_refused_each_with_its_message(
    uow: UnitOfWork, engine: Engine, amount: str, method: str, reference: str, field: str,
    message: str,
) -> None:
    detail = _completed(uow)
    before = _counts(engine), wf.state(engine)
    with pytest.raises(ValidationError, match=message) as caught:
        _pay(uow, detail, amount, method, reference)
    assert list(caught.value.fields) == [field]
    assert (_counts(engine), wf.state(engine)) == before
    assert workflow.get_ticket_detail(uow, detail.ticket.id) == detail


def test_refunds_are_negative_entries_never_more_than_was_paid(
    uow: UnitOfWork, engine: Engine
) -> None:
    detail = _pay(uow, _completed(uow), "30.00", "card", "1234")
    ticket_id = detail.ticket.id

    def refund(amount: str, reason: str = "Paid twice") -> TicketDetail:
        return payments.refund_payment(
            uow, ticket_id, payments.RefundData(amount, "card", reason, "1234"),
            workflow.get_ticket_detail(uow, ticket_id).ticket.version)

    before = _counts(engine)
    with pytest.raises(ValidationError, match=r"cannot be more than what was paid: 30\.00"):
        refund("30.01")
    with pytest.raises(ValidationError, match="Say why the money is given back"):
        refund("5.00", " ")
    with pytest.raises(ValidationError, match=r"cannot be more than what was paid: 30\.00"):
        refund("30.005")  # rounded half-up to 30.01 before it is checked
    uow.actor = factories.signed_in(uow, Role.WRITER)
    with pytest.raises(PermissionDenied, match="cannot refund payments"):
        refund("5.00")
    assert _counts(engine) == before
    uow.actor = factories.signed_in(uow, Role.ADMIN)
    detail = refund("10.00")
    assert [p.amount for p in detail.billing.payments] == [D("30.00"), D("-10.00")]
    assert detail.billing.payments[-1].reason == "Paid twice"
    assert detail.billing.paid == D("20.00") and detail.billing.balance == D("35.00")
    with pytest.raises(ValidationError, match=r"cannot be more than what was paid: 20\.00"):
        refund("20.01")
    assert refund("20.00").billing.state is PaymentState.UNPAID


def test_a_cancelled_ticket_takes_no_payment(uow: UnitOfWork) -> None:
    _shop(uow)
    record = factories.ticket(uow, approved=False)
    detail = workflow.set_status(uow, record.id, "cancelled", record.version)
    with pytest.raises(ValidationError, match="is cancelled: there is nothing to pay for"):
        _pay(uow, detail, "5.00")


def test_numbers_use_the_shops_prefixes(uow: UnitOfWork) -> None:
    detail = _completed(uow, quantity=1)
    workflow.update_settings(
        uow, shop.ShopSettingsData("Bolt & Nut", tax_rate="10", invoice_prefix="F-",
                                   credit_note_prefix="A-"),
        shop.get_settings(uow).version)
    detail = _close(uow, _pay(uow, detail, "27.50"))
    detail = workflow.reopen_ticket(uow, detail.ticket.id, "Typo", detail.ticket.version,
                                    credit_note=True)
    assert [i.label for i in detail.billing.invoices] == ["F-1"]
    assert [n.label for n in detail.billing.credit_notes] == ["A-1"]
    with pytest.raises(ValidationError, match="Invoice prefix is too long"):
        workflow.update_settings(
            uow, shop.ShopSettingsData("Bolt", invoice_prefix="X" * 11),
            shop.get_settings(uow).version)


def test_a_writer_invoices_and_takes_payment_a_mechanic_does_neither(uow: UnitOfWork) -> None:
    detail = _completed(uow)
    uow.actor = factories.signed_in(uow, Role.MECHANIC)
    with pytest.raises(PermissionDenied, match="cannot take payments"):
        _pay(uow, detail, "55.00")
    with pytest.raises(PermissionDenied, match="cannot invoice customers"):
        _close(uow, detail)
    uow.actor = factories.signed_in(uow, Role.WRITER)
    detail = _close(uow, _pay(uow, detail, "55.00"))
    assert detail.billing.payments[0].taken_by.startswith("Staff writer-")
    assert tickets.get_ticket(uow, detail.ticket.id).status == "closed"


def test_a_payment_on_a_stale_copy_is_refused(uow: UnitOfWork, engine: Engine) -> None:
    """The balance a desk showed is the one it pays: another desk's payment since makes
    the copy stale, and nothing is written."""
    detail = _completed(uow)
    _pay(uow, detail, "55.00")  # the other desk
    before = _counts(engine)
    with pytest.raises(StaleRecord):
        _pay(uow, detail, "55.00")
    assert _counts(engine) == before


def test_the_database_refuses_a_zero_payment_and_a_refund_without_reason(
    uow: UnitOfWork, engine: Engine
) -> None:
    """Behind the services: a bug still cannot store a payment of nothing, no
    method, or a refund that says nothing of why."""
    ticket_id = _completed(uow).ticket.id
    for values in ({"amount": D("0.00")}, {"amount": D("-1.00")}, {"method": ""}):
        with Session(engine) as s:
            s.add(Payment(**({"ticket_id": ticket_id, "amount": D("1.00"), "method": "cash"}
                             | values)))
            with pytest.raises(IntegrityError):
                s.commit()


@pytest.mark.parametrize(
    ("billed", "paid", "summary"),
    [
        ("0.00", "0.00", "Nothing due"),
        ("1234.50", "0.00", "Unpaid: 1,234.50 due of 1,234.50"),
        ("55.00", "-5.00", "Unpaid: 60.00 due of 55.00"),
        ("55.00", "0.50", "Partially paid: 54.50 due of 55.00"),
        ("55.00", "1.00", "Partially paid: 54.00 due of 55.00"),
        ("55.00", "20.00", "Partially paid: 35.00 due of 55.00"),
        ("55.00", "55.00", "Paid"),
        ("55.00", "60.50", "Overpaid: 5.50 to refund or keep as credit"),
    ],
)
def test_the_billing_summary_of_each_state(billed: str, paid: str, summary: str) -> None:
    """The one line a ticket shows: an overpayment is the positive amount to give back."""
    assert BillingRecord(billed=D(billed), paid=D(paid)).summary() == summary
