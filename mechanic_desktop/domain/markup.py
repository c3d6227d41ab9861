"""Parts priced from their cost: a small matrix of cost bands and their markups.

A part with no fixed sell price (its price is 0.00) and a cost is sold at cost plus the
markup of the band its cost falls in, rounded half-up to cents once. Settings keep the
bands as text, one a line, cheapest first:

    up to 10.00: 100%
    up to 50.00: 60%
    above: 35%

A cost above every "up to" and no "above" band: the last band's markup applies.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from mechanic_desktop.domain.money import MAX_AMOUNT, to_cents

MAX_BANDS = 12
MAX_MARKUP = Decimal(1000)


@dataclass(frozen=True, slots=True)
class Band:
    """Costs up to ``up_to`` (None: any higher cost) are marked up ``percent``."""

    up_to: Decimal | None
    percent: Decimal

    @property
    def text(self) -> str:
        start = "above" if self.up_to is None else f"up to {self.up_to:.2f}"
        return f"{start}: {self.percent.normalize():f}%"


def price_from_cost(cost: Decimal, bands: tuple[Band, ...]) -> Decimal | None:
    """Cost plus its band's markup, rounded half-up once (None: no bands or no cost)."""
    if not bands or cost <= 0:
        return None
    band = next((b for b in bands if b.up_to is None or cost <= b.up_to), bands[-1])
    return to_cents(cost * (1 + band.percent / 100))


def sell_price(unit_price: Decimal, unit_cost: Decimal, bands: tuple[Band, ...]) -> Decimal:
    """What a part sells at: its fixed price, or (price 0.00) its cost marked up."""
    if unit_price > 0:
        return unit_price
    marked = price_from_cost(unit_cost, bands)
    return marked if marked is not None else unit_price


def _number(text: str, what: str) -> Decimal:
    try:
        value = Decimal(text.strip().replace(",", "").lstrip("$").rstrip("%").strip())
    except InvalidOperation:
        raise ValueError(f"{what} must be a number.") from None
    if not value.is_finite():
        raise ValueError(f"{what} must be a number.")
    return value


def parse_bands(text: str) -> tuple[Band, ...]:
    """Bands typed one a line ("up to 10.00: 100%", "above: 35%"), cheapest first;
    ``ValueError`` names the line and what is wrong."""
    bands: list[Band] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        where, colon, markup = line.partition(":")
        where = " ".join(where.lower().split())
        prefix = f"Line {number}: "
        if not colon or not (where == "above" or where.startswith("up to ")):
            raise ValueError(prefix + "write a band as “up to 10.00: 100%” or “above: 35%”.")
        percent = _number(markup, prefix + "the markup")
        if not 0 <= percent <= MAX_MARKUP:
            raise ValueError(prefix + f"the markup must be between 0 and {MAX_MARKUP}%.")
        if percent != percent.quantize(Decimal("0.001")):
            raise ValueError(prefix + "the markup can have at most 3 decimals.")
        if bands and bands[-1].up_to is None:
            raise ValueError(prefix + "“above” is the last band.")
        up_to = None
        if where != "above":
            up_to = _number(where[len("up to "):], prefix + "the cost")
            if not 0 < up_to <= MAX_AMOUNT:
                raise ValueError(prefix + "the cost must be more than 0.00.")
            up_to = to_cents(up_to)
            if bands and bands[-1].up_to is not None and up_to <= bands[-1].up_to:
                raise ValueError(prefix + "list the bands cheapest first (each “up to” "
                                 "higher than the one before).")
        bands.append(Band(up_to, percent.quantize(Decimal("0.001"))))
    if len(bands) > MAX_BANDS:
        raise ValueError(f"At most {MAX_BANDS} bands.")
    return tuple(bands)


def bands_text(bands: tuple[Band, ...]) -> str:
    return "\n".join(b.text for b in bands)
