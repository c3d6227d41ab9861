"""Fee lines, the taxable flag of every line and separate rates of tax, on both backends:
fees count in the totals of approved jobs only, each line's tax is rounded once at its
kind's rate, untaxed lines add no tax, bad input gets its own message and writes
nothing, and a posted invoice keeps its fees whatever happens later."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from mechanic_desktop.db.models import TicketFee
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.errors import StaleRecord, ValidationError
from mechanic_desktop.domain.records import TicketDetail
from mechanic_desktop.domain.totals import LineKind
from mechanic_desktop.services import (
    credit_notes,
    discounts,
    documents,
    fees,
    invoicing,
    jobs,
    payments,
    reports,
    shop,
    tickets,
    workflow,
)
from tests.unit import factories
from tests.unit import workflow_factories as wf

D = Decimal


def _settings(uow: UnitOfWork, **kw: object) -> None:
    record = shop.get_settings(uow)
    data = shop.ShopSettingsData("Bolt & Nut", **kw)  # type: ignore[arg-type]
    workflow.update_settings(uow, data, record.version)


def _ticket(uow: UnitOfWork, *, approved: bool = True) -> TicketDetail:
    """A ticket whose one job has 2 × 25.00 of parts and 1.5 h of labour at 80.00."""
    c = factories.customer(uow)
    v = factories.vehicle(uow, c.id)
    made = tickets.create_ticket(uow, tickets.TicketData(c.id, v.id, "Brakes"))
    detail = workflow.get_ticket_detail(uow, made.id)
    job = detail.jobs[0].id
    pad = wf.part(uow, "PAD", on_hand=10, price="25.00")
    detail = workflow.add_part_lines(uow, made.id, [(pad.id, 2)], detail.ticket.version, job)
    shop.get_settings(uow)
    detail = jobs.add_labour(uow, made.id, job, "Replace pads", 90, detail.ticket.version)
    return factories.authorise(uow, made.id) if approved else detail


def _fee(uow: UnitOfWork, detail: TicketDetail, description: str = "Disposal fee",
         amount: str = "3.00", taxable: bool = True, job: int = 0) -> TicketDetail:
    return fees.add_fee(uow, detail.ticket.id, job or detail.jobs[0].id,
                        fees.FeeData(description, amount, taxable), detail.ticket.version)


def _fee_count(engine: Engine) -> int:
    with Session(engine) as s:
        return int(s.scalar(select(func.count()).select_from(TicketFee)) or 0)


def test_a_fee_counts_in_the_job_and_ticket_totals_with_tax_per_line(
    uow: UnitOfWork,
) -> None:
    shop.get_settings(uow)
    _settings(uow, labor_rate="80", tax_rate="8.875", labor_taxed=True, labor_tax_rate="5")
    detail = _fee(uow, _ticket(uow), "Shop supplies", "7.13")
    detail = _fee(uow, detail, "Tyre disposal", "12.00", taxable=False)
    # parts 50.00 → 4.4375 → 4.44; labour 120.00 at 5 % → 6.00; fee 7.13 → 0.6328 → 0.63
    assert detail.totals.fees == D("19.13")
    assert detail.totals.tax == D("11.07")
    assert detail.totals.total == D("50.00") + D("120.00") + D("19.13") + D("11.07")
    assert detail.jobs[0].totals == detail.totals
    assert [(f.description, f.amount, f.taxable) for f in detail.jobs[0].fees] == [
        ("Shop supplies", D("7.13"), True), ("Tyre disposal", D("12.00"), False)]
    # The approved work grew: the customer is asked again.
    assert detail.authorisation_needed == D("19.76")


def test_fees_of_a_job_not_approved_count_in_the_estimate_only(uow: UnitOfWork) -> None:
    _settings(uow, labor_rate="80", tax_rate="10")
    detail = _fee(uow, _ticket(uow, approved=False), "Disposal", "5.00")
    assert detail.totals.total == 0
    assert detail.estimate is not None and detail.estimate.fees == D("5.00")
    assert detail.estimate.total == D("50.00") + D("120.00") + D("5.00") + D("5.50")
    html = documents.estimate_html(detail, shop.get_settings(uow))
    assert "Disposal" in html and "Fees" in html and "5.00" in html


def test_taxable_flag_on_labour_parts_and_fee_lines(uow: UnitOfWork) -> None:
    _settings(uow, labor_rate="80", tax_rate="10", labor_taxed=True)
    detail = _fee(uow, _ticket(uow), "Disposal", "4.00")
    assert detail.totals.tax == D("17.40")  # 10 % of 50 + 120 + 4
    job = detail.jobs[0]
    version = detail.ticket.version
    detail = fees.set_taxable(uow, LineKind.PART, job.parts[0].id, False, version)
    assert detail.totals.tax == D("12.40") and not detail.jobs[0].parts[0].taxable
    detail = fees.set_taxable(uow, LineKind.LABOUR, job.mechanics[0].line_id, False,
                              detail.ticket.version)
    detail = fees.set_taxable(uow, "fee", job.fees[0].id, False, detail.ticket.version)
    assert detail.totals.tax == 0
    assert detail.totals.total == D("174.00")
    html = documents.invoice_html(detail, shop.get_settings(uow))
    assert html.count(documents.UNTAXED) == 3
    with pytest.raises(StaleRecord):
        fees.set_taxable(uow, LineKind.PART, job.parts[0].id, True, version)


def test_labour_has_its_own_rate_or_the_parts_rate_or_none(uow: UnitOfWork) -> None:
    _settings(uow, labor_rate="80", tax_rate="10", labor_taxed=True)
    detail = _ticket(uow)
    assert detail.totals.tax == D("17.00")  # labour at the parts rate (blank own rate)
    _settings(uow, labor_rate="80", tax_rate="10", labor_taxed=True, labor_tax_rate="2.5")
    detail = workflow.get_ticket_detail(uow, detail.ticket.id)
    assert detail.totals.tax == D("8.00")  # 5.00 + 3.00: open work re-priced
    label = documents.invoice_snapshot(detail, shop.get_settings(uow))["tax_label"]
    assert label == "Tax (parts 10%, labour 2.5%)"
    _settings(uow, labor_rate="80", tax_rate="10", labor_taxed=False, labor_tax_rate="2.5")
    assert workflow.get_ticket_detail(uow, detail.ticket.id).totals.tax == D("5.00")


def test_a_labour_tax_rate_over_100_is_refused(uow: UnitOfWork) -> None:
    shop.get_settings(uow)
    with pytest.raises(ValidationError) as caught:
        _settings(uow, tax_rate="8", labor_tax_rate="101")
    assert caught.value.fields == {
        "labor_tax_rate": "Labour tax rate must be between 0 and 100 percent."}


@pytest.mark.parametrize(("description", "amount", "field", "message"), [
    ("", "3.00", "description", "Say what the fee is for"),
    ("x" * 201, "3.00", "description", "too long"),
    ("Disposal", "", "amount", "The fee is required."),
    ("Disposal", "abc", "amount", "must be a number"),
    ("Disposal", "-2", "amount", "cannot be negative"),
    ("Disposal", "0", "amount", "must be more than 0.00"),
])
def test_bad_fees_are_refused_with_their_own_message_and_write_nothing(
    uow: UnitOfWork, engine: Engine, description: str, amount: str, field: str, message: str
) -> None:
    detail = _ticket(uow)
    with pytest.raises(ValidationError) as caught:
        _fee(uow, detail, description, amount)
    assert list(caught.value.fields) == [field]
    assert message in caught.value.fields[field]
    assert _fee_count(engine) == 0
    assert workflow.get_ticket_detail(uow, detail.ticket.id).ticket.version == (
        detail.ticket.version)


def test_an_amount_with_more_cents_is_rounded_half_up(uow: UnitOfWork) -> None:
    detail = _fee(uow, _ticket(uow), "Disposal", "2.345")
    assert detail.jobs[0].fees[0].amount == D("2.35")


def test_a_stale_copy_or_a_finished_ticket_takes_no_fee(
    uow: UnitOfWork, engine: Engine
) -> None:
    detail = _ticket(uow)
    _fee(uow, detail)
    with pytest.raises(StaleRecord):
        _fee(uow, detail)
    assert _fee_count(engine) == 1


def test_removing_a_fee_and_a_fee_removed_at_another_desk(uow: UnitOfWork) -> None:
    detail = _fee(uow, _ticket(uow))
    line = detail.jobs[0].fees[0].id
    after = fees.remove_fee(uow, line, detail.ticket.version)
    assert after.jobs[0].fees == () and after.totals.fees == 0
    with pytest.raises(ValidationError, match="removed at another desk"):
        fees.remove_fee(uow, line, after.ticket.version)


def test_a_posted_invoice_keeps_its_fees(uow: UnitOfWork) -> None:
    _settings(uow, labor_rate="80", tax_rate="10")
    detail = _fee(uow, _ticket(uow), "Disposal", "5.00")
    detail = factories.authorise(uow, detail.ticket.id)
    version = workflow.set_status(uow, detail.ticket.id, "in_progress",
                                  detail.ticket.version).ticket.version
    detail = workflow.set_status(uow, detail.ticket.id, "completed", version)
    detail = payments.take_payment(uow, detail.ticket.id, payments.PaymentData(
        str(detail.totals.total), "cash"), detail.ticket.version)
    detail = workflow.set_status(uow, detail.ticket.id, "closed", detail.ticket.version)
    invoice = detail.billing.invoice
    assert invoice is not None and invoice.total == D("180.50")
    snap = invoicing.get_invoice_snapshot(uow, invoice.id)
    assert snap["jobs"][0]["fees"] == [
        {"description": "Disposal", "amount": "5.00", "taxable": True, "discount": None}]
    assert snap["totals"]["fees"] == "5.00"
    with pytest.raises(ValidationError, match="read-only"):
        _fee(uow, detail)
    html = documents.snapshot_html(snap)
    assert "Disposal" in html and "Fees" in html
    work_order = documents.work_order_html(detail, shop.get_settings(uow))
    assert "Disposal" in work_order and "5.00" not in work_order


def test_a_version_1_snapshot_still_prints(uow: UnitOfWork) -> None:
    """Invoices posted before fees existed have no fee keys: they print as before."""
    _settings(uow, labor_rate="80", tax_rate="10")
    snap = documents.invoice_snapshot(_ticket(uow), shop.get_settings(uow))
    del snap["totals"]["fees"], snap["totals"]["discount"], snap["ticket_discount"]
    for job in snap["jobs"]:
        del job["fees"]
        for line in (*job["labour"], *job["parts"]):
            del line["taxable"], line["discount"]
    html = documents.snapshot_html(snap)
    assert "Fees" not in html and documents.UNTAXED not in html


def test_a_canned_job_carries_its_fee_lines_onto_the_ticket(uow: UnitOfWork) -> None:
    from mechanic_desktop.domain.canned_jobs import CannedLine
    from mechanic_desktop.services import canned_jobs

    _settings(uow, labor_rate="100", tax_rate="10")
    pad = wf.part(uow, "PAD-9", on_hand=5, price="40.00")
    record = canned_jobs.create_canned_job(uow, canned_jobs.CannedJobData(
        "Tyre swap", "", [CannedLine(LineKind.LABOUR, "Swap tyres", 60),
                          CannedLine(LineKind.PART, part_id=pad.id, quantity=1),
                          CannedLine(LineKind.FEE, " Tyre  disposal ", amount=D("3.504"))]))
    assert record.lines[2] == CannedLine(LineKind.FEE, "Tyre disposal", amount=D("3.50"))
    assert record.price.fees == D("3.50")
    # Labour untaxed: 10 % of the pads (4.00) and of the fee (0.35).
    assert record.price.total == D("100.00") + D("40.00") + D("3.50") + D("4.35")
    c = factories.customer(uow)
    v = factories.vehicle(uow, c.id)
    made = tickets.create_ticket(uow, tickets.TicketData(c.id, v.id, "Tyres"))
    added = canned_jobs.add_canned_job(uow, made.id, record.id, made.version)
    job = next(j for j in added.detail.jobs if j.title == "Tyre swap")
    assert [(f.description, f.amount, f.taxable) for f in job.fees] == [
        ("Tyre disposal", D("3.50"), True)]
    assert job.totals.total == record.price.total
    with pytest.raises(ValidationError) as caught:
        canned_jobs.create_canned_job(uow, canned_jobs.CannedJobData(
            "Bad fee", "", [CannedLine(LineKind.FEE, "Disposal", amount=D("0"))]))
    assert caught.value.fields == {"line:1": "Line 1: The fee must be more than 0.00."}


RULES = ("Shop supplies: 8% of labour up to 35.00, automatic\n"
         "Tyre disposal: 3.50, not taxed\n")


def test_fee_rules_read_back_as_typed() -> None:
    from mechanic_desktop.domain.fee_rules import FeeBase, FeeRule, parse_rules, rules_text

    rules = parse_rules(RULES + "\nBattery core: 15, by hand")
    assert rules[0] == FeeRule("Shop supplies", None, D("8.000"), FeeBase.LABOUR, D("35.00"),
                               automatic=True)
    assert rules[0].amount_for(D("120.00"), D("0")) == D("9.60")
    assert rules[0].amount_for(D("1000.00"), D("0")) == D("35.00")  # capped
    assert rules_text(rules).splitlines() == [
        "Shop supplies: 8% of labour up to 35.00, automatic",
        "Tyre disposal: 3.50, not taxed", "Battery core: 15.00"]
    assert parse_rules(rules_text(rules)) == rules


@pytest.mark.parametrize(("text", "message"), [
    ("Supplies: 120% of labour", "Line 1: a fee of 120% is more than 100% of what it is "
     "taken on."),
    ("Supplies 8% of labour", "Line 1: write a rule as “Name: amount” or “Name: 8% of "
     "labour up to 35.00”."),
    ("Supplies: 8% of tyres", "Line 1: write a percentage as “8% of labour” or “5% of "
     "parts”."),
    ("A: 1\nA: 2", "Line 2: there is already a fee called “A”."),
    ("Supplies: 8% of labour up to 0", "Line 1: the cap must be more than 0.00."),
    ("Disposal: 3.50, sometimes", "Line 1: “sometimes” is not understood: add "
     "“automatic”, “by hand” or “not taxed” after a comma."),
])
def test_bad_fee_rules_are_refused_naming_the_line(
    uow: UnitOfWork, text: str, message: str
) -> None:
    shop.get_settings(uow)
    with pytest.raises(ValidationError) as caught:
        _settings(uow, fee_rules=text)
    assert caught.value.fields == {"fee_rules": message}
    assert shop.get_fee_rules(uow) == ()


def test_automatic_fees_follow_the_jobs_labour(uow: UnitOfWork) -> None:
    _settings(uow, labor_rate="80", tax_rate="10", fee_rules=RULES)
    detail = _ticket(uow)  # 1.5 h at 80.00 = 120.00 of labour, 50.00 of parts
    [fee] = detail.jobs[0].fees
    assert (fee.description, fee.amount, fee.taxable) == ("Shop supplies", D("9.60"), True)
    # More labour: the fee follows, up to its cap.
    detail = jobs.add_labour(uow, detail.ticket.id, detail.jobs[0].id, "Bleed brakes", 3000,
                             detail.ticket.version)
    assert [f.amount for f in detail.jobs[0].fees] == [D("35.00")]
    assert detail.totals.fees == D("35.00")
    # A rule changed in the settings re-prices open work; by-hand rules are not applied.
    _settings(uow, labor_rate="80", tax_rate="10",
              fee_rules="Shop supplies: 5% of parts, automatic\nTyre disposal: 3.50")
    detail = workflow.get_ticket_detail(uow, detail.ticket.id)
    assert [(f.description, f.amount) for f in detail.jobs[0].fees] == [
        ("Shop supplies", D("2.50"))]
    assert detail.totals.fees == D("2.50")
    _settings(uow, labor_rate="80", tax_rate="10", fee_rules="")
    assert workflow.get_ticket_detail(uow, detail.ticket.id).jobs[0].fees == ()


def test_markup_bands_price_a_part_with_no_fixed_price(uow: UnitOfWork) -> None:
    from mechanic_desktop.domain.markup import Band, parse_bands, price_from_cost
    from mechanic_desktop.services import parts

    bands = parse_bands("up to 10: 100%\nup to 50.00: 60%\nabove: 35%")
    assert bands == (Band(D("10.00"), D("100")), Band(D("50.00"), D("60")),
                     Band(None, D("35")))
    assert [price_from_cost(c, bands) for c in (D("4.99"), D("10.00"), D("10.01"),
                                                D("80.00"))] == [
        D("9.98"), D("20.00"), D("16.02"), D("108.00")]
    _settings(uow, tax_rate="0", markup_bands="up to 10: 100%\nabove: 40%")
    assert shop.get_settings(uow).markup_bands == (Band(D("10.00"), D("100")),
                                                   Band(None, D("40")))
    cheap = parts.create_part(uow, parts.PartData("CLIP-1", "Clip", "0.00", "2.40", 0, 20))
    fixed = parts.create_part(uow, parts.PartData("PAD-1", "Pads", "30.00", "12.00", 0, 20))
    c = factories.customer(uow)
    v = factories.vehicle(uow, c.id)
    made = tickets.create_ticket(uow, tickets.TicketData(c.id, v.id, "Clips"))
    detail = workflow.get_ticket_detail(uow, made.id)
    detail = workflow.add_part_lines(uow, made.id, [(cheap.id, 3), (fixed.id, 1)],
                                     detail.ticket.version, detail.jobs[0].id)
    prices = {p.sku: (p.unit_price, p.line_total) for p in detail.parts}
    assert prices == {"CLIP-1": (D("4.80"), D("14.40")), "PAD-1": (D("30.00"), D("30.00"))}


@pytest.mark.parametrize(("text", "message"), [
    ("up to 50: 60%\nup to 10: 100%", "Line 2: list the bands cheapest first (each “up to” "
     "higher than the one before)."),
    ("above: 30%\nup to 10: 100%", "Line 2: “above” is the last band."),
    ("cheap: 100%", "Line 1: write a band as “up to 10.00: 100%” or “above: 35%”."),
    ("above: lots", "Line 1: the markup must be a number."),
])
def test_bad_markup_bands_are_refused_naming_the_line(
    uow: UnitOfWork, text: str, message: str
) -> None:
    shop.get_settings(uow)
    with pytest.raises(ValidationError) as caught:
        _settings(uow, markup_bands=text)
    assert caught.value.fields == {"markup_bands": message}


def test_a_credit_note_offers_fee_lines_and_gives_back_what_each_line_billed(
    uow: UnitOfWork,
) -> None:
    """Crediting lines of an invoice with a fee, an untaxed part, a line discount and a
    ticket discount gives back what each line billed: its amount less its discounts,
    with tax only where it was taxed; all of them together are the invoice's total.
    (Credit notes used to offer no fee line, and priced every line before discounts,
    with tax on untaxed lines.)"""
    _settings(uow, labor_rate="80", tax_rate="10", labor_taxed=True)
    detail = _fee(uow, _ticket(uow, approved=False), "Disposal", "5.00")
    job = detail.jobs[0]
    detail = fees.set_taxable(uow, LineKind.PART, job.parts[0].id, False,
                              detail.ticket.version)
    detail = discounts.set_line_discount(uow, LineKind.LABOUR, job.mechanics[0].line_id,
                                         discounts.DiscountData("10%", "Loyal"),
                                         detail.ticket.version)
    detail = factories.authorise(uow, detail.ticket.id)
    detail = discounts.set_ticket_discount(uow, detail.ticket.id,
                                           discounts.DiscountData("7.00", "Regular"),
                                           detail.ticket.version)
    version = workflow.set_status(uow, detail.ticket.id, "in_progress",
                                  detail.ticket.version).ticket.version
    detail = workflow.set_status(uow, detail.ticket.id, "completed", version)
    detail = workflow.set_status(uow, detail.ticket.id, "closed", detail.ticket.version,
                                 on_account=True)
    invoice = detail.billing.invoice
    assert invoice is not None
    lines = credit_notes.invoice_lines(uow, invoice.id)
    assert [x.key for x in lines] == ["1/labour/0", "1/parts/0", "1/fees/0"]
    labour, part, fee = lines
    assert "Disposal" in fee.what
    assert part.credit == part.amount  # the part was not taxed
    assert labour.amount < D("120.00")  # 1.5 h × 80.00, less 10 % and its share of 7.00
    # Every line together is the invoice, to a cent a line.
    assert abs(sum(x.credit for x in lines) - invoice.total) <= D("0.01") * len(lines)
    detail = credit_notes.credit_invoice(uow, detail.ticket.id, credit_notes.CreditData(
        invoice.id, "Fee charged in error", lines=(fee.key,)), detail.ticket.version)
    assert detail.billing.credit_notes[-1].amount == fee.credit
    # The revenue report's columns add up to what was invoiced: parts and labour before
    # discounts, then the fee less both discounts, then the tax.
    month = next(b for b in reports.revenue(uow, reports.Period.this_year(), "month")
                 if b.invoices)
    totals = invoicing.get_invoice_snapshot(uow, invoice.id)["totals"]
    assert (month.parts, month.labor) == (D("50.00"), D("120.00"))
    assert month.fees_less_discounts == D(totals["fees"]) - D(totals["discount"]) == D("-14.00")
    assert month.parts + month.labor + month.fees_less_discounts + month.tax == invoice.total
