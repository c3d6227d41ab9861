"""Money parsing and rounding, and the field rules every editor relies on."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mechanic_desktop.domain.formatting import phone_text
from mechanic_desktop.domain.money import line_total, parse_money, to_cents
from mechanic_desktop.domain.validation import (
    check_email,
    check_name,
    check_phone,
    clean_line,
    search_key,
)


@pytest.mark.parametrize(
    ("text", "amount"),
    [("12.5", "12.50"), ("$1,234.565", "1234.57"), (" 0 ", "0.00"), ("0.005", "0.01")],
)
def test_parse_money_rounds_half_up_to_cents(text: str, amount: str) -> None:
    assert parse_money(text) == Decimal(amount)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Price is required."),
        ("abc", "Price must be a number, like 12.50."),
        ("-1", "Price cannot be negative."),
        ("NaN", "Price must be a number, like 12.50."),
        ("1e20", "Price is too large (at most 9,999,999,999.99)."),
        ("1E100", "Price is too large (at most 9,999,999,999.99)."),  # beyond quantize
        ("9999999999.995", "Price is too large (at most 9,999,999,999.99)."),
    ],
)
def test_parse_money_messages(text: str, message: str) -> None:
    with pytest.raises(
        ValueError,
        match="^" + message.replace(".", r"\.").replace("(", r"\(").replace(")", r"\)") + "$",
    ):
        parse_money(text, "Price")


@given(
    st.decimals(min_value=0, max_value=10**6, places=4, allow_nan=False, allow_infinity=False),
    st.integers(min_value=1, max_value=1000),
)
def test_line_total_is_cents_and_within_half_a_cent(price: Decimal, quantity: int) -> None:
    total = line_total(quantity, price)
    assert total == to_cents(total)
    assert abs(total - quantity * price) <= Decimal("0.005")


def test_names() -> None:
    assert check_name("  Ada   Lovelace ") == ("Ada Lovelace", None)
    assert check_name("   ")[1] == "Name is required."
    assert check_name("x" * 201)[1] == "Name is too long (201 characters; at most 200)."
    assert clean_line("a\x00b\tc") == "ab c"
    assert search_key("ÉMILE Zola") == "émile zola"


def test_email_is_normalised_and_checked() -> None:
    assert check_email("Ada@Example.COM") == ("ada@example.com", None)
    assert check_email("") == (None, None)
    _, message = check_email("not-an-email")
    assert message is not None and message.startswith("E-mail is not valid")


def test_phone() -> None:
    assert check_phone("(555) 123-4567") == ("(555) 123-4567", None)
    assert check_phone("12")[1] == "Phone has the wrong number of digits."
    assert check_phone("call me")[1] is not None


@pytest.mark.parametrize(("stored", "shown"), [
    ("555-123-4567", "(555) 123-4567"),
    ("555.123.4567", "(555) 123-4567"),
    ("(555)1234567", "(555) 123-4567"),
    ("+1 555 123 4567", "(555) 123-4567"),
    ("5551234567 x12", "(555) 123-4567 ext. 12"),
    ("+44 20 7946 0958", "+44 20 7946 0958"),
    ("0044 20 7946 0958", "0044 20 7946 0958"),  # not a US number: left as typed
    ("12", "12"),
    ("call the shop", "call the shop"),
    ("", ""),
])
def test_phones_read_in_one_format(stored: str, shown: str) -> None:
    assert phone_text(stored) == shown
