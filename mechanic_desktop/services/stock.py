"""Stock on hand: receiving deliveries, correcting counts, and the ledger behind them.

On-hand only ever changes together with a stock movement in the same transaction, so
the count always equals the sum of the part's ledger; ``stock_discrepancies`` proves it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from mechanic_desktop.db.models import Part
from mechanic_desktop.db.repositories import StockRepository
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.errors import NotFound, ValidationError
from mechanic_desktop.domain.permissions import Action
from mechanic_desktop.domain.records import (
    ListQuery,
    Page,
    PartRecord,
    StockDiscrepancy,
    StockMovementRow,
)
from mechanic_desktop.domain.validation import clean_line, clean_text
from mechanic_desktop.services import audit
from mechanic_desktop.services.common import FieldErrors, constraint_errors
from mechanic_desktop.services.parts import to_record
from mechanic_desktop.services.permissions import require as require_permission

MAX_STOCK = 1_000_000
MAX_NOTE = 500


def _gone(part_id: int) -> NotFound:
    return NotFound(f"Part #{part_id} no longer exists; it may have been deleted at another desk.")


def _note(errors: FieldErrors, text: str, required: str | None) -> str:
    note = clean_text(text)
    if required and not note:
        errors.add("note", required)
    elif len(note) > MAX_NOTE:
        errors.add("note", f"The note is too long (at most {MAX_NOTE} characters).")
    return note


def _fresh_part(uow: UnitOfWork, part_id: int) -> PartRecord:
    # On-hand was changed with a Core UPDATE: load the row as it is now.
    part = uow.session.get(Part, part_id, populate_existing=True)
    if part is None:
        raise _gone(part_id)
    return to_record(part)


def receive_stock(uow: UnitOfWork, part_id: int, quantity: int, note: str = "") -> PartRecord:
    """Book a delivery: +quantity on hand, with a 'receive' movement."""
    with uow.writing():
        require_permission(uow, Action.RECEIVE_STOCK)
        errors = FieldErrors()
        count = errors.integer("quantity", quantity, "Quantity received", 1, MAX_STOCK)
        if count is None:
            errors.add("quantity", "Enter how many were received.")
        text = _note(errors, note, None)
        errors.raise_if_any()
        assert count is not None
        stock = StockRepository(uow.session)
        if stock.put(part_id, count) is None:
            raise _gone(part_id)
        stock.record(part_id, count, "receive", staff_user_id=uow.actor_id, note=text)
        audit.record(uow, "receive", "part", part_id, f"+{count}" + (f" ({text})" if text else ""))
        with constraint_errors():
            uow.flush()
            record = _fresh_part(uow, part_id)
            uow.commit()
        return record


@dataclass(frozen=True, slots=True)
class DeliveryLine:
    """One line of a supplier's delivery as typed: the part, how many, and the unit cost
    on the delivery note ("" keeps the part's cost as it is)."""

    part_id: int
    quantity: int | str
    unit_cost: str | Decimal = ""


def find_part_by_sku(uow: UnitOfWork, sku: str) -> PartRecord:
    """The part a scanned or typed SKU names (exactly, ignoring case and spaces)."""
    code = clean_line(sku).upper()
    if not code:
        raise ValidationError.single("sku", "Scan or type a SKU.")
    with uow:
        part = uow.parts.by_sku(code)
        if part is None:
            raise ValidationError.single("sku", f"No part has the SKU {code}.")
        return to_record(part)


def receive_delivery(
    uow: UnitOfWork, lines: Sequence[DeliveryLine], note: str = ""
) -> list[PartRecord]:
    """Book a whole delivery in one transaction: each line +quantity on hand with a
    'receive' movement, and the part's cost set to the delivery's unit cost when one is
    given. All or nothing: one bad line (named by its number) saves none."""
    errors = FieldErrors()
    if not lines:
        errors.add("lines", "Add at least one part to the delivery.")
    counts: list[tuple[int, int, Decimal | None]] = []
    for number, line in enumerate(lines, start=1):
        count = errors.integer(f"line:{number}:quantity", line.quantity,
                               f"Line {number}: quantity received", 1, MAX_STOCK)
        cost = (None if str(line.unit_cost).strip() == ""
                else errors.money(f"line:{number}:unit_cost", line.unit_cost,
                                  f"Line {number}: unit cost"))
        if count is not None:
            counts.append((line.part_id, count, cost))
    text = _note(errors, note, None)
    errors.raise_if_any()
    with uow.writing():
        require_permission(uow, Action.RECEIVE_STOCK)
        stock = StockRepository(uow.session)
        received: list[int] = []
        for part_id, count, cost in counts:
            if stock.put(part_id, count) is None:
                raise _gone(part_id)
            stock.record(part_id, count, "receive", staff_user_id=uow.actor_id, note=text)
            if cost is not None:
                part = uow.session.get(Part, part_id)
                if part is not None and part.unit_cost != cost:
                    part.unit_cost = cost
            received.append(part_id)
        units = sum(count for _part, count, _cost in counts)
        audit.record(uow, "receive", "delivery", None,
                     f"{len(counts)} parts, {units:,} units" + (f" ({text})" if text else ""))
        with constraint_errors():
            uow.flush()
            records = [_fresh_part(uow, part_id) for part_id in received]
            uow.commit()
        return records


def adjust_stock(
    uow: UnitOfWork, part_id: int, counted_quantity: int, reason_note: str
) -> PartRecord:
    """Correct on-hand to what was counted on the shelf; the difference is booked as an
    'adjust' movement with the reason. A count that matches changes nothing."""
    with uow.writing():
        require_permission(uow, Action.ADJUST_STOCK)
        errors = FieldErrors()
        counted = errors.integer(
            "counted_quantity", counted_quantity, "Counted quantity", 0, MAX_STOCK
        )
        if counted is None:
            errors.add("counted_quantity", "Enter how many are on the shelf.")
        note = _note(errors, reason_note, "Say why the count changed (e.g. damaged, miscounted).")
        errors.raise_if_any()
        assert counted is not None
        stock = StockRepository(uow.session)
        on_hand = stock.on_hand_for_update(part_id)
        if on_hand is None:
            raise _gone(part_id)
        difference = counted - on_hand
        if difference:
            if difference > 0:
                stock.put(part_id, difference)
            elif stock.take(part_id, -difference) is None:
                raise AssertionError("on-hand changed while row-locked")
            stock.record(part_id, difference, "adjust", staff_user_id=uow.actor_id, note=note)
            audit.record(uow, "adjust", "part", part_id, f"on hand {on_hand} → {counted} ({note})")
        with constraint_errors():
            uow.flush()
            record = _fresh_part(uow, part_id)
            uow.commit()
        return record


def movements_of_part(uow: UnitOfWork, part_id: int, query: ListQuery) -> Page[StockMovementRow]:
    """One page of a part's ledger (sort 'created'; ask ``descending`` for newest first)."""
    query = replace(query, filters={**query.filters, "part_id": part_id})
    with uow:
        rows, cursor = StockRepository(uow.session).page(query)
        return Page(tuple(StockMovementRow(*r) for r in rows), cursor)


def stock_discrepancies(uow: UnitOfWork) -> list[StockDiscrepancy]:
    """Parts whose on-hand differs from the sum of their movements (should be none)."""
    with uow:
        return [StockDiscrepancy(*r) for r in StockRepository(uow.session).discrepancies()]
