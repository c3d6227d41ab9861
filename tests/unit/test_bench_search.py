"""``make bench``'s account of a search over target: how much of its time the database
spends on its statements and how much is the app's own, on both backends."""

from __future__ import annotations

import re

from sqlalchemy import Engine

from benchmarks.metrics import Bench, Search, database_share
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.services import customers, tickets, vehicles
from mechanic_desktop.services.customers import CustomerData
from mechanic_desktop.services.tickets import TicketData
from mechanic_desktop.services.vehicles import VehicleData
from tests.unit import factories


def test_a_searchs_time_is_split_between_the_database_and_the_app(
    uow: UnitOfWork, engine: Engine,
) -> None:
    for n, name in enumerate(("Kate Smith", "John Smithers")):
        c = customers.create_customer(uow, CustomerData(name))
        v = vehicles.create_vehicle(uow, VehicleData(c.id, factories.VINS[n], "Ford",
                                                     "F-150", None, f"PL{n}"))
        tickets.create_ticket(uow, TicketData(c.id, v.id, "Brakes"))
    bench = Bench(engine.dialect.name, str(engine.url), engine, uow, repetitions=3)
    told = database_share(bench, Search("tickets by surname", "tickets", "smith"), 500.0)
    found = re.fullmatch(
        r"'smith' 500\.0 ms = (\d+) statements in the database ([\d.]+) ms"
        r"( \(planning ([\d.]+), running ([\d.]+)\))? \+ the app ([\d.]+) ms", told)
    assert found is not None, told
    statements, database, app = int(found[1]), float(found[2]), float(found[6])
    assert statements >= 2  # the look-ups, then the page
    assert 0 < database < 500 and abs(database + app - 500) < 0.11
    assert (found[3] is not None) is (engine.dialect.name == "postgresql")
    if found[3] is not None:
        assert abs(float(found[4]) + float(found[5]) - database) < 0.11
