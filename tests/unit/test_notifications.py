"""Live updates on a real PostgreSQL: a commit at one desk reaches another's listener."""

from __future__ import annotations

import queue
import time

import psycopg
import pytest
from sqlalchemy import Engine

from mechanic_desktop.db.engine import make_engine
from mechanic_desktop.db.notifications import ChangeListener
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.changes import Payload as Changed
from mechanic_desktop.domain.errors import ValidationError
from mechanic_desktop.services import customers, staff
from tests.conftest import empty_tables
from tests.unit import factories
from tests.unit.test_auth import FLOOR, GOOD


@pytest.fixture
def pg(pg_engine: Engine) -> Engine:
    empty_tables(pg_engine)
    return pg_engine


def _listen(engine: Engine) -> tuple[ChangeListener, queue.Queue[tuple[Changed, str | None]]]:
    got: queue.Queue[tuple[Changed, str | None]] = queue.Queue()
    listener = ChangeListener(engine.url, lambda changed, by: got.put((changed, by)))
    listener.start()
    assert listener.wait_ready()
    return listener, got


def _rows(changed: Changed) -> Changed:
    """The payload without the audit trail's own new rows (every write adds one)."""
    assert "audit" in changed
    return {entity: ids for entity, ids in changed.items() if entity != "audit"}


def test_commit_at_one_desk_reaches_another_within_a_second(pg: Engine) -> None:
    other_desk = make_engine(pg.url)  # a second workstation: its own engine and pool
    listener, got = _listen(other_desk)
    try:
        desk = UnitOfWork(pg)
        desk.actor = staff.create_first_admin(
            desk, staff.StaffData("sam", "Sam Writer", "admin"), GOOD, GOOD, FLOOR
        )
        assert _rows(got.get(timeout=1.0)[0]) == {"staff": [desk.actor.id]}
        started = time.monotonic()
        ada = factories.customer(desk)
        changed, by = got.get(timeout=1.0)
        assert time.monotonic() - started < 1.0
        assert _rows(changed) == {"customer": [ada.id]}
        assert by == "Sam Writer"
        car = factories.vehicle(desk, ada.id)
        assert _rows(got.get(timeout=1.0)[0]) == {"vehicle": [car.id]}
    finally:
        listener.stop()
        other_desk.dispose()


def test_rolled_back_write_announces_nothing(pg: Engine) -> None:
    listener, got = _listen(pg)
    try:
        desk = UnitOfWork(pg)
        customers.create_customer(desk, customers.CustomerData("Ada", "ada@example.com"))
        got.get(timeout=1.0)
        with pytest.raises(ValidationError):
            customers.create_customer(desk, customers.CustomerData("Bob", "ADA@example.com"))
        with pytest.raises(queue.Empty):
            got.get(timeout=0.5)
    finally:
        listener.stop()


def test_listener_reconnects_after_its_backend_is_killed(pg: Engine) -> None:
    states: queue.Queue[bool] = queue.Queue()
    got: queue.Queue[Changed] = queue.Queue()
    listener = ChangeListener(pg.url, lambda c, _by: got.put(c), on_state=states.put)
    listener.start()
    try:
        assert states.get(timeout=5) is True
        admin = pg.url.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = 'mechanic-desktop-listener' "
                "AND datname = current_database()"
            )
        assert states.get(timeout=10) is False
        assert states.get(timeout=10) is True
        assert listener.reconnects == 1
        factories.customer(UnitOfWork(pg))
        assert "customer" in got.get(timeout=2.0)
    finally:
        listener.stop()
