"""A ticket search by name takes one of several query shapes by how many customers
match (``db/repositories.py``): their ids as a list or array and all their tickets
gathered and sorted (a few hundred customers), the same ids probed while walking the
date index (a common surname), or the subquery itself (thousands; on SQLite walking
the date index). Every shape lists the same tickets, once each, in the list's order,
across pages and into the second group (other words of the name)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event, update

from mechanic_desktop.db import repositories
from mechanic_desktop.db.models import ServiceTicket
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.records import ListQuery
from mechanic_desktop.domain.vin import check_digit
from mechanic_desktop.services import customers, tickets, vehicles
from mechanic_desktop.services.customers import CustomerData
from mechanic_desktop.services.tickets import TicketData
from mechanic_desktop.services.vehicles import VehicleData
from tests.unit.sql_sent import statements_sent

NAMES = ("Kate Smith", "Smithy Jones", "Anna Lee Smithers", "Joe Smithfield Brown",
         "Bob Blacksmith", "Kate Smith")
#: (customer's name, first group?) of each ticket: names or surnames starting "smith"
#: first, then a word inside the name ("smithfield"); "blacksmith" never.
FIRST = {"Kate Smith": True, "Smithy Jones": True, "Anna Lee Smithers": True,
         "Joe Smithfield Brown": False}
T0 = datetime(2025, 3, 1, tzinfo=UTC)


@pytest.fixture
def shop(uow: UnitOfWork, engine: Engine) -> list[tuple[int, str, datetime]]:
    """Tickets (id, customer, opened) of six customers, opened in a shuffled order
    (two share a time: the id breaks the tie)."""
    made = []
    for n, name in enumerate(NAMES):
        c = customers.create_customer(uow, CustomerData(name))
        vin = f"1FTMW1T8XMFA0000{n}"
        vin = vin[:8] + check_digit(vin) + vin[9:]
        v = vehicles.create_vehicle(uow, VehicleData(c.id, vin, "Ford", "F-150", None, f"PL{n}"))
        for k in range(3):
            t = tickets.create_ticket(uow, TicketData(c.id, v.id, "Service"))
            made.append((t.id, name, T0 + timedelta(hours=(7 * (3 * n + k)) % 11)))
    with engine.begin() as conn:
        for ticket_id, _, opened in made:
            conn.execute(update(ServiceTicket).where(ServiceTicket.id == ticket_id)
                                .values(opened_at=opened))
    return made


@pytest.mark.parametrize("shape", ["gather", "walk", "subquery"])
def test_every_shape_lists_the_same_tickets_in_order(
    shop: list[tuple[int, str, datetime]], uow: UnitOfWork, shape: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if shape == "walk":
        monkeypatch.setattr(repositories, "WALK_FROM", 1)
        monkeypatch.setattr(repositories, "SQLITE_WALK_FROM", 1)
    if shape == "subquery":
        monkeypatch.setattr(repositories, "MATCH_CAP", 1)
        monkeypatch.setattr(repositories, "ID_LIST_CAP", 1)
    newest_first = sorted(shop, key=lambda t: (t[2], t[0]), reverse=True)
    expected = ([t[0] for t in newest_first if FIRST.get(t[1]) is True]
                + [t[0] for t in newest_first if FIRST.get(t[1]) is False])
    for limit in (200, 4):
        seen: list[int] = []
        query = ListQuery(search="smith", sort="opened", descending=True, limit=limit)
        while True:
            page = tickets.list_tickets(uow, query)
            seen += [r.id for r in page.rows]
            if page.next_cursor is None:
                break
            query = ListQuery(search="smith", sort="opened", descending=True, limit=limit,
                              cursor=page.next_cursor)
        assert seen == expected


def test_sqlite_walks_the_date_index_for_many_customers(
    shop: list[tuple[int, str, datetime]], uow: UnitOfWork, engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """SQLite gathers a list of customers' tickets to sort them, however many: from
    ``SQLITE_WALK_FROM`` customers their tickets are found walking the date index (the
    customer is compared as ``customer_id + 0``, which no index serves), and below it
    gathered as before; the same tickets either way."""
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's planner chooses from its statistics")
    query = ListQuery(search="smith", sort="opened", descending=True, limit=200)
    with statements_sent(engine) as statements:
        gathered = [r.id for r in tickets.list_tickets(uow, query).rows]
        monkeypatch.setattr(repositories, "SQLITE_WALK_FROM", 4)
        walked = [r.id for r in tickets.list_tickets(uow, query).rows]
    assert walked == gathered and len(walked) == 15
    pages = [s for s in statements if s.startswith("SELECT service_tickets.id")]
    # Each search pages its two groups; the second leaves out the first's matches, so
    # it names the customers the same way.
    assert ["service_tickets.customer_id + " in p for p in pages] == [False, False, True, True]


def test_looked_up_ids_cross_as_one_value_each_way(
    shop: list[tuple[int, str, datetime]], uow: UnitOfWork, engine: Engine,
) -> None:
    """The customers a search looks up first came back a row each and went out again as
    an array the driver wrote id by id (PostgreSQL: ~6 ms of Python for the commonest
    surname at 1M tickets); they now cross as one text each way, "{4,17}" or "[4,17]"."""
    sent: list[Any] = []

    def record(_c: Any, _cur: Any, _sql: str, parameters: Any, *_: Any) -> None:
        sent.extend(parameters.values() if isinstance(parameters, dict) else parameters)

    event.listen(engine, "before_cursor_execute", record)
    try:
        listed = tickets.list_tickets(uow, ListQuery(search="smith", limit=200))
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert {r.id for r in listed.rows} == {t[0] for t in shop if t[1] in FIRST}
    assert not [v for v in sent if isinstance(v, list | tuple)]
    named = {c.id for c in customers.list_customers(uow, ListQuery(limit=50)).rows
             if c.name in ("Kate Smith", "Smithy Jones", "Anna Lee Smithers")}
    assert len(named) == 4
    texts = [v for v in sent if isinstance(v, str) and v[:1] in "{["]
    assert any({int(i) for i in t.strip("{}[]").split(",")} == named for t in texts)


def test_names_and_surnames_are_looked_up_each_from_its_index(
    shop: list[tuple[int, str, datetime]], uow: UnitOfWork, engine: Engine,
) -> None:
    """PostgreSQL looks up the customers whose name or surname starts with the search
    one condition at a time (UNION ALL, each from its index alone: 0021), not as one OR
    (a bitmap reading every match's row: 9.4 ms for "smith" at 1M tickets, 3.2 now). A
    customer matching both ("Smith Smithson") is looked up twice and listed once."""
    both = customers.create_customer(uow, CustomerData("Smith Smithson"))
    vin = "1FTMW1T8XMFA00009"
    car = vehicles.create_vehicle(uow, VehicleData(both.id, vin[:8] + check_digit(vin) + vin[9:],
                                                   "Ford", "F-150", None, "PL9"))
    theirs = tickets.create_ticket(uow, TicketData(both.id, car.id, "Service")).id
    with statements_sent(engine) as statements:
        page = tickets.list_tickets(uow, ListQuery(search="smith", limit=200))
        listed = [r.id for r in page.rows]
    named = {t[0] for t in shop if FIRST.get(t[1]) is True} | {theirs}
    assert sorted(listed[:len(named)]) == sorted(named) and len(listed) == len(set(listed))
    lookup = next(s for s in statements if "surname_key" in s)
    assert ("UNION ALL" in lookup) is (engine.dialect.name == "postgresql")
