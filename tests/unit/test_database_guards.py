"""The database's own constraints, engine settings and unit of work, on both backends.

These bypass the services on purpose: they prove the second line of defence holds
when a service has a bug or two desks race.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

from mechanic_desktop.db.models import Customer, Part, ShopSettings, StockMovement, TicketPart
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.services import parts
from tests.unit import factories


def _insert_fails(uow: UnitOfWork, *objects: object) -> None:
    with uow, pytest.raises(IntegrityError):
        uow.session.add_all(objects)
        uow.flush()


def test_stock_cannot_go_negative(uow: UnitOfWork) -> None:
    _insert_fails(uow, Part(sku="X", name="X", name_key="x", quantity_on_hand=-1))


def test_prices_cannot_be_negative(uow: UnitOfWork) -> None:
    _insert_fails(uow, Part(sku="X", name="X", name_key="x", unit_price=Decimal("-0.01")))


def test_part_line_quantity_must_be_positive(uow: UnitOfWork) -> None:
    ticket = factories.ticket(uow)
    oil = parts.create_part(uow, parts.PartData("OIL", "Oil", "5"))
    _insert_fails(
        uow, TicketPart(ticket_id=ticket.id, part_id=oil.id, quantity=0, unit_price=Decimal(1))
    )


def test_movement_reason_must_be_known(uow: UnitOfWork) -> None:
    oil = parts.create_part(uow, parts.PartData("OIL", "Oil", "5"))
    _insert_fails(uow, StockMovement(part_id=oil.id, quantity=1, reason="gift"))


def test_email_must_be_stored_lower_case(uow: UnitOfWork) -> None:
    _insert_fails(uow, Customer(name="A", name_key="a", surname_key="a", email="A@B.C"))


def test_customer_with_tickets_cannot_be_deleted_by_sql(engine: Engine, uow: UnitOfWork) -> None:
    ticket = factories.ticket(uow)
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text("DELETE FROM customers WHERE id = :id"), {"id": ticket.customer_id})


def test_money_round_trips_exactly(uow: UnitOfWork) -> None:
    made = parts.create_part(uow, parts.PartData("P", "P", "9999999999.99", "0.01"))
    got = parts.get_part(uow, made.id)
    assert (got.unit_price, got.unit_cost) == (Decimal("9999999999.99"), Decimal("0.01"))


def test_unit_of_work_rolls_back_unless_committed(uow: UnitOfWork) -> None:
    with uow:
        uow.customers.add(Customer(name="Ghost", name_key="ghost", surname_key="ghost"))
        uow.flush()
    with uow:
        assert uow.customers.count() == 0


def test_unit_of_work_guard_runs_before_every_session(engine: Engine) -> None:
    calls: list[int] = []
    guarded = UnitOfWork(engine, guard=lambda: calls.append(1))
    with guarded:
        pass
    with guarded:
        pass
    assert calls == [1, 1]


def test_sqlite_connection_settings(sqlite_engine: Engine) -> None:
    with sqlite_engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000


def test_three_place_percentages_round_trip(uow: UnitOfWork) -> None:
    with uow.writing():
        uow.session.add(ShopSettings(id=1, tax_rate=Decimal("8.875")))
        uow.commit()
    with uow:
        settings = uow.session.get(ShopSettings, 1)
        assert settings is not None
        assert settings.tax_rate == Decimal("8.875")
    _insert_fails(uow, ShopSettings(id=2))
