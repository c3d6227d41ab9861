"""Mechanics: who works the tickets, at what hourly rate; deactivated, never deleted
once they have worked a ticket."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from mechanic_desktop.db.models import Mechanic, StaffUser
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.errors import DeleteRefused
from mechanic_desktop.domain.permissions import Action, allowed
from mechanic_desktop.domain.records import ListQuery, MechanicRecord, MechanicRow, Page
from mechanic_desktop.domain.validation import (
    check_email,
    check_name,
    check_phone,
    phone_digits,
    search_key,
)
from mechanic_desktop.services import audit
from mechanic_desktop.services.common import (
    FieldErrors,
    check_version,
    constraint_errors,
    paged,
    require,
)
from mechanic_desktop.services.permissions import current_actor
from mechanic_desktop.services.permissions import require as require_permission


@dataclass(frozen=True, slots=True)
class MechanicData:
    name: str
    email: str = ""
    phone: str = ""
    hourly_rate: str | Decimal = "0"
    active: bool = True


def _validate(uow: UnitOfWork, data: MechanicData, current_id: int | None) -> dict[str, object]:
    errors = FieldErrors()
    name, message = check_name(data.name)
    errors.add("name", message)
    email, message = check_email(data.email)
    errors.add("email", message)
    phone, message = check_phone(data.phone)
    errors.add("phone", message)
    rate = errors.money("hourly_rate", data.hourly_rate, "Hourly rate")
    if email and "email" not in errors.fields:
        other = uow.mechanics.by_email(email)
        if other is not None and other.id != current_id:
            errors.add("email", f"{other.name} already has this e-mail.")
    errors.raise_if_any()
    return {
        "name": name,
        "name_key": search_key(name),
        "email": email,
        "phone": phone,
        "phone_digits": phone_digits(phone),
        "hourly_rate": rate,
        "active": bool(data.active),
    }


def to_record(m: Mechanic, with_rate: bool = True) -> MechanicRecord:
    """``with_rate`` False: the pay rate is left out (None), for a reader who may not see
    it."""
    rate = m.hourly_rate if with_rate else None
    return MechanicRecord(m.id, m.name, m.email, m.phone, rate, m.active, m.version)


def _sees_pay_rates(uow: UnitOfWork) -> bool:
    """Whether the signed-in account, with the role the database holds now, may see pay
    rates (the program's own work, with nobody signed in, may). Call it inside the
    read's transaction."""
    actor = current_actor(uow)
    return actor is None or allowed(actor.role, Action.VIEW_PAY_RATES)


def create_mechanic(uow: UnitOfWork, data: MechanicData) -> MechanicRecord:
    with uow.writing():
        require_permission(uow, Action.EDIT_MECHANICS)
        mechanic = Mechanic(**_validate(uow, data, None))
        with constraint_errors():
            uow.mechanics.add(mechanic)
            uow.flush()
            audit.record(uow, "create", "mechanic", mechanic.id, mechanic.name)
            uow.commit()
        return to_record(mechanic)


def update_mechanic(
    uow: UnitOfWork, mechanic_id: int, data: MechanicData, expected_version: int
) -> MechanicRecord:
    """Save the editor's fields (the pay rate among them); refused when the mechanic
    changed since it was read."""
    with uow.writing():
        require_permission(uow, Action.EDIT_MECHANICS)
        mechanic = require(uow.mechanics.get(mechanic_id), "Mechanic", mechanic_id)
        check_version(uow, "mechanic", mechanic, expected_version, f"Mechanic {mechanic.name}")
        summary = audit.apply_changes(mechanic, _validate(uow, data, mechanic_id))
        if summary:
            audit.record(uow, "update", "mechanic", mechanic_id, summary)
        with constraint_errors():
            uow.commit()
        return to_record(mechanic)


def set_mechanic_active(uow: UnitOfWork, mechanic_id: int, active: bool) -> MechanicRecord:
    with uow.writing():
        require_permission(uow, Action.EDIT_MECHANICS)
        mechanic = require(uow.mechanics.get(mechanic_id), "Mechanic", mechanic_id)
        summary = audit.apply_changes(mechanic, {"active": active})
        if summary:
            audit.record(uow, "update", "mechanic", mechanic_id, summary)
        uow.commit()
        return to_record(mechanic)


def get_mechanic(uow: UnitOfWork, mechanic_id: int) -> MechanicRecord:
    """The mechanic's record; their pay rate only for a reader who may see it."""
    with uow:
        mechanic = require(uow.mechanics.get(mechanic_id), "Mechanic", mechanic_id)
        return to_record(mechanic, _sees_pay_rates(uow))


def delete_mechanic(uow: UnitOfWork, mechanic_id: int) -> None:
    with uow.writing():
        require_permission(uow, Action.DELETE_RECORDS)
        mechanic = require(uow.mechanics.get(mechanic_id), "Mechanic", mechanic_id)
        if uow.mechanics.has_tickets(mechanic_id):
            raise DeleteRefused(
                f"{mechanic.name} has worked on tickets, and deleting them would erase who "
                "did that work. Mark them inactive instead: they leave the pick lists but "
                "stay in the history."
            )
        account = uow.session.scalar(
            select(StaffUser.username).where(StaffUser.mechanic_id == mechanic_id))
        if account is not None:
            raise DeleteRefused(
                f"{mechanic.name} signs in as '{account}', and that account would lose its "
                "mechanic. Mark them inactive instead, or link the account to another "
                "mechanic in Staff first."
            )
        uow.mechanics.delete(mechanic)
        audit.record(uow, "delete", "mechanic", mechanic_id, mechanic.name)
        with constraint_errors():
            uow.commit()


def list_mechanics(uow: UnitOfWork, query: ListQuery) -> Page[MechanicRow]:
    """A page of mechanics; their pay rates only for a reader who may see them."""

    def fetch(u: UnitOfWork, q: ListQuery) -> tuple[list[Any], tuple[Any, ...] | None]:
        rows, cursor = u.mechanics.page(q)
        if not _sees_pay_rates(u):
            rows = [(*r[:3], None, *r[4:]) for r in rows]
        return rows, cursor

    return paged(uow, fetch, query, lambda r: MechanicRow(*r))
