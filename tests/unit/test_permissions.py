"""Role × action matrix against the services themselves (not just hidden buttons)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.errors import DomainError, PermissionDenied
from mechanic_desktop.domain.records import ListQuery
from mechanic_desktop.domain.staff import Actor, Role
from mechanic_desktop.services import audit, customers, mechanics, parts, staff, tickets, vehicles
from tests.unit import factories
from tests.unit.test_auth import FLOOR, GOOD


@dataclass
class World:
    customer: int
    bare_customer: int
    vehicle: int
    bare_vehicle: int
    mechanic: int
    part: int
    ticket: int
    ticket_version: int
    staff_user: int


def _world(uow: UnitOfWork) -> World:
    t = factories.ticket(uow)
    bare = factories.customer(uow, "Bob Smith")
    bare_car = factories.vehicle(uow, bare.id, factories.VINS[1])
    m = mechanics.create_mechanic(uow, mechanics.MechanicData("Sam Wrench"))
    p = parts.create_part(uow, parts.PartData("OIL", "Oil", "5", initial_quantity=5))
    s = staff.create_staff(uow, staff.StaffData("desk", "Desk", "writer"), GOOD, GOOD, FLOOR)
    return World(
        t.customer_id, bare.id, t.vehicle_id, bare_car.id, m.id, p.id, t.id, t.version, s.id
    )


Call = Callable[[UnitOfWork, World], object]

#: What each write is (the action a role needs) → how to call it.
CALLS: dict[str, Call] = {
    "create customer": lambda u, w: customers.create_customer(u, customers.CustomerData("New One")),
    "edit customer": lambda u, w: customers.update_customer(
        u, w.customer, customers.CustomerData("Ada L")
    ),
    "delete customer": lambda u, w: customers.delete_customer(u, w.bare_customer),
    "add vehicle": lambda u, w: vehicles.create_vehicle(
        u, vehicles.VehicleData(w.customer, factories.VINS[2])
    ),
    "delete vehicle": lambda u, w: vehicles.delete_vehicle(u, w.bare_vehicle),
    "create mechanic": lambda u, w: mechanics.create_mechanic(u, mechanics.MechanicData("Jo")),
    "deactivate mechanic": lambda u, w: mechanics.set_mechanic_active(u, w.mechanic, False),
    "delete mechanic": lambda u, w: mechanics.delete_mechanic(u, w.mechanic),
    "create part": lambda u, w: parts.create_part(u, parts.PartData("NEW", "New part", "1")),
    "edit part price": lambda u, w: parts.update_part(u, w.part, parts.PartData("OIL", "Oil", "6")),
    "delete part": lambda u, w: parts.delete_part(u, w.part),
    "open ticket": lambda u, w: tickets.create_ticket(
        u, tickets.TicketData(w.customer, w.vehicle, "Rattle")
    ),
    "edit ticket": lambda u, w: tickets.update_ticket(
        u, w.ticket, tickets.TicketData(w.customer, w.vehicle, "Squeal"), w.ticket_version
    ),
    "create staff": lambda u, w: staff.create_staff(
        u, staff.StaffData("new", "New", "writer"), GOOD, GOOD, FLOOR
    ),
    "list staff": lambda u, w: staff.list_staff(u),
    "read a staff account": lambda u, w: staff.get_staff(u, w.staff_user),
    "unlock staff": lambda u, w: staff.unlock(u, w.staff_user),
    "read audit": lambda u, w: audit.list_audit(u, ListQuery()),
}

#: The product brief's roles, written out (not derived from the code under test).
ALLOWED: dict[Role, set[str]] = {
    Role.ADMIN: set(CALLS),
    Role.WRITER: {"create customer", "edit customer", "add vehicle", "open ticket", "edit ticket"},
    Role.MECHANIC: set(),
}


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("name", list(CALLS))
def test_role_action_matrix(uow: UnitOfWork, role: Role, name: str) -> None:
    world = _world(uow)
    uow.actor = Actor(world.staff_user, "someone", "Some One", role)
    try:
        CALLS[name](uow, world)
    except PermissionDenied as exc:
        assert name not in ALLOWED[role], f"{role} should be allowed to {name}: {exc}"
        assert role.label in str(exc)
    except DomainError as exc:  # allowed, but refused for another reason
        pytest.fail(f"{name} as {role}: {exc}")
    else:
        assert name in ALLOWED[role], f"{role} must not be able to {name}"


def test_reads_are_open_to_every_role(uow: UnitOfWork) -> None:
    world = _world(uow)
    for role in Role:
        uow.actor = Actor(world.staff_user, "someone", "Some One", role)
        assert customers.list_customers(uow, ListQuery()).rows
        assert tickets.get_ticket(uow, world.ticket).id == world.ticket


def test_the_apps_unit_of_work_refuses_work_for_nobody(engine: object) -> None:
    from sqlalchemy import Engine

    assert isinstance(engine, Engine)
    app_uow = UnitOfWork(engine, require_actor=True)
    with pytest.raises(PermissionDenied, match="Sign in to edit customers"):
        customers.create_customer(app_uow, customers.CustomerData("Nobody's customer"))
    assert customers.list_customers(app_uow, ListQuery()).rows == ()
