"""Ticket arithmetic: each line rounded half-up to cents once, tax rounded once on the sum.

Integer arithmetic on cents (and thousandths of a percent) keeps every step exact, so a
ticket's total is the same on every desk and in every report, whatever the backend.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from mechanic_desktop.domain.money import to_cents

#: Quarter hours: the smallest unit of labour time booked.
MINUTES_STEP = 15
#: Largest time one mechanic can book on one ticket (the database allows up to 59,994).
MAX_MINUTES = 59_985


@dataclass(frozen=True, slots=True)
class Totals:
    parts: Decimal
    labor: Decimal
    tax: Decimal
    total: Decimal


ZERO_TOTALS = Totals(Decimal("0.00"), Decimal("0.00"), Decimal("0.00"), Decimal("0.00"))


def _cents(amount: Decimal) -> int:
    return int(to_cents(amount).scaleb(2))


def _money(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2).quantize(Decimal("0.01"))


def _div_half_up(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded half-up, for non-negative numbers."""
    return (2 * numerator + denominator) // (2 * denominator)


def labor_line(minutes: int, hourly_rate: Decimal) -> Decimal:
    """minutes / 60 × rate, rounded half-up to cents for this line."""
    if minutes < 0 or hourly_rate < 0:
        raise ValueError("minutes and rate cannot be negative")
    return _money(_div_half_up(minutes * _cents(hourly_rate), 60))


def parts_line(quantity: int, unit_price: Decimal) -> Decimal:
    """quantity × unit price, rounded half-up to cents for this line."""
    if quantity < 0 or unit_price < 0:
        raise ValueError("quantity and price cannot be negative")
    return to_cents(Decimal(quantity) * unit_price)


def tax_on(taxable: Decimal, rate_percent: Decimal) -> Decimal:
    """taxable × rate / 100, rounded half-up once (rate has at most 3 decimals)."""
    if taxable < 0 or rate_percent < 0:
        raise ValueError("taxable amount and rate cannot be negative")
    milli_percent = int((rate_percent * 1000).to_integral_value())
    if Decimal(milli_percent) != rate_percent * 1000:
        raise ValueError("tax rate has more than 3 decimal places")
    return _money(_div_half_up(_cents(taxable) * milli_percent, 100_000))


def ticket_totals(
    labor: Iterable[tuple[int, Decimal]],
    parts: Iterable[tuple[int, Decimal]],
    tax_rate: Decimal,
    labor_taxed: bool,
) -> Totals:
    """Totals of a ticket from its (minutes, rate) and (quantity, price) lines."""
    labor_sum = sum((labor_line(m, r) for m, r in labor), Decimal("0.00"))
    parts_sum = sum((parts_line(q, p) for q, p in parts), Decimal("0.00"))
    taxable = parts_sum + (labor_sum if labor_taxed else Decimal("0.00"))
    tax = tax_on(taxable, tax_rate)
    return Totals(parts_sum, labor_sum, tax, parts_sum + labor_sum + tax)


def hours_text(minutes: int) -> str:
    """Minutes as hours for people: 90 → '1.5', 45 → '0.75'."""
    hours = Decimal(minutes) / 60
    return f"{hours.quantize(Decimal('0.01')).normalize():f}"
