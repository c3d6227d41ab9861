"""Discounts as values and rules (no database, no Qt).

A discount is a percentage ("10%") or an amount ("5.00") off one line, or off the
ticket's approved work, always with a reason. On a line it is worked out on the line's
amount and rounded half-up once. A ticket's discount is spread over its approved lines
before tax, so every line's tax is still worked out once on what the line bills: a
percentage takes that share of each line (rounded per line), an amount is shared in
proportion to the lines' amounts, cent by cent (largest remainders first), so the
shares add up to exactly the amount.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from mechanic_desktop.domain.money import MAX_AMOUNT, to_cents
from mechanic_desktop.domain.totals import ZERO, tax_on

MAX_REASON = 200
HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class Discount:
    """``percent`` off, or ``amount`` off (exactly one of them), and why."""

    percent: Decimal | None = None
    amount: Decimal | None = None
    reason: str = ""

    def off(self, gross: Decimal) -> Decimal:
        """What this discount takes off ``gross`` (never more than it)."""
        if self.percent is not None:
            return tax_on(gross, self.percent)  # gross × percent / 100, half-up once
        return min(self.amount or ZERO, gross)

    def share_of(self, gross: Decimal) -> Decimal:
        """The discount in percent of ``gross`` (100 when there is nothing to discount)."""
        if self.percent is not None:
            return self.percent
        if gross <= 0:
            return HUNDRED
        return (self.amount or ZERO) * HUNDRED / gross

    @property
    def text(self) -> str:
        """"10%" or "5.00", as typed back to the user."""
        if self.percent is not None:
            return f"{self.percent.normalize():f}%"
        return f"{self.amount or ZERO:.2f}"


NO_DISCOUNT = Discount()


def parse_discount(text: str, reason: str) -> Discount | None:
    """A discount from what was typed: "10%" or "10 %" (a percentage), "5" or "5.00"
    (an amount); blank: none (None). ``ValueError`` carries the sentence to show."""
    raw = text.strip().replace(",", "").lstrip("$").strip()
    if not raw:
        return None
    is_percent = raw.endswith("%")
    number = raw.rstrip("%").strip()
    try:
        value = Decimal(number)
    except InvalidOperation:
        raise ValueError("Type the discount as a percentage (10%) or an amount "
                         "(5.00).") from None
    if not value.is_finite():
        raise ValueError("Type the discount as a percentage (10%) or an amount (5.00).")
    if value <= 0:
        raise ValueError("A discount must be more than 0.")
    if is_percent and value > HUNDRED:
        raise ValueError("A discount cannot be more than 100%.")
    if is_percent and value != value.quantize(Decimal("0.001")):
        raise ValueError("A percentage can have at most 3 decimals, like 12.5%.")
    if not is_percent and value > MAX_AMOUNT:
        raise ValueError(f"The discount is too large (at most {MAX_AMOUNT:,}).")
    why = " ".join(reason.split())
    if not why:
        raise ValueError("Say why the discount is given (e.g. loyal customer).")
    if len(why) > MAX_REASON:
        raise ValueError(f"The reason is too long (at most {MAX_REASON} characters).")
    if is_percent:
        return Discount(percent=value.quantize(Decimal("0.001")), reason=why)
    return Discount(amount=to_cents(value), reason=why)


def spread(discount: Discount, amounts: Sequence[Decimal]) -> list[Decimal]:
    """A ticket's ``discount`` shared over lines billing ``amounts`` (after their own
    discounts): a percentage of each, or an amount in proportion, the shares adding up
    to exactly the amount (capped at the lines' sum)."""
    if discount.percent is not None:
        return [discount.off(a) for a in amounts]
    total_cents = sum(int(a * 100) for a in amounts)
    if total_cents <= 0:
        return [ZERO for _ in amounts]
    want = min(int((discount.amount or ZERO) * 100), total_cents)
    exact = [int(a * 100) * want for a in amounts]
    shares = [e // total_cents for e in exact]
    left = want - sum(shares)
    order = sorted(range(len(amounts)), key=lambda i: (-(exact[i] % total_cents), i))
    for i in order[:left]:
        shares[i] += 1
    return [Decimal(c).scaleb(-2).quantize(Decimal("0.01")) for c in shares]
