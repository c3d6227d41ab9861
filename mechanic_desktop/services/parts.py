"""Parts in stock: catalogue data here; on-hand changes only through stock movements."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from mechanic_desktop.db.models import Part, StockMovement
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.errors import DeleteRefused, StaleRecord
from mechanic_desktop.domain.permissions import Action
from mechanic_desktop.domain.records import ListQuery, Page, PartRecord, PartRow
from mechanic_desktop.domain.validation import check_name, clean_line, search_key
from mechanic_desktop.services import audit
from mechanic_desktop.services.common import FieldErrors, constraint_errors, paged, require
from mechanic_desktop.services.permissions import require as require_permission

MAX_SKU = 40


@dataclass(frozen=True, slots=True)
class PartData:
    sku: str
    name: str
    unit_price: str | Decimal = "0"
    unit_cost: str | Decimal = "0"
    reorder_level: int | str = 0
    #: Only read when the part is created: the opening stock count.
    initial_quantity: int | str = 0


def check_fields(data: PartData) -> tuple[dict[str, object], FieldErrors]:
    """The catalogue field rules without the database (the CSV import looks SKUs up in
    bulk): cleaned column values and whatever errors were found."""
    errors = FieldErrors()
    sku = clean_line(data.sku).upper()
    if not sku:
        errors.add("sku", "SKU is required.")
    elif len(sku) > MAX_SKU:
        errors.add("sku", f"SKU is too long (at most {MAX_SKU} characters).")
    name, message = check_name(data.name)
    errors.add("name", message)
    price = errors.money("unit_price", data.unit_price, "Price")
    cost = errors.money("unit_cost", data.unit_cost, "Cost")
    reorder = errors.integer("reorder_level", data.reorder_level, "Reorder level", 0, 1_000_000)
    return {
        "sku": sku,
        "name": name,
        "name_key": search_key(name),
        "unit_price": price,
        "unit_cost": cost,
        "reorder_level": reorder or 0,
    }, errors


def check_opening(errors: FieldErrors, data: PartData) -> int:
    """The opening stock count a new part may bring."""
    opening = errors.integer(
        "initial_quantity", data.initial_quantity, "Quantity on hand", 0, 1_000_000
    )
    return opening or 0


def _validate(uow: UnitOfWork, data: PartData, current_id: int | None) -> dict[str, object]:
    values, errors = check_fields(data)
    sku = values["sku"]
    if isinstance(sku, str) and sku and "sku" not in errors.fields:
        other = uow.parts.by_sku(sku)
        if other is not None and other.id != current_id:
            errors.add("sku", f"SKU {sku} is already used by '{other.name}'.")
    errors.raise_if_any()
    return values


def to_record(p: Part) -> PartRecord:
    return PartRecord(
        p.id,
        p.sku,
        p.name,
        p.unit_price,
        p.unit_cost,
        p.quantity_on_hand,
        p.reorder_level,
        p.version,
    )


def create_part(uow: UnitOfWork, data: PartData) -> PartRecord:
    """Add a part; an opening quantity is booked as the first stock movement."""
    with uow.writing():
        require_permission(uow, Action.EDIT_PARTS)
        values = _validate(uow, data, None)
        errors = FieldErrors()
        opening = check_opening(errors, data)
        errors.raise_if_any()
        part = Part(**values, quantity_on_hand=opening)
        with constraint_errors():
            uow.parts.add(part)
            uow.flush()
            if opening:
                uow.session.add(
                    StockMovement(
                        part_id=part.id,
                        quantity=opening,
                        reason="initial",
                        note="Opening stock",
                        staff_user_id=uow.actor_id,
                    )
                )
            audit.record(uow, "create", "part", part.id, f"{part.sku} {part.name}")
            uow.commit()
        return to_record(part)


def update_part(
    uow: UnitOfWork, part_id: int, data: PartData, expected_version: int | None = None
) -> PartRecord:
    """Edit catalogue fields; refused if someone saved the part since it was read."""
    with uow.writing():
        require_permission(uow, Action.EDIT_PARTS)
        part = require(uow.parts.get(part_id), "Part", part_id)
        if expected_version is not None and part.version != expected_version:
            raise StaleRecord(
                f"Part {part.sku} was changed at another desk after you opened it; reload it "
                "and apply your changes again."
            )
        summary = audit.apply_changes(part, _validate(uow, data, part_id))
        if summary:
            audit.record(uow, "update", "part", part_id, summary)
        with constraint_errors():
            uow.commit()
        return to_record(part)


def get_part(uow: UnitOfWork, part_id: int) -> PartRecord:
    with uow:
        return to_record(require(uow.parts.get(part_id), "Part", part_id))


def delete_part(uow: UnitOfWork, part_id: int) -> None:
    with uow.writing():
        require_permission(uow, Action.DELETE_RECORDS)
        part = require(uow.parts.get(part_id), "Part", part_id)
        if uow.parts.is_used(part_id):
            raise DeleteRefused(
                f"Part {part.sku} is on service tickets; deleting it would change what "
                "those tickets record. Keep it, and set its reorder level to 0 if you no "
                "longer stock it."
            )
        uow.session.query(StockMovement).filter(StockMovement.part_id == part_id).delete()
        uow.parts.delete(part)
        audit.record(uow, "delete", "part", part_id, f"{part.sku} {part.name}")
        with constraint_errors():
            uow.commit()


def list_parts(uow: UnitOfWork, query: ListQuery) -> Page[PartRow]:
    return paged(uow, lambda u, q: u.parts.page(q), query, lambda r: PartRow(*r))
