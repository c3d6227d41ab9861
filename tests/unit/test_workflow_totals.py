"""Ticket arithmetic as properties: each line and its tax rounded half-up once."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mechanic_desktop.domain.totals import (
    Charge,
    LineKind,
    TaxRules,
    charges_totals,
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
    taxed = [parts_line(q, p) for q, p in parts]
    if labor_taxed:
        taxed += [labor_line(m, r) for m, r in labor]
    assert totals.tax == sum((tax_on(amount, rate) for amount in taxed), D(0)) >= 0
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


kinds = st.sampled_from(list(LineKind))
charges = st.lists(st.builds(Charge, kinds, money, st.booleans()), max_size=12)


@given(charges, rates, rates)
def test_each_taxable_line_is_taxed_once_at_its_kinds_rate(
    lines: list[Charge], parts_rate: Decimal, labour_rate: Decimal
) -> None:
    """Tax per line, each rounded half-up once from the exact value; untaxed lines add
    none; labour at its own rate, parts and fees at the parts rate; the total is the
    sum of the lines and their taxes."""
    rules = TaxRules(parts_rate, labour_rate)
    totals = charges_totals(lines, rules)
    expected_tax = D(0)
    for line in lines:
        rate = labour_rate if line.kind is LineKind.LABOUR else parts_rate
        if line.taxable:
            expected_tax += _exact_half_up(Fraction(line.amount) * Fraction(rate) / 100)
    assert totals.tax == expected_tax
    for kind, amount in ((LineKind.PART, totals.parts), (LineKind.LABOUR, totals.labor),
                         (LineKind.FEE, totals.fees)):
        assert amount == sum((c.amount for c in lines if c.kind is kind), D(0))
    assert totals.total == totals.parts + totals.labor + totals.fees + totals.tax


def test_untaxed_lines_and_separate_rates() -> None:
    rules = TaxRules(parts=D("8.875"), labour=D("5"))
    totals = charges_totals([
        Charge(LineKind.PART, D("100.00")),           # 8.875 → 8.88
        Charge(LineKind.LABOUR, D("90.10")),          # 4.505 → 4.51
        Charge(LineKind.FEE, D("3.00")),              # 0.26625 → 0.27
        Charge(LineKind.FEE, D("12.00"), taxable=False),
    ], rules)
    assert (totals.parts, totals.labor, totals.fees, totals.tax, totals.total) == (
        D("100.00"), D("90.10"), D("15.00"), D("13.66"), D("218.76"))
