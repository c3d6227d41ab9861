"""Partial credit notes, customer credit, the shop's own payment methods and the money
reports (cash-up, receipts, receivables by age, a customer's statement, revenue from
posted invoices less credit notes), on both backends."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from mechanic_desktop.db.models import CreditNote, Invoice, Payment, ServiceTicket
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.billing import PaymentState
from mechanic_desktop.domain.errors import NotFound, PermissionDenied, ValidationError
from mechanic_desktop.domain.records import TicketDetail
from mechanic_desktop.domain.staff import Role
from mechanic_desktop.services import (
    credit_notes,
    csv_export,
    customers,
    documents,
    invoicing,
    money_documents,
    money_reports,
    payments,
    reports,
    shop,
    workflow,
)
from mechanic_desktop.services.reports import Period
from tests.unit import factories
from tests.unit import workflow_factories as wf
from tests.unit.test_billing import _close, _completed, _pay

D = Decimal


def _counts(engine: Engine) -> tuple[int, ...]:
    with Session(engine) as s:
        return tuple(int(s.scalar(select(func.count()).select_from(t)) or 0)
                     for t in (Invoice, CreditNote, Payment))


def _owed(engine: Engine) -> dict[int, Decimal]:
    with Session(engine) as s:
        return {t.id: t.owed for t in s.scalars(select(ServiceTicket))}


def _identity(engine: Engine) -> None:
    """owed = Σ invoices − Σ credit notes − Σ payments on every ticket."""
    with Session(engine) as s:
        for t in s.scalars(select(ServiceTicket)):
            inv = s.scalar(select(func.sum(Invoice.total)).where(Invoice.ticket_id == t.id))
            cn = s.scalar(select(func.sum(CreditNote.amount))
                          .where(CreditNote.ticket_id == t.id))
            paid = s.scalar(select(func.sum(Payment.amount)).where(Payment.ticket_id == t.id))
            assert t.owed == (inv or 0) - (cn or 0) - (paid or 0)


def _posted(uow: UnitOfWork, quantity: int = 4) -> TicketDetail:
    """A closed ticket with a posted invoice of ``quantity`` pads at 25.00 + 10 % tax,
    paid in full (110.00 for four)."""
    detail = _completed(uow, quantity)
    return _close(uow, _pay(uow, detail, str(detail.billing.billed)))


def test_partial_credit_notes_by_lines_and_amount_within_the_invoice_total(
    uow: UnitOfWork, engine: Engine
) -> None:
    detail = _posted(uow)
    invoice = detail.billing.invoice
    assert invoice is not None and invoice.total == D("110.00")
    lines = credit_notes.invoice_lines(uow, invoice.id)
    assert [(x.amount, x.credit) for x in lines] == [(D("100.00"), D("110.00"))]
    # An amount: 30.00 of the invoice, with a reason.
    detail = credit_notes.credit_invoice(uow, detail.ticket.id, credit_notes.CreditData(
        invoice.id, "Goodwill: the car waited a day", amount="30"), detail.ticket.version)
    assert [(n.label, n.amount, n.cancels) for n in detail.billing.credit_notes] == [
        ("CN-1", D("30.00"), False)]
    assert detail.billing.invoice is not None  # still stands
    assert detail.billing.billed == D("80.00") and detail.billing.state is PaymentState.OVERPAID
    snap = invoicing.get_invoice_snapshot(uow, invoice.id)
    html = documents.snapshot_html(snap, detail.billing)  # the invoice reprinted
    assert "Credited (credit notes)" in html and "-30.00" in html and "110.00" in html
    before = _counts(engine)
    # More than is left is refused, naming what is left; nothing written.
    with pytest.raises(ValidationError, match=r"more than is left to credit on invoice "
                       r"INV-1: 80\.00 of its 110\.00 \(30\.00 is credited already\)"):
        credit_notes.credit_invoice(uow, detail.ticket.id, credit_notes.CreditData(
            invoice.id, "Too much", amount="80.01"), detail.ticket.version)
    # The line (110.00 with its tax) is more than the 80.00 left as well.
    with pytest.raises(ValidationError, match="more than is left to credit"):
        credit_notes.credit_invoice(uow, detail.ticket.id, credit_notes.CreditData(
            invoice.id, "Pads returned", lines=(lines[0].key,)), detail.ticket.version)
    with pytest.raises(ValidationError, match="Say why the invoice is credited"):
        credit_notes.credit_invoice(uow, detail.ticket.id, credit_notes.CreditData(
            invoice.id, " ", amount="1"), detail.ticket.version)
    uow.actor = factories.signed_in(uow, Role.WRITER)
    with pytest.raises(PermissionDenied):
        credit_notes.credit_invoice(uow, detail.ticket.id, credit_notes.CreditData(
            invoice.id, "Writer", amount="1"), detail.ticket.version)
    uow.actor = factories.signed_in(uow, Role.ADMIN)
    assert _counts(engine) == before
    # The rest: cancels the invoice.
    detail = credit_notes.credit_invoice(uow, detail.ticket.id, credit_notes.CreditData(
        invoice.id, "Rest", amount="80.00"), detail.ticket.version)
    assert [n.cancels for n in detail.billing.credit_notes] == [False, True]
    assert detail.billing.invoices[0].credited_by == "CN-2"
    _identity(engine)


def test_an_invoice_credited_in_full_leaves_its_closed_ticket_owing_nothing(
    uow: UnitOfWork, engine: Engine
) -> None:
    """A goodwill credit of the whole invoice, the ticket left closed: what was paid is
    the customer's credit, as the balance owed and the statement say, and the ticket
    shows it so; nothing is due on it, so no credit can be applied to it. (It said
    "Paid" before, and, unpaid, "Unpaid: 110.00 due" and took customer credit.)"""
    paid = _posted(uow)
    invoice = paid.billing.invoice
    assert invoice is not None
    paid = credit_notes.credit_invoice(uow, paid.ticket.id, credit_notes.CreditData(
        invoice.id, "Goodwill: the wrong car was serviced", amount="110.00"),
        paid.ticket.version)
    assert paid.ticket.status == "closed" and paid.billing.invoice is None
    assert (paid.billing.billed, paid.billing.balance) == (D("0.00"), D("-110.00"))
    assert paid.billing.summary() == "Overpaid: 110.00 to refund or keep as credit"
    assert _owed(engine)[paid.ticket.id] == D("-110.00")
    _identity(engine)


def test_an_unpaid_invoice_credited_in_full_leaves_nothing_due_to_apply_credit_to(
    uow: UnitOfWork, engine: Engine
) -> None:
    """The same credit on a ticket closed on account, unpaid: it owes nothing, so the
    customer's credit from other tickets cannot be spent on it."""
    detail = _close(uow, _completed(uow), on_account=True)
    invoice = detail.billing.invoice
    assert invoice is not None and detail.billing.balance == D("55.00")
    detail = credit_notes.credit_invoice(uow, detail.ticket.id, credit_notes.CreditData(
        invoice.id, "Goodwill", amount="55.00"), detail.ticket.version)
    assert detail.billing.balance == D("0.00") == _owed(engine)[detail.ticket.id]
    assert detail.billing.state is PaymentState.NOTHING_DUE
    with pytest.raises(ValidationError, match=r"owes 0\.00: credit of more than that"):
        payments.apply_credit(uow, detail.ticket.id, "1.00", detail.ticket.version)
    _identity(engine)


def test_a_line_credits_its_amount_with_tax_once(uow: UnitOfWork, engine: Engine) -> None:
    detail = _posted(uow)
    invoice = detail.billing.invoice
    assert invoice is not None
    key = credit_notes.invoice_lines(uow, invoice.id)[0].key
    detail = credit_notes.credit_invoice(uow, detail.ticket.id, credit_notes.CreditData(
        invoice.id, "Pads returned", lines=(key,)), detail.ticket.version)
    note = detail.billing.credit_notes[0]
    assert note.amount == D("110.00") and note.cancels
    assert [amount for _what, amount in note.lines] == [D("110.00")]
    assert credit_notes.invoice_lines(uow, invoice.id)[0].credited_by == "CN-1"


def test_reopening_credits_what_is_left_after_a_partial_note(
    uow: UnitOfWork, engine: Engine
) -> None:
    """Decision: reopening a ticket whose invoice stands still needs it credited in
    full, so it issues a credit note for the remainder."""
    detail = _posted(uow)
    invoice = detail.billing.invoice
    assert invoice is not None
    detail = credit_notes.credit_invoice(uow, detail.ticket.id, credit_notes.CreditData(
        invoice.id, "Goodwill", amount="10"), detail.ticket.version)
    with pytest.raises(ValidationError, match=r"what is left of it \(100\.00\)"):
        workflow.reopen_ticket(uow, detail.ticket.id, "Noise", detail.ticket.version)
    detail = workflow.reopen_ticket(uow, detail.ticket.id, "Noise", detail.ticket.version,
                                    credit_note=True)
    assert [n.amount for n in detail.billing.credit_notes] == [D("10.00"), D("100.00")]
    assert detail.billing.invoice is None
    _identity(engine)


def test_overpayment_is_customer_credit_applied_to_a_later_ticket(
    uow: UnitOfWork, engine: Engine
) -> None:
    first = _posted(uow)  # 110.00, paid
    customer_id = first.ticket.customer_id
    first = _pay(uow, first, "40.00")  # overpaid by 40 on a closed ticket
    assert payments.customer_credit(uow, customer_id) == D("40.00")
    pad = wf.part(uow, "PAD2", on_hand=50, price="25.00")
    v = factories.vehicle(uow, customer_id, vin="1G4AH59H45G118341")
    second = factories.completed(uow, customer_id, v.id, pad.id, 1)  # 27.50
    before = _counts(engine)
    with pytest.raises(ValidationError, match=r"owes 27\.50: credit of more than that"):
        payments.apply_credit(uow, second.ticket.id, "30", second.ticket.version)
    assert _counts(engine) == before
    second = payments.apply_credit(uow, second.ticket.id, "27.50", second.ticket.version)
    assert second.billing.state is PaymentState.PAID
    assert payments.customer_credit(uow, customer_id) == D("12.50")
    with pytest.raises(ValidationError, match=r"has 12\.50 in credit"):
        third = factories.completed(uow, customer_id, v.id, pad.id, 1)
        payments.apply_credit(uow, third.ticket.id, "20", third.ticket.version)
    _identity(engine)
    statement = money_reports.statement(uow, customer_id)
    assert statement.balance == sum(
        (o for t, o in _owed(engine).items()
         if workflow.get_ticket_detail(uow, t).ticket.customer_id == customer_id), D(0))


def test_the_shops_own_payment_methods_are_taken(uow: UnitOfWork) -> None:
    detail = _completed(uow)
    with pytest.raises(ValidationError, match="'Financing' is not a way of paying"):
        _pay(uow, detail, "5", "Financing")
    settings = shop.get_settings(uow)
    with pytest.raises(ValidationError, match="too long"):
        workflow.update_settings(uow, shop.ShopSettingsData(
            settings.name, tax_rate="10", payment_methods="A very long method name indeed"),
            settings.version)
    workflow.update_settings(uow, shop.ShopSettingsData(
        settings.name, tax_rate="10", payment_methods="Financing\n\ncash\nFinancing\nGift card"),
        settings.version)
    assert shop.get_settings(uow).payment_methods == "Financing\nGift card"
    detail = _pay(uow, detail, "5.005", "Financing")  # rounded half-up to 5.01
    assert [(p.amount, p.method_text) for p in detail.billing.payments] == [
        (D("5.01"), "Financing")]


# --- reports ------------------------------------------------------------------------------


def test_cash_up_by_method_with_the_counted_difference(uow: UnitOfWork, engine: Engine) -> None:
    detail = _completed(uow)  # 55.00
    detail = _pay(uow, detail, "20.00", "card", "4242")
    detail = _pay(uow, detail, "40.00")
    payments.refund_payment(uow, detail.ticket.id, payments.RefundData(
        "5.00", "cash", "Change given back"), detail.ticket.version)
    today = datetime.now().astimezone().date()
    up = money_reports.cash_up(uow, today)
    assert [(m.label, m.count, m.received, m.refunded, m.net) for m in up.by_method] == [
        ("Cash", 2, D("40.00"), D("5.00"), D("35.00")),
        ("Card", 1, D("20.00"), D("0.00"), D("20.00"))]
    assert up.expected_cash == D("35.00") and up.total == D("55.00")
    assert up.difference(money_reports.parse_counted("30")) == D("-5.00")
    assert [r.amount for r in up.receipts] == [D("20.00"), D("40.00"), D("-5.00")]
    assert up.receipts[0].method_text == "Card 4242"
    with pytest.raises(ValidationError, match="Counted cash must be a number"):
        money_reports.parse_counted("lots")
    assert money_reports.cash_up(uow, today - timedelta(days=1)).by_method == ()
    days = money_reports.receipts_by_day(uow, Period.today())
    assert [(d.day, d.method, d.net) for d in days] == [
        (today, "card", D("20.00")), (today, "cash", D("35.00"))]


def test_cash_up_says_whose_cash_is_in_the_drawer(uow: UnitOfWork) -> None:
    """With two people at the till the cash-up splits the cash by who took it (less what
    they gave back), on screen and on paper; card money is not cash."""
    detail = _completed(uow)  # 55.00
    uow.actor = factories.signed_in(uow, Role.WRITER, "zoe")
    detail = _pay(uow, detail, "20.00")
    detail = _pay(uow, detail, "9.00", "card", "4242")
    uow.actor = factories.signed_in(uow, Role.ADMIN, "al")
    detail = _pay(uow, detail, "30.00")
    payments.refund_payment(uow, detail.ticket.id, payments.RefundData(
        "4.00", "cash", "Change given back"), detail.ticket.version)
    up = money_reports.cash_up(uow, datetime.now().astimezone().date())
    assert up.cash_by_clerk == (("Staff al", D("26.00")), ("Staff zoe", D("20.00")))
    assert sum(amount for _, amount in up.cash_by_clerk) == up.expected_cash
    html = money_documents.cash_up_html(up, shop.get_settings(uow), None)
    assert "Cash by clerk" in html and html.index("Staff al") < html.index("Staff zoe")


def test_receivables_age_by_invoice_date_with_phone(uow: UnitOfWork, engine: Engine) -> None:
    detail = _completed(uow)  # 55.00, nothing paid
    detail = _pay(uow, detail, "5.00")
    detail = workflow.set_status(uow, detail.ticket.id, "closed", detail.ticket.version,
                                 on_account=True)
    assert detail.billing.balance == D("50.00")
    now = datetime.now(UTC)
    rows = money_reports.receivables(uow, now)
    assert [(r.name, r.buckets, r.total) for r in rows.rows] == [
        ("Ada Lovelace", (D("50.00"), D(0), D(0), D(0)), D("50.00"))]
    assert money_reports.RECEIVABLE_COLUMNS[1].value(rows.rows[0]) == "(212) 555-0100"
    later = money_reports.receivables(uow, now + timedelta(days=45))
    assert later.rows[0].buckets == (D(0), D("50.00"), D(0), D(0))
    assert money_reports.receivables(uow, now + timedelta(days=91)).totals == (
        D(0), D(0), D(0), D("50.00"))
    with Session(engine) as s:  # closed (and invoiced) earlier: another bucket
        s.execute(update(ServiceTicket).values(closed_at=now - timedelta(days=70)))
        s.commit()
    assert money_reports.receivables(uow, now).rows[0].buckets[2] == D("50.00")
    detail = _pay(uow, detail, "50.00")
    assert money_reports.receivables(uow, now).rows == ()


def test_statement_runs_the_balance_and_exports(uow: UnitOfWork, tmp_path: object) -> None:
    detail = _completed(uow)  # 55.00
    detail = _pay(uow, detail, "20.00", "card", "4242")  # deposit before the invoice
    detail = workflow.set_status(uow, detail.ticket.id, "closed", detail.ticket.version,
                                 on_account=True)
    invoice = detail.billing.invoice
    assert invoice is not None
    detail = credit_notes.credit_invoice(uow, detail.ticket.id, credit_notes.CreditData(
        invoice.id, "Goodwill", amount="5"), detail.ticket.version)
    detail = _pay(uow, detail, "30.00")
    st = money_reports.statement(uow, detail.ticket.customer_id)
    assert [(x.kind, x.document, x.charge, x.credit, x.balance) for x in st.lines] == [
        ("Payment", "", D(0), D("20.00"), D("-20.00")),
        ("Invoice", "INV-1", D("55.00"), D(0), D("35.00")),
        ("Credit note", "CN-1", D(0), D("5.00"), D("30.00")),
        ("Payment", "", D(0), D("30.00"), D("0.00")),
    ]
    assert st.balance == 0
    import io
    out = io.StringIO()
    assert csv_export.write_report(out, money_reports.STATEMENT_COLUMNS, st.lines) == 4
    assert "Credit note,CN-1" in out.getvalue()


def test_revenue_counts_posted_invoices_less_credit_notes(uow: UnitOfWork) -> None:
    detail = _posted(uow)  # 110.00
    invoice = detail.billing.invoice
    assert invoice is not None
    credit_notes.credit_invoice(uow, detail.ticket.id, credit_notes.CreditData(
        invoice.id, "Goodwill", amount="10"), detail.ticket.version)
    rows = reports.revenue(uow, Period.this_year(), "month")
    month = next(r for r in rows if r.start == date.today().replace(day=1))
    assert (month.invoices, month.invoiced, month.credit_notes, month.credited, month.total) \
        == (1, D("110.00"), 1, D("10.00"), D("100.00"))
    assert reports.dashboard(uow).week_revenue == D("100.00")


def test_customer_statement_for_a_customer_with_nothing(uow: UnitOfWork) -> None:
    c = customers.create_customer(uow, customers.CustomerData("Nobody Yet"))
    st = money_reports.statement(uow, c.id)
    assert st.lines == () and st.balance == 0


def test_seeded_money_keeps_the_balance_identity_and_gapless_numbers(
    uow: UnitOfWork, engine: Engine
) -> None:
    """Seeded shops have invoices for closed tickets, payments, a few credit notes, and
    balances owed of every age; the numbers continue with no gap from the app's."""
    from mechanic_desktop.db.models import DocumentCounter
    from mechanic_desktop.db.seed import SeedPlan, seed

    seed(engine, SeedPlan(customers=300, tickets=4000, mechanics=4, parts=30, years=1,
                          random_seed=11))
    _identity(engine)
    with Session(engine) as s:
        numbers = s.scalars(select(Invoice.number).order_by(Invoice.number)).all()
        assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) > 2000
        closed = s.scalar(select(func.count()).select_from(ServiceTicket)
                          .where(ServiceTicket.status == "closed"))
        assert closed == len(numbers)
        counter = s.get(DocumentCounter, "invoice")
        assert counter is not None and counter.last_number == len(numbers)
        assert s.scalar(select(func.count()).select_from(Payment)) > len(numbers)
    rec = money_reports.receivables(uow)
    assert rec.rows and all(r.total > 0 for r in rec.rows)
    assert sum(1 for t in rec.totals if t > 0) >= 3  # balances of several ages
    # The app's next invoice takes the next number.
    detail = _posted(uow)
    assert detail.billing.invoice is not None
    assert detail.billing.invoice.label == f"INV-{len(numbers) + 1}"
    st = money_reports.statement(uow, rec.rows[0].customer_id)
    assert st.balance == rec.rows[0].total
    html = documents.snapshot_html(invoicing.get_invoice_snapshot(uow, 1))
    assert "Invoice INV-1" in html and "Total" in html


@pytest.mark.parametrize(("typed", "amount"), [
    ("412.50", D("412.50")), (" $1,234.5 ", D("1234.50")), ("0", D("0.00")),
    ("$ 7", D("7.00")), ("19.999", D("20.00")),
])
def test_counted_cash_as_typed(typed: str, amount: Decimal) -> None:
    assert money_reports.parse_counted(typed) == amount


@pytest.mark.parametrize(("typed", "message"), [
    ("", "Counted cash must be a number, like 412.50."),
    ("lots", "Counted cash must be a number, like 412.50."),
    ("X5", "Counted cash must be a number, like 412.50."),
    ("-0.01", "Counted cash must be a number of 0.00 or more, like 412.50."),
    ("NaN", "Counted cash must be a number of 0.00 or more, like 412.50."),
    ("Infinity", "Counted cash must be a number of 0.00 or more, like 412.50."),
])
def test_counted_cash_refused(typed: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        money_reports.parse_counted(typed)
    assert caught.value.fields == {"counted": message}


def _row(columns: tuple[reports.Column, ...], row: object) -> dict[str, object]:
    return {c.header: (c.value(row), c.kind) for c in columns}


def test_money_report_columns_show_what_their_headers_say() -> None:
    at = datetime(2026, 12, 7, 15, 30, tzinfo=UTC)
    total = money_reports.MethodTotal("cash", 3, D("50.00"), D("5.00"))
    assert _row(money_reports.CASH_UP_COLUMNS, total) == {
        "Method": ("Cash", "text"), "Entries": (3, "int"), "Received": (D("50.00"), "money"),
        "Refunded": (D("5.00"), "money"), "Net": (D("45.00"), "money")}
    receipt = money_reports.Receipt(at, "RO-7", "Ada", "card", "4242", D("-5.00"), "Zoe")
    assert _row(money_reports.RECEIPT_COLUMNS, receipt) == {
        "Time": (at, "datetime"), "Ticket": ("RO-7", "text"), "Customer": ("Ada", "text"),
        "Method": ("Card 4242", "text"), "Amount": (D("-5.00"), "money"),
        "Taken by": ("Zoe", "text")}
    day = money_reports.ReceiptDay(at.date(), "bank_transfer", 2, D("80.00"))
    assert _row(money_reports.RECEIPTS_BY_DAY_COLUMNS, day) == {
        "Day": (at.date(), "date"), "Method": ("Bank transfer", "text"),
        "Entries": (2, "int"), "Net": (D("80.00"), "money")}
    owes = money_reports.Receivable(1, "Ada", "2125550100",
                                    (D(1), D(2), D(3), D(4)), 5, at)
    assert _row(money_reports.RECEIVABLE_COLUMNS, owes) == {
        "Customer": ("Ada", "text"), "Phone": ("(212) 555-0100", "text"),
        "0–30 days": (D(1), "money"), "31–60 days": (D(2), "money"),
        "61–90 days": (D(3), "money"), "Over 90 days": (D(4), "money"),
        "Total owed": (D(10), "money"), "Tickets": (5, "int")}
    line = money_reports.StatementLine(at, "Payment", "", "RO-7", "Cash", D(0), D("20.00"),
                                       D("-20.00"))
    assert _row(money_reports.STATEMENT_COLUMNS, line) == {
        "Date": (at, "date"), "Entry": ("Payment", "text"), "Number": ("", "text"),
        "Ticket": ("RO-7", "text"), "Detail": ("Cash", "text"), "Charges": (None, "money"),
        "Credits": (D("20.00"), "money"), "Balance": (D("-20.00"), "money")}
    assert money_reports.Receipt(at, "RO-7", "Ada", "cash", "", D(1), "").method_text == "Cash"


def test_the_cash_up_of_a_day_sums_clerks_and_methods() -> None:
    at = datetime(2026, 12, 7, 15, 30, tzinfo=UTC)
    up = money_reports.CashUp(at.date(), (
        money_reports.MethodTotal("card", 1, D("9.00"), D(0)),
        money_reports.MethodTotal("cash", 3, D("50.00"), D("4.00")),
    ), (
        money_reports.Receipt(at, "RO-1", "Ada", "cash", "", D("20.00"), "zoe"),
        money_reports.Receipt(at, "RO-1", "Ada", "card", "", D("9.00"), "zoe"),
        money_reports.Receipt(at, "RO-1", "Ada", "cash", "", D("30.00"), "Al"),
        money_reports.Receipt(at, "RO-1", "Ada", "cash", "", D("-4.00"), ""),
    ))
    assert (up.expected_cash, up.total) == (D("46.00"), D("55.00"))
    assert (up.difference(D("50.00")), up.difference(D("40.00"))) == (D("4.00"), D("-6.00"))
    assert up.cash_by_clerk == (("Al", D("30.00")), ("Unknown", D("-4.00")),
                                ("zoe", D("20.00")))


def test_receivables_bucket_edges_order_and_oldest(uow: UnitOfWork, engine: Engine) -> None:
    """An invoice exactly 30 days old is still 0–30; a second older is 31–60, and so on.
    Most owed first; a ticket paid in full or over is not listed. (Receivables read only
    the tickets' ``owed`` and closing time, so the tickets are written as billing leaves
    them: closed, owing.)"""
    ada = customers.create_customer(uow, customers.CustomerData("Ada Lovelace",
                                                                 phone="2125550100"))
    bob = factories.customer(uow, "Bob Big")
    car = factories.vehicle(uow, ada.id)
    van = factories.vehicle(uow, bob.id, factories.VINS[1])
    now = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
    tickets = [  # customer, vehicle, owed, age
        (ada, car, "27.50", timedelta(0)), (ada, car, "27.50", timedelta(days=30)),
        (ada, car, "27.50", timedelta(days=30, seconds=1)),
        (ada, car, "27.50", timedelta(days=60)), (ada, car, "27.50", timedelta(days=90)),
        (ada, car, "27.50", timedelta(days=90, seconds=1)),
        (bob, van, "275.00", timedelta(days=1)), (bob, van, "1.00", timedelta(days=3)),
        (bob, van, "0.00", timedelta(days=2)),
        (bob, van, "-25.00", timedelta(days=200)),
    ]
    with Session(engine) as s:
        s.add_all(ServiceTicket(number=n, customer_id=c.id, vehicle_id=v.id, status="closed",
                                owed=D(owed), closed_at=now - age)
                  for n, (c, v, owed, age) in enumerate(tickets, 1))
        s.commit()
    got = money_reports.receivables(uow, now)
    assert [(r.customer_id, r.name, r.buckets, r.tickets, r.total) for r in got.rows] == [
        (bob.id, "Bob Big", (D("276.00"), D(0), D(0), D(0)), 2, D("276.00")),
        (ada.id, "Ada Lovelace", (D("55.00"), D("55.00"), D("27.50"), D("27.50")), 6,
         D("165.00")),
    ]
    assert (got.rows[1].oldest, got.rows[1].phone) == (now - tickets[5][3], "2125550100")
    assert got.totals == (D("331.00"), D("55.00"), D("27.50"), D("27.50"))
    assert (got.total, got.as_of) == (D("441.00"), now)


def test_a_statement_names_each_entry_and_ends_on_what_the_customer_owes(
    uow: UnitOfWork, engine: Engine
) -> None:
    detail = _completed(uow)  # 55.00
    customer_id = detail.ticket.customer_id
    detail = _pay(uow, detail, "20.00", "card", "4242")
    detail = _close(uow, detail, on_account=True)
    invoice = detail.billing.invoice
    assert invoice is not None
    detail = credit_notes.credit_invoice(uow, detail.ticket.id, credit_notes.CreditData(
        invoice.id, "Goodwill", amount="5"), detail.ticket.version)
    detail = payments.take_payment(uow, detail.ticket.id, payments.PaymentData(
        "45.00", "cash", "", "Paid by her son"), detail.ticket.version)  # 15.00 over
    detail = payments.refund_payment(uow, detail.ticket.id, payments.RefundData(
        "4.00", "cash", "Change given back"), detail.ticket.version)
    pad = wf.part(uow, "PAD2", on_hand=50, price="10.00")
    second = factories.completed(uow, customer_id, detail.ticket.vehicle_id, pad.id, 1)
    second = payments.apply_credit(uow, second.ticket.id, "11.00", second.ticket.version)
    second = _close(uow, second)  # paid from the credit: its invoice is not on account
    made = datetime(2026, 12, 7, 18, 0, tzinfo=UTC)
    st = money_reports.statement(uow, customer_id, made)
    assert (st.customer_id, st.name, st.phone, st.address, st.made_at) == (
        customer_id, "Ada Lovelace", "2125550100", "1 Main St", made)
    first, other = f"RO-{detail.ticket.number}", f"RO-{second.ticket.number}"
    assert [(x.kind, x.document, x.ticket, x.detail, x.charge, x.credit, x.balance)
            for x in st.lines[:5]] == [
        ("Payment", "", first, "Card 4242", D(0), D("20.00"), D("-20.00")),
        ("Invoice", "INV-1", first, "on account", D("55.00"), D(0), D("35.00")),
        ("Credit note", "CN-1", first, "credits INV-1: Goodwill", D(0), D("5.00"),
         D("30.00")),
        ("Payment", "", first, "Cash", D(0), D("45.00"), D("-15.00")),
        ("Refund", "", first, "Cash — Change given back", D(0), D("-4.00"), D("-11.00")),
    ]
    # The credit moved at one moment: off the first ticket, onto the second.
    assert sorted((x.kind, x.ticket, x.detail, x.credit) for x in st.lines[5:7]) == [
        ("Payment", other, f"Customer credit — Credit from ticket {first}", D("11.00")),
        ("Refund", first, f"Customer credit — Credit applied to ticket {other}",
         D("-11.00")),
    ]
    assert (st.lines[-1].kind, st.lines[-1].document, st.lines[-1].detail,
            st.lines[-1].charge) == ("Invoice", "INV-2", "", D("11.00"))
    assert st.balance == st.lines[-1].balance == D("0.00") == sum(_owed(engine).values())
    assert money_reports.statement(uow, customer_id).made_at.tzinfo is not None


def test_the_cash_up_lists_built_in_methods_first_then_the_shops_own(uow: UnitOfWork) -> None:
    detail = _completed(uow, 4)  # 110.00
    settings = shop.get_settings(uow)
    workflow.update_settings(uow, shop.data_of(settings, payment_methods="zelle"),
                             settings.version)
    for amount, method in (("10", "zelle"), ("11", "bank_transfer"), ("12", "cheque"),
                           ("13", "card"), ("14", "cash"), ("15", "cash")):
        reference = {"cheque": "1001", "card": "4242"}.get(method, "")
        detail = _pay(uow, detail, amount, method, reference)
    today = datetime.now().astimezone().date()
    up = money_reports.cash_up(uow, today)
    assert [(m.method, m.count, m.net) for m in up.by_method] == [
        ("cash", 2, D("29.00")), ("card", 1, D("13.00")), ("cheque", 1, D("12.00")),
        ("bank_transfer", 1, D("11.00")), ("zelle", 1, D("10.00"))]
    label = f"RO-{detail.ticket.number}"
    assert [(r.ticket, r.customer, r.method, r.amount, r.taken_by) for r in up.receipts] == [
        (label, "Ada Lovelace", m, D(a), "") for a, m in (
            ("10", "zelle"), ("11", "bank_transfer"), ("12", "cheque"), ("13", "card"),
            ("14", "cash"), ("15", "cash"))]
    assert up.cash_by_clerk == (("Unknown", D("29.00")),)
    assert (up.day, up.total) == (today, D("75.00"))
    # The day before and the day after hold nothing; a whole week holds the same.
    assert money_reports.cash_up(uow, today + timedelta(days=1)).receipts == ()
    week = money_reports.receipts_by_day(uow, Period.between_days(
        today - timedelta(days=3), today + timedelta(days=3)))
    assert [(d.day, d.method, d.count, d.net) for d in week] == [
        (today, "bank_transfer", 1, D("11.00")), (today, "card", 1, D("13.00")),
        (today, "cash", 2, D("29.00")), (today, "cheque", 1, D("12.00")),
        (today, "zelle", 1, D("10.00"))]


def test_a_statement_of_a_customer_deleted_meanwhile_says_so(uow: UnitOfWork) -> None:
    with pytest.raises(NotFound) as gone:
        money_reports.statement(uow, 999_999)
    assert str(gone.value).startswith("Customer #999999 no longer exists")


def test_a_days_takings_run_from_its_first_instant_to_just_before_the_next(
    uow: UnitOfWork, engine: Engine
) -> None:
    """Payments written as the billing services leave them, at the edges of a day in
    Tokyo (UTC+9): the day's first instant counts, the next day's first does not."""
    tokyo = ZoneInfo("Asia/Tokyo")
    ada = factories.customer(uow)
    car = factories.vehicle(uow, ada.id)
    day = date(2026, 12, 7)
    start = datetime(2026, 12, 7, tzinfo=tokyo).astimezone(UTC)
    with Session(engine) as s:
        ticket = ServiceTicket(number=1, customer_id=ada.id, vehicle_id=car.id, status="closed")
        s.add(ticket)
        s.flush()
        for at, amount, method, reason in (
            (start - timedelta(seconds=1), "99.00", "cash", ""),  # the day before
            # The last half-millisecond of the day before (SQLite rounded it forward).
            (start - timedelta(microseconds=300), "1.00", "card", ""),
            (start, "1.00", "cash", ""),
            (start + timedelta(hours=5), "0.50", "cash", ""),
            (start + timedelta(hours=6), "-0.25", "cash", "Change"),
            (start + timedelta(hours=7), "12.00", "card", ""),
            (start + timedelta(days=1), "77.00", "cash", ""),  # the day after
        ):
            s.add(Payment(ticket_id=ticket.id, taken_at=at, amount=D(amount), method=method,
                          reason=reason))
        s.commit()
    up = money_reports.cash_up(uow, day, tokyo)
    assert [(m.method, m.count, m.received, m.refunded) for m in up.by_method] == [
        ("cash", 3, D("1.50"), D("0.25")), ("card", 1, D("12.00"), D("0.00"))]
    assert [(r.taken_at, r.amount, r.customer, r.taken_by) for r in up.receipts][:2] == [
        (start, D("1.00"), "Ada Lovelace", ""), (start + timedelta(hours=5), D("0.50"),
                                                 "Ada Lovelace", "")]
    days = money_reports.receipts_by_day(uow, Period.between_days(
        day - timedelta(days=1), day + timedelta(days=1), tz=tokyo))
    assert [(d.day, d.method, d.count, d.net) for d in days] == [
        (day - timedelta(days=1), "card", 1, D("1.00")),
        (day - timedelta(days=1), "cash", 1, D("99.00")),
        (day, "card", 1, D("12.00")), (day, "cash", 3, D("1.25")),
        (day + timedelta(days=1), "cash", 1, D("77.00"))]
    only_day = money_reports.receipts_by_day(uow, Period.between_days(day, day, tz=tokyo))
    assert [(d.day, d.count) for d in only_day] == [(day, 1), (day, 3)]
