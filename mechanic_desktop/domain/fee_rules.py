"""The shop's fee rules as values and rules (no database, no Qt).

A rule is a fixed amount ("Tyre disposal: 3.50") or a percentage of a job's labour or
parts with an optional cap ("Shop supplies: 8% of labour up to 35.00"), taxed or not,
and either automatic (every job with work on it carries it, kept up to date as its
lines change) or by hand (offered in Add fee…). Settings keep them as text, one rule a
line, so they are typed and read as people say them:

    Shop supplies: 8% of labour up to 35.00, automatic
    Tyre disposal: 3.50
    Battery core charge: 15.00, not taxed
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from mechanic_desktop.domain.money import MAX_AMOUNT, money_text, to_cents
from mechanic_desktop.domain.totals import ZERO, tax_on

MAX_RULES = 20
MAX_NAME = 200
HUNDRED = Decimal(100)


class FeeBase(StrEnum):
    LABOUR = "labour"
    PARTS = "parts"


@dataclass(frozen=True, slots=True)
class FeeRule:
    """A fee the shop charges: ``amount``, or ``percent`` of ``base`` up to ``cap``."""

    name: str
    amount: Decimal | None = None
    percent: Decimal | None = None
    base: FeeBase | None = None
    cap: Decimal | None = None
    automatic: bool = False
    taxable: bool = True

    def amount_for(self, labour: Decimal, parts: Decimal) -> Decimal:
        """The fee on a job whose labour and parts come to ``labour`` and ``parts``
        (a percentage rounded half-up once, then capped)."""
        if self.amount is not None:
            return self.amount
        base = labour if self.base is FeeBase.LABOUR else parts
        fee = tax_on(base, self.percent or ZERO)
        return min(fee, self.cap) if self.cap is not None else fee

    @property
    def text(self) -> str:
        """The rule as the settings show it (and ``parse_rules`` reads it back)."""
        if self.amount is not None:
            what = f"{self.amount:.2f}"
        else:
            what = f"{(self.percent or ZERO).normalize():f}% of {self.base}"
            if self.cap is not None:
                what += f" up to {self.cap:.2f}"
        flags = (", automatic" if self.automatic else "") + (
            "" if self.taxable else ", not taxed")
        return f"{self.name}: {what}{flags}"

    def describe(self, labour: Decimal, parts: Decimal) -> str:
        """For the Add fee picker: "Shop supplies (8% of labour up to 35.00): 9.60"."""
        how = self.text.split(": ", 1)[1].split(",")[0]
        return f"{self.name} ({how}): {money_text(self.amount_for(labour, parts))}"


_PERCENT = re.compile(
    r"^(?P<pct>[^%]+)%\s*of\s+(?P<base>labou?r|parts)(?:\s+up\s+to\s+(?P<cap>.+))?$",
    re.IGNORECASE,
)


def _money(text: str, what: str) -> Decimal:
    raw = text.strip().replace(",", "").lstrip("$").strip()
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ValueError(f"{what} must be an amount, like 3.50.") from None
    if not value.is_finite() or value <= 0:
        raise ValueError(f"{what} must be more than 0.00.")
    if value > MAX_AMOUNT:
        raise ValueError(f"{what} is too large (at most {MAX_AMOUNT:,}).")
    return to_cents(value)


def parse_rule(line: str) -> FeeRule:
    """One rule from its text; ``ValueError`` with the sentence to show."""
    name, colon, rest = line.partition(":")
    name = " ".join(name.split())
    if not colon or not name:
        raise ValueError("write a rule as “Name: amount” or “Name: 8% of labour up to "
                         "35.00”.")
    if len(name) > MAX_NAME:
        raise ValueError(f"the name is too long (at most {MAX_NAME} characters).")
    pieces = [p.strip() for p in rest.split(",")]
    spec, flags = pieces[0], [p.lower() for p in pieces[1:] if p]
    unknown = [f for f in flags if f not in ("automatic", "by hand", "not taxed", "taxed")]
    if unknown:
        raise ValueError(f"“{unknown[0]}” is not understood: add “automatic”, “by hand” "
                         "or “not taxed” after a comma.")
    automatic, taxable = "automatic" in flags, "not taxed" not in flags
    match = _PERCENT.match(spec)
    if match is None:
        if "%" in spec:
            raise ValueError("write a percentage as “8% of labour” or “5% of parts”.")
        return FeeRule(name, amount=_money(spec, "the fee"), automatic=automatic,
                       taxable=taxable)
    try:
        percent = Decimal(match["pct"].strip())
    except InvalidOperation:
        raise ValueError("the percentage must be a number, like 8%.") from None
    if not percent.is_finite() or percent <= 0:
        raise ValueError("the percentage must be more than 0.")
    if percent > HUNDRED:
        raise ValueError(f"a fee of {percent.normalize():f}% is more than 100% of what it "
                         "is taken on.")
    if percent != percent.quantize(Decimal("0.001")):
        raise ValueError("the percentage can have at most 3 decimals, like 7.5%.")
    base = FeeBase.LABOUR if match["base"].lower().startswith("lab") else FeeBase.PARTS
    cap = _money(match["cap"], "the cap") if match["cap"] else None
    return FeeRule(name, percent=percent.quantize(Decimal("0.001")), base=base, cap=cap,
                   automatic=automatic, taxable=taxable)


def parse_rules(text: str) -> tuple[FeeRule, ...]:
    """The rules typed one a line (blank lines skipped); ``ValueError`` names the line."""
    rules: list[FeeRule] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            rule = parse_rule(line)
        except ValueError as error:
            raise ValueError(f"Line {number}: {error}") from None
        if any(r.name.lower() == rule.name.lower() for r in rules):
            raise ValueError(f"Line {number}: there is already a fee called “{rule.name}”.")
        rules.append(rule)
    if len(rules) > MAX_RULES:
        raise ValueError(f"At most {MAX_RULES} fee rules.")
    return tuple(rules)


def rules_text(rules: tuple[FeeRule, ...]) -> str:
    return "\n".join(rule.text for rule in rules)
