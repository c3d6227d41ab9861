"""The payment rules where they live (``services/payments.py``), on both backends, on
tickets written as billing leaves them: the methods a shop takes; a payment or a refund
is one entry, exactly as typed and cleaned, that moves the balance owed and the ticket's
version and is audited in words; each refusal names its field with its exact sentence
and writes nothing; a refund never more than was paid; customer credit is read from the
customer's finished, overpaid tickets, oldest first, and applied from them in that order,
a pair of entries per ticket, never more than the credit or than the ticket owes."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, text, update
from sqlalchemy.orm import Session

from mechanic_desktop.db.models import (
    AuditEntry,
    CreditNote,
    Invoice,
    Payment,
    ServiceTicket,
    ShopSettings,
)
from mechanic_desktop.db.types import utcnow
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.billing import PaymentMethod, PaymentRecord
from mechanic_desktop.domain.errors import PermissionDenied, StaleRecord, ValidationError
from mechanic_desktop.domain.staff import Role
from mechanic_desktop.services import payments
from mechanic_desktop.services.payments import PaymentData, RefundData
from tests.conftest import empty_tables
from tests.unit import workflow_factories as wf
from tests.unit.test_invoicing_rules import (
    VINS,
    invoice_row,
    note_row,
    payment_row,
    tickets,
)

D = Decimal
BUILT_IN = ("cash", "card", "cheque", "bank_transfer")


def owed_from_entries(engine: Engine) -> dict[int, Decimal]:
    """Set every ticket's ``owed`` to Σ invoices − Σ credit notes − Σ payments of its
    rows (as the billing services keep it; its version moves when it changes) and
    return them."""
    with Session(engine) as s:
        found = {}
        for t in s.scalars(select(ServiceTicket)):
            owed = (
                (s.scalar(select(func.sum(Invoice.total)).where(Invoice.ticket_id == t.id))
                 or D(0))
                - (s.scalar(select(func.sum(CreditNote.amount))
                            .where(CreditNote.ticket_id == t.id)) or D(0))
                - (s.scalar(select(func.sum(Payment.amount)).where(Payment.ticket_id == t.id))
                   or D(0)))
            if owed != t.owed:
                t.owed = owed
            found[t.id] = owed
        s.commit()
    return found


def shop_takes(engine: Engine, methods: str) -> None:
    with Session(engine) as s:
        s.add(ShopSettings(id=1, name="Bolt", payment_methods=methods))
        s.commit()


def ledger(engine: Engine) -> dict[str, Any]:
    """Everything a refused payment, refund or credit must leave as it was."""
    with Session(engine) as s:
        return {
            "payments": s.execute(select(
                Payment.id, Payment.ticket_id, Payment.amount, Payment.method,
                Payment.reference, Payment.taken_by, Payment.note, Payment.reason,
            ).order_by(Payment.id)).all(),
            "tickets": s.execute(select(ServiceTicket.id, ServiceTicket.owed,
                                        ServiceTicket.version).order_by(ServiceTicket.id)).all(),
            "audit": s.scalar(select(func.count()).select_from(AuditEntry)),
        }


def audit_rows(engine: Engine) -> list[tuple[Any, ...]]:
    with Session(engine) as s:
        return [tuple(r) for r in s.execute(select(
            AuditEntry.action, AuditEntry.entity, AuditEntry.entity_id, AuditEntry.summary,
            AuditEntry.staff_user_id).order_by(AuditEntry.id))]


def version(engine: Engine, ticket_id: int) -> int:
    with Session(engine) as s:
        return int(s.scalar(select(ServiceTicket.version)
                            .where(ServiceTicket.id == ticket_id)) or 0)


# --- methods -----------------------------------------------------------------------------


def test_the_methods_taken_are_the_four_built_in_then_the_shops_own(
    uow: UnitOfWork, engine: Engine
) -> None:
    with uow:
        assert payments.methods_in(uow) == BUILT_IN  # no settings row yet
    shop_takes(engine, "Financing\ngift card, Cash\n\nCustomer credit")
    with uow:
        assert payments.methods_in(uow) == (*BUILT_IN, "Financing", "gift card")


# --- taking a payment ---------------------------------------------------------------------


PAYMENT_REFUSALS: list[tuple[PaymentData, dict[str, str]]] = [
    (PaymentData(" ", "cash"), {"amount": "Amount is required."}),
    (PaymentData("0.004", "cash"), {
        "amount": "Amount must be more than 0.00 (a refund is entered as a refund)."}),
    (PaymentData("12,50x", "bitcoin", "x" * 41, "n" * 501), {
        "amount": "Amount must be a number, like 12.50.",
        "method": "'bitcoin' is not a way of paying this shop takes; choose one of: cash, "
                  "card, cheque, bank transfer, financing.",
        "note": "The note is too long (at most 500 characters)."}),
    (PaymentData("5", PaymentMethod.CREDIT), {
        "method": "'Customer credit' is not a way of paying this shop takes; choose one "
                  "of: cash, card, cheque, bank transfer, financing."}),
    (PaymentData("5", "Cash"), {
        "method": "'Cash' is not a way of paying this shop takes; choose one of: cash, "
                  "card, cheque, bank transfer, financing."}),
    (PaymentData("10", "card", "424"), {
        "reference": "For a card payment, enter the card's last four digits (e.g. 4242)."}),
    (PaymentData("10", "cheque", " \t"), {
        "reference": "For a cheque, enter the cheque number."}),
    (PaymentData("abc", "Financing", "r" * 41), {
        "amount": "Amount must be a number, like 12.50.",
        "reference": "Reference is too long (at most 40 characters)."}),
]


def test_each_wrong_field_of_a_payment_is_refused_with_its_sentence(
    uow: UnitOfWork, engine: Engine
) -> None:
    """Every field found wrong is named at once with its sentence (a method the shop
    does not take, and then no reference check for it); nothing is written."""
    shop_takes(engine, "Financing")
    [ticket_id] = tickets(engine, ("completed", "55.00"))
    before = ledger(engine)
    for data, fields in PAYMENT_REFUSALS:
        with pytest.raises(ValidationError) as caught:
            payments.take_payment(uow, ticket_id, data, 1)
        assert caught.value.fields == fields, data
    assert ledger(engine) == before


def test_a_payment_is_one_entry_as_typed_that_moves_the_balance_owed(
    uow: UnitOfWork, engine: Engine
) -> None:
    """The amount as typed (thousands separator, half-up to cents), the method, the
    reference and note cleaned, who took it and when; owed goes down by it, the
    ticket's version moves, the audit trail says what was paid, how. Nothing else is
    written (not even the shop's default settings)."""
    jane = wf.actor(engine, full_name="Jane Desk")
    [ticket_id] = tickets(engine, ("completed", "55.00"), first=11)
    uow.actor = jane
    started = utcnow()
    detail = payments.take_payment(
        uow, ticket_id,
        PaymentData(" 1,234.505 ", PaymentMethod.CARD, " 4242 ", " Paid\tby  her son \n"), 1)
    with Session(engine) as s:
        row = s.scalars(select(Payment)).one()
        assert (row.ticket_id, row.amount, row.method, row.reference, row.taken_by,
                row.note, row.reason) == (
            ticket_id, D("1234.51"), "card", "4242", jane.id, "Paid\tby  her son", "")
        ticket = s.get(ServiceTicket, ticket_id)
        assert ticket is not None and (ticket.owed, ticket.version) == (D("-1234.51"), 2)
        # Stamped when taken: no later than the ticket's change that records it.
        assert started <= row.taken_at <= ticket.updated_at <= utcnow()
        assert s.scalar(select(func.count()).select_from(ShopSettings)) == 0
    assert audit_rows(engine) == [
        ("payment", "ticket", ticket_id, "Ticket 11: Card payment of 1,234.51", jane.id)]
    assert detail.ticket.version == 2
    assert detail.billing.payments == (PaymentRecord(
        row.id, row.taken_at, D("1234.51"), "card", "4242", "Jane Desk", "Paid\tby  her son"),)
    assert (detail.billing.billed, detail.billing.paid) == (D("55.00"), D("1234.51"))


def test_a_payment_is_refused_on_a_cancelled_ticket_or_a_stale_copy(
    uow: UnitOfWork, engine: Engine
) -> None:
    """Nothing is written for either; a note of 500 characters and a reference of 40
    are taken, in the shop's own method, audited as the shop names it."""
    shop_takes(engine, "Financing")
    ticket_id, cancelled = tickets(engine, ("completed", "55.00"), ("cancelled", "55.00"),
                                   first=11)
    before = ledger(engine)
    with pytest.raises(ValidationError) as caught:
        payments.take_payment(uow, cancelled, PaymentData("5", "cash"), 1)
    assert caught.value.fields == {
        "amount": "Ticket RO-12 is cancelled: there is nothing to pay for."}
    with pytest.raises(StaleRecord):  # the desk's copy is older than the ticket
        payments.take_payment(uow, ticket_id, PaymentData("5", "cash"), 0)
    assert ledger(engine) == before
    payments.take_payment(uow, ticket_id, PaymentData("7", "Financing", "r" * 40, "n" * 500),
                          1)
    with Session(engine) as s:
        row = s.scalars(select(Payment)).one()
        assert (row.amount, row.method, row.reference, row.note) == (
            D("7.00"), "Financing", "r" * 40, "n" * 500)
    assert audit_rows(engine) == [
        ("payment", "ticket", ticket_id, "Ticket 11: Financing payment of 7.00", None)]


# --- refunds ------------------------------------------------------------------------------


def test_a_refund_is_a_negative_entry_with_its_reason_never_more_than_was_paid(
    uow: UnitOfWork, engine: Engine
) -> None:
    """Refused, with nothing written: no reason, a reason too long, more than was paid
    (net of refunds), a wrong field (checked first), or a clerk who may not refund.
    Taken: a negative entry with the reason cleaned; owed goes up by it; all that was
    paid may be given back."""
    jane = wf.actor(engine, full_name="Jane Desk")
    [ticket_id] = tickets(engine, ("completed", "55.00"), first=3)
    with Session(engine) as s:
        payment_row(s, ticket_id, "30.00", "card", reference="1234")
        s.commit()
    owed_from_entries(engine)
    before = ledger(engine)

    def refund(amount: str, reason: str = "Paid twice", method: str = "card",
               reference: str = "1234", note: str = "") -> None:
        payments.refund_payment(uow, ticket_id, RefundData(amount, method, reason,
                                                           reference, note),
                                version(engine, ticket_id))

    for args, fields in [
        (("5", " \n "), {"reason": "Say why the money is given back."}),
        (("5", "r" * 501), {"reason": "The reason is too long (at most 500 characters)."}),
        (("30.01",), {"amount": "A refund cannot be more than what was paid: 30.00 on "
                                "ticket RO-3."}),
        (("30.005",), {"amount": "A refund cannot be more than what was paid: 30.00 on "
                                 "ticket RO-3."}),
        (("x", ""), {"amount": "Amount must be a number, like 12.50."}),
        (("5", "Why", "card", "12"), {"reference": "For a card payment, enter the card's "
                                                   "last four digits (e.g. 4242)."}),
    ]:
        with pytest.raises(ValidationError) as caught:
            refund(*args)
        assert caught.value.fields == fields, args
    with pytest.raises(StaleRecord):
        payments.refund_payment(uow, ticket_id, RefundData("5", "cash", "Why"),
                                version(engine, ticket_id) - 1)
    uow.actor = wf.actor(engine, "wes", role=Role.WRITER)
    with pytest.raises(PermissionDenied, match="cannot refund payments"):
        refund("5")
    assert ledger(engine) == before
    uow.actor = jane
    refund("10", " Paid\x07 twice \n", note=" by card ")
    with Session(engine) as s:
        row = s.scalars(select(Payment).order_by(Payment.id.desc())).first()
        assert row is not None
        assert (row.ticket_id, row.amount, row.method, row.reference, row.taken_by,
                row.note, row.reason) == (
            ticket_id, D("-10.00"), "card", "1234", jane.id, "by card", "Paid twice")
        ticket = s.get(ServiceTicket, ticket_id)
        assert ticket is not None and (ticket.owed, ticket.version) == (D("-20.00"), 3)
        assert row.taken_at <= ticket.updated_at
    assert audit_rows(engine)[-1] == (
        "refund", "ticket", ticket_id, "Ticket 3: Card refund of 10.00: Paid twice", jane.id)
    with pytest.raises(ValidationError, match=r"what was paid: 20\.00 on ticket RO-3\.$"):
        refund("20.01")
    refund("20.00", "Rest", "cash", "")
    with Session(engine) as s:
        assert s.scalar(select(ServiceTicket.owed)) == D("0.00")
        assert s.scalar(select(func.sum(Payment.amount))) == D("0.00")


# --- customer credit ----------------------------------------------------------------------


def _credit_shop(engine: Engine) -> tuple[list[int], list[int]]:
    """Ada's tickets 1–6 and Bob's 7, with their entries, owed as billing leaves it:
    1 closed, overpaid 5.00; 2 cancelled, a deposit of 10.00 kept; 3 closed, overpaid
    15.00; 4 open, a deposit of 50.00 (not credit yet); 5 closed, paid in full;
    6 completed, 40.00 to pay. Bob's 7 closed, overpaid 99.00."""
    ada = tickets(engine, ("closed", "100.00"), ("cancelled", "10.00"), ("closed", "20.00"),
                  ("open", "80.00"), ("closed", "5.00"), ("completed", "40.00"))
    bob = tickets(engine, ("closed", "1.00"), first=7, vin=VINS[1])
    with Session(engine) as s:
        invoice_row(s, ada[0], 1, "100.00")
        payment_row(s, ada[0], "105.00")
        payment_row(s, ada[1], "10.00")
        invoice_row(s, ada[2], 2, "20.00")
        payment_row(s, ada[2], "35.00")
        payment_row(s, ada[3], "50.00")
        invoice_row(s, ada[4], 3, "5.00")
        payment_row(s, ada[4], "5.00")
        invoice_row(s, bob[0], 4, "1.00")
        payment_row(s, bob[0], "100.00")
        # Made in this order but opened the other way round (as imported history is):
        # oldest means made first.
        for n, t in enumerate(ada):
            row = s.get(ServiceTicket, t)
            assert row is not None
            row.opened_at = utcnow() - timedelta(days=n)
        s.commit()
    owed_from_entries(engine)
    return ada, bob


def test_credit_is_the_overpayment_of_finished_tickets_oldest_first(
    uow: UnitOfWork, engine: Engine
) -> None:
    """Closed and cancelled tickets paid beyond what they bill are the customer's
    credit, oldest ticket (the first made) first; an open ticket's deposit still waits
    for its invoice, a ticket paid in full has none, and another customer's overpayment
    is not Ada's."""
    ada, bob = _credit_shop(engine)
    with uow:
        customer = uow.session.get(ServiceTicket, ada[0])
        assert customer is not None
        ada_id = customer.customer_id
        bob_ticket = uow.session.get(ServiceTicket, bob[0])
        assert bob_ticket is not None
        assert payments.credit_sources(uow, ada_id) == [
            (ada[0], D("5.00")), (ada[1], D("10.00")), (ada[2], D("15.00"))]
        assert payments.credit_sources(uow, bob_ticket.customer_id, lock=True) == [
            (bob[0], D("99.00"))]
    assert payments.customer_credit(uow, ada_id) == D("30.00")
    uow.actor = wf.actor(engine, "mo", role=Role.MECHANIC)
    with pytest.raises(PermissionDenied, match="cannot take payments"):
        payments.customer_credit(uow, ada_id)


def test_credit_is_applied_from_the_oldest_ticket_a_pair_of_entries_each(
    uow: UnitOfWork, engine: Engine
) -> None:
    """Refused, with nothing written: not a number, more than the ticket owes (a ticket
    paid ahead owes 0.00, not a negative amount), more than the credit, a cancelled
    ticket. Applied: from the oldest credit first, each ticket it comes from a minus
    entry naming the ticket paid and an audit line, the ticket paid a plus entry naming
    where it came from; every ticket's owed moves by its entry; exactly the credit left
    may be applied.

    A ticket reopened after its invoice's credit note bills its total again while its
    entries leave it in credit: that credit is never applied to itself. (Closed, a ticket
    whose invoice was credited in full owes nothing: ``test_money``.)"""
    jane = wf.actor(engine, full_name="Jane Desk")
    uow.actor = jane
    ada, _ = _credit_shop(engine)
    target = ada[5]
    before = ledger(engine)
    for wanted, fields in [
        ("ten", {"amount": "Amount must be a number, like 12.50."}),
        ("0", {"amount": "Amount must be more than 0.00 (a refund is entered as a refund)."}),
        ("40.01", {"amount": "Ticket RO-6 owes 40.00: credit of more than that cannot be "
                             "applied to it."}),
        ("30.01", {"amount": "The customer has 30.00 in credit: 30.01 cannot be applied."}),
    ]:
        with pytest.raises(ValidationError) as caught:
            payments.apply_credit(uow, target, wanted, version(engine, target))
        assert caught.value.fields == fields, wanted
    with pytest.raises(StaleRecord):
        payments.apply_credit(uow, target, "5", version(engine, target) - 1)
    assert ledger(engine) == before
    versions = {t: version(engine, t) for t in ada}
    started = utcnow()
    detail = payments.apply_credit(uow, target, "5.50", versions[target])
    with Session(engine) as s:
        rows = [tuple(r) for r in s.execute(select(
            Payment.ticket_id, Payment.amount, Payment.method, Payment.taken_by,
            Payment.reference, Payment.note, Payment.reason,
        ).where(Payment.method == "credit").order_by(Payment.id))]
        assert rows == [
            (ada[0], D("-5.00"), "credit", jane.id, "", "", "Credit applied to ticket RO-6"),
            (target, D("5.00"), "credit", jane.id, "", "Credit from ticket RO-1", ""),
            (ada[1], D("-0.50"), "credit", jane.id, "", "", "Credit applied to ticket RO-6"),
            (target, D("0.50"), "credit", jane.id, "", "Credit from ticket RO-2", ""),
        ]
        taken = set(s.scalars(select(Payment.taken_at).where(Payment.method == "credit")))
        assert len(taken) == 1 and started <= taken.pop() <= utcnow()
        moved = {t.id: (t.owed, t.version, t.updated_at) for t in s.scalars(
            select(ServiceTicket).where(ServiceTicket.id.in_(ada)))}
    assert {t: owed for t, (owed, _, _) in moved.items()} == {
        ada[0]: D("0.00"), ada[1]: D("-9.50"), ada[2]: D("-15.00"), ada[3]: D("-50.00"),
        ada[4]: D("0.00"), target: D("-5.50")}
    assert [moved[t][1] > versions[t] for t in ada] == [True, True, False, False, False,
                                                         True]
    assert all(started <= moved[t][2] <= utcnow() for t in (ada[0], ada[1], target))
    assert audit_rows(engine) == [
        ("credit", "ticket", ada[0], "Ticket 1: 5.00 of credit applied to ticket RO-6",
         jane.id),
        ("credit", "ticket", ada[1], "Ticket 2: 0.50 of credit applied to ticket RO-6",
         jane.id),
        ("credit", "ticket", target, "Ticket 6: 5.50 paid from the customer's credit",
         jane.id),
    ]
    assert (detail.ticket.version, detail.billing.paid, detail.billing.balance) == (
        moved[target][1], D("5.50"), D("34.50"))
    # Exactly what is left of the credit (9.50 + 15.00), then nothing is left to give.
    detail = payments.apply_credit(uow, target, "24.50", detail.ticket.version)
    assert (detail.billing.paid, detail.billing.balance) == (D("30.00"), D("10.00"))
    with pytest.raises(ValidationError, match=r"^The customer has 0\.00 in credit: 0\.01 "):
        payments.apply_credit(uow, target, "0.01", detail.ticket.version)
    assert payments.customer_credit(uow, detail.ticket.customer_id) == D("0.00")
    # Ben: tickets 21–24.
    paid_ahead, other, credited, cancelled_ticket = tickets(
        engine, ("completed", "10.00"), ("closed", "8.00"), ("in_progress", "50.00"),
        ("cancelled", "9.00"), first=21, vin=VINS[2])
    with Session(engine) as s:
        payment_row(s, paid_ahead, "12.00")
        invoice_row(s, other, 8, "8.00")
        payment_row(s, other, "38.00")  # 30.00 of credit
        cancelled = invoice_row(s, credited, 9, "50.00")
        note_row(s, cancelled, 9, "50.00", cancels=True)
        payment_row(s, credited, "20.00")  # owed −20.00, billed 50.00 again: owes 30.00
        s.commit()
    owed_from_entries(engine)
    with pytest.raises(ValidationError) as caught:
        payments.apply_credit(uow, paid_ahead, "0.01", version(engine, paid_ahead))
    assert caught.value.fields == {"amount": "Ticket RO-21 owes 0.00: credit of more than "
                                             "that cannot be applied to it."}
    with pytest.raises(ValidationError) as caught:
        payments.apply_credit(uow, cancelled_ticket, "1", version(engine, cancelled_ticket))
    assert caught.value.fields == {
        "amount": "Ticket RO-24 is cancelled: there is nothing to pay for."}
    with uow:
        customer = uow.session.get(ServiceTicket, credited)
        assert customer is not None
        ben = customer.customer_id
    # 30.00: the reopened ticket's 20.00 waits for its new invoice (not a finished one).
    assert payments.customer_credit(uow, ben) == D("30.00")
    with pytest.raises(ValidationError) as caught:
        payments.apply_credit(uow, credited, "30.01", version(engine, credited))
    assert caught.value.fields == {"amount": "Ticket RO-23 owes 30.00: credit of more than "
                                             "that cannot be applied to it."}
    # Exactly what it owes, and exactly the credit of Ben's other tickets.
    detail = payments.apply_credit(uow, credited, "30.00", version(engine, credited))
    assert (detail.billing.balance, owed_from_entries(engine)[other]) == (D("0.00"),
                                                                          D("0.00"))



def waiting_for_a_lock(engine: Engine, seconds: float = 30) -> None:
    """Return once a connection to this database waits for a row lock."""
    deadline = time.monotonic() + seconds
    with engine.connect() as watch:
        while time.monotonic() < deadline:
            waiting = watch.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND datname = current_database()")).scalar()
            watch.rollback()
            if waiting:
                return
            time.sleep(0.02)
    raise AssertionError("no desk came to wait for the lock")


def test_credit_another_desk_is_using_is_waited_for_on_postgresql(pg_engine: Engine) -> None:
    """Two desks applying the same credit at once: the customer's credit is read
    row-locked when it is applied, so the second desk waits for the first and then
    finds the credit used, instead of reading it before the first commits and spending
    it twice. Only showing the credit does not wait."""
    empty_tables(pg_engine)
    source, second = tickets(pg_engine, ("closed", "10.00"), ("completed", "30.00"))
    with Session(pg_engine) as s:
        invoice_row(s, source, 1, "10.00")
        payment_row(s, source, "40.00")  # 30.00 of credit
        s.commit()
        customer_id = s.scalar(select(ServiceTicket.customer_id)
                               .where(ServiceTicket.id == source))
        assert customer_id is not None
    owed_from_entries(pg_engine)
    uow = UnitOfWork(pg_engine)
    shown: list[Decimal] = []
    applied: list[object] = []

    def second_desk() -> None:
        try:
            applied.append(payments.apply_credit(uow, second, "30",
                                                 version(pg_engine, second)))
        except ValidationError as exc:
            applied.append(exc.fields)

    with pg_engine.connect() as first_desk:  # half-way through applying the credit
        first_desk.execute(select(ServiceTicket.id).where(ServiceTicket.id == source)
                           .with_for_update())
        reader = threading.Thread(
            target=lambda: shown.append(payments.customer_credit(uow, customer_id)))
        reader.start()
        reader.join(timeout=10)
        assert shown == [D("30.00")]  # read without waiting for the first desk
        desk = threading.Thread(target=second_desk)
        desk.start()
        waiting_for_a_lock(pg_engine)  # the second desk, for the source's row
        first_desk.execute(update(ServiceTicket).where(ServiceTicket.id == source)
                           .values(owed=D("0.00")))
        first_desk.commit()  # (its entries left out: only the credit's balance matters)
        desk.join(timeout=30)
    assert applied == [{"amount": "The customer has 0.00 in credit: 30.00 cannot be "
                                  "applied."}]
    with Session(pg_engine) as s:
        assert s.scalar(select(ServiceTicket.owed).where(ServiceTicket.id == source)) \
            == D("0.00")
        assert s.scalar(select(func.count()).select_from(Payment)
                        .where(Payment.method == "credit")) == 0
