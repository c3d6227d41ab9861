"""Stock on hand: receiving deliveries, correcting counts, and the ledger behind them.

On-hand only ever changes together with a stock movement in the same transaction, so
the count always equals the sum of the part's ledger; ``stock_discrepancies`` proves it.
"""

from __future__ import annotations

from dataclasses import replace

from mechanic_desktop.db.models import Part
from mechanic_desktop.db.repositories import StockRepository
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.errors import NotFound
from mechanic_desktop.domain.permissions import Action
from mechanic_desktop.domain.records import (
    ListQuery,
    Page,
    PartRecord,
    StockDiscrepancy,
    StockMovementRow,
)
from mechanic_desktop.domain.validation import clean_text
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
    require_permission(uow, Action.RECEIVE_STOCK)
    errors = FieldErrors()
    count = errors.integer("quantity", quantity, "Quantity received", 1, MAX_STOCK)
    if count is None:
        errors.add("quantity", "Enter how many were received.")
    text = _note(errors, note, None)
    errors.raise_if_any()
    assert count is not None
    with uow.writing():
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


def adjust_stock(
    uow: UnitOfWork, part_id: int, counted_quantity: int, reason_note: str
) -> PartRecord:
    """Correct on-hand to what was counted on the shelf; the difference is booked as an
    'adjust' movement with the reason. A count that matches changes nothing."""
    require_permission(uow, Action.ADJUST_STOCK)
    errors = FieldErrors()
    counted = errors.integer("counted_quantity", counted_quantity, "Counted quantity", 0, MAX_STOCK)
    if counted is None:
        errors.add("counted_quantity", "Enter how many are on the shelf.")
    note = _note(errors, reason_note, "Say why the count changed (e.g. damaged, miscounted).")
    errors.raise_if_any()
    assert counted is not None
    with uow.writing():
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
