"""Make the database fail on the Nth statement of every write service, for every N until
the service completes: each failure leaves nothing of that write behind, and the caller
gets a clear domain error (never a raw driver error)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import Engine, event, select, text

from mechanic_desktop.db.models import Base
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.errors import DatabaseUnavailable, DomainError
from mechanic_desktop.services import (
    auth,
    customers,
    mechanics,
    parts,
    shop,
    staff,
    stock,
    tickets,
    vehicles,
    workflow,
)
from tests.conftest import empty_tables
from tests.unit import factories, workflow_factories
from tests.unit.test_auth import FLOOR, GOOD


class Injected(Exception):
    pass


@contextmanager
def fail_at(engine: Engine, n: int) -> Iterator[list[int]]:
    """Raise the driver's OperationalError at the ``n``-th statement or commit."""
    count = [0]
    dbapi_error = engine.dialect.loaded_dbapi.OperationalError

    def tick(*_args: Any) -> None:
        count[0] += 1
        if count[0] == n:
            raise dbapi_error(f"injected fault at statement {n}")

    def on_execute(cursor: Any, statement: str, parameters: Any, context: Any) -> bool:
        tick()
        return False  # let the dialect run the statement

    targets = [
        ("do_execute", on_execute),
        ("do_executemany", on_execute),
        ("do_execute_no_params", lambda c, s, ctx: on_execute(c, s, None, ctx)),
    ]
    for name, fn in targets:
        event.listen(engine.dialect, name, fn)
    real_commit = engine.dialect.do_commit

    def do_commit(dbapi_connection: Any) -> None:  # a failing COMMIT, as the driver reports it
        tick()
        real_commit(dbapi_connection)

    engine.dialect.do_commit = do_commit  # type: ignore[method-assign]
    try:
        yield count
    finally:
        for name, fn in targets:
            event.remove(engine.dialect, name, fn)
        del engine.dialect.do_commit


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    with engine.connect() as conn:
        return {
            t.name: sorted(map(tuple, conn.execute(select(t)).all()), key=repr)
            for t in Base.metadata.sorted_tables
        }


@dataclass
class World:
    customer: int
    vehicle: int
    ticket: int
    mechanic: int
    part: int
    line: int
    staff_user: int
    spare_customer: int


def build(uow: UnitOfWork) -> World:
    t = factories.ticket(uow)
    m = workflow_factories.mechanic(uow)
    p = workflow_factories.part(uow)
    detail = workflow.add_part_lines(uow, t.id, [(p.id, 2)])
    detail = workflow.assign_mechanics(uow, t.id, {m.id: 60}, detail.ticket.version)
    s = staff.create_staff(uow, staff.StaffData("desk", "Front Desk", "writer"), GOOD, GOOD, FLOOR)
    spare = customers.create_customer(uow, customers.CustomerData("Spare Customer"))
    return World(
        t.customer_id, t.vehicle_id, t.id, m.id, p.id, detail.parts[0].id, s.id, spare.id
    )


def _version(uow: UnitOfWork, ticket_id: int) -> int:
    return tickets.get_ticket(uow, ticket_id).version


Call = Callable[[UnitOfWork, World], object]
WRITES: dict[str, Call] = {
    "create customer": lambda u, w: customers.create_customer(u, customers.CustomerData("New")),
    "update customer": lambda u, w: customers.update_customer(
        u, w.customer, customers.CustomerData("Renamed", "r@example.com"),
        customers.get_customer(u, w.customer).version,
    ),
    "delete customer": lambda u, w: customers.delete_customer(u, w.spare_customer),
    "create vehicle": lambda u, w: vehicles.create_vehicle(
        u, vehicles.VehicleData(w.customer, factories.VINS[1])
    ),
    "update vehicle": lambda u, w: vehicles.update_vehicle(
        u, w.vehicle, vehicles.VehicleData(w.customer, factories.VINS[0], plate="NEW 1"),
        vehicles.get_vehicle(u, w.vehicle).version,
    ),
    "create mechanic": lambda u, w: mechanics.create_mechanic(u, mechanics.MechanicData("Jo")),
    "create part": lambda u, w: parts.create_part(
        u, parts.PartData("NEW", "New part", "3", initial_quantity=4)
    ),
    "update part": lambda u, w: parts.update_part(
        u, w.part, parts.PartData("BRK-01", "Pads", "30")
    ),
    "create ticket": lambda u, w: tickets.create_ticket(
        u, tickets.TicketData(w.customer, w.vehicle, "Rattle")
    ),
    "update ticket": lambda u, w: tickets.update_ticket(
        u, w.ticket, tickets.TicketData(w.customer, w.vehicle, "Squeal"), _version(u, w.ticket)
    ),
    "assign mechanics": lambda u, w: workflow.assign_mechanics(
        u, w.ticket, {w.mechanic: 90}, _version(u, w.ticket)
    ),
    "add part lines": lambda u, w: workflow.add_part_lines(u, w.ticket, [(w.part, 3)]),
    "change quantity": lambda u, w: workflow.change_part_quantity(u, w.line, 1),
    "remove line": lambda u, w: workflow.remove_part_line(u, w.line),
    "cancel ticket": lambda u, w: workflow.set_status(
        u, w.ticket, "cancelled", _version(u, w.ticket)
    ),
    "receive stock": lambda u, w: stock.receive_stock(u, w.part, 5, "delivery"),
    "adjust stock": lambda u, w: stock.adjust_stock(u, w.part, 3, "count"),
    "update settings": lambda u, w: workflow.update_settings(
        u, shop.ShopSettingsData("Shop", tax_rate="8.25"), shop.get_settings(u).version
    ),
    "create staff": lambda u, w: staff.create_staff(
        u, staff.StaffData("new", "New One", "writer"), GOOD, GOOD, FLOOR
    ),
    "reset password": lambda u, w: staff.reset_password(u, w.staff_user, GOOD, GOOD, FLOOR),
    "failed login": lambda u, w: auth.login(u, "desk", "wrong password!", hasher=FLOOR),
}


@pytest.mark.parametrize("name", list(WRITES))
def test_a_failure_at_any_statement_leaves_nothing_behind(
    engine: Engine, uow: UnitOfWork, name: str
) -> None:
    call = WRITES[name]
    for n in range(1, 200):
        empty_tables(engine)
        world = build(uow)
        before = snapshot(engine)
        with fail_at(engine, n) as count:
            try:
                call(uow, world)
            except DatabaseUnavailable as exc:
                assert "nothing was saved" in str(exc), str(exc)
            except DomainError as exc:
                if name == "failed login" and count[0] < n:
                    return  # the refusal itself: the service finished without the fault
                pytest.fail(f"{name}: fault {n} surfaced as {type(exc).__name__}: {exc}")
            else:
                assert count[0] < n, f"{name}: the fault at statement {n} was swallowed"
                return  # every statement ran: the service completed
        assert snapshot(engine) == before, f"{name}: statement {n} failed but left changes"
        with engine.connect() as conn:
            assert conn.execute(text("SELECT 1")).scalar() == 1
    pytest.fail(f"{name} never completed")
