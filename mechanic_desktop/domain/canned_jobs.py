"""Canned jobs: the shop's library of named jobs (labour and parts) that a service
writer adds to a ticket in one step, at the day's labour rate and part prices.

A line is labour (an operation and its minutes, unassigned until a mechanic is given
it), a part (by id, with quantity) or a fee (a description and an amount). The SKU is
kept with the line as it was when the part was chosen, so a part deleted since is still
named when the job is added.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from mechanic_desktop.domain.totals import (
    Charge,
    LineKind,
    TaxRules,
    Totals,
    charges_totals,
    labor_line,
    parts_line,
)

__all__ = ["LineKind"]  # the kinds of a canned job's lines are those of a ticket's

MAX_NAME = 200
MAX_LINES = 50


@dataclass(frozen=True, slots=True)
class CannedLine:
    """A line as the editor sends it and as a read returns it. ``name`` and
    ``unit_price`` are the part's today (read only; None price: the part is gone)."""

    kind: LineKind | str
    operation: str = ""
    minutes: int = 0
    part_id: int | None = None
    sku: str = ""
    quantity: int = 0
    name: str = ""
    unit_price: Decimal | None = None
    #: A fee line's amount (its description is ``operation``).
    amount: Decimal | None = None

    @property
    def is_labour(self) -> bool:
        return self.kind == LineKind.LABOUR.value

    @property
    def is_part(self) -> bool:
        return self.kind == LineKind.PART.value

    @property
    def is_fee(self) -> bool:
        return self.kind == LineKind.FEE.value


@dataclass(frozen=True, slots=True)
class CannedJobRecord:
    id: int
    name: str
    concern: str
    active: bool
    version: int
    lines: tuple[CannedLine, ...]
    #: What the job costs today (the shop's labour rate, today's part prices, tax).
    price: Totals


@dataclass(frozen=True, slots=True)
class CannedJobRow:
    """A row of the library list and the ticket editor's picker."""

    id: int
    name: str
    concern: str
    active: bool
    minutes: int
    parts: int
    #: Today's price with tax; parts that no longer exist count nothing.
    total: Decimal
    #: Part lines whose part no longer exists (not added to a ticket).
    gone: int = 0


def price_today(
    lines: Sequence[CannedLine], labor_rate: Decimal, rules: TaxRules
) -> Totals:
    """The lines priced as adding them would: labour at ``labor_rate``, parts at their
    price today (a part that is gone adds nothing), each line rounded once."""
    charges = []
    for line in lines:
        if line.is_labour:
            charges.append(Charge(LineKind.LABOUR, labor_line(line.minutes, labor_rate)))
        elif line.is_fee:
            charges.append(Charge(LineKind.FEE, line.amount or Decimal("0.00")))
        elif line.unit_price is not None:
            charges.append(Charge(LineKind.PART, parts_line(line.quantity, line.unit_price)))
    return charges_totals(charges, rules)
