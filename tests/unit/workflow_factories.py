"""Builders for the ticket-workflow tests: parts with opening stock, mechanics, a staff
member to act as, and a snapshot of everything stock-related to compare before/after."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from mechanic_desktop.db.models import (
    AuditEntry,
    Part,
    ServiceTicket,
    StaffUser,
    StockMovement,
    TicketMechanic,
    TicketPart,
)
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.records import MechanicRecord, PartRecord
from mechanic_desktop.domain.staff import Actor, Role
from mechanic_desktop.services import mechanics, parts, tickets
from tests.unit import factories


def ticket(uow: UnitOfWork, name: str, vin: str, *, approved: bool = True) -> int:
    """Another customer's ticket, on a vehicle of their own; its one job approved by
    the customer (unless ``approved`` is False: an estimate)."""
    c = factories.customer(uow, name)
    v = factories.vehicle(uow, c.id, vin)
    ticket_id = tickets.create_ticket(uow, tickets.TicketData(c.id, v.id, "Noise")).id
    if approved:
        factories.authorise(uow, ticket_id)
    return ticket_id


def part(
    uow: UnitOfWork, sku: str = "BRK-01", on_hand: int = 10, price: str = "25.00"
) -> PartRecord:
    return parts.create_part(
        uow, parts.PartData(sku, f"Part {sku}", price, "10.00", 2, on_hand)
    )


def mechanic(
    uow: UnitOfWork, name: str = "Sam Wrench", rate: str = "80.00", active: bool = True
) -> MechanicRecord:
    return mechanics.create_mechanic(
        uow, mechanics.MechanicData(name, hourly_rate=rate, active=active)
    )


def actor(
    engine: Engine,
    username: str = "jane",
    full_name: str = "Jane Desk",
    role: Role = Role.ADMIN,
    mechanic_id: int | None = None,
) -> Actor:
    """A staff account to act as (the ledger and audit trail name them; services re-read
    its role, so it is stored as it is handed over)."""
    with Session(engine) as session:
        user = StaffUser(
            username=username, full_name=full_name, password_hash="x", role=role.value,
            mechanic_id=mechanic_id,
        )
        session.add(user)
        session.commit()
        return Actor(user.id, username, full_name, role, mechanic_id)


def _rows(session: Session, *columns: Any) -> list[tuple[Any, ...]]:
    return sorted(tuple(r) for r in session.execute(select(*columns)).all())


def state(engine: Engine) -> dict[str, Any]:
    """Everything a failed stock operation must leave untouched."""
    with Session(engine) as session:
        return {
            "parts": _rows(session, Part.id, Part.quantity_on_hand, Part.version),
            "lines": _rows(session, TicketPart.ticket_id, TicketPart.part_id, TicketPart.quantity),
            "mechanics": _rows(
                session, TicketMechanic.ticket_id, TicketMechanic.mechanic_id,
                TicketMechanic.minutes,
            ),
            "movements": session.scalar(select(func.count()).select_from(StockMovement)),
            "audit": session.scalar(select(func.count()).select_from(AuditEntry)),
            "tickets": _rows(
                session, ServiceTicket.id, ServiceTicket.version, ServiceTicket.status,
                ServiceTicket.total,
            ),
        }


def movements(engine: Engine, ticket_id: int | None = None) -> list[tuple[Any, ...]]:
    """(part id, quantity, reason, ticket id, staff id, note) in booking order."""
    with Session(engine) as session:
        stmt = select(
            StockMovement.part_id,
            StockMovement.quantity,
            StockMovement.reason,
            StockMovement.ticket_id,
            StockMovement.staff_user_id,
            StockMovement.note,
        ).order_by(StockMovement.id)
        if ticket_id is not None:
            stmt = stmt.where(StockMovement.ticket_id == ticket_id)
        return [tuple(r) for r in session.execute(stmt).all()]


def money(text: str) -> Decimal:
    return Decimal(text)

