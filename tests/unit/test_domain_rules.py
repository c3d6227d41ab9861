"""Small domain rules tested where they live, without a database: who may work on a
ticket and book time, and how a part's price follows from its cost and the markup
bands. The services' tests reach these too, but from far away: a broken rule should
fail a test that names it."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from mechanic_desktop.domain.billing import PaymentState, amount_text_rounded, payment_state
from mechanic_desktop.domain.discounts import Discount, spread
from mechanic_desktop.domain.markup import Band, parse_bands, price_from_cost
from mechanic_desktop.domain.money import parse_money
from mechanic_desktop.domain.permissions import may_book_time, may_work_on
from mechanic_desktop.domain.staff import Role
from mechanic_desktop.domain.totals import (
    Charge,
    LineKind,
    TaxRules,
    Totals,
    charges_totals,
    labor_line,
    parts_line,
    tax_on,
)
from mechanic_desktop.domain.validation import (
    MAX_EMAIL,
    MAX_NAME,
    MAX_PHONE,
    MAX_SEARCH,
    check_email,
    check_name,
    check_phone,
    check_search,
    clean_text,
    phone_digits,
)

D = Decimal


def test_a_mechanic_works_only_on_tickets_they_are_assigned_to() -> None:
    assert may_work_on(Role.MECHANIC, 7, {3, 7})
    assert not may_work_on(Role.MECHANIC, 7, {3})
    assert not may_work_on(Role.MECHANIC, None, {3})  # an account with no mechanic
    assert not may_work_on(Role.MECHANIC, None, set())
    for role in (Role.ADMIN, Role.WRITER):
        assert may_work_on(role, None, set())


def test_a_mechanic_books_only_their_own_time() -> None:
    assert may_book_time(Role.MECHANIC, 7, 7)
    assert not may_book_time(Role.MECHANIC, 7, 3)
    assert not may_book_time(Role.MECHANIC, None, 3)
    for role in (Role.ADMIN, Role.WRITER):
        assert may_book_time(role, None, 3)


BANDS = (Band(D("10.00"), D("100")), Band(D("50.00"), D("60")), Band(None, D("35")))


@pytest.mark.parametrize(("cost", "price"), [
    ("0.01", "0.02"), ("1.00", "2.00"), ("10.00", "20.00"),  # up to and including 10
    ("10.01", "16.02"), ("50.00", "80.00"), ("50.01", "67.51"), ("1000", "1350.00"),
])
def test_a_cost_is_marked_up_by_its_band(cost: str, price: str) -> None:
    assert price_from_cost(D(cost), BANDS) == D(price)


def test_a_cost_above_every_band_takes_the_last_one() -> None:
    capped = (*BANDS[:2], Band(D("100.00"), D("40")))
    assert price_from_cost(D("200.00"), capped) == D("280.00")  # 40 %, not 60 or 100 %


def test_no_price_without_bands_or_a_cost() -> None:
    assert price_from_cost(D("5"), ()) is None
    assert price_from_cost(D("0"), BANDS) is None
    assert price_from_cost(D("-1"), BANDS) is None


def test_bands_read_money_and_percent_signs_and_thousands() -> None:
    assert parse_bands("up to $1,000.00: 25%\nabove: 1,000%") == (
        Band(D("1000.00"), D("25")), Band(None, D("1000")))
    for markup in ("lots", "X5", "5X", "Infinity"):
        with pytest.raises(ValueError, match=r"^Line 1: the markup must be a number\.$"):
            parse_bands(f"up to 10: {markup}")


@pytest.mark.parametrize(("billed", "paid", "state"), [
    ("0.00", "0.00", PaymentState.NOTHING_DUE), ("10.00", "10.00", PaymentState.PAID),
    ("10.00", "0.00", PaymentState.UNPAID), ("10.00", "-2.00", PaymentState.UNPAID),
    ("10.00", "0.50", PaymentState.PARTLY_PAID), ("10.00", "9.99", PaymentState.PARTLY_PAID),
    ("10.00", "10.01", PaymentState.OVERPAID), ("0.00", "1.00", PaymentState.OVERPAID),
])
def test_where_a_ticket_stands(billed: str, paid: str, state: PaymentState) -> None:
    assert payment_state(D(billed), D(paid)) is state


@pytest.mark.parametrize(("typed", "shown"), [
    ("12.345", "12.35"), (" $1,234.565 ", "1234.57"), ("0.004", "0.00"),
    ("12.34", None), ("12", None), ("$1,000.10", None), ("abc", None), ("NaN", None),
    ("Infinity", None), ("", None), ("X1.005", None),
])
def test_an_amount_with_more_than_cents_shows_how_it_will_be_recorded(
        typed: str, shown: str | None) -> None:
    assert amount_text_rounded(typed) == shown


def test_an_amount_discount_gives_the_odd_cents_to_the_largest_remainders() -> None:
    # 2 cents over 1, 2 and 3: exact shares 0.33, 0.67 and 1.00 cent.
    assert spread(Discount(amount=D("0.02")), [D("1.00"), D("2.00"), D("3.00")]) == [
        D("0.00"), D("0.01"), D("0.01")]
    assert spread(Discount(amount=D("5.00")), [D("0.01")]) == [D("0.01")]  # one cent
    assert spread(Discount(amount=D("5.00")), [D("0.00")]) == [D("0.00")]


def test_an_amount_discount_in_percent_of_what_it_is_taken_from() -> None:
    assert Discount(amount=D("1.00")).share_of(D("0.50")) == 200
    assert Discount(amount=D("0.25")).share_of(D("1.00")) == 25
    assert Discount(amount=D("1.00")).share_of(D("0.00")) == 100  # nothing to discount
    assert Discount(percent=D("15")).share_of(D("0.00")) == 15


def test_totals_add_every_lines_discount_and_take_it_off_before_tax() -> None:
    rules = TaxRules(D("10"), D("5"))
    totals = charges_totals([
        Charge(LineKind.PART, D("100.00"), discount=D("10.00")),   # tax 9.00
        Charge(LineKind.LABOUR, D("50.00"), discount=D("5.00")),   # tax 2.25
        Charge(LineKind.FEE, D("20.00"), taxable=False, discount=D("2.00")),
    ], rules)
    assert totals == Totals(D("100.00"), D("50.00"), D("11.25"), D("164.25"), D("20.00"),
                            D("17.00"))


REFUSED: list[tuple[Callable[[], Decimal], str]] = [
    (lambda: labor_line(-1, D("80")), "minutes and rate cannot be negative"),
    (lambda: parts_line(1, D("-0.01")), "quantity and price cannot be negative"),
    (lambda: tax_on(D("-1"), D("8")), "taxable amount and rate cannot be negative"),
    (lambda: tax_on(D("1"), D("-8")), "taxable amount and rate cannot be negative"),
    (lambda: tax_on(D("1"), D("8.8755")), "tax rate has more than 3 decimal places"),
]


@pytest.mark.parametrize(("call", "message"), REFUSED)
def test_negative_lines_and_rates_are_refused_with_why(
        call: Callable[[], Decimal], message: str) -> None:
    with pytest.raises(ValueError) as refused:
        call()
    assert str(refused.value) == message


@pytest.mark.parametrize(("typed", "amount"), [
    ("$1,234.50", "1234.50"), ("9999999999.99", "9999999999.99"),
    ("9999999999.994", "9999999999.99"),
])
def test_money_as_typed(typed: str, amount: str) -> None:
    assert parse_money(typed) == D(amount)


@pytest.mark.parametrize("typed", ["9999999999.995", "10000000000", "10000000000.99",
                                   "10000000001", "1E100", "X5"])
def test_money_too_large_or_not_a_number_is_refused(typed: str) -> None:
    with pytest.raises(ValueError, match=r"^Amount (is too large|must be a number)"):
        parse_money(typed)


def test_fields_at_their_longest_are_accepted_and_one_more_is_refused() -> None:
    assert check_name("n" * MAX_NAME) == ("n" * MAX_NAME, None)
    assert check_name("n" * (MAX_NAME + 1))[1] == (
        f"Name is too long ({MAX_NAME + 1} characters; at most {MAX_NAME}).")
    assert check_search("s" * MAX_SEARCH) == ("s" * MAX_SEARCH, None)
    assert check_search("s" * (MAX_SEARCH + 1))[1] == (
        f"Search for at most {MAX_SEARCH} characters.")
    too_long_email = f"E-mail is too long (at most {MAX_EMAIL} characters)."
    longest = "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 57 + ".com"
    assert len(longest) == MAX_EMAIL and check_email(longest)[1] != too_long_email
    assert check_email("a" + longest)[1] == too_long_email
    too_long_phone = f"Phone is too long (at most {MAX_PHONE} characters)."
    assert check_phone("5" * MAX_PHONE)[1] != too_long_phone
    assert check_phone("5" * (MAX_PHONE + 1))[1] == too_long_phone


def test_blank_and_broken_text_read_as_such() -> None:
    assert clean_text(None) == ""
    assert check_phone("  ") == ("", None)
    assert check_phone("call me") == (
        "call me", "Phone is not a phone number: use digits, spaces, +, - or ().")
    assert check_search("brake \ud83d") == (
        "brake \ud83d", "The search holds a broken character (half of one pasted); retype it.")
    assert phone_digits("XX +1 (555) 010-0X") == "15550100"
