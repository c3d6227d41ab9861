"""The seeder's data must obey every rule the app's own services enforce, on both backends,
since the demo database and the benchmarks are only as truthful as that data."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import pytest
from sqlalchemy import Engine, func, inspect, select, text

from mechanic_desktop.db import seed as seed_module
from mechanic_desktop.db.models import (
    CannedJob,
    CannedJobLine,
    Customer,
    Mechanic,
    Part,
    ServiceTicket,
    StockMovement,
    TicketJob,
    TicketMechanic,
    TicketPart,
    Vehicle,
)
from mechanic_desktop.db.seed import SeedPlan, seed
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.money import to_cents
from mechanic_desktop.domain.records import ListQuery
from mechanic_desktop.domain.status import TicketStatus
from mechanic_desktop.domain.validation import check_email, phone_digits, search_key
from mechanic_desktop.domain.vin import check_vin
from mechanic_desktop.services import customers, tickets, vehicles
from tests.conftest import empty_tables

PLAN = SeedPlan(customers=60, tickets=400, mechanics=5, parts=40, random_seed=7)


def counts(engine: Engine) -> dict[str, int]:
    models = (Customer, Vehicle, Mechanic, Part, ServiceTicket, TicketMechanic, TicketPart,
              StockMovement)
    with engine.connect() as conn:
        return {
            m.__tablename__: int(conn.scalar(select(func.count()).select_from(m)) or 0)
            for m in models
        }


def check_invariants(engine: Engine) -> None:
    """Every rule the services keep, checked over the whole database by SQL."""
    with engine.connect() as conn:
        for vin, year in conn.execute(select(Vehicle.vin, Vehicle.year)):
            result = check_vin(vin)
            assert result.ok and result.warning is None, vin
            # Only a North-American VIN tells its year (the others' is stored as typed).
            decoded = year if result.region == "North America" else None
            assert result.model_year == decoded, vin

        emails = conn.scalars(select(Customer.email).where(Customer.email.is_not(None))).all()
        assert len(emails) == len(set(emails))
        for email in emails[:50]:
            assert check_email(email) == (email, None)
        for name, key, surname, phone, digits in conn.execute(
            select(Customer.name, Customer.name_key, Customer.surname_key, Customer.phone,
                   Customer.phone_digits)
        ):
            assert key == search_key(name)
            assert surname == key.rsplit(" ", 1)[-1]
            assert digits == phone_digits(phone) and len(digits) == 10

        ledger = dict(
            conn.execute(
                select(StockMovement.part_id, func.sum(StockMovement.quantity)).group_by(
                    StockMovement.part_id
                )
            ).all()
        )
        for part_id, on_hand in conn.execute(select(Part.id, Part.quantity_on_hand)):
            assert on_hand >= 0
            assert ledger.get(part_id, 0) == on_hand, part_id
        initial = conn.scalar(
            select(func.count()).select_from(StockMovement).where(StockMovement.reason == "initial")
        )
        assert initial == conn.scalar(select(func.count()).select_from(Part))
        unmatched = conn.scalar(
            select(func.count())
            .select_from(TicketPart)
            .outerjoin(
                StockMovement,
                (StockMovement.ticket_id == TicketPart.ticket_id)
                & (StockMovement.part_id == TicketPart.part_id)
                & (StockMovement.quantity == -TicketPart.quantity),
            )
            .where(StockMovement.id.is_(None))
        )
        assert unmatched == 0

        labor: dict[int, Decimal] = defaultdict(Decimal)
        for ticket_id, minutes, rate in conn.execute(
            select(TicketMechanic.ticket_id, TicketMechanic.minutes, TicketMechanic.hourly_rate)
        ):
            labor[ticket_id] += to_cents(Decimal(minutes) / 60 * rate)
        parts: dict[int, Decimal] = defaultdict(Decimal)
        for ticket_id, quantity, price in conn.execute(
            select(TicketPart.ticket_id, TicketPart.quantity, TicketPart.unit_price)
        ):
            parts[ticket_id] += to_cents(quantity * price)
        mechanics_on = set(conn.scalars(select(TicketMechanic.ticket_id)))

        rows = conn.execute(
            select(ServiceTicket).order_by(ServiceTicket.opened_at, ServiceTicket.id)
        ).all()
        last_reading: dict[int, int] = {}
        for t in rows:
            assert t.labor_total == labor[t.id], t.number
            assert t.parts_total == parts[t.id], t.number
            assert t.total == t.parts_total + t.labor_total + t.tax_total, t.number
            assert t.id in mechanics_on
            assert (t.completed_at is not None) == (t.status in ("completed", "closed"))
            assert (t.closed_at is not None) == (t.status in ("closed", "cancelled"))
            for stamp in (t.completed_at, t.closed_at):
                assert stamp is None or stamp >= t.opened_at
            if t.completed_at is not None and t.closed_at is not None:
                assert t.closed_at >= t.completed_at
            if t.odometer_in is not None:
                assert t.odometer_in >= last_reading.get(t.vehicle_id, 0), t.number
                last_reading[t.vehicle_id] = t.odometer_in
        for vehicle_id, odometer in conn.execute(select(Vehicle.id, Vehicle.odometer)):
            assert odometer is not None and odometer >= last_reading.get(vehicle_id, 0)
        owners = conn.scalar(
            select(func.count())
            .select_from(ServiceTicket)
            .join(Vehicle, Vehicle.id == ServiceTicket.vehicle_id)
            .where(Vehicle.customer_id != ServiceTicket.customer_id)
        )
        assert owners == 0
        numbers = conn.scalars(select(ServiceTicket.number).order_by(ServiceTicket.number)).all()
        assert numbers == list(range(1, len(numbers) + 1))
        if engine.dialect.name == "sqlite":
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []


def test_seed_keeps_every_invariant(engine: Engine) -> None:
    report = seed(engine, PLAN)
    assert "60 customers" in report and "400 tickets" in report
    found = counts(engine)
    assert found["customers"] == 60
    assert 60 <= found["vehicles"] <= 120
    assert found["mechanics"] == 5 and found["parts"] == 40
    assert found["service_tickets"] == 400
    assert found["ticket_mechanics"] >= 400
    assert found["stock_movements"] == found["ticket_parts"] + 40
    check_invariants(engine)
    with engine.connect() as conn:
        statuses = set(conn.scalars(select(ServiceTicket.status).distinct()))
    assert statuses == {s.value for s in TicketStatus}


def test_services_read_seeded_rows(engine: Engine) -> None:
    seed(engine, PLAN)
    uow = UnitOfWork(engine)
    page = customers.list_customers(uow, ListQuery())
    assert len(page.rows) == 60
    keys = [search_key(r.name) for r in page.rows]
    assert keys == sorted(keys)
    with engine.connect() as conn:
        name, surname = conn.execute(select(Customer.name, Customer.surname_key).limit(1)).one()
        vin = conn.scalar(select(Vehicle.vin).limit(1))
        number = conn.scalar(select(func.max(ServiceTicket.number)))
    assert name in [r.name for r in customers.list_customers(uow, ListQuery(search=surname)).rows]
    assert [r.vin for r in vehicles.list_vehicles(uow, ListQuery(search=vin[-8:])).rows] == [vin]
    first = tickets.list_tickets(uow, ListQuery(limit=50))
    assert len(first.rows) == 50 and first.next_cursor is not None
    assert all(r.mechanics for r in first.rows)
    found = tickets.list_tickets(uow, ListQuery(search=str(number)))
    assert number in [r.number for r in found.rows]
    record = tickets.get_ticket(uow, found.rows[0].id)
    assert record.total == record.parts_total + record.labor_total + record.tax_total


def test_seed_appends_and_the_app_can_add_after_it(engine: Engine) -> None:
    seed(engine, PLAN)
    seed(engine, SeedPlan(customers=20, tickets=50, mechanics=2, parts=10, random_seed=8))
    found = counts(engine)
    assert found["customers"] == 80 and found["service_tickets"] == 450
    assert found["mechanics"] == 7 and found["parts"] == 50
    check_invariants(engine)
    # Ids were given explicitly: the next id the database hands out must be free.
    uow = UnitOfWork(engine)
    added = customers.create_customer(uow, customers.CustomerData("Ada Lovelace"))
    assert added.id == 81


def test_large_load_rebuilds_the_indexes_it_dropped(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    def schema() -> tuple[set[str], set[str]]:
        inspector = inspect(engine)
        indexes, keys = set(), set()
        for table in seed_module.SEEDED_TABLES:
            indexes |= {str(i["name"]) for i in inspector.get_indexes(table)}
            keys |= {str(k["name"]) for k in inspector.get_foreign_keys(table)}
        return indexes, keys

    def triggers() -> set[str]:
        with engine.connect() as conn:
            if engine.dialect.name != "sqlite":
                return set()
            return set(conn.scalars(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")))

    before, kept = schema(), triggers()
    monkeypatch.setattr(seed_module, "DEFER_INDEXES_FROM", 100)
    seed(engine, SeedPlan(customers=30, tickets=200, mechanics=3, parts=20, random_seed=3))
    assert schema() == before
    assert triggers() == kept  # the search tables' triggers (SQLite) are back
    check_invariants(engine)
    # The search indexes were rebuilt: every customer is found by a word of the name
    # and the last digits of the phone, and a new one is indexed as it is added.
    uow = UnitOfWork(engine)
    with engine.connect() as conn:
        rows = conn.execute(select(Customer.id, Customer.name_key, Customer.phone_digits)).all()
    for row in rows[:10]:
        found = customers.list_customers(uow, ListQuery(search=row.name_key.split()[-1])).rows
        assert row.id in {r.id for r in found}
        found = customers.list_customers(uow, ListQuery(search=row.phone_digits[-4:])).rows
        assert row.id in {r.id for r in found}
    customers.create_customer(uow, customers.CustomerData("Zed Quillfeather"))
    assert [r.name for r in customers.list_customers(uow, ListQuery(search="quillf")).rows] == [
        "Zed Quillfeather"]


def test_same_seed_same_data(engine: Engine) -> None:
    plan = SeedPlan(customers=15, tickets=30, mechanics=2, parts=8, random_seed=11)

    def snapshot() -> list[tuple[object, ...]]:
        with engine.connect() as conn:
            return [
                tuple(r)
                for r in conn.execute(
                    select(Customer.name, Customer.email, Vehicle.vin, Vehicle.plate)
                    .join(Vehicle, Vehicle.customer_id == Customer.id)
                    .order_by(Vehicle.id)
                )
            ]

    seed(engine, plan)
    first = snapshot()
    empty_tables(engine)
    seed(engine, plan)
    assert snapshot() == first


def test_plan_must_be_consistent() -> None:
    with pytest.raises(ValueError, match="customer"):
        SeedPlan(customers=0, tickets=10).check()
    with pytest.raises(ValueError, match="negative"):
        SeedPlan(parts=-1).check()


@pytest.mark.parametrize(
    ("columns", "model"),
    [
        (seed_module.CUSTOMER_COLUMNS, Customer),
        (seed_module.VEHICLE_COLUMNS, Vehicle),
        (seed_module.MECHANIC_COLUMNS, Mechanic),
        (seed_module.PART_COLUMNS, Part),
        (seed_module.TICKET_COLUMNS, ServiceTicket),
        (seed_module.TICKET_MECHANIC_COLUMNS, TicketMechanic),
        (seed_module.TICKET_PART_COLUMNS, TicketPart),
        (seed_module.JOB_COLUMNS, TicketJob),
        (seed_module.MOVEMENT_COLUMNS, StockMovement),
        (seed_module.CANNED_JOB_COLUMNS, CannedJob),
        (seed_module.CANNED_LINE_COLUMNS, CannedJobLine),
    ],
)
def test_seeder_writes_every_column_of_the_model(columns: tuple[str, ...], model: type) -> None:
    """The seeder bypasses the ORM; when a model gains or renames a column, this says so.
    A column the database fills by default (a record's starting version) it may leave
    out: it seeds databases at older revisions too, which lack such a column; so may it
    an optional column that is empty unless someone fills it (a line's discount, a fee
    line's amount: the demo shop gives none), and a labour line's own id, which the
    database numbers (nothing refers to it)."""
    table = model.__table__
    filled = {name for name, column in table.columns.items() if column.server_default is None
              and not (column.nullable and column.default is None)
              and not (model is TicketMechanic and name == "id")}
    assert filled <= set(columns) <= set(table.columns.keys())


def test_the_seed_command_refuses_a_database_that_holds_data(
    engine: Engine, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``mechanic-desktop seed`` signs no one in: it fills only an empty database, never
    a working shop's (demo data there is an administrator's, in the app)."""
    from mechanic_desktop import app
    from mechanic_desktop.domain.staff import Role
    from mechanic_desktop.services import staff
    from tests.unit.test_auth import FLOOR, GOOD

    monkeypatch.delenv("MECHANIC_DATABASE_URL", raising=False)
    url = engine.url.render_as_string(hide_password=False)
    small = ["--customers", "3", "--tickets", "4", "--mechanics", "1", "--parts", "2"]
    assert app.main(["seed", "--database-url", url, *small]) == 0  # empty: seeded
    seeded = counts(engine)
    assert seeded["customers"] == 3
    capsys.readouterr()
    assert app.main(["seed", "--database-url", url, *small]) == 2  # now it holds data
    assert "already holds a shop's data (3 customers, 4 tickets, 2 parts, 1 mechanic)" in (
        capsys.readouterr().err)
    empty_tables(engine)
    staff.create_first_admin(UnitOfWork(engine), staff.StaffData("boss", "Pat", Role.ADMIN),
                             GOOD, GOOD, FLOOR)
    assert app.main(["seed", "--database-url", url, *small]) == 2
    assert "(1 staff account)" in capsys.readouterr().err
    assert counts(engine)["customers"] == 0
