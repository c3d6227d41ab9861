"""Crash safety and concurrent workstations, with real processes.

SQLite: a writer doing ticket and stock work is killed (SIGKILL) at a random moment,
again and again; after every kill the file is sound, every ticket whole, and the app
opens it. PostgreSQL: several workstations run a random mix of writes at once; no
invariant breaks. ``make soak`` runs the long versions (MECHANIC_SOAK=full).
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from mechanic_desktop.bootstrap import connect
from mechanic_desktop.db.engine import make_engine
from mechanic_desktop.db.migrations import upgrade
from mechanic_desktop.db.models import Part, Vehicle
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.errors import DatabaseUnavailable
from mechanic_desktop.services import tickets
from tests import workloads
from tests.conftest import empty_tables

FULL = os.environ.get("MECHANIC_SOAK") == "full"
ROOT = Path(__file__).resolve().parents[2]


def _python(*args: str) -> list[str]:
    return [sys.executable, "-m", "tests.workloads", *args]


def test_sqlite_survives_being_killed_mid_write(tmp_path: Path) -> None:
    path = tmp_path / "shop.sqlite3"
    url = f"sqlite:///{path}"
    upgrade(make_engine(url))
    workloads.prepare(url)
    rng = random.Random(7)
    kills = 50 if FULL else 6
    for i in range(kills):
        writer = subprocess.Popen(
            _python("desk", url, "30", str(i)), cwd=ROOT, stdout=subprocess.PIPE, text=True
        )
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.05, 0.6))
        writer.kill()  # SIGKILL on POSIX, TerminateProcess on Windows: no clean-up runs
        writer.wait(timeout=10)
        writer.stdout.close()
        found = workloads.check(url)
        assert found["integrity"] == "ok", found
        assert workloads.anomalies(found) == 0, f"after kill {i + 1}: {found}"
    context = connect(url)  # the app opens the file normally
    context.close()
    assert workloads.check(url)["tickets"] > 0


def test_concurrent_workstations_keep_every_invariant(pg_engine: Engine) -> None:
    empty_tables(pg_engine)
    url = pg_engine.url.render_as_string(hide_password=False)
    workloads.prepare(url)
    desks, seconds = (8, 60) if FULL else (4, 4)
    procs = [
        subprocess.Popen(
            _python("desk", url, str(seconds), str(i)), cwd=ROOT, stdout=subprocess.PIPE, text=True
        )
        for i in range(desks)
    ]
    totals: dict[str, int] = {}
    for proc in procs:
        out, _ = proc.communicate(timeout=seconds + 120)
        assert proc.returncode == 0, out
        line = next(x for x in out.splitlines() if x.startswith("counts "))
        for key, value in json.loads(line.removeprefix("counts ")).items():
            totals[key] = totals.get(key, 0) + value
    found = workloads.check(url)
    print(f"\nsoak: {desks} desks x {seconds} s: {totals}; check: {found}")
    assert totals.get("ops", 0) > desks * 5
    assert workloads.anomalies(found) == 0, found
    # every successful write left at least one audit row (preparation wrote some too)
    assert found["audit_rows"] >= totals["ops"]


def test_a_desk_picks_from_the_active_tickets_it_read(
    pg_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another desk may close the last active ticket while this one picks it (seen with
    the desks behind the latency proxy): the desk picks from what it read, once."""
    empty_tables(pg_engine)
    url = pg_engine.url.render_as_string(hide_password=False)
    workloads.prepare(url)
    uow = UnitOfWork(pg_engine)
    with pg_engine.connect() as conn:
        vehicles = list(conn.execute(select(Vehicle.id, Vehicle.customer_id)).all())
        part_ids = list(conn.scalars(select(Part.id)))
    vehicle_id, customer_id = vehicles[0]
    active = tickets.create_ticket(uow, tickets.TicketData(customer_id, vehicle_id, "Job")).id
    answers = iter([[active], []])  # its one active ticket, then none (closed meanwhile)
    monkeypatch.setattr(workloads, "_ticket_ids", lambda *_a, **_k: next(answers, []))
    assert workloads._act(uow, random.Random(1), "receive", vehicles, part_ids, [])
    assert workloads.anomalies(workloads.check(url)) == 0


@pytest.mark.parametrize("kind", ["truncated", "garbage"])
def test_damaged_sqlite_file_gets_a_clear_message(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "shop.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3] if kind == "truncated" else b"\x00junk" * 4096)
    with pytest.raises(DatabaseUnavailable) as caught:
        connect(f"sqlite:///{path}")
    assert str(path) in str(caught.value)
