"""``mechanic_work_days`` (migration 0017) is kept by triggers: after any mix of writes
to tickets, labour lines and jobs — ORM and Core, several per transaction, rolled back
or committed — it equals a recount from the lines, and the ranking read through it
equals one counted from the lines alone, for periods cut anywhere in a day."""

from __future__ import annotations

import importlib.util
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from mechanic_desktop.db.mechanic_work import billed_work, recount_all, whole_days
from mechanic_desktop.db.migrations import alembic_dir
from mechanic_desktop.db.models import (
    MechanicWorkDay,
    ServiceTicket,
    TicketJob,
    TicketMechanic,
)
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.services import reports
from mechanic_desktop.services.reports import Period
from tests.conftest import empty_tables
from tests.unit.factories import crew_and_car

D = Decimal
DAY0 = datetime(2025, 3, 1, tzinfo=UTC)
TICKETS, JOBS_PER_TICKET, MECHANICS = 4, 2, 3
STATUSES = ("open", "in_progress", "completed", "closed", "cancelled")
JOB_STATUSES = ("proposed", "approved", "declined", "deferred")

hours = st.integers(min_value=0, max_value=4 * 24 - 1)
operation = st.one_of(
    st.tuples(st.just("line"), st.integers(0, TICKETS * JOBS_PER_TICKET - 1),
              st.integers(0, MECHANICS - 1), st.integers(0, 600), st.sampled_from(
                  ["0.00", "60.00", "95.50", "0.30"])),
    st.tuples(st.just("minutes"), st.integers(0, 30), st.integers(0, 600)),
    st.tuples(st.just("rate"), st.integers(0, 30), st.sampled_from(["12.34", "88.00"])),
    st.tuples(st.just("drop"), st.integers(0, 30)),
    st.tuples(st.just("status"), st.integers(0, TICKETS - 1), st.sampled_from(STATUSES),
              hours),
    st.tuples(st.just("opened"), st.integers(0, TICKETS - 1), hours),
    st.tuples(st.just("job"), st.integers(0, TICKETS * JOBS_PER_TICKET - 1),
              st.sampled_from(JOB_STATUSES)),
    st.tuples(st.just("all_minutes"), st.integers(0, TICKETS - 1), st.integers(0, 90)),
    st.tuples(st.just("commit")),
    st.tuples(st.just("rollback")),
)


def _shop(engine: Engine) -> tuple[list[int], list[int], list[tuple[int, int]]]:
    """Mechanics, tickets and (job, ticket) ids of a small shop with no labour yet."""
    with Session(engine) as s:
        crew, customer, car = crew_and_car(s, MECHANICS)
        tickets, jobs = [], []
        for n in range(TICKETS):
            t = ServiceTicket(number=n + 1, customer_id=customer.id, vehicle_id=car.id,
                              status="in_progress", opened_at=DAY0 - timedelta(hours=n))
            s.add(t)
            s.flush()
            tickets.append(t.id)
            for p in range(JOBS_PER_TICKET):
                job = TicketJob(ticket_id=t.id, position=p + 1, title="Job",
                                status="approved")
                s.add(job)
                s.flush()
                jobs.append((job.id, t.id))
                s.add(TicketMechanic(ticket_id=t.id, job_id=job.id,
                                     mechanic_id=crew[(n + p) % MECHANICS].id,
                                     minutes=30 + n, hourly_rate=D("95.50")))
        s.flush()
        # Half the tickets billed already (on two different days), before any writes.
        for n in range(TICKETS // 2):
            t = s.get(ServiceTicket, tickets[n])
            assert t is not None
            t.status, t.completed_at = "completed", DAY0 + timedelta(hours=20 + 10 * n)
        s.commit()
        return [m.id for m in crew], tickets, jobs


def _apply(s: Session, op: tuple[Any, ...], crew: list[int], tickets: list[int],
           jobs: list[tuple[int, int]]) -> None:
    lines = s.scalars(select(TicketMechanic).order_by(TicketMechanic.id)).all()
    kind = op[0]
    if kind == "line":
        job, ticket = jobs[op[1]]
        taken = {(x.job_id, x.mechanic_id) for x in lines}
        if (job, crew[op[2]]) not in taken:
            s.add(TicketMechanic(ticket_id=ticket, job_id=job, mechanic_id=crew[op[2]],
                                 minutes=op[3], hourly_rate=D(op[4])))
    elif kind in ("minutes", "rate", "drop") and lines:
        line = lines[op[1] % len(lines)]
        if kind == "minutes":
            line.minutes = op[2]
        elif kind == "rate":
            line.hourly_rate = D(op[2])
        else:
            s.delete(line)
    elif kind == "status":
        t = s.get(ServiceTicket, tickets[op[1]])
        assert t is not None
        t.status = op[2]
        t.completed_at = (DAY0 + timedelta(hours=op[3])
                          if op[2] in ("completed", "closed") else None)
    elif kind == "opened":
        t = s.get(ServiceTicket, tickets[op[1]])
        assert t is not None
        t.opened_at = DAY0 - timedelta(hours=op[2])
    elif kind == "job":
        j = s.get(TicketJob, jobs[op[1]][0])
        assert j is not None
        j.status = op[2]
    elif kind == "all_minutes":
        # One statement changing several rows (PostgreSQL fires row triggers after it).
        s.execute(update(TicketMechanic).where(TicketMechanic.ticket_id == tickets[op[1]])
                  .values(minutes=TicketMechanic.minutes + op[2]))
    elif kind == "commit":
        s.commit()
    elif kind == "rollback":
        s.rollback()
    s.flush()


def _table(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return sorted(tuple(r) for r in conn.execute(select(
            MechanicWorkDay.completed_on, MechanicWorkDay.mechanic_id, MechanicWorkDay.tickets,
            MechanicWorkDay.lines, MechanicWorkDay.minutes, MechanicWorkDay.labor_cents,
            MechanicWorkDay.milliseconds)))


def _recount(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return sorted(tuple(int(v) if isinstance(v, Decimal) else v for v in r)
                      for r in conn.execute(billed_work(engine.dialect.name, by_day=True)))


def _ranking_from_lines(engine: Engine, period: Period) -> dict[int, tuple[int, int, int]]:
    """(tickets, minutes, labour cents) per mechanic, counted from the lines alone."""
    with engine.connect() as conn:
        rows = conn.execute(billed_work(
            engine.dialect.name, ServiceTicket.completed_at >= period.start,
            ServiceTicket.completed_at < period.end)).all()
    return {r.mechanic_id: (int(r.tickets), int(r.minutes), int(r.labor_cents)) for r in rows}


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(operations=st.lists(operation, max_size=25), cut=st.tuples(hours, hours))
def test_table_equals_a_recount_after_any_writes(
    engine: Engine, operations: list[tuple[Any, ...]], cut: tuple[int, int]
) -> None:
    empty_tables(engine)
    crew, tickets, jobs = _shop(engine)
    with Session(engine) as s:
        for op in operations:
            _apply(s, op, crew, tickets, jobs)
        s.commit()
    assert _table(engine) == _recount(engine)
    # The ranking through the table (whole days) plus the lines (partial days) equals
    # the lines alone, wherever the period starts and ends within the days.
    low, high = sorted(cut)
    period = Period(DAY0 + timedelta(hours=low, minutes=17),
                    DAY0 + timedelta(hours=high + 1, minutes=-5))
    expected = _ranking_from_lines(engine, period)
    got = {r.mechanic_id: (r.tickets, r.minutes, int(r.labor * 100))
           for r in reports.mechanic_ranking(UnitOfWork(engine), period)}
    assert got == {m: expected.get(m, (0, 0, 0)) for m in crew}


def test_recount_all_rebuilds_the_table(engine: Engine) -> None:
    """What the bulk seeder runs after a load without triggers."""
    empty_tables(engine)
    crew, tickets, jobs = _shop(engine)
    with Session(engine) as s:
        _apply(s, ("status", 2, "closed", 50), crew, tickets, jobs)
        s.commit()
    kept = _table(engine)
    assert len(kept) == 6
    with engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM mechanic_work_days")
        for statement in recount_all(engine.dialect.name):
            conn.execute(statement)
    assert _table(engine) == kept


@pytest.mark.parametrize(("start", "end", "days"), [
    ("2025-03-01 00:00", "2025-03-04 00:00", ("2025-03-01", "2025-03-04")),
    ("2025-03-01 05:00", "2025-03-04 05:00", ("2025-03-02", "2025-03-04")),
    ("2025-03-01 05:00", "2025-03-02 04:00", None),
])
def test_whole_days(start: str, end: str, days: tuple[str, str] | None) -> None:
    def at(text: str) -> datetime:
        return datetime.fromisoformat(text).replace(tzinfo=UTC)

    got = whole_days(at(start), at(end))
    assert got == (None if days is None else (at(days[0] + " 00:00"), at(days[1] + " 00:00")))


def test_sqlite_recounts_a_day_from_the_completion_date_index(engine: Engine) -> None:
    """A trigger's recount reads one day of tickets: through the status index (nearly
    every ticket is billed) it read them all, 1.7 s per completed ticket at 1M."""
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL costs the status filter itself")
    spec = importlib.util.spec_from_file_location("m0017", next(
        (alembic_dir() / "versions").glob("0017_*.py")))
    assert spec is not None and spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    insert = migration._sqlite_recount("'2025-03-01'").split(";")[1]
    select_part = insert[insert.index("SELECT"):]
    with engine.connect() as conn:
        plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN " + select_part))
    assert "ix_service_tickets_billed" in plan and "status_opened" not in plan, plan
