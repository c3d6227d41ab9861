"""Small builders for service tests: one valid record of each kind."""

from __future__ import annotations

import uuid

from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.records import CustomerRecord, TicketRecord, VehicleRecord
from mechanic_desktop.domain.staff import Actor, Role
from mechanic_desktop.services import customers, mechanics, staff, tickets, vehicles

VINS = ["1M8GDM9AXKP042788", "1G4AH59H45G118341", "1FTMW1T88MFA00001"]


def customer(uow: UnitOfWork, name: str = "Ada Lovelace", email: str = "") -> CustomerRecord:
    return customers.create_customer(uow, customers.CustomerData(name, email, "555-123-4567"))


def vehicle(
    uow: UnitOfWork, owner: int, vin: str = VINS[0], odometer: int | None = None
) -> VehicleRecord:
    return vehicles.create_vehicle(
        uow, vehicles.VehicleData(owner, vin, "Ford", "F-150", None, "abc 123", odometer)
    )


def ticket(uow: UnitOfWork, name: str = "Ada Lovelace") -> TicketRecord:
    c = customer(uow, name)
    v = vehicle(uow, c.id)
    return tickets.create_ticket(uow, tickets.TicketData(c.id, v.id, "Brakes squeal"))


def signed_in(uow: UnitOfWork, role: Role, username: str | None = None) -> Actor:
    """A real account of ``role`` (a mechanic's linked to a new mechanic), as sign-in
    would hand it over: services re-read it, so it must exist. Made as the program's
    own work; ``uow.actor`` is left as it was."""
    from tests.unit.test_auth import FLOOR, GOOD

    name = username or f"{role.value}-{uuid.uuid4().hex[:6]}"
    before, uow.actor = uow.actor, None
    try:
        mechanic_id = None
        if role is Role.MECHANIC:
            mechanic_id = mechanics.create_mechanic(
                uow, mechanics.MechanicData(f"Crew {name}")
            ).id
        row = staff.create_staff(
            uow, staff.StaffData(name, f"Staff {name}", role, mechanic_id), GOOD, GOOD, FLOOR
        )
    finally:
        uow.actor = before
    return Actor(row.id, row.username, row.full_name, role, mechanic_id)
