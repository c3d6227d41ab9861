"""Money as ``Decimal``: parsed from what staff type, rounded half-up to cents once."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
#: Largest amount a ``Numeric(12, 2)`` column holds.
MAX_AMOUNT = Decimal("9999999999.99")


def to_cents(value: Decimal | int | str) -> Decimal:
    """Round to cents, half-up (the rule shops and tax offices use)."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def parse_money(text: str | Decimal | int, field_label: str = "Amount") -> Decimal:
    """Parse a non-negative amount; raise ``ValueError`` with a message for the user."""
    if isinstance(text, Decimal | int):
        raw = str(text)
    else:
        raw = text.strip().replace(",", "").lstrip("$").strip()
    if not raw:
        raise ValueError(f"{field_label} is required.")
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        raise ValueError(f"{field_label} must be a number, like 12.50.") from None
    if not amount.is_finite():
        raise ValueError(f"{field_label} must be a number, like 12.50.")
    if amount < 0:
        raise ValueError(f"{field_label} cannot be negative.")
    too_large = f"{field_label} is too large (at most {MAX_AMOUNT:,})."
    if amount > MAX_AMOUNT + 1:  # before rounding: 1E100 has too many digits to quantize
        raise ValueError(too_large)
    amount = to_cents(amount)
    if amount > MAX_AMOUNT:
        raise ValueError(too_large)
    return amount


def line_total(quantity: Decimal | int, unit_price: Decimal) -> Decimal:
    """Total of one line: quantity × unit price, rounded half-up to cents."""
    return to_cents(Decimal(quantity) * unit_price)


def money_text(amount: Decimal) -> str:
    """An amount as printed and shown: thousands separated, two decimals."""
    return f"{amount:,.2f}"
