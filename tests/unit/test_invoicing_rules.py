"""The invoicing rules where they live (``services/invoicing.py``), on both backends,
each called directly on rows written as billing leaves them: the gapless numbers of each
sequence; a ticket's billing read whole (its own invoices, credit notes and payments
only, what each invoice has had credited and which note cancelled it, billed as
Σ invoices − Σ credit notes while one stands, the current total before, nothing once
cancelled); the invoice that stands; what is left to credit; the balance owed moved by
each entry; an invoice posted with every column and its frozen document stored whole;
a credit note of what is left, or of an amount within it, refused with its exact
sentence beyond it."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session

from mechanic_desktop.db import ticket_loading
from mechanic_desktop.db.models import (
    CreditNote,
    Customer,
    DocumentCounter,
    Invoice,
    Payment,
    ServiceTicket,
    Vehicle,
)
from mechanic_desktop.db.round_trips import RoundTrips
from mechanic_desktop.db.types import utcnow
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.billing import (
    BillingRecord,
    CreditNoteRecord,
    InvoiceRecord,
    PaymentRecord,
)
from mechanic_desktop.domain.errors import NotFound, ValidationError
from mechanic_desktop.services import invoicing, workflow
from mechanic_desktop.services.shop import DEFAULTS
from tests.unit import workflow_factories as wf

D = Decimal
AT = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
VINS = ("1M8GDM9AXKP042788", "1G4AH59H45G118341", "1FTMW1T88MFA00001")


def tickets(engine: Engine, *specs: tuple[str, str], address: str = "", first: int = 1,
            vin: str = VINS[0]) -> list[int]:
    """Tickets ``first``, ``first`` + 1, … of a new customer's car, each (status, total)
    as given, written straight to the tables (no entries yet: owed 0.00)."""
    with Session(engine) as s:
        owner = Customer(name="Zoë Ada", name_key="zoe ada", surname_key="ada",
                         address=address)
        s.add(owner)
        s.flush()
        car = Vehicle(customer_id=owner.id, vin=vin)
        s.add(car)
        s.flush()
        rows = [ServiceTicket(number=n, customer_id=owner.id, vehicle_id=car.id,
                              status=status, total=D(total))
                for n, (status, total) in enumerate(specs, first)]
        s.add_all(rows)
        s.commit()
        return [t.id for t in rows]


def invoice_row(s: Session, ticket_id: int, number: int, total: str, *,
                on_account: bool = False, at: datetime = AT) -> Invoice:
    row = Invoice(number=number, label=f"INV-{number}", ticket_id=ticket_id, posted_at=at,
                  parts_total=D(total), labor_total=D(0), tax_total=D(0), total=D(total),
                  on_account=on_account, snapshot="{}")
    s.add(row)
    s.flush()
    return row


def note_row(s: Session, invoice: Invoice, number: int, amount: str, *, cancels: bool,
             reason: str = "Goodwill", lines: str = "[]", at: datetime = AT) -> CreditNote:
    row = CreditNote(number=number, label=f"CN-{number}", invoice_id=invoice.id,
                     ticket_id=invoice.ticket_id, issued_at=at, amount=D(amount),
                     reason=reason, cancels=cancels, lines=lines)
    s.add(row)
    s.flush()
    return row


def payment_row(s: Session, ticket_id: int, amount: str, method: str = "cash", *,
                taken_by: int | None = None, reference: str = "", note: str = "",
                reason: str = "", at: datetime = AT) -> Payment:
    row = Payment(ticket_id=ticket_id, taken_at=at, amount=D(amount), method=method,
                  reference=reference, taken_by=taken_by, note=note, reason=reason)
    s.add(row)
    s.flush()
    return row


def billing_of(uow: UnitOfWork, ticket_id: int) -> BillingRecord:
    with uow:
        ticket = uow.session.get(ServiceTicket, ticket_id)
        assert ticket is not None
        return invoicing.billing_in(uow, ticket)


# --- reading a ticket's billing -----------------------------------------------------------


def test_billing_in_reads_each_entry_of_its_ticket_only(
    uow: UnitOfWork, engine: Engine
) -> None:
    """Every invoice with what its notes credited and the note that cancelled it, every
    note with its invoice's label and its lines, every payment with who took it (no one:
    ""); billed is Σ invoices − Σ credit notes while an invoice stands, whatever the
    ticket's current total; another ticket's entries are not this one's."""
    jane = wf.actor(engine, full_name="Jane Desk")
    ours, theirs = tickets(engine, ("closed", "999.00"), ("closed", "70.00"))
    with Session(engine) as s:
        first = invoice_row(s, ours, 1, "110.00", on_account=True)
        n1 = note_row(s, first, 1, "30.00", cancels=False, reason="Pads returned",
                      lines='[{"key": "p1", "what": "Pads", "amount": "30.00"}]',
                      at=AT + timedelta(hours=1))
        n2 = note_row(s, first, 2, "80.00", cancels=True, reason="Reopened",
                      at=AT + timedelta(hours=2))
        second = invoice_row(s, ours, 2, "50.00", at=AT + timedelta(days=1))
        n3 = note_row(s, second, 3, "5.00", cancels=False, reason="Late", lines="")
        other = invoice_row(s, theirs, 3, "70.00")
        note_row(s, other, 4, "1.00", cancels=False)
        p1 = payment_row(s, ours, "20.00", taken_by=jane.id, note="Deposit")
        p2 = payment_row(s, ours, "-5.00", "card", reference="4242", reason="Paid twice",
                         at=AT + timedelta(hours=3))
        payment_row(s, theirs, "70.00")
        s.commit()
        ids = first.id, second.id, n1.id, n2.id, n3.id, p1.id, p2.id
    i1, i2, c1, c2, c3, q1, q2 = ids
    assert billing_of(uow, ours) == BillingRecord(
        invoices=(
            InvoiceRecord(i1, "INV-1", AT, D("110.00"), True, "CN-2", D("110.00")),
            InvoiceRecord(i2, "INV-2", AT + timedelta(days=1), D("50.00"), False, "",
                          D("5.00")),
        ),
        credit_notes=(
            CreditNoteRecord(c1, "CN-1", i1, "INV-1", AT + timedelta(hours=1), D("30.00"),
                             "Pads returned", (("Pads", D("30.00")),), False),
            CreditNoteRecord(c2, "CN-2", i1, "INV-1", AT + timedelta(hours=2), D("80.00"),
                             "Reopened", (), True),
            CreditNoteRecord(c3, "CN-3", i2, "INV-2", AT, D("5.00"), "Late", (), False),
        ),
        payments=(
            PaymentRecord(q1, AT, D("20.00"), "cash", "", "Jane Desk", "Deposit", ""),
            PaymentRecord(q2, AT + timedelta(hours=3), D("-5.00"), "card", "4242", "", "",
                          "Paid twice"),
        ),
        billed=D("45.00"),  # 110 + 50 − 30 − 80 − 5
        paid=D("15.00"),
    )
    assert billing_of(uow, theirs).billed == D("69.00")


def test_without_a_standing_invoice_a_ticket_bills_its_total_or_nothing_if_cancelled(
    uow: UnitOfWork, engine: Engine
) -> None:
    """Before posting (a deposit counts towards it) and on a ticket reopened after the
    invoice's credit note, billed is the ticket's current total; a cancelled ticket bills
    nothing; a closed one whose invoice was credited in full without reopening it bills
    Σ invoices − Σ credit notes: nothing more is due."""
    open_, cancelled, reopened, credited = tickets(
        engine, ("in_progress", "55.00"), ("cancelled", "55.00"), ("in_progress", "27.50"),
        ("closed", "27.50"))
    with Session(engine) as s:
        payment_row(s, open_, "10.00")
        payment_row(s, cancelled, "10.00")
        note_row(s, invoice_row(s, reopened, 1, "55.00"), 1, "55.00", cancels=True)
        note_row(s, invoice_row(s, credited, 2, "27.50"), 2, "27.50", cancels=True)
        s.commit()
    got = {t: billing_of(uow, t) for t in (open_, cancelled, reopened, credited)}
    assert [(b.billed, b.paid, b.balance) for b in got.values()] == [
        (D("55.00"), D("10.00"), D("45.00")),
        (D("0.00"), D("10.00"), D("-10.00")),
        (D("27.50"), D("0.00"), D("27.50")),
        (D("0.00"), D("0.00"), D("0.00")),
    ]
    assert [str(b.paid) for b in got.values()] == ["10.00", "10.00", "0.00", "0.00"]  # cents
    assert got[reopened].invoice is None
    assert [i.credited_by for i in got[reopened].invoices] == ["CN-1"]


money = st.integers(1, 99_999).map(lambda c: D(c) / 100)


def forget_billing(engine: Engine) -> None:
    """Delete what ``tickets`` and the row writers above wrote (quicker than emptying
    every table between a property test's examples)."""
    with engine.begin() as conn:
        for table in (Payment, CreditNote, Invoice, ServiceTicket, Vehicle, Customer):
            conn.execute(delete(table))


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(invoices=st.lists(st.tuples(money, st.lists(money, max_size=3)), min_size=1,
                         max_size=3),
       paid=st.lists(st.integers(-9_999, 99_999).filter(bool).map(lambda c: D(c) / 100),
                     max_size=4))
def test_billed_and_paid_are_the_sums_of_the_entries(
    engine: Engine, invoices: list[tuple[Decimal, list[Decimal]]], paid: list[Decimal]
) -> None:
    """Whatever the entries: paid is Σ payments (refunds negative); while the last
    invoice stands, billed is Σ invoices − Σ credit notes, and each invoice has been
    credited the sum of its own notes."""
    forget_billing(engine)
    [ticket] = tickets(engine, ("closed", "1.00"))
    with Session(engine) as s:
        number = 0
        for n, (total, notes) in enumerate(invoices, 1):
            row = invoice_row(s, ticket, n, str(total + sum(notes, D(0))))
            for amount in notes:
                number += 1
                note_row(s, row, number, str(amount), cancels=False)
        for amount in paid:
            payment_row(s, ticket, str(amount), reason="Back")
        s.commit()
    got = billing_of(UnitOfWork(engine), ticket)
    assert got.paid == sum(paid, D(0))
    assert got.billed == sum((total for total, _ in invoices), D(0))
    assert [i.credited for i in got.invoices] == [sum(n, D(0)) for _, n in invoices]
    assert got.invoice == got.invoices[-1]


def test_billing_read_with_the_ticket_is_not_read_again(
    uow: UnitOfWork, engine: Engine
) -> None:
    """The billing entries come with the ticket's detail in one exchange
    (db/ticket_loading.py): reading the billing then costs no round trip, and reads
    the same as on its own."""
    [ticket_id] = tickets(engine, ("closed", "60.00"))
    with Session(engine) as s:
        invoice_row(s, ticket_id, 1, "60.00", on_account=True)
        payment_row(s, ticket_id, "25.00")
        s.commit()
    alone = billing_of(uow, ticket_id)
    with uow.reading():
        held = ticket_loading.load(uow.session, ticket_id, lock=False)
        assert held.ticket is not None
        counter = RoundTrips(engine)
        with counter.counting():
            got = invoicing.billing_in(uow, held.ticket)
    assert counter.statements == []
    assert got == alone and (got.billed, got.paid) == (D("60.00"), D("25.00"))


def test_note_lines_reads_what_and_amount_of_each_stored_line() -> None:
    """A partial note's lines as (what, amount) pairs, in order, whatever else a line
    keeps; nothing stored (or "[]") is no lines."""
    stored = ('[{"key": "job:1", "what": "Pads", "amount": "12.50"},'
              ' {"what": 7, "amount": 3.1}]')
    got = invoicing.note_lines(stored)
    assert got == (("Pads", D("12.50")), ("7", D("3.1")))
    assert [type(x) for pair in got for x in pair] == [str, Decimal, str, Decimal]
    assert str(got[0][1]) == "12.50"
    assert invoicing.note_lines("") == () == invoicing.note_lines("[]")


def test_with_posted_reads_as_billing_in_would_after_posting(
    uow: UnitOfWork, engine: Engine
) -> None:
    """The invoice just posted is added to the billing read before it, on account as it
    was posted, and the ticket is billed Σ invoices − Σ credit notes: the same record
    as reading it all again."""
    [ticket] = tickets(engine, ("closed", "999.00"))
    with Session(engine) as s:
        note_row(s, invoice_row(s, ticket, 1, "60.00"), 1, "60.00", cancels=True)
        payment_row(s, ticket, "12.00")
        s.commit()
    before = billing_of(uow, ticket)
    with Session(engine, expire_on_commit=False) as s:
        posted = invoice_row(s, ticket, 2, "45.50", on_account=True,
                             at=AT + timedelta(days=2))
        s.commit()
    after = invoicing.with_posted(before, posted)
    assert after == billing_of(uow, ticket)
    assert (after.invoice, after.billed, after.paid) == (
        InvoiceRecord(posted.id, "INV-2", AT + timedelta(days=2), D("45.50"), True),
        D("45.50"), D("12.00"))


# --- the invoice that stands, what is left of it, the balance owed ---------------------


def test_the_standing_invoice_is_the_one_no_note_cancels(
    uow: UnitOfWork, engine: Engine
) -> None:
    """A partial note leaves its invoice standing; the note that cancels it does not;
    another ticket's invoice is not this one's."""
    cancelled, partly, none, other = tickets(
        engine, ("closed", "10.00"), ("closed", "10.00"), ("open", "0.00"),
        ("closed", "10.00"))
    with Session(engine) as s:
        first = invoice_row(s, partly, 1, "40.00")
        note_row(s, first, 1, "40.00", cancels=True)
        standing = invoice_row(s, partly, 2, "30.00")
        note_row(s, standing, 2, "10.00", cancels=False)
        note_row(s, invoice_row(s, cancelled, 3, "20.00"), 3, "20.00", cancels=True)
        theirs = invoice_row(s, other, 4, "20.00")
        s.commit()
        ids = standing.id, theirs.id
    with uow:
        found = {t: getattr(invoicing.standing_invoice(uow, t), "id", None)
                 for t in (cancelled, partly, none, other)}
    assert found == {
        cancelled: None, partly: ids[0], none: None, other: ids[1]}


def test_credited_so_far_sums_the_invoices_own_notes(uow: UnitOfWork, engine: Engine) -> None:
    [ticket] = tickets(engine, ("closed", "10.00"))
    with Session(engine) as s:
        first = invoice_row(s, ticket, 1, "110.00")
        note_row(s, first, 1, "30.00", cancels=False)
        note_row(s, first, 2, "80.00", cancels=True)
        second = invoice_row(s, ticket, 2, "50.00")
        third = invoice_row(s, ticket, 3, "50.00")
        note_row(s, third, 3, "0.01", cancels=False)
        s.commit()
        ids = first.id, second.id, third.id
    with uow:
        got = [invoicing.credited_so_far(uow, i) for i in ids]
    assert got == [D("110.00"), D("0.00"), D("0.01")]
    assert str(got[1]) == "0.00"


def test_owe_moves_the_balance_owed_by_the_entry(uow: UnitOfWork, engine: Engine) -> None:
    """An invoice adds its total, a credit note or payment takes its amount off; an
    entry of nothing leaves the row untouched (no UPDATE, the version stays)."""
    [ticket_id] = tickets(engine, ("completed", "55.00"))
    with uow.writing():
        ticket = uow.session.get(ServiceTicket, ticket_id)
        assert ticket is not None
        invoicing.owe(ticket, D("0.00"))
        assert ticket not in uow.session.dirty
        invoicing.owe(ticket, D("55.00"))
        invoicing.owe(ticket, D("-20.50"))
        uow.commit()
    with Session(engine) as s:
        row = s.get(ServiceTicket, ticket_id)
        assert row is not None and (row.owed, row.version) == (D("34.50"), 2)


# --- numbers ----------------------------------------------------------------------------


def test_each_sequence_counts_from_one_without_gaps(uow: UnitOfWork, engine: Engine) -> None:
    """Invoices and credit notes count 1, 2, 3 … each on their own; a posting that rolls
    back gives its number back."""
    with uow.writing():
        got = [invoicing.next_number(uow, invoicing.INVOICE) for _ in range(3)]
        got.append(invoicing.next_number(uow, invoicing.CREDIT_NOTE))
        uow.commit()
    assert got == [1, 2, 3, 1]
    with uow.writing():
        assert invoicing.next_number(uow, invoicing.INVOICE) == 4  # rolled back
    with uow.writing():
        assert invoicing.next_number(uow, invoicing.CREDIT_NOTE) == 2
        assert invoicing.next_number(uow, invoicing.INVOICE) == 4
        uow.commit()
    with Session(engine) as s:
        assert sorted(s.execute(select(DocumentCounter.name, DocumentCounter.last_number))
                      ) == [("credit_note", 2), ("invoice", 4)]


# --- posting an invoice --------------------------------------------------------------------


def test_post_invoice_writes_every_column_and_the_document_as_it_was(
    uow: UnitOfWork, engine: Engine
) -> None:
    """The next number with the shop's prefix, the time and who posted it (their id on
    the row, their name on the document), the ticket's totals as the detail shows them,
    on account as asked, the customer's address as it is when posting, and the frozen
    document stored whole: keys sorted, text as typed (not \\u-escaped)."""
    jane = wf.actor(engine, full_name="Jane Zoë Desk")
    [ticket_id] = tickets(engine, ("completed", "154.00"), address="1 Old Rd")
    with Session(engine) as s:
        row = s.get(ServiceTicket, ticket_id)
        assert row is not None
        row.parts_total, row.labor_total, row.tax_total = D("100.00"), D("40.00"), D("14.00")
        s.add(DocumentCounter(name=invoicing.INVOICE, last_number=6))
        s.commit()
    detail = workflow.get_ticket_detail(uow, ticket_id)
    with Session(engine) as s:  # the customer moved after the desk read the ticket
        owner = s.get(Customer, detail.ticket.customer_id)
        assert owner is not None
        owner.address = "2 Neue Straße"
        s.commit()
    shop = replace(DEFAULTS, invoice_prefix="F-")
    uow.actor = jane
    before = utcnow()
    with uow.writing():
        ticket = uow.session.get(ServiceTicket, ticket_id)
        assert ticket is not None
        posted = invoicing.post_invoice(uow, ticket, detail, shop, on_account=True)
        assert posted.id is not None
        uow.commit()
    with Session(engine) as s:
        posted_row = s.scalars(select(Invoice)).one()
        assert (posted_row.id, posted_row.number, posted_row.label, posted_row.ticket_id,
                posted_row.posted_by, posted_row.parts_total,
                posted_row.labor_total, posted_row.tax_total, posted_row.total,
                posted_row.on_account) == (
            posted.id, 7, "F-7", ticket_id, jane.id, D("100.00"), D("40.00"), D("14.00"),
            D("154.00"), True)
        assert before <= posted_row.posted_at <= utcnow()
        snapshot = posted_row.snapshot
    frozen = json.loads(snapshot)
    assert snapshot == json.dumps(frozen, ensure_ascii=False, sort_keys=True)
    assert '"posted_by": "Jane Zoë Desk"' in snapshot and "Straße" in snapshot
    assert (frozen["label"], frozen["posted"], frozen["customer"]["address"],
            frozen["customer"]["name"], frozen["totals"]["total"]) == (
        "F-7", True, "2 Neue Straße", "Zoë Ada", "154.00")
    assert frozen == invoicing.get_invoice_snapshot(uow, posted.id)


def test_an_invoice_posted_by_the_program_names_no_one(uow: UnitOfWork, engine: Engine) -> None:
    """No one signed in (the program's own work): no one on the row or the document, and
    an invoice not on account says so."""
    [ticket_id] = tickets(engine, ("completed", "10.00"))
    detail = workflow.get_ticket_detail(uow, ticket_id)
    with uow.writing():
        ticket = uow.session.get(ServiceTicket, ticket_id)
        assert ticket is not None
        posted = invoicing.post_invoice(uow, ticket, detail, DEFAULTS, on_account=False)
        uow.commit()
    with Session(engine) as s:
        row = s.get(Invoice, posted.id)
        assert row is not None
        assert (row.label, row.posted_by, row.on_account, row.total) == (
            "INV-1", None, False, D("10.00"))
        assert json.loads(row.snapshot)["posted_by"] == ""


def test_a_missing_invoice_has_no_snapshot(uow: UnitOfWork) -> None:
    with pytest.raises(NotFound, match=r"^Invoice #404 does not exist\.$"):
        invoicing.get_invoice_snapshot(uow, 404)


# --- credit notes ------------------------------------------------------------------------


def _issue(uow: UnitOfWork, invoice_id: int, amount: str | None,
           lines: tuple[tuple[str, Decimal], ...] = ()) -> tuple[int, str, Decimal, bool]:
    with uow.writing():
        invoice = uow.session.get(Invoice, invoice_id)
        assert invoice is not None
        note = invoicing.issue_credit_note(
            uow, invoice, replace(DEFAULTS, credit_note_prefix="A-"), "Goodwill",
            None if amount is None else D(amount), lines)
        uow.commit()
        return note.id, note.label, note.amount, note.cancels


def test_a_credit_note_credits_within_what_is_left_and_cancels_at_the_end(
    uow: UnitOfWork, engine: Engine
) -> None:
    """An amount within what is left is a partial note; exactly what is left cancels the
    invoice; none given credits all that is left; a note beyond it is refused with the
    sentence naming what is left, and takes no number."""
    jane = wf.actor(engine)
    [ticket_id] = tickets(engine, ("closed", "10.00"))
    with Session(engine) as s:
        first = invoice_row(s, ticket_id, 1, "1234.50")
        second = invoice_row(s, ticket_id, 2, "100.00")
        s.commit()
        first_id, second_id = first.id, second.id
    uow.actor = jane
    started = utcnow()
    pads = (("Pads « front »", D("34.50")),)
    assert _issue(uow, first_id, "34.50", pads)[1:] == ("A-1", D("34.50"), False)
    with pytest.raises(ValidationError) as caught:
        _issue(uow, first_id, "1200.01")
    assert caught.value.fields == {"amount": (
        "A credit note of 1,200.01 is more than is left to credit on invoice INV-1: "
        "1,200.00 of its 1,234.50 (34.50 is credited already).")}
    assert _issue(uow, first_id, "1200.00")[1:] == ("A-2", D("1200.00"), True)
    with pytest.raises(ValidationError, match=r"^A credit note of 0\.01 is more than is "
                       r"left to credit on invoice INV-1: 0\.00 of its 1,234\.50 "
                       r"\(1,234\.50 is credited already\)\.$"):
        _issue(uow, first_id, "0.01")
    with pytest.raises(ValidationError) as caught:
        _issue(uow, second_id, "100.01")
    assert caught.value.fields == {"amount": (
        "A credit note of 100.01 is more than invoice INV-2's total of 100.00.")}
    assert _issue(uow, second_id, None)[1:] == ("A-3", D("100.00"), True)
    with Session(engine) as s:
        rows = s.execute(select(
            CreditNote.number, CreditNote.label, CreditNote.invoice_id, CreditNote.ticket_id,
            CreditNote.issued_by, CreditNote.amount, CreditNote.reason, CreditNote.cancels,
        ).order_by(CreditNote.id)).all()
        assert rows == [
            (1, "A-1", first_id, ticket_id, jane.id, D("34.50"), "Goodwill", False),
            (2, "A-2", first_id, ticket_id, jane.id, D("1200.00"), "Goodwill", True),
            (3, "A-3", second_id, ticket_id, jane.id, D("100.00"), "Goodwill", True),
        ]
        stored = list(s.scalars(select(CreditNote.lines).order_by(CreditNote.id)))
        assert stored == ['[{"what": "Pads « front »", "amount": "34.50"}]', "[]", "[]"]
        assert all(started <= at <= utcnow() for at in s.scalars(select(CreditNote.issued_at)))
        assert s.scalar(select(func.max(DocumentCounter.last_number))) == 3


def test_credit_refusal_names_the_total_or_what_is_left() -> None:
    assert invoicing.credit_refusal("INV-9", D("110.00"), D("110.00"), D("110.01")) == (
        "A credit note of 110.01 is more than invoice INV-9's total of 110.00.")
    assert invoicing.credit_refusal("F-3", D("2500.00"), D("1000.00"), D("1000.50")) == (
        "A credit note of 1,000.50 is more than is left to credit on invoice F-3: "
        "1,000.00 of its 2,500.00 (1,500.00 is credited already).")
