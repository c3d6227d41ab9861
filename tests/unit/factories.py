"""Small builders for service tests: one valid record of each kind."""

from __future__ import annotations

from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.records import CustomerRecord, TicketRecord, VehicleRecord
from mechanic_desktop.services import customers, tickets, vehicles

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
