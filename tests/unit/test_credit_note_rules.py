"""The credit-note rules where they live (``services/credit_notes.py``), each asserted
exactly: which lines of a posted invoice a credit note offers and what each gives back
(its amount less its own discount and its share of the ticket's, plus its share of the
invoice's tax, rounded half-up; labour untaxed when the shop did not tax it; lines
billing nothing left out), which are credited already and by which note, a choice of
lines refused with its field and sentence, and a credit note issued with its lines, the
balance owed and the audit trail, or refused (no reason, a stale copy, another
ticket's invoice, an amount that is no number) with nothing written.

The line rules are called on snapshots as ``documents.job_dict`` freezes them (no
database); the rest on tickets and invoices written straight to the tables, so that each
test is cheap and the mutation run (docs/mutation.md) judges the module by them.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from mechanic_desktop.db.models import AuditEntry, CreditNote, Invoice, ServiceTicket, ShopSettings
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.errors import StaleRecord, ValidationError
from mechanic_desktop.services import credit_notes
from mechanic_desktop.services.credit_notes import CreditData, InvoiceLine
from tests.unit.test_invoicing_rules import AT, note_row, tickets

D = Decimal


def _labour(what: str, amount: str, *, off: str | None = None,
            taxable: bool = True) -> dict[str, Any]:
    return {"what": what, "who": "Sam Wrench", "hours": "1:00", "rate": amount,
            "amount": amount, "taxable": taxable,
            "discount": {"text": off, "reason": "Loyal", "amount": off} if off else None}


def _part(name: str, quantity: int, amount: str, *, taxable: bool | None = True,
          off: str | None = None) -> dict[str, Any]:
    line: dict[str, Any] = {
        "sku": "BRK-01", "name": name, "quantity": quantity, "unit_price": amount,
        "amount": amount, "ordered": False,
        "discount": {"text": off, "reason": "Loyal", "amount": off} if off else None}
    if taxable is not None:  # None: a snapshot that did not keep the flag
        line["taxable"] = taxable
    return line


def _fee(description: str, amount: str, *, taxable: bool = True) -> dict[str, Any]:
    return {"description": description, "amount": amount, "taxable": taxable,
            "discount": None}


def _job(position: int, title: str, **kinds: list[dict[str, Any]]) -> dict[str, Any]:
    return {"position": position, "title": title, "concern": "", "cause": "",
            "correction": "", "total": "0.00", **kinds}


def _snap(*jobs: dict[str, Any], discount: str = "0.00",
          labour_untaxed: bool = False) -> dict[str, Any]:
    return {"jobs": list(jobs), "labour_untaxed": labour_untaxed,
            "totals": {"parts": "0.00", "labor": "0.00", "tax": "0.00", "total": "0.00",
                       "fees": "0.00", "discount": discount}}


def _offered(snap: dict[str, Any], tax: str, credited: dict[str, str] | None = None
             ) -> list[tuple[str, str, str, str, str]]:
    """What ``_lines`` offers for an invoice of ``snap`` carrying ``tax``, as text (so
    that an amount's cents are compared too)."""
    found = credit_notes._lines(snap, Invoice(tax_total=D(tax)), credited or {})
    return [(x.key, x.what, str(x.amount), str(x.credit), x.credited_by) for x in found]


# --- the lines a credit note offers ------------------------------------------------------


def test_each_kind_of_line_with_its_name_and_its_share_of_the_tax() -> None:
    """Labour by its operation, parts as "quantity × name", fees by their description,
    each with "Job: " before it; the invoice's tax (13.00 over the 130.00 of taxed
    lines) spread on the taxed ones, none on an untaxed fee; a line credited already
    names its note, the others none."""
    snap = _snap(_job(1, "Brakes", labour=[_labour("Fit pads", "80.00")],
                      parts=[_part("Brake pads", 2, "50.00")],
                      fees=[_fee("Disposal", "5.00", taxable=False),
                            _fee("Shop supplies", "2.00", taxable=False)]),
                 _job(2, "Oil", parts=[_part("Oil filter", 1, "0.00")], labour=[], fees=[]))
    assert _offered(snap, "13.00", {"1/parts/0": "CN-4", "9/labour/0": "CN-1"}) == [
        ("1/labour/0", "Brakes: Fit pads", "80.00", "88.00", ""),
        ("1/parts/0", "Brakes: 2 × Brake pads", "50.00", "55.00", "CN-4"),
        ("1/fees/0", "Brakes: Disposal", "5.00", "5.00", ""),
        ("1/fees/1", "Brakes: Shop supplies", "2.00", "2.00", ""),
    ]


def test_labour_carries_no_tax_when_the_shop_did_not_tax_it() -> None:
    """``labour_untaxed``: the labour line gives back its amount alone, however it is
    flagged; the part carries all the tax (5.00 on its 50.00)."""
    snap = _snap(_job(1, "Brakes", labour=[_labour("Fit pads", "80.00")],
                      parts=[_part("Brake pads", 2, "50.00")], fees=[]),
                 labour_untaxed=True)
    assert _offered(snap, "5.00") == [
        ("1/labour/0", "Brakes: Fit pads", "80.00", "80.00", ""),
        ("1/parts/0", "Brakes: 2 × Brake pads", "50.00", "55.00", ""),
    ]


def test_a_snapshot_without_the_flags_taxes_every_line() -> None:
    """A snapshot that kept no ``labour_untaxed``, no line's ``taxable``, no fees of a
    job and no totals: labour is taxed, a line is taxable, a missing kind has no lines,
    and there is no ticket discount (12.00 of tax over 120.00)."""
    snap = {"jobs": [_job(1, "Brakes", labour=[_labour("Fit pads", "100.00")],
                          parts=[_part("Brake pads", 1, "20.00", taxable=None)])]}
    assert _offered(snap, "12.00") == [
        ("1/labour/0", "Brakes: Fit pads", "100.00", "110.00", ""),
        ("1/parts/0", "Brakes: 1 × Brake pads", "20.00", "22.00", ""),
    ]


def test_a_line_gives_back_what_it_billed_after_its_own_discount() -> None:
    """The labour's own 10.00 off is the whole of the ticket's discount: no share of a
    ticket discount is taken off either line (14.00 of tax over 140.00)."""
    snap = _snap(_job(1, "Brakes", labour=[_labour("Fit pads", "100.00", off="10.00")],
                      parts=[_part("Brake pads", 2, "50.00")], fees=[]),
                 discount="10.00")
    assert _offered(snap, "14.00") == [
        ("1/labour/0", "Brakes: Fit pads", "90.00", "99.00", ""),
        ("1/parts/0", "Brakes: 2 × Brake pads", "50.00", "55.00", ""),
    ]
    assert credit_notes._net(_part("Brake pads", 1, "50.00", off="7.50")) == D("42.50")
    assert credit_notes._net(_part("Brake pads", 1, "50.00")) == D("50.00")


def test_the_ticket_discount_is_shared_in_proportion_and_rounded_half_up() -> None:
    """A ticket discount of 10.01 beyond the lines' own discounts (3.00 here) takes half
    of each line: 5.005 rounds half-up to 5.01; the tax, 1.00 over the 10.01 the lines
    billed, is spread on what each billed (0.50 each)."""
    snap = _snap(_job(1, "Brakes", labour=[], fees=[],
                      parts=[_part("Brake pads", 1, "13.01", off="3.00"),
                             _part("Brake shoes", 1, "10.01")]),
                 discount="-13.01")
    assert _offered(snap, "1.00") == [
        ("1/parts/0", "Brakes: 1 × Brake pads", "5.01", "5.51", ""),
        ("1/parts/1", "Brakes: 1 × Brake shoes", "5.01", "5.51", ""),
    ]


def test_a_line_tax_is_rounded_half_up() -> None:
    """A tax of 10 % (1.00 over 10.00): 0.875 is 0.88 and 0.125 is 0.13."""
    snap = _snap(_job(1, "Brakes", labour=[], fees=[],
                      parts=[_part("Brake pads", 1, "8.75"), _part("Clips", 1, "1.25")]))
    assert _offered(snap, "1.00") == [
        ("1/parts/0", "Brakes: 1 × Brake pads", "8.75", "9.63", ""),
        ("1/parts/1", "Brakes: 1 × Clips", "1.25", "1.38", ""),
    ]


def test_lines_billing_nothing_are_left_out_and_the_rest_still_offered() -> None:
    """A labour line of 0.00 (first) has nothing to credit; a part of 1.00 and a fee of
    0.50 after it are offered; none is taxed, and the invoice carries no tax."""
    snap = _snap(_job(1, "Brakes", labour=[_labour("Inspect", "0.00", taxable=False)],
                      parts=[_part("Clip", 1, "1.00", taxable=False)],
                      fees=[_fee("Disposal", "0.50", taxable=False)]))
    assert _offered(snap, "0.00") == [
        ("1/parts/0", "Brakes: 1 × Clip", "1.00", "1.00", ""),
        ("1/fees/0", "Brakes: Disposal", "0.50", "0.50", ""),
    ]


def test_an_invoice_billing_nothing_offers_nothing() -> None:
    """Every line at 0.00 (no discount, no tax): nothing to share, nothing offered."""
    snap = _snap(_job(1, "Check", labour=[_labour("Inspect", "0.00")],
                      parts=[_part("Clip", 1, "0.00")], fees=[]))
    assert _offered(snap, "0.00") == []


def test_tax_no_line_was_flagged_for_is_not_credited_by_lines() -> None:
    """The snapshot's flags decide which lines carry tax: with none taxed, the invoice's
    tax is credited by amount, not spread on the lines."""
    snap = _snap(_job(1, "Tyres", labour=[], parts=[],
                      fees=[_fee("Disposal", "5.00", taxable=False)]))
    assert _offered(snap, "0.50") == [("1/fees/0", "Tyres: Disposal", "5.00", "5.00", "")]


def test_a_ticket_discounted_in_full_offers_no_line() -> None:
    """A 100 % ticket discount (spread: each line's share is its whole amount) leaves
    an invoice of 0.00: no line bills anything, so none has anything to credit."""
    snap = _snap(_job(1, "Brakes", labour=[_labour("Fit pads", "80.00")],
                      parts=[_part("Brake pads", 2, "50.00")], fees=[]),
                 discount="130.00")
    assert _offered(snap, "0.00") == []


# --- a choice of lines ------------------------------------------------------------------


def test_chosen_lines_each_once_an_unknown_or_credited_one_refused() -> None:
    pads = InvoiceLine("1/parts/0", "Brakes: 2 × Brake pads", D("50.00"), D("55.00"))
    fit = InvoiceLine("1/labour/0", "Brakes: Fit pads", D("80.00"), D("88.00"), "CN-3")
    fee = InvoiceLine("1/fees/0", "Brakes: Disposal", D("5.00"), D("5.00"))
    lines = [fit, pads, fee]
    assert credit_notes._chosen(lines, ["1/fees/0", "1/parts/0", "1/fees/0"]) == [fee, pads]
    with pytest.raises(ValidationError) as unknown:
        credit_notes._chosen(lines, ["1/parts/0", "1/parts/9"])
    assert unknown.value.fields == {"lines": "That line is not on the invoice; reload it."}
    with pytest.raises(ValidationError) as twice:
        credit_notes._chosen(lines, ["1/parts/0", "1/labour/0"])
    assert twice.value.fields == {
        "lines": "Brakes: Fit pads was credited already by credit note CN-3."}


# --- rows: what is credited already, the lines offered, a credit note -------------------


def _invoice(s: Session, ticket_id: int, number: int, snap: dict[str, Any], total: str,
             tax: str) -> Invoice:
    row = Invoice(number=number, label=f"INV-{number}", ticket_id=ticket_id, posted_at=AT,
                  parts_total=D(total) - D(tax), labor_total=D(0), tax_total=D(tax),
                  total=D(total), snapshot=json.dumps(snap))
    s.add(row)
    s.flush()
    return row


def test_credited_lines_are_this_invoices_notes_lines_with_a_key(
    uow: UnitOfWork, engine: Engine
) -> None:
    """Each keyed line of the invoice's notes names its note; a note by amount (lines
    "" or "[]"), a line with no key or an empty one, and another invoice's notes do not
    count."""
    ours, theirs = tickets(engine, ("closed", "143.00"), ("closed", "10.00"))
    with Session(engine) as s:
        first = _invoice(s, ours, 1, _snap(), "143.00", "13.00")
        other = _invoice(s, theirs, 2, _snap(), "10.00", "0.00")
        note_row(s, first, 1, "55.00", cancels=False, lines=json.dumps(
            [{"key": "1/parts/0", "what": "Brakes: 2 × Brake pads", "amount": "55.00"},
             {"what": "Brakes: Disposal", "amount": "5.00"},
             {"key": "", "what": "Brakes: Fit pads", "amount": "88.00"}]))
        note_row(s, first, 2, "1.00", cancels=False, lines="")
        note_row(s, first, 3, "1.00", cancels=False, lines="[]")
        note_row(s, first, 4, "5.00", cancels=False,
                 lines='[{"key": "1/fees/0", "what": "Brakes: Disposal", "amount": "5.00"}]')
        note_row(s, other, 5, "1.00", cancels=False,
                 lines='[{"key": "1/labour/0", "what": "Oil: Drain", "amount": "1.00"}]')
        s.commit()
        first_id = first.id
    with uow:
        assert credit_notes._credited_lines(uow, first_id) == {
            "1/parts/0": "CN-1", "1/fees/0": "CN-4"}


def test_invoice_lines_reads_the_snapshot_and_the_notes_or_refuses_a_gone_invoice(
    uow: UnitOfWork, engine: Engine
) -> None:
    [ours] = tickets(engine, ("closed", "143.00"))
    snap = _snap(_job(1, "Brakes", labour=[_labour("Fit pads", "80.00")],
                      parts=[_part("Brake pads", 2, "50.00")], fees=[]))
    with Session(engine) as s:
        invoice = _invoice(s, ours, 1, snap, "143.00", "13.00")
        note_row(s, invoice, 1, "55.00", cancels=False,
                 lines='[{"key": "1/parts/0", "what": "Brakes: 2 × Brake pads", '
                       '"amount": "55.00"}]')
        s.commit()
        invoice_id = invoice.id
    assert [(x.key, x.credit, x.credited_by)
            for x in credit_notes.invoice_lines(uow, invoice_id)] == [
        ("1/labour/0", D("88.00"), ""), ("1/parts/0", D("55.00"), "CN-1")]
    with pytest.raises(ValidationError) as gone:
        credit_notes.invoice_lines(uow, invoice_id + 1)
    assert gone.value.fields == {"invoice": f"Invoice #{invoice_id + 1} does not exist."}


def _billed(engine: Engine) -> tuple[int, int, int, int]:
    """Ticket 1 (closed, owing the invoice's 143.00) with its invoice INV-1 (labour
    80.00 and two brake pads 50.00, 10 % tax), and its version; ticket 2 with an invoice
    of its own."""
    ours, theirs = tickets(engine, ("closed", "143.00"), ("closed", "10.00"))
    snap = _snap(_job(1, "Brakes", labour=[_labour("Fit pads", "80.00")],
                      parts=[_part("Brake pads", 2, "50.00")], fees=[]))
    with Session(engine) as s:
        s.add(ShopSettings(id=1))
        invoice = _invoice(s, ours, 1, snap, "143.00", "13.00")
        other = _invoice(s, theirs, 2, _snap(), "10.00", "0.00")
        ticket = s.get(ServiceTicket, ours)
        assert ticket is not None
        ticket.owed = D("143.00")
        s.commit()
        return ours, ticket.version, invoice.id, other.id


def _written(engine: Engine) -> tuple[int, Decimal, list[tuple[str, str]]]:
    """Credit notes, tickets' total owed, and the audit trail's (action, summary)."""
    with Session(engine) as s:
        return (int(s.scalar(select(func.count()).select_from(CreditNote)) or 0),
                s.scalars(select(ServiceTicket.owed).order_by(ServiceTicket.id)).first()
                or D(0),
                [(a.action, a.summary) for a in s.scalars(select(AuditEntry)
                                                         .order_by(AuditEntry.id))])


def test_credit_by_lines_records_each_line_with_its_key(uow: UnitOfWork, engine: Engine) -> None:
    """The note credits the chosen lines with their tax, keeps each line's key, what and
    amount as typed (× kept as it is), moves the balance owed, and the audit trail says
    which note credits how much of which invoice, and why."""
    ticket_id, version, invoice_id, _ = _billed(engine)
    detail = credit_notes.credit_invoice(uow, ticket_id, CreditData(
        invoice_id, "  Pads returned  ", lines=("1/parts/0", "1/labour/0")), version)
    assert [(n.label, n.amount, n.cancels, n.lines) for n in detail.billing.credit_notes] == [
        ("CN-1", D("143.00"), True,
         (("Brakes: 2 × Brake pads", D("55.00")), ("Brakes: Fit pads", D("88.00"))))]
    assert detail.ticket.version == version + 1
    with Session(engine) as s:
        assert s.scalars(select(CreditNote.lines)).one() == (
            '[{"key": "1/parts/0", "what": "Brakes: 2 × Brake pads", "amount": "55.00"}, '
            '{"key": "1/labour/0", "what": "Brakes: Fit pads", "amount": "88.00"}]')
    assert _written(engine)[1:] == (D("0.00"), [(
        "credit_note", "Ticket 1: credit note CN-1 credits 143.00 of invoice INV-1 "
        "(cancels it): Pads returned")])
    assert [x.credited_by for x in credit_notes.invoice_lines(uow, invoice_id)] == [
        "CN-1", "CN-1"]


def test_credit_by_amount_leaves_the_invoice_standing(uow: UnitOfWork, engine: Engine) -> None:
    ticket_id, version, invoice_id, _ = _billed(engine)
    detail = credit_notes.credit_invoice(uow, ticket_id, CreditData(
        invoice_id, "Goodwill", amount="30"), version)
    assert [(n.label, n.amount, n.cancels, n.lines) for n in detail.billing.credit_notes] == [
        ("CN-1", D("30.00"), False, ())]
    with Session(engine) as s:
        assert s.scalars(select(CreditNote.lines)).one() == "[]"
    assert _written(engine)[1:] == (D("113.00"), [(
        "credit_note", "Ticket 1: credit note CN-1 credits 30.00 of invoice INV-1: Goodwill")])


def test_a_credit_note_refused_writes_nothing(uow: UnitOfWork, engine: Engine) -> None:
    """No reason, a stale copy of the ticket, another ticket's invoice or none, an amount
    that is no number: each refused with its field and sentence."""
    ticket_id, version, invoice_id, other_id = _billed(engine)
    before = _written(engine)

    def refused(data: CreditData) -> dict[str, str]:
        with pytest.raises(ValidationError) as caught:
            credit_notes.credit_invoice(uow, ticket_id, data, version)
        return caught.value.fields

    assert refused(CreditData(invoice_id, "   ", amount="1")) == {
        "reason": "Say why the invoice is credited."}
    assert refused(CreditData(other_id, "Goodwill", amount="1")) == {
        "invoice": "That invoice is not this ticket's."}
    assert refused(CreditData(other_id + 1, "Goodwill", amount="1")) == {
        "invoice": "That invoice is not this ticket's."}
    assert refused(CreditData(invoice_id, "Goodwill", amount="ten")) == {
        "amount": "Amount to credit must be a number, like 12.50."}
    assert refused(CreditData(invoice_id, "Goodwill", amount="")) == {
        "amount": "Amount to credit is required."}
    with pytest.raises(StaleRecord):
        credit_notes.credit_invoice(uow, ticket_id, CreditData(
            invoice_id, "Goodwill", amount="1"), version - 1)
    assert _written(engine) == before
