"""Keyset paging of every list, by every sort, both ways, on both backends: with many rows
sharing a sort value across page boundaries, walking the pages gives every row exactly
once, in the sort's order.

Each sort ends in the primary key as a tiebreak (db/paging.py); without it the cursor of
a page's last row skips the rest of its tie group, and rows vanish at the boundary.
Hypothesis draws the sort values from three, so tie groups are large, and the page size.
The lists are found by looking for ``ListSpec`` objects in the modules that define them,
so a new list or sort without rows to build here fails
``test_every_list_and_sort_is_covered``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from mechanic_desktop.db import repositories
from mechanic_desktop.db.models import (
    AuditEntry,
    CannedJob,
    Customer,
    Mechanic,
    Part,
    ServiceTicket,
    StaffUser,
    StockMovement,
    Vehicle,
)
from mechanic_desktop.db.repositories import ListSpec, fetch_page
from mechanic_desktop.domain.records import ListQuery
from mechanic_desktop.services import audit

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
STATUSES = ("cancelled", "in_progress", "open")  # in text order, as the database sorts them


def _when(k: int) -> datetime:
    return T0 + timedelta(minutes=k)


@dataclass(frozen=True)
class Table:
    """How to fill one list's table: ``make(session, i, k, n)`` adds row ``i`` of ``n``
    whose shared sort value is number ``k`` (0-2); ``keys[sort](i, k)`` is that row's
    sort value as Python orders it, before the id tiebreak."""

    spec: ListSpec
    make: Callable[[Session, int, int, int], object]
    keys: dict[str, Callable[[int, int], Any]]


def _customer(s: Session, i: int, k: int, n: int) -> object:
    return Customer(name=f"Name {k}", name_key=f"name {k}", surname_key=f"{k}",
                    phone=f"555-000-{k}", phone_digits=f"555000{k}", created_at=_when(k))


def _vehicle(s: Session, i: int, k: int, n: int) -> object:
    owner = s.get(Customer, 1) or _add(s, Customer(id=1, name="Owner", name_key="owner",
                                                   surname_key="owner"))
    return Vehicle(customer_id=owner.id, vin=f"V{n - i:016d}", plate=f"PL {k}")


def _mechanic(s: Session, i: int, k: int, n: int) -> object:
    return Mechanic(name=f"Mech {k}", name_key=f"mech {k}", hourly_rate=Decimal(50 + k))


def _part(s: Session, i: int, k: int, n: int) -> object:
    return Part(sku=f"SKU-{n - i:03d}", name=f"Part {k}", name_key=f"part {k}",
                unit_price=Decimal(k), quantity_on_hand=k)


def _ticket(s: Session, i: int, k: int, n: int) -> object:
    vehicle = s.get(Vehicle, 1) or _add(s, Vehicle(
        id=1, vin="1" * 17,
        customer=_add(s, Customer(name="Owner", name_key="owner", surname_key="owner")),
    ))
    return ServiceTicket(number=n - i, customer_id=vehicle.customer_id, vehicle_id=vehicle.id,
                         status=STATUSES[k], opened_at=_when(k))


def _movement(s: Session, i: int, k: int, n: int) -> object:
    part = s.get(Part, 1) or _add(s, Part(id=1, sku="P", name="P", name_key="p"))
    return StockMovement(part_id=part.id, quantity=1, reason="adjust", created_at=_when(k))


def _audit(s: Session, i: int, k: int, n: int) -> object:
    return AuditEntry(at=_when(k), action="edit", entity="part", summary="")


ROLES = ("admin", "mechanic", "writer")  # in text order, as the database sorts them


def _staff(s: Session, i: int, k: int, n: int) -> object:
    return StaffUser(username=f"user{n - i:03d}", full_name=f"Full Name {k}",
                     password_hash="x", role=ROLES[k])


def _canned(s: Session, i: int, k: int, n: int) -> object:
    # Names are unique; the sort key (a search key: case and accents folded) can repeat.
    return CannedJob(name=f"Job {k} #{n - i}", name_key=f"job {k}")


def _add(s: Session, obj: Any) -> Any:
    s.add(obj)
    s.flush()
    return obj


TABLES = {
    "CUSTOMERS": Table(repositories.CUSTOMERS, _customer, {
        "name": lambda i, k: f"name {k}",
        "phone": lambda i, k: k,
        "created": lambda i, k: k,
    }),
    "VEHICLES": Table(repositories.VEHICLES, _vehicle, {
        "vin": lambda i, k: -i,
        "plate": lambda i, k: k,
    }),
    "MECHANICS": Table(repositories.MECHANICS, _mechanic, {
        "name": lambda i, k: k,
        "rate": lambda i, k: k,
    }),
    "PARTS": Table(repositories.PARTS, _part, {
        "sku": lambda i, k: -i,
        "name": lambda i, k: k,
        "on_hand": lambda i, k: k,
        "price": lambda i, k: k,
    }),
    "TICKETS": Table(repositories.TICKETS, _ticket, {
        "opened": lambda i, k: k,
        "number": lambda i, k: -i,
        "status": lambda i, k: k,
    }),
    "MOVEMENTS": Table(repositories.MOVEMENTS, _movement, {"created": lambda i, k: k}),
    "AUDIT": Table(audit.AUDIT, _audit, {"at": lambda i, k: k}),
    "CANNED_JOBS": Table(repositories.CANNED_JOBS, _canned, {"name": lambda i, k: k}),
    "STAFF": Table(repositories.STAFF, _staff, {
        "username": lambda i, k: -i,
        "full_name": lambda i, k: k,
        "role": lambda i, k: (k, -i),  # by role, then user name
    }),
}
CASES = [(name, sort) for name, table in TABLES.items() for sort in table.keys]


def test_every_list_and_sort_is_covered() -> None:
    specs = {
        f"{module.__name__}.{name}": value
        for module in (repositories, audit)
        for name, value in vars(module).items()
        if isinstance(value, ListSpec)
    }
    covered = {id(t.spec): t for t in TABLES.values()}
    missing = [name for name, spec in specs.items() if id(spec) not in covered]
    assert missing == []
    for table in TABLES.values():
        assert set(table.keys) == set(table.spec.sorts)


@pytest.mark.parametrize(("table_name", "sort"), CASES)
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    keys=st.lists(st.integers(0, 2), min_size=1, max_size=24),
    limit=st.integers(1, 6),
    descending=st.booleans(),
)
@example(keys=[1] * 7 + [0] * 5 + [2] * 6, limit=4, descending=False)
@example(keys=[1] * 7 + [0] * 5 + [2] * 6, limit=4, descending=True)
def test_pages_give_every_row_once_in_order(
    engine: Engine, table_name: str, sort: str, keys: list[int], limit: int, descending: bool
) -> None:
    table = TABLES[table_name]
    with Session(engine) as session:  # rolled back at the end: every example starts empty
        rows = [_add(session, table.make(session, i, k, len(keys))) for i, k in enumerate(keys)]
        sort_value = {row.id: table.keys[sort](i, k) for i, (row, k) in
                      enumerate(zip(rows, keys, strict=True))}
        seen: list[int] = []
        cursor = None
        for _ in range(len(keys) + 1):
            page, cursor = fetch_page(
                session,
                table.spec,
                ListQuery(sort=sort, descending=descending, cursor=cursor, limit=limit),
            )
            assert len(page) <= limit
            seen += [r[0] for r in page]
            if cursor is None:
                break
        session.rollback()
    assert len(seen) == len(set(seen)), "a row came twice"
    assert sorted(seen) == sorted(sort_value), "rows went missing"
    assert seen == sorted(sort_value, key=lambda i: (sort_value[i], i), reverse=descending)
