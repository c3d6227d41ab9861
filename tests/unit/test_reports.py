"""Reports on both backends against figures worked out by hand on a small fixed shop,
and the ranking's counts against a naive count over random ticket sets."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from mechanic_desktop.db.models import (
    Customer,
    Invoice,
    Mechanic,
    Part,
    ServiceTicket,
    StockMovement,
    TicketJob,
    TicketMechanic,
    TicketPart,
    Vehicle,
)
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.errors import ValidationError
from mechanic_desktop.domain.totals import labor_line
from mechanic_desktop.services import reports
from mechanic_desktop.services.reports import Period
from tests.conftest import empty_tables
from tests.unit.factories import crew_and_car

NOW = datetime(2025, 3, 12, 12, 0, tzinfo=UTC)  # a Wednesday
D = Decimal


def at(day: str, hour: int = 9) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def _people(s: Session) -> dict[str, int]:
    ids: dict[str, int] = {}
    for name, rate, active in (("Sam Wrench", "95.50", True), ("Alex Piston", "88.00", True),
                               ("Pat Retired", "0.30", False), ("Jo Sparks", "102.25", True)):
        m = Mechanic(name=name, name_key=name.lower(), hourly_rate=D(rate), active=active)
        s.add(m)
        s.flush()
        ids[name.split()[0]] = m.id
    vins = iter(["1M8GDM9AXKP042788", "1G4AH59H45G118341"])
    for name in ("Ada Lovelace", "Bob Builder"):
        c = Customer(name=name, name_key=name.lower(), surname_key=name.split()[1].lower())
        s.add(c)
        s.flush()
        v = Vehicle(customer_id=c.id, vin=next(vins), make="Ford", model="F-150", year=2019,
                    plate=name[:3].upper())
        s.add(v)
        s.flush()
        ids[name.split()[0]] = c.id
        ids[name.split()[0] + "-car"] = v.id
    for sku, on_hand, reorder, cost in (("OIL-5W30", 2, 10, "7.00"), ("FLT-100", 5, 5, "3.00"),
                                        ("BRK-PAD", 1, 2, "30.00"), ("OLD-1", 3, 1, "5.00"),
                                        ("NEVER-1", 0, 0, "1.00")):
        p = Part(sku=sku, name=sku.title(), name_key=sku.lower(), unit_price=D("1.00"),
                 unit_cost=D(cost), quantity_on_hand=on_hand, reorder_level=reorder)
        s.add(p)
        s.flush()
        ids[sku] = p.id
    return ids


def build_shop(engine: Engine) -> dict[str, int]:
    """The fixed shop the expectations below were worked out on."""
    with Session(engine) as s:
        ids = _people(s)
        tickets = [
            # number, customer, status, opened, completed, (parts, labor, tax, total)
            (1, "Ada", "closed", at("2025-03-03"), at("2025-03-04"),
             ("51.96", "209.25", "4.16", "265.37")),
            (2, "Bob", "completed", at("2025-03-10", 8), at("2025-03-11", 20),
             ("81.00", "31.84", "0", "112.84")),
            (3, "Ada", "cancelled", at("2025-03-05"), None, ("129.90", "88.00", "0", "217.90")),
            (4, "Ada", "in_progress", at("2025-03-01", 10), None, ("8.50", "0", "0", "50.00")),
            (5, "Bob", "open", at("2025-03-12", 8), None, ("0", "0", "0", "0")),
            (6, "Ada", "closed", at("2025-02-20"), at("2025-02-21"), ("0", "176.00", "0", "176")),
            (7, "Bob", "completed", at("2025-03-12", 7), at("2025-03-12", 10),
             ("0", "22.00", "0", "22.00")),
        ]
        for number, who, status, opened, completed, money in tickets:
            t = ServiceTicket(
                number=number, customer_id=ids[who], vehicle_id=ids[who + "-car"], status=status,
                opened_at=opened, completed_at=completed,
                closed_at=completed if status == "closed" else None,
                parts_total=D(money[0]), labor_total=D(money[1]), tax_total=D(money[2]),
                total=D(money[3]))
            s.add(t)
            s.flush()
            ids[f"T{number}"] = t.id
            if completed is not None:  # revenue reads the invoices posted when billed
                s.add(Invoice(number=number, label=f"INV-{number}", ticket_id=t.id,
                              posted_at=completed, parts_total=t.parts_total,
                              labor_total=t.labor_total, tax_total=t.tax_total,
                              total=t.total, on_account=False, snapshot="{}"))
            job = TicketJob(ticket_id=t.id, position=1, title="Work requested",
                            status="approved")
            s.add(job)
            s.flush()
            ids[f"J{number}"] = job.id
        # Work the customer declined on a billed ticket: it counts in no report.
        declined = TicketJob(ticket_id=ids["T1"], position=2, title="Timing belt",
                             status="declined")
        s.add(declined)
        s.flush()
        s.add(TicketMechanic(ticket_id=ids["T1"], job_id=declined.id, mechanic_id=ids["Pat"],
                             minutes=600, hourly_rate=D("88")))
        s.add(TicketPart(ticket_id=ids["T1"], job_id=declined.id, part_id=ids["BRK-PAD"],
                         quantity=5, unit_price=D("64.00"), added_at=at("2025-03-03"),
                         taken=False))
        for ticket, mech, minutes, rate in (("T1", "Sam", 90, "95.50"), ("T1", "Alex", 45, "88"),
                                            ("T2", "Sam", 20, "95.50"), ("T2", "Pat", 1, "0.30"),
                                            ("T3", "Alex", 60, "88"), ("T4", "Sam", 30, "95.50"),
                                            ("T6", "Alex", 120, "88"), ("T7", "Alex", 15, "88")):
            s.add(TicketMechanic(ticket_id=ids[ticket], job_id=ids["J" + ticket[1:]],
                                 mechanic_id=ids[mech], minutes=minutes, hourly_rate=D(rate)))
        for ticket, sku, qty, price, added in (
            ("T1", "OIL-5W30", 4, "12.99", "2025-03-03"),
            ("T2", "FLT-100", 2, "8.50", "2025-03-10"),
            ("T2", "BRK-PAD", 1, "64.00", "2025-03-10"),
            ("T3", "OIL-5W30", 10, "12.99", "2025-03-05"),
            ("T4", "FLT-100", 1, "8.50", "2025-03-01"),
            ("T6", "BRK-PAD", 1, "64.00", "2025-02-20"),
        ):
            s.add(TicketPart(ticket_id=ids[ticket], job_id=ids["J" + ticket[1:]],
                             part_id=ids[sku], quantity=qty, unit_price=D(price),
                             added_at=at(added), taken=ticket != "T3"))
        for sku, qty, reason, when, ticket in (
            ("OIL-5W30", 16, "initial", "2024-06-01", None),
            ("OIL-5W30", -4, "ticket", "2025-03-03", "T1"),
            ("OIL-5W30", -10, "ticket", "2025-03-05", "T3"),
            ("OIL-5W30", 10, "cancel", "2025-03-06", "T3"),
            ("FLT-100", 8, "initial", "2025-01-01", None),
            ("FLT-100", -2, "ticket", "2025-03-10", "T2"),
            ("FLT-100", -1, "ticket", "2025-03-01", "T4"),
            ("BRK-PAD", 3, "initial", "2024-11-01", None),
            ("BRK-PAD", -1, "ticket", "2025-02-20", "T6"),
            ("BRK-PAD", -1, "ticket", "2025-03-10", "T2"),
            ("OLD-1", 3, "initial", "2023-01-01", None),
        ):
            s.add(StockMovement(part_id=ids[sku], quantity=qty, reason=reason,
                                created_at=at(when),
                                ticket_id=ids[ticket] if ticket else None))
        s.commit()
    return ids


@pytest.fixture
def shop(engine: Engine) -> dict[str, int]:
    return build_shop(engine)


MARCH = Period.this_month(NOW, UTC)


def test_periods() -> None:
    assert (MARCH.start, MARCH.end) == (at("2025-03-01", 0), at("2025-04-01", 0))
    week = Period.this_week(NOW, UTC)
    assert (week.start, week.end) == (at("2025-03-10", 0), at("2025-03-17", 0))
    last = Period.last_month(NOW, UTC)
    assert (last.start, last.end) == (at("2025-02-01", 0), at("2025-03-01", 0))
    year = Period.this_year(NOW, UTC)
    assert (year.start, year.end) == (at("2025-01-01", 0), at("2026-01-01", 0))
    custom = Period.custom(date(2025, 3, 5), date(2025, 3, 5), UTC)
    assert custom.end - custom.start == timedelta(days=1)
    assert (custom.first_day, custom.last_day) == (date(2025, 3, 5), date(2025, 3, 5))
    with pytest.raises(ValidationError):
        Period.custom(date(2025, 3, 5), date(2025, 3, 4), UTC)


def test_ranking(uow: UnitOfWork, shop: dict[str, int]) -> None:
    rows = reports.mechanic_ranking(uow, MARCH)
    got = [(r.name, r.tickets, r.minutes, r.labor, r.avg_seconds) for r in rows]
    assert got == [
        ("Sam Wrench", 2, 110, D("175.08"), pytest.approx(108000, abs=1)),
        ("Alex Piston", 2, 60, D("88.00"), pytest.approx(48600, abs=1)),
        ("Pat Retired", 1, 1, D("0.01"), pytest.approx(129600, abs=1)),
        ("Jo Sparks", 0, 0, D("0.00"), None),
    ]
    assert rows[0].hours == D("1.83")
    # Labour revenue equals the sum of the line totals as domain.totals rounds them.
    assert rows[0].labor == labor_line(90, D("95.50")) + labor_line(20, D("95.50"))
    last = reports.mechanic_ranking(uow, Period.last_month(NOW, UTC))
    assert [(r.name, r.tickets, r.labor) for r in last] == [
        ("Alex Piston", 1, D("176.00")), ("Jo Sparks", 0, D("0.00")), ("Sam Wrench", 0, D("0.00"))]


def test_revenue_by_month_and_week(uow: UnitOfWork, shop: dict[str, int]) -> None:
    months = reports.revenue(uow, Period.this_year(NOW, UTC), "month")
    assert len(months) == 12
    assert [b.start for b in months[:3]] == [date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)]
    assert months[0].total == D("0.00") and months[0].invoices == 0
    assert (months[1].invoices, months[1].labor, months[1].total) == (1, D("176.00"), D("176.00"))
    march = months[2]
    assert (march.invoices, march.parts, march.labor, march.tax, march.total) == (
        3, D("132.96"), D("263.09"), D("4.16"), D("400.21"))
    weeks = reports.revenue(uow, MARCH, "week")
    assert [b.start for b in weeks] == [date(2025, 2, 24), date(2025, 3, 3), date(2025, 3, 10),
                                       date(2025, 3, 17), date(2025, 3, 24), date(2025, 3, 31)]
    assert [b.total for b in weeks] == [D("0.00"), D("265.37"), D("134.84"), D("0.00"),
                                        D("0.00"), D("0.00")]


def test_revenue_buckets_follow_local_offset(uow: UnitOfWork, shop: dict[str, int]) -> None:
    # At UTC+5, T2 (completed 03-11 20:00 UTC) falls on local 03-12, with T7.
    plus5 = timezone(timedelta(hours=5))
    day = Period.custom(date(2025, 3, 12), date(2025, 3, 12), plus5)
    buckets = reports.revenue(uow, day, "week")
    assert [(b.start, b.invoices, b.total) for b in buckets] == [
        (date(2025, 3, 10), 2, D("134.84"))]


def test_parts_usage(uow: UnitOfWork, shop: dict[str, int]) -> None:
    usage = reports.parts_usage(uow, MARCH, now=NOW)
    assert [(u.sku, u.quantity, u.revenue) for u in usage.by_quantity] == [
        ("OIL-5W30", 4, D("51.96")), ("FLT-100", 3, D("25.50")), ("BRK-PAD", 1, D("64.00"))]
    assert [u.sku for u in usage.by_revenue] == ["BRK-PAD", "OIL-5W30", "FLT-100"]
    assert [(i.sku, i.on_hand, i.stock_value, i.last_movement) for i in usage.idle] == [
        ("OLD-1", 3, D("15.00"), at("2023-01-01")), ("NEVER-1", 0, D("0.00"), None)]


def test_low_stock(uow: UnitOfWork, shop: dict[str, int]) -> None:
    lines = reports.low_stock(uow, now=NOW)
    assert [(x.sku, x.on_hand, x.reorder_level, x.used_90_days, x.suggested) for x in lines] == [
        ("BRK-PAD", 1, 2, 2, 2), ("FLT-100", 5, 5, 3, 1), ("NEVER-1", 0, 0, 0, 0),
        ("OIL-5W30", 2, 10, 4, 10)]
    assert lines[0].order_cost == D("60.00")


def test_suggested_order_formula() -> None:
    assert reports.suggested_order(on_hand=2, reorder_level=10, used_90_days=4) == 10
    assert reports.suggested_order(on_hand=5, reorder_level=5, used_90_days=0) == 1
    assert reports.suggested_order(on_hand=0, reorder_level=0, used_90_days=0) == 0
    assert reports.suggested_order(on_hand=0, reorder_level=0, used_90_days=9) == 3
    assert reports.suggested_order(on_hand=50, reorder_level=5, used_90_days=90) == 0


def test_work_in_progress(uow: UnitOfWork, shop: dict[str, int]) -> None:
    wip = reports.work_in_progress(uow, now=NOW)
    assert [(s.status, s.tickets, s.value) for s in wip.by_status] == [
        ("open", 1, D("0.00")), ("in_progress", 1, D("50.00"))]
    assert (wip.total_tickets, wip.total_value) == (2, D("50.00"))
    assert [t.number for t in wip.tickets] == [4, 5]
    assert wip.tickets[0].age_days == pytest.approx(11 + 2 / 24)
    assert wip.tickets[0].customer == "Ada Lovelace"
    assert wip.tickets[0].vehicle == "2019 Ford F-150 ADA"


def test_customer_totals_and_history(uow: UnitOfWork, shop: dict[str, int]) -> None:
    assert [(c.name, c.tickets, c.total) for c in reports.customer_totals(uow, MARCH)] == [
        ("Ada Lovelace", 1, D("265.37")), ("Bob Builder", 2, D("134.84"))]
    history = reports.customer_history(uow, shop["Ada"])
    assert [t.number for t in history.tickets] == [3, 1, 4, 6]
    assert (history.visits, history.billed, history.open_tickets) == (3, D("441.37"), 1)
    assert (history.first_visit, history.last_visit) == (at("2025-02-20"), at("2025-03-03"))


def test_dashboard(uow: UnitOfWork, shop: dict[str, int]) -> None:
    board = reports.dashboard(uow, now=NOW, tz=UTC)
    assert board.open_by_status == {"open": 1, "in_progress": 1}
    assert (board.completed_today, board.low_stock) == (1, 4)
    assert (board.week_tickets, board.week_revenue) == (2, D("134.84"))


def test_empty_database(uow: UnitOfWork) -> None:
    assert reports.mechanic_ranking(uow, MARCH) == []
    assert all(b.total == 0 for b in reports.revenue(uow, MARCH, "week"))
    board = reports.dashboard(uow, now=NOW, tz=UTC)
    assert (board.low_stock, board.week_revenue) == (0, D("0.00"))


# --- the ranking's counts against a naive count -----------------------------------------

STATUSES = ("open", "in_progress", "completed", "closed", "cancelled")
ticket_sets = st.lists(
    st.tuples(
        st.sampled_from(STATUSES),
        st.integers(min_value=-40, max_value=40),  # completed, days from March 1st
        st.sets(st.integers(min_value=0, max_value=2), max_size=3),  # mechanics
    ),
    max_size=12,
)


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tickets=ticket_sets)
def test_ranking_counts_match_a_naive_count(
    engine: Engine, tickets: list[tuple[str, int, set[int]]]
) -> None:
    empty_tables(engine)
    start = at("2025-03-01", 0)
    with Session(engine) as s:
        crew, c, v = crew_and_car(s, 3)
        for n, (status, offset, who) in enumerate(tickets, start=1):
            done = start + timedelta(days=offset, hours=5)
            billed = status in ("completed", "closed")
            t = ServiceTicket(number=n, customer_id=c.id, vehicle_id=v.id, status=status,
                              opened_at=done - timedelta(days=2),
                              completed_at=done if billed else None)
            s.add(t)
            s.flush()
            job = TicketJob(ticket_id=t.id, position=1, title="Service", status="approved")
            s.add(job)
            s.flush()
            s.add_all(TicketMechanic(ticket_id=t.id, job_id=job.id, mechanic_id=crew[i].id,
                                     minutes=30, hourly_rate=D("60")) for i in who)
        s.commit()
    expected: Counter[str] = Counter()
    for status, offset, who in tickets:
        done = start + timedelta(days=offset, hours=5)
        if status in ("completed", "closed") and MARCH.start <= done < MARCH.end:
            expected.update(f"M{i}" for i in who)
    rows = reports.mechanic_ranking(UnitOfWork(engine), MARCH)
    assert {r.name: r.tickets for r in rows} == {f"M{i}": expected[f"M{i}"] for i in range(3)}
    assert [r.tickets for r in rows] == sorted((r.tickets for r in rows), reverse=True)
    assert all(r.labor == D("30.00") * r.tickets for r in rows)


def test_revenue_leaves_out_weeks_and_months_not_begun(
    uow: UnitOfWork, shop: dict[str, int]
) -> None:
    """The chart stopped at zero for every future month of the year; now it stops today."""
    months = reports.revenue(uow, Period.this_year(NOW, UTC), "month", now=NOW)
    assert [b.start for b in months][-1] == NOW.date().replace(day=1)
    assert len(months) == NOW.month
    weeks = reports.revenue(uow, MARCH, "week", now=datetime(2025, 3, 12, 9, 0, tzinfo=UTC))
    assert [b.start for b in weeks] == [date(2025, 2, 24), date(2025, 3, 3), date(2025, 3, 10)]
