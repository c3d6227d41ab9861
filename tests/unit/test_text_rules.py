"""How values read as text and how search text is taken apart: the pure rules of
domain/formatting.py, domain/validation.py and the special-order question, each case
written out (mutation testing found them reached only through wider tests)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from mechanic_desktop.domain.errors import ShortStock
from mechanic_desktop.domain.formatting import format_value
from mechanic_desktop.domain.validation import check_year, is_phone_like, phone_search_digits

D = Decimal
MOMENT = datetime(2026, 3, 4, 5, 6, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "kind", "grouped", "text"),
    [
        (None, "money", True, ""),
        (D("1234.5"), "money", True, "1,234.50"),
        (D("1234.5"), "money", False, "1234.50"),
        (D("1234.5"), "text", True, "1234.5"),
        (90, "hours", True, "1.50"),
        (90_000, "hours", True, "1,500.00"),
        (90_000, "hours", False, "1500.00"),
        (86_400 * 12_345, "days", True, "12,345.0"),
        (86_400 * 12_345, "days", False, "12345.0"),
        (1_234_567, "int", True, "1,234,567"),
        (1_234_567, "int", False, "1234567"),
        (1_234_567, "text", True, "1234567"),
        (date(2026, 3, 4), "date", True, "2026-03-04"),
        ("Brake pads", "text", True, "Brake pads"),
    ],
)
def test_format_value(value: object, kind: str, grouped: bool, text: str) -> None:
    assert format_value(value, kind, grouped=grouped) == text


def test_format_value_defaults_to_text_with_thousands_separators() -> None:
    assert format_value(D("1234.5")) == "1234.5"
    assert format_value(D("1234.5"), "money") == "1,234.50"


def test_a_moment_reads_in_local_time_with_or_without_the_time() -> None:
    local = MOMENT.astimezone()
    assert format_value(MOMENT, "date") == local.strftime("%Y-%m-%d")
    assert format_value(MOMENT, "datetime") == local.strftime("%Y-%m-%d %H:%M")
    assert len(format_value(MOMENT, "date")) == 10 and len(format_value(MOMENT)) == 16


@pytest.mark.parametrize(
    ("text", "phone_like"),
    [("12", False), ("123", True), ("(929) 352-5519", True), ("+1 929", True),
     ("12a3", False), ("", False)],
)
def test_three_digits_and_phone_punctuation_read_as_a_phone(text: str, phone_like: bool) -> None:
    assert is_phone_like(text) is phone_like


@pytest.mark.parametrize(
    ("typed", "digits"),
    [
        ("+1 929 352 5519", "9293525519"),
        ("  +1 929", "929"),
        ("19293525519", "9293525519"),
        ("1929352551", "1929352551"),
        ("1234", "1234"),
        ("29293525519", "29293525519"),
        ("+44 20 7946 0958", "442079460958"),
    ],
)
def test_a_phone_search_leaves_out_the_north_american_country_code(
    typed: str, digits: str
) -> None:
    assert phone_search_digits(typed) == digits


def test_a_model_year_is_from_the_first_car_to_two_years_ahead() -> None:
    latest = date.today().year + 2
    assert check_year(None) is None
    assert check_year(1886) is None and check_year(latest) is None
    assert check_year(1885) == f"Year must be between 1886 and {latest}."
    assert check_year(latest + 1, "Model year") == (
        f"Model year must be between 1886 and {latest}.")


def test_the_special_order_question_names_each_short_part() -> None:
    short = ShortStock({7: ("PAD", 1, 3), 9: ("OIL", 0, 2)})
    assert short.offer() == (
        "Only 1 of PAD left for 3 wanted: take those 1 and put the other 2 on special order? "
        "Only 0 of OIL left for 2 wanted: put all 2 on special order?"
    )
    assert short.fields == {"quantity:7": "Only 1 of PAD left; cannot take 3.",
                            "quantity:9": "Only 0 of OIL left; cannot take 2."}
