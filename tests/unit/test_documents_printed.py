"""Every printed document, whole: the estimate, work order, draft and posted invoice,
the three kinds of credit note and the payment and refund receipts, each rendered from
one ticket that uses every feature a document prints (line and ticket discounts, fees,
untaxed lines, parts to order, a deferred and a declined job, authorisations,
payments and a refund, labour taxed at its own rate), and the shop's own papers (a
cash-up with two clerks, the receivables, a statement), compared with the HTML kept in
``tests/unit/printed/``.

The other document tests check chosen pieces; these check that nothing else moved: a
changed label, a dropped row, a total printed from the wrong figure or an amount in the
wrong column all show up as a difference. When a document is meant to change, run
``MECHANIC_UPDATE_PRINTED=1 pytest tests/unit/test_documents_printed.py`` and read the
diff of the kept files before committing it: it is what customers will be handed.
"""

from __future__ import annotations

import difflib
import os
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from mechanic_desktop.domain.billing import (
    BillingRecord,
    CreditNoteRecord,
    InvoiceRecord,
    PaymentRecord,
)
from mechanic_desktop.domain.discounts import Discount
from mechanic_desktop.domain.records import (
    FeeLineRecord,
    JobRecord,
    MechanicLineRecord,
    PartLineRecord,
    TicketDetail,
)
from mechanic_desktop.domain.totals import Totals
from mechanic_desktop.services.documents import (
    credit_note_html,
    estimate_html,
    invoice_html,
    invoice_snapshot,
    receipt_html,
    snapshot_html,
    work_order_html,
)
from mechanic_desktop.services.money_documents import (
    cash_up_html,
    receivables_html,
    statement_html,
)
from mechanic_desktop.services.money_reports import (
    CashUp,
    MethodTotal,
    Receipt,
    Receivable,
    Receivables,
    Statement,
    StatementLine,
)
from tests.unit.test_documents import NOW, SETTINGS, detail

D = Decimal
KEPT = Path(__file__).parent / "printed"
UPDATE = os.environ.get("MECHANIC_UPDATE_PRINTED") == "1"

#: Labour taxed at 5 % while parts and fees pay 8.875 %; invoices numbered INV-.
TAXED_LABOUR = replace(SETTINGS, labor_taxed=True, labor_tax_rate=D("5"),
                       email="desk@bolt.example", tax_number="TX-991",
                       invoice_terms="Payable within 14 days.")


@pytest.fixture(autouse=True)
def utc() -> Iterator[None]:
    """Documents print local dates: pin the zone so the kept files hold anywhere."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


def full_ticket() -> TicketDetail:
    """The ticket of test_documents with every printed feature added."""
    base = detail(promised_at=datetime(2030, 5, 7, 17, 30, tzinfo=UTC), status="in_progress")
    sam = MechanicLineRecord(1, "Sam O'Wrench", 75, D("85.00"), D("106.25"), True, 1,
                             operation="Replace front pads", line_id=11,
                             discount=Discount(percent=D("10"), reason="loyal customer"))
    kim = MechanicLineRecord(2, "Kim", 30, D("90.00"), D("45.00"), True, 1, line_id=12)
    pads = PartLineRecord(1, 1, "BRK-01", "Pads <front>", 3, D("19.99"), D("59.97"), 1)
    rotor = PartLineRecord(3, 3, "", "Rotor", 2, D("40.00"), D("80.00"), 1, taken=False,
                           ordered=True, taxable=False,
                           discount=Discount(amount=D("5.00"), reason="scratched box"))
    disposal = FeeLineRecord(1, 1, "Shop supplies", D("12.50"))
    tyre_fee = FeeLineRecord(2, 1, "Tyre disposal", D("3.00"), taxable=False)
    brakes = replace(base.jobs[0], mechanics=(sam, kim), parts=(pads, rotor),
                     fees=(disposal, tyre_fee),
                     totals=Totals(D("139.97"), D("151.25"), D("17.01"), D("306.20"),
                                   D("15.50"), D("17.53")))
    timing = base.jobs[1]
    wipers = JobRecord(3, 3, "Wiper blades", "", "", "", "deferred", 1, (), (
        PartLineRecord(4, 4, "WB-22", "Wiper blade 22in", 2, D("14.00"), D("28.00"), 3),),
        Totals(D("28.00"), D("0.00"), D("2.49"), D("30.49")))
    oil = JobRecord(4, 4, "Oil change", "", "", "", "approved", 1, (
        MechanicLineRecord(2, "Kim", 30, D("90.00"), D("45.00"), True, 4, line_id=13),),
        (), Totals(D("0.00"), D("45.00"), D("2.25"), D("47.25")))
    totals = Totals(D("139.97"), D("196.25"), D("19.26"), D("353.45"), D("15.50"),
                    D("17.53"))
    return replace(
        base, jobs=(brakes, timing, wipers, oil),
        mechanics=(sam, kim, *oil.mechanics), parts=(pads, rotor),
        fees=(disposal, tyre_fee), totals=totals, estimate=totals,
        customer_address="12 Elm Road\nShelbyville",
        discount=Discount(percent=D("5"), reason="spring offer"),
    )


PAID = PaymentRecord(1, NOW, D("200.00"), "card", "4242", "Jane Desk", "")
CASH = PaymentRecord(2, NOW, D("180.00"), "cash", "", "", "")
REFUND = PaymentRecord(3, NOW, D("-26.55"), "cash", "", "Jane Desk", "", "overcharged")


def posted_snapshot() -> dict[str, object]:
    return invoice_snapshot(full_ticket(), TAXED_LABOUR, label="INV-7", posted_at=NOW,
                            posted_by="Jane Desk")


def documents() -> dict[str, str]:
    ticket = full_ticket()
    snap = posted_snapshot()
    draft = invoice_snapshot(ticket, TAXED_LABOUR)
    invoice = InvoiceRecord(1, "INV-7", NOW, D("353.45"), False, credited=D("40.00"))
    billing = BillingRecord((invoice,), (), (PAID, CASH, REFUND), D("313.45"), D("353.45"))
    deposit = BillingRecord(payments=(PAID,), billed=D("353.45"), paid=D("200.00"))
    proposed = replace(ticket, jobs=tuple(
        replace(j, status="proposed") if j.id == 4 else j for j in ticket.jobs))
    whole = CreditNoteRecord(1, "CN-1", 1, "INV-7", NOW, D("353.45"), "Billed twice\n<sorry>")
    lines = CreditNoteRecord(2, "CN-2", 1, "INV-7", NOW, D("40.00"), "Rotor returned",
                             (("Rotor", D("40.00")),), cancels=False)
    last = CreditNoteRecord(3, "CN-3", 1, "INV-7", NOW, D("313.45"), "Goodwill")
    amount = CreditNoteRecord(4, "CN-4", 1, "INV-7", NOW, D("10.00"), "Late", cancels=False)
    return {
        "work_order": work_order_html(ticket, TAXED_LABOUR),
        "estimate": estimate_html(proposed, TAXED_LABOUR, today=NOW),
        "invoice_draft": invoice_html(ticket, TAXED_LABOUR),
        "invoice_draft_deposit": snapshot_html(draft, deposit),
        "invoice_posted": snapshot_html(snap, billing),
        "invoice_old_rate": invoice_html(ticket, replace(TAXED_LABOUR, tax_rate=D("9"))),
        "credit_note_whole": credit_note_html(snap, whole),
        "credit_note_lines": credit_note_html(snap, lines),
        "credit_note_last": credit_note_html(snap, last),
        "credit_note_amount": credit_note_html(snap, amount),
        "receipt_card": receipt_html(snap, billing, PAID),
        "receipt_cash_deposit": receipt_html(draft, deposit, CASH),
        "receipt_refund": receipt_html(snap, billing, REFUND),
        **money_documents(),
    }


def money_documents() -> dict[str, str]:
    """The shop's own papers: a cash-up with two clerks at the till (one short), the
    receivables by age, and a customer's statement with a refund."""
    receipts = (
        Receipt(NOW, "RO-42", "Ada Lovelace", "card", "4242", D("200.00"), "Jane Desk"),
        Receipt(NOW, "RO-42", "Ada Lovelace", "cash", "", D("180.00"), "Jane Desk"),
        Receipt(NOW, "RO-43", "Alan <Turing>", "cash", "", D("45.50"), "Pat Owner"),
        Receipt(NOW, "RO-42", "Ada Lovelace", "cash", "", D("-26.55"), "Pat Owner"))
    up = CashUp(NOW.date(), (MethodTotal("cash", 3, D("225.50"), D("26.55")),
                             MethodTotal("card", 1, D("200.00"), D("0.00"))), receipts)
    owed = Receivables(NOW, (
        Receivable(1, "Ada Lovelace", "5551234567", (D("0"), D("40.00"), D("0"), D("12.00")),
                   2, NOW),
        Receivable(2, "Alan <Turing>", "", (D("99.90"), D("0"), D("0"), D("0")), 1, NOW)),
        (D("99.90"), D("40.00"), D("0"), D("12.00")))
    entries = (
        StatementLine(NOW, "invoice", "INV-7", "RO-42", "Brakes", D("353.45"), D("0"),
                      D("353.45")),
        StatementLine(NOW, "payment", "", "RO-42", "Card 4242", D("0"), D("380.00"),
                      D("-26.55")),
        StatementLine(NOW, "refund", "", "RO-42", "Cash: overcharged", D("0"), D("-26.55"),
                      D("0.00")))
    mine = Statement(1, "Ada Lovelace", "5551234567", "12 Elm Road\nShelbyville", entries,
                     NOW)
    return {
        "cash_up_two_clerks": cash_up_html(up, TAXED_LABOUR, D("190.00"), "Pat Owner"),
        "cash_up_uncounted": cash_up_html(replace(up, receipts=receipts[:2]), SETTINGS,
                                          None),
        "receivables": receivables_html(owed, TAXED_LABOUR),
        "statement": statement_html(mine, TAXED_LABOUR),
    }


@pytest.mark.parametrize("name", sorted(documents()))
def test_each_document_prints_exactly_as_kept(name: str) -> None:
    html = documents()[name].replace("><", ">\n<")  # one element a line: readable diffs
    kept = KEPT / f"{name}.html"
    if UPDATE:
        KEPT.mkdir(exist_ok=True)
        kept.write_text(html, "utf-8")
    expected = kept.read_text("utf-8")
    if html != expected:
        diff = "\n".join(difflib.unified_diff(expected.splitlines(), html.splitlines(),
                                              "kept", "printed", lineterm="", n=1))
        pytest.fail(f"{name} prints differently from {kept.name}:\n{diff[:3000]}")
