"""Ticket arithmetic: each line rounded half-up to cents once, and its tax rounded once.

Every line (labour, part, fee) is taxable or not; a taxable line is taxed at its kind's
rate (labour may have a rate of its own, or none), and the tax of each line is rounded
half-up once; a ticket's tax is the sum of its lines' taxes.

Integer arithmetic on cents (and thousandths of a percent) keeps every step exact, so a
ticket's total is the same on every desk and in every report, whatever the backend.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from mechanic_desktop.domain.money import to_cents

#: Quarter hours: the smallest unit of labour time booked.
MINUTES_STEP = 15
#: Largest time one mechanic can book on one ticket (the database allows up to 59,994).
MAX_MINUTES = 59_985


ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class Totals:
    """What lines come to: parts, labour and fees before discounts, the discounts, the
    tax on what is billed, and the total (parts + labour + fees − discount + tax)."""

    parts: Decimal
    labor: Decimal
    tax: Decimal
    total: Decimal
    fees: Decimal = ZERO
    discount: Decimal = ZERO


ZERO_TOTALS = Totals(ZERO, ZERO, ZERO, ZERO)


class LineKind(StrEnum):
    LABOUR = "labour"
    PART = "part"
    FEE = "fee"


@dataclass(frozen=True, slots=True)
class TaxRules:
    """Rates of sales tax in percent (up to 3 decimals): ``parts`` on parts and fees,
    ``labour`` on labour (0 where labour is not taxed)."""

    parts: Decimal
    labour: Decimal

    def rate(self, kind: LineKind) -> Decimal:
        return self.labour if kind is LineKind.LABOUR else self.parts


NO_TAX = TaxRules(ZERO, ZERO)


@dataclass(frozen=True, slots=True)
class Charge:
    """One line as it is billed: its kind, its amount (already rounded), whether sales
    tax applies to it, and what discounts take off it (already rounded, at most the
    amount)."""

    kind: LineKind
    amount: Decimal
    taxable: bool = True
    discount: Decimal = ZERO

    @property
    def net(self) -> Decimal:
        return self.amount - self.discount

    def tax(self, rules: TaxRules) -> Decimal:
        """This line's tax on what it bills, rounded half-up once (nothing when not
        taxable)."""
        return tax_on(self.net, rules.rate(self.kind)) if self.taxable else ZERO


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


def charges_totals(charges: Iterable[Charge], rules: TaxRules) -> Totals:
    """Totals of some lines: sums by kind, each line's tax rounded once, and the total."""
    sums = dict.fromkeys(LineKind, ZERO)
    tax = discount = ZERO
    for charge in charges:
        sums[charge.kind] += charge.amount
        discount += charge.discount
        tax += charge.tax(rules)
    parts, labour, fees = sums[LineKind.PART], sums[LineKind.LABOUR], sums[LineKind.FEE]
    return Totals(parts, labour, tax, parts + labour + fees - discount + tax, fees, discount)


def ticket_totals(
    labor: Iterable[tuple[int, Decimal]],
    parts: Iterable[tuple[int, Decimal]],
    tax_rate: Decimal,
    labor_taxed: bool,
) -> Totals:
    """Totals of taxable (minutes, rate) and (quantity, price) lines at one rate of tax
    (on labour too when ``labor_taxed``)."""
    rules = TaxRules(tax_rate, tax_rate if labor_taxed else ZERO)
    return charges_totals(
        [*(Charge(LineKind.LABOUR, labor_line(m, r)) for m, r in labor),
         *(Charge(LineKind.PART, parts_line(q, p)) for q, p in parts)],
        rules,
    )


def hours_text(minutes: int) -> str:
    """Minutes as hours for people: 90 → '1.5', 45 → '0.75'."""
    hours = Decimal(minutes) / 60
    return f"{hours.quantize(Decimal('0.01')).normalize():f}"
