"""Ticket arithmetic as properties: lines rounded half-up once, tax once on the sum."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mechanic_desktop.domain.totals import (
    hours_text,
    labor_line,
    parts_line,
    tax_on,
    ticket_totals,
)

D = Decimal
money = st.decimals(min_value=0, max_value=D("99999.99"), places=2)
minutes = st.integers(0, 3999).map(lambda q: q * 15)
quantities = st.integers(0, 10_000)
rates = st.decimals(min_value=0, max_value=100, places=3)


def _exact_half_up(value: Fraction) -> Decimal:
    """The reference: exact rational value, rounded half-up to cents."""
    cents = value * 100
    whole = cents.numerator // cents.denominator
    if cents - whole >= Fraction(1, 2):
        whole += 1
    return D(whole).scaleb(-2).quantize(D("0.01"))


@given(minutes, money)
def test_labor_line_is_exact_half_up(m: int, rate: Decimal) -> None:
    assert labor_line(m, rate) == _exact_half_up(Fraction(m) * Fraction(rate) / 60)


@given(quantities, money)
def test_parts_line_is_exact_half_up(q: int, price: Decimal) -> None:
    assert parts_line(q, price) == _exact_half_up(Fraction(q) * Fraction(price))


@given(money, rates)
def test_tax_is_half_up_and_never_negative(taxable: Decimal, rate: Decimal) -> None:
    tax = tax_on(taxable, rate)
    assert tax >= 0
    assert tax == _exact_half_up(Fraction(taxable) * Fraction(rate) / 100)
    assert tax <= taxable


@given(
    st.lists(st.tuples(minutes, money), max_size=5),
    st.lists(st.tuples(quantities, money), max_size=8),
    rates,
    st.booleans(),
)
def test_totals_are_the_sum_of_their_lines(
    labor: list[tuple[int, Decimal]],
    parts: list[tuple[int, Decimal]],
    rate: Decimal,
    labor_taxed: bool,
) -> None:
    totals = ticket_totals(labor, parts, rate, labor_taxed)
    assert totals.labor == sum((labor_line(m, r) for m, r in labor), D(0))
    assert totals.parts == sum((parts_line(q, p) for q, p in parts), D(0))
    taxable = totals.parts + (totals.labor if labor_taxed else 0)
    assert totals.tax == tax_on(taxable, rate) >= 0
    assert totals.total == totals.parts + totals.labor + totals.tax
    for amount in (totals.parts, totals.labor, totals.tax, totals.total):
        assert amount == amount.quantize(D("0.01"), rounding=ROUND_HALF_UP)


def test_half_cents_round_up() -> None:
    assert labor_line(15, D("0.02")) == D("0.01")  # 0.005 → 0.01
    assert parts_line(1, D("0.01")) == D("0.01")
    assert tax_on(D("0.50"), D("1")) == D("0.01")  # 0.005 → 0.01
    assert tax_on(D("0.49"), D("1")) == D("0.00")  # 0.0049 → 0.00
    assert tax_on(D("100.00"), D("8.875")) == D("8.88")  # 8.875 → 8.88


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="3 decimal places"):
        tax_on(D("1.00"), D("8.8755"))
    with pytest.raises(ValueError, match="negative"):
        labor_line(-15, D("10"))
    with pytest.raises(ValueError, match="negative"):
        parts_line(1, D("-1"))


def test_hours_text() -> None:
    assert [hours_text(m) for m in (0, 45, 60, 90, 6000)] == ["0", "0.75", "1", "1.5", "100"]
