"""Discounts: parsing what is typed, spreading a ticket's discount over its lines (as
properties), and the services on both backends: a line's or the ticket's discount
lowers what is billed before tax, a service writer's is refused over the shop's limit
(naming it), bad input gets its own message and writes nothing, and the invoice
carries the discounts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.discounts import Discount, parse_discount, spread
from mechanic_desktop.domain.errors import PermissionDenied, StaleRecord, ValidationError
from mechanic_desktop.domain.records import TicketDetail
from mechanic_desktop.domain.staff import Role
from mechanic_desktop.domain.totals import LineKind
from mechanic_desktop.services import discounts, documents, shop, workflow
from tests.unit import factories
from tests.unit.test_fees import _settings, _ticket

D = Decimal
amounts = st.lists(st.decimals(min_value=0, max_value=D("9999.99"), places=2), max_size=8)


@given(amounts, st.decimals(min_value=D("0.01"), max_value=D("99999.99"), places=2))
def test_an_amount_is_shared_to_the_cent_and_never_more_than_a_line(
    lines: list[Decimal], amount: Decimal
) -> None:
    shares = spread(Discount(amount=amount, reason="x"), lines)
    assert sum(shares, D(0)) == min(amount, sum(lines, D(0)))
    assert all(D(0) <= s <= line for s, line in zip(shares, lines, strict=True))


@given(amounts, st.decimals(min_value=D("0.001"), max_value=D(100), places=3))
def test_a_percentage_is_taken_off_each_line(lines: list[Decimal], percent: Decimal) -> None:
    shares = spread(Discount(percent=percent, reason="x"), lines)
    assert all(D(0) <= s <= line for s, line in zip(shares, lines, strict=True))


@pytest.mark.parametrize(("text", "reason", "message"), [
    ("abc", "x", "Type the discount as a percentage (10%) or an amount (5.00)."),
    ("0", "x", "A discount must be more than 0."),
    ("-5%", "x", "A discount must be more than 0."),
    ("101%", "x", "A discount cannot be more than 100%."),
    ("12.3456%", "x", "A percentage can have at most 3 decimals, like 12.5%."),
    ("10%", "  ", "Say why the discount is given (e.g. loyal customer)."),
])
def test_bad_discounts_are_refused_with_their_own_message(
    text: str, reason: str, message: str
) -> None:
    with pytest.raises(ValueError) as caught:
        parse_discount(text, reason)
    assert str(caught.value) == message


def test_what_is_typed() -> None:
    assert parse_discount("", "") is None
    assert parse_discount(" 10 % ", " loyal  customer ") == Discount(D("10.000"), None,
                                                                     "loyal customer")
    assert parse_discount("$5.005", "x") == Discount(None, D("5.01"), "x")  # half-up
    assert Discount(D("12.5"), reason="x").off(D("10.00")) == D("1.25")


def _line_discount(uow: UnitOfWork, detail: TicketDetail, text: str, reason: str = "Loyal",
                   kind: LineKind = LineKind.PART) -> TicketDetail:
    job = detail.jobs[0]
    line_id = job.parts[0].id if kind is LineKind.PART else job.mechanics[0].line_id
    return discounts.set_line_discount(uow, kind, line_id,
                                       discounts.DiscountData(text, reason),
                                       detail.ticket.version)


def test_a_line_discount_lowers_the_line_before_its_tax(uow: UnitOfWork) -> None:
    _settings(uow, labor_rate="80", tax_rate="10", labor_taxed=True)
    detail = _ticket(uow)  # parts 50.00, labour 120.00, tax 17.00
    detail = _line_discount(uow, detail, "10%", "Loyal customer")
    assert detail.totals.discount == D("5.00")
    assert detail.totals.tax == D("16.50")
    assert detail.totals.total == D("181.50")
    part = detail.jobs[0].parts[0]
    assert part.discount == Discount(D("10"), None, "Loyal customer")
    assert detail.jobs[0].totals.total == D("181.50")
    html = documents.invoice_html(detail, shop.get_settings(uow))
    assert "Discount 10%: Loyal customer" in html and "−5.00" in html
    # Blank takes it away.
    detail = _line_discount(uow, detail, "")
    assert detail.totals.discount == 0 and detail.totals.total == D("187.00")


def test_a_ticket_discount_is_spread_over_the_approved_lines(uow: UnitOfWork) -> None:
    _settings(uow, labor_rate="80", tax_rate="10", labor_taxed=True, labor_tax_rate="5")
    detail = _ticket(uow)  # parts 50.00 (tax 5.00), labour 120.00 (tax 6.00)
    detail = discounts.set_ticket_discount(
        uow, detail.ticket.id, discounts.DiscountData("17.00", "Regular"),
        detail.ticket.version)
    # 17.00 shared 5.00 / 12.00: parts 45.00 → 4.50, labour 108.00 → 5.40.
    assert detail.totals.discount == D("17.00")
    assert detail.totals.tax == D("9.90")
    assert detail.totals.total == D("162.90")
    assert detail.discount == Discount(None, D("17.00"), "Regular")
    snap = documents.invoice_snapshot(detail, shop.get_settings(uow))
    assert snap["ticket_discount"] == {"text": "17.00", "reason": "Regular"}
    assert snap["totals"]["discount"] == "17.00"
    assert "17.00 off the work: Regular" in documents.snapshot_html(snap)
    # The approved work is cheaper: the authorisation covers it.
    assert detail.authorisation_needed == 0


def test_a_writer_is_held_to_the_shops_limit(uow: UnitOfWork) -> None:
    _settings(uow, labor_rate="80", tax_rate="10", max_writer_discount="10")
    detail = _ticket(uow)
    uow.actor = factories.signed_in(uow, Role.WRITER)
    with pytest.raises(PermissionDenied) as caught:
        _line_discount(uow, detail, "15%")
    assert str(caught.value) == (
        "A discount of 15% is over the largest a service writer may give (10%); an "
        "administrator can give it, or change the limit in Shop settings.")
    with pytest.raises(PermissionDenied, match=r"6\.00 \(12%\).*\(10%\)"):
        _line_discount(uow, detail, "6.00")
    detail = _line_discount(uow, detail, "10%")
    assert detail.totals.discount == D("5.00")
    uow.actor = factories.signed_in(uow, Role.ADMIN)
    detail = _line_discount(uow, detail, "50%", "Warranty goodwill")
    assert detail.totals.discount == D("25.00")


def test_refusals_write_nothing(uow: UnitOfWork) -> None:
    _settings(uow, labor_rate="80", tax_rate="10")
    detail = _ticket(uow)
    with pytest.raises(ValidationError) as caught:
        _line_discount(uow, detail, "60.00")
    assert caught.value.fields == {
        "discount": "A discount of 60.00 is more than the 50.00 it is taken off."}
    with pytest.raises(ValidationError) as caught:
        _line_discount(uow, detail, "10%", "")
    assert list(caught.value.fields) == ["reason"]
    with pytest.raises(ValidationError, match="more than 100%"):
        discounts.set_ticket_discount(uow, detail.ticket.id,
                                      discounts.DiscountData("150%", "x"), detail.ticket.version)
    after = workflow.get_ticket_detail(uow, detail.ticket.id)
    assert after.ticket.version == detail.ticket.version and after.totals == detail.totals
    _line_discount(uow, detail, "5%")
    with pytest.raises(StaleRecord):
        _line_discount(uow, detail, "6%")


def test_no_ticket_discount_before_any_work_is_approved(uow: UnitOfWork) -> None:
    detail = _ticket(uow, approved=False)
    with pytest.raises(ValidationError, match="no approved work to discount"):
        discounts.set_ticket_discount(uow, detail.ticket.id,
                                      discounts.DiscountData("5%", "x"), detail.ticket.version)
