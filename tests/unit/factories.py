"""Small builders for service tests: one valid record of each kind."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy.orm import Session

from mechanic_desktop.db.models import Customer, Mechanic, Vehicle
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.jobs import AuthorisationMethod, JobStatus, amount_after
from mechanic_desktop.domain.records import (
    CustomerRecord,
    TicketDetail,
    TicketRecord,
    VehicleRecord,
)
from mechanic_desktop.domain.staff import Actor, Role
from mechanic_desktop.services import (
    customers,
    jobs,
    mechanics,
    shop,
    staff,
    tickets,
    vehicles,
    workflow,
)

VINS = ["1M8GDM9AXKP042788", "1G4AH59H45G118341", "1FTMW1T88MFA00001"]


def crew_and_car(s: Session, mechanics: int) -> tuple[list[Mechanic], Customer, Vehicle]:
    """Mechanics M0, M1, … at 60.00 an hour and one customer with one car, written
    straight to the tables (report tests write history as rows, not through services)."""
    crew = [Mechanic(name=f"M{i}", name_key=f"m{i}", hourly_rate=Decimal("60"))
            for i in range(mechanics)]
    owner = Customer(name="C", name_key="c", surname_key="c")
    s.add_all([*crew, owner])
    s.flush()
    car = Vehicle(customer_id=owner.id, vin=VINS[0])
    s.add(car)
    s.flush()
    return crew, owner, car


def customer(uow: UnitOfWork, name: str = "Ada Lovelace", email: str = "") -> CustomerRecord:
    return customers.create_customer(uow, customers.CustomerData(name, email, "555-123-4567"))


def vehicle(
    uow: UnitOfWork, owner: int, vin: str = VINS[0], odometer: int | None = None
) -> VehicleRecord:
    return vehicles.create_vehicle(
        uow, vehicles.VehicleData(owner, vin, "Ford", "F-150", None, "abc 123", odometer)
    )


def ticket(
    uow: UnitOfWork, name: str = "Ada Lovelace", *, approved: bool = True
) -> TicketRecord:
    """A ticket for a new customer's vehicle; its one job approved by the customer
    (unless ``approved`` is False: an estimate)."""
    c = customer(uow, name)
    v = vehicle(uow, c.id)
    record = tickets.create_ticket(uow, tickets.TicketData(c.id, v.id, "Brakes squeal"))
    return authorise(uow, record.id).ticket if approved else record


def authorise(uow: UnitOfWork, ticket_id: int, by: str = "Pat Customer") -> TicketDetail:
    """The customer approves every job proposed (and again those approved), in person,
    for what the approved work then costs (as a clerk reads it out)."""
    detail = workflow.get_ticket_detail(uow, ticket_id)
    decisions = {j.id: JobStatus.APPROVED for j in detail.jobs
                 if j.status in ("proposed", "approved")}
    settings = shop.get_settings(uow)
    amount = amount_after(detail, decisions, settings.tax_rules)
    return jobs.record_authorisation(
        uow, ticket_id,
        jobs.AuthorisationData(decisions, by, AuthorisationMethod.IN_PERSON, amount),
        detail.ticket.version,
    )


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


def completed(
    uow: UnitOfWork, customer_id: int, vehicle_id: int, part_id: int | None = None,
    quantity: int = 1, description: str = "Battery",
) -> TicketDetail:
    """A completed ticket for the customer's car: its one job approved, with
    ``quantity`` of ``part_id`` on it (none: a ticket that bills nothing)."""
    made = tickets.create_ticket(uow, tickets.TicketData(customer_id, vehicle_id, description))
    detail = workflow.get_ticket_detail(uow, made.id)
    if part_id is not None:
        workflow.add_part_lines(uow, made.id, [(part_id, quantity)], detail.ticket.version,
                                detail.jobs[0].id)
    version = authorise(uow, made.id).ticket.version
    version = workflow.set_status(uow, made.id, "in_progress", version).ticket.version
    return workflow.set_status(uow, made.id, "completed", version)
