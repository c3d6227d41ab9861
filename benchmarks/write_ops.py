"""The write figures behind ``add_part_p95_ms``, ``contended_part_ops_per_s`` and the
soak metrics: part lines added at one desk, eight desks fighting over the same shelf,
and the desk simulation of tests/workloads.py.

Every write goes through the services as the app's DB worker calls them (one unit of
work and one transaction per call, with the version the desk read), so the figures
include the ticket lock, the stock ledger, the totals and the audit entry. The
concurrent runs use real processes: eight desks are eight machines, not eight threads
sharing one interpreter lock.

``python -m benchmarks.write_ops worker URL SECONDS SEED`` is one contending desk (it
prints ``ready``, waits for a line on stdin, works, and prints ``counts {json}``).
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import random
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import make_url

from benchmarks import cache
from benchmarks.latency_proxy import LatencyProxy
from mechanic_desktop.bootstrap import connect
from mechanic_desktop.db.engine import make_engine
from mechanic_desktop.db.models import Part, ServiceTicket, Vehicle
from mechanic_desktop.db.retry import with_retries
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.errors import DomainError, StaleRecord, ValidationError
from mechanic_desktop.domain.records import ListQuery
from mechanic_desktop.services import canned_jobs, jobs, stock, tickets, workflow

ROOT = Path(__file__).resolve().parents[1]
ACTIVE = ("open", "in_progress")

# --------------------------------------------------------------------------- one desk


#: Called with True just before a timed call and with False just after it (the wan
#: figures count that call's round trips).
Timed = Callable[[bool], None]


def _untimed(_starting: bool) -> None:
    pass


def add_part_samples(
    uow: UnitOfWork, samples: int = 200, warm_up: int = 20, seed: int = 11,
    timed: Timed = _untimed,
) -> tuple[list[float], dict[str, int]]:
    """Wall times (ms) of ``add_part_lines`` on seeded active tickets, one part with
    stock at a time. Each add is undone (untimed) so the shelf and the ticket end as
    they began: a new line is removed, a raised line is set back to its quantity."""
    rng = random.Random(seed)
    with uow:
        ticket_ids = list(uow.session.scalars(
            select(ServiceTicket.id).where(ServiceTicket.status.in_(ACTIVE))
            .order_by(ServiceTicket.id.desc()).limit(500)))
        part_ids = list(uow.session.scalars(
            select(Part.id).where(Part.quantity_on_hand >= 10).order_by(Part.id)))
    if not ticket_ids or not part_ids:
        raise LookupError("no open ticket or no part with stock in the seeded data")
    times: list[float] = []
    counts: Counter[str] = Counter()
    while len(times) < samples:
        ticket_id, part_id = rng.choice(ticket_ids), rng.choice(part_ids)
        before = workflow.get_ticket_detail(uow, ticket_id)  # the desk opens the ticket
        had = {p.part_id: p.quantity for p in before.parts}
        timed(True)
        started = time.perf_counter()
        try:
            after = workflow.add_part_lines(
                uow, ticket_id, [(part_id, rng.randint(1, 2))], before.ticket.version)
        except ValidationError:
            counts["refused"] += 1  # short on the shelf after all: not a sample
            continue
        finally:
            timed(False)
        elapsed = (time.perf_counter() - started) * 1000
        line = next(p for p in after.parts if p.part_id == part_id)
        if part_id in had:
            workflow.change_part_quantity(uow, line.id, had[part_id], after.ticket.version)
        else:
            workflow.remove_part_line(uow, line.id, after.ticket.version)
        counts["raised" if part_id in had else "new"] += 1
        if counts["warm"] < warm_up:
            counts["warm"] += 1
        else:
            times.append(elapsed)
    return times, dict(counts)


def add_canned_job_samples(
    uow: UnitOfWork, samples: int = 100, warm_up: int = 10, seed: int = 12,
    name: str = "Front brake pads and rotors",
) -> tuple[list[float], dict[str, int]]:
    """Wall times (ms) of ``add_canned_job`` adding the starter library's brake job
    (4 lines: labour, pads, two rotors, brake fluid) to seeded active tickets. Each
    added job is removed again (untimed), so the tickets end as they began."""
    rng = random.Random(seed)
    found = canned_jobs.list_canned_jobs(uow, ListQuery(search=name)).rows
    canned = next((r for r in found if r.name == name), None)
    if canned is None:
        raise LookupError(f"the seeded library has no canned job {name!r}")
    lines = len(canned_jobs.get_canned_job(uow, canned.id).lines)
    with uow:
        ticket_ids = list(uow.session.scalars(
            select(ServiceTicket.id).where(ServiceTicket.status.in_(ACTIVE))
            .order_by(ServiceTicket.id.desc()).limit(500)))
    if not ticket_ids:
        raise LookupError("no open ticket in the seeded data")
    times: list[float] = []
    counts: Counter[str] = Counter(lines=lines)
    while len(times) < samples:
        ticket_id = rng.choice(ticket_ids)
        before = workflow.get_ticket_detail(uow, ticket_id)  # the desk opens the ticket
        started = time.perf_counter()
        added = canned_jobs.add_canned_job(uow, ticket_id, canned.id, before.ticket.version)
        elapsed = (time.perf_counter() - started) * 1000
        jobs.remove_job(uow, added.job_id, added.detail.ticket.version)
        if counts["warm"] < warm_up:
            counts["warm"] += 1
        else:
            times.append(elapsed)
    return times, dict(counts)


def post_invoice_samples(
    uow: UnitOfWork, samples: int = 100, warm_up: int = 10, seed: int = 13,
    timed: Timed = _untimed,
) -> tuple[list[float], dict[str, int]]:
    """Wall times (ms) of closing a seeded completed ticket, which posts its invoice
    (next number under the counter's row lock, snapshot of the lines, on account: the
    seeded tickets have no payments). Each is reopened with a credit note and completed
    again (untimed), so the ticket ends completed as it began; the invoices and credit
    notes stay (posted documents are never deleted)."""
    rng = random.Random(seed)
    with uow:
        ticket_ids = list(uow.session.scalars(
            select(ServiceTicket.id).where(ServiceTicket.status == "completed")
            .order_by(ServiceTicket.id.desc()).limit(500)))
    if not ticket_ids:
        raise LookupError("no completed ticket in the seeded data")
    times: list[float] = []
    counts: Counter[str] = Counter()
    while len(times) < samples:
        ticket_id = rng.choice(ticket_ids)
        before = workflow.get_ticket_detail(uow, ticket_id)  # the desk opens the ticket
        timed(True)
        started = time.perf_counter()
        try:
            closed = workflow.set_status(uow, ticket_id, "closed", before.ticket.version,
                                         on_account=True)
        except ValidationError:
            counts["refused"] += 1  # e.g. a seeded ticket whose work outgrew its authorisation
            ticket_ids.remove(ticket_id)
            if not ticket_ids:
                raise
            continue
        finally:
            timed(False)
        elapsed = (time.perf_counter() - started) * 1000
        reopened = workflow.reopen_ticket(uow, ticket_id, "bench", closed.ticket.version,
                                          credit_note=True)
        workflow.set_status(uow, ticket_id, "completed", reopened.ticket.version)
        counts["lines"] += len(closed.parts) + len(closed.mechanics)
        if counts["warm"] < warm_up:
            counts["warm"] += 1
        else:
            times.append(elapsed)
    return times, dict(counts)


# --------------------------------------------------------------------------- scratch PG


def scratch_url(bench_url: str, suffix: str) -> str:
    """A database beside the benchmark's (``mechanic_bench_ops``, ...), the same for
    every scale: these runs need a small shop, not the seeded one."""
    base = make_url(os.environ.get(cache.PG_URL_ENV) or cache.DEFAULT_PG_URL).database
    url = make_url(bench_url).set(database=f"{base}_{suffix}")
    return url.render_as_string(hide_password=False)


def workloads() -> ModuleType:
    """tests/workloads.py, the soak's own desks and checks. Imported by name so that
    ``mypy benchmarks/`` does not type-check the test suite along with it."""
    return importlib.import_module("tests.workloads")


def fresh_shop(url: str, parts_count: int) -> None:
    """Drop and create the scratch database, migrate it, and stock tests/workloads'
    small shop (10 customers with vehicles, 4 mechanics, ``parts_count`` parts)."""
    cache._recreate("postgresql", url)
    connect(url).close()  # runs the migrations
    workloads().prepare(url, parts_count=parts_count)


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def _counts(out: str) -> dict[str, Any]:
    line = next((x for x in out.splitlines() if x.startswith("counts ")), None)
    if line is None:
        raise RuntimeError("a desk printed no counts")
    found: dict[str, Any] = json.loads(line.removeprefix("counts "))
    return found


def _invariants(url: str) -> dict[str, Any]:
    """tests/workloads.check: no negative stock, on-hand == Σ movements, every ticket's
    lines matched by its movements, totals equal to lines."""
    found: dict[str, Any] = workloads().check(url)
    found["anomalies"] = workloads().anomalies(found)
    return found


def _summed(outputs: list[dict[str, Any]], keys: tuple[str, ...]) -> dict[str, float]:
    return {k: sum(float(o.get(k, 0)) for o in outputs) for k in keys}


# --------------------------------------------------------------------------- contention


def contended(bench_url: str, workers: int = 8, seconds: float = 10.0,
              hot_parts: int = 50, open_tickets: int = 40) -> dict[str, Any]:
    """``workers`` desks add, change and remove lines of ``hot_parts`` parts on
    ``open_tickets`` tickets for ``seconds``; successful writes per second, and the
    invariants afterwards."""
    url = scratch_url(bench_url, "ops")
    fresh_shop(url, hot_parts)
    engine = make_engine(url)
    uow = UnitOfWork(engine)
    with engine.connect() as conn:
        vehicle_rows = conn.execute(select(Vehicle.id, Vehicle.customer_id)).all()
        part_ids = list(conn.scalars(select(Part.id)))
    for part_id in part_ids:  # plenty on every shelf: refusals would hide the contention
        stock.receive_stock(uow, part_id, 5_000, "benchmark delivery")
    rng = random.Random(5)
    for i in range(open_tickets):
        vehicle_id, customer_id = rng.choice(vehicle_rows)
        tickets.create_ticket(uow, tickets.TicketData(customer_id, vehicle_id, f"Bench job {i}"))
    engine.dispose()
    command = [sys.executable, "-m", "benchmarks.write_ops", "worker", url, str(seconds)]
    procs = [subprocess.Popen([*command, str(i)], cwd=ROOT, env=_child_env(), text=True,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE)
             for i in range(workers)]
    outputs = []
    try:
        for proc in procs:  # all connected and loaded before anyone starts
            assert proc.stdout is not None
            if proc.stdout.readline().strip() != "ready":
                raise RuntimeError("a contending desk did not start")
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        for proc in procs:
            out, _ = proc.communicate(timeout=seconds + 120)
            if proc.returncode != 0:
                raise RuntimeError(f"a contending desk exited with {proc.returncode}")
            outputs.append(_counts(out))
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    totals = _summed(outputs, ("ops", "no-ops", "conflicts", "refused", "retries"))
    elapsed = max(float(o["seconds"]) for o in outputs)
    return {"url": url, "database": make_url(url).database, "seconds": elapsed, **totals,
            "ops_per_s": totals["ops"] / elapsed, "invariants": _invariants(url)}


def _part_op(uow: UnitOfWork, rng: random.Random, action: str, ticket_ids: list[int],
             part_ids: list[int]) -> bool:
    """One line change as a desk makes it (read the ticket, write with its version);
    False when the ticket had no line to change."""
    ticket_id = rng.choice(ticket_ids)
    detail = workflow.get_ticket_detail(uow, ticket_id)
    version = detail.ticket.version
    if action == "add":
        workflow.add_part_lines(uow, ticket_id, [(rng.choice(part_ids), rng.randint(1, 3))],
                                version)
    elif not detail.parts:
        return False
    elif action == "change":
        workflow.change_part_quantity(uow, rng.choice(detail.parts).id, rng.randint(0, 4),
                                      version)
    else:
        workflow.remove_part_line(uow, rng.choice(detail.parts).id, version)
    return True


def worker(url: str, seconds: float, seed: int) -> dict[str, float]:
    """One contending desk: its own engine and unit of work, retries as the app's."""
    engine = make_engine(url)
    uow = UnitOfWork(engine)
    rng = random.Random(1000 + seed)
    with engine.connect() as conn:
        ticket_ids = list(conn.scalars(
            select(ServiceTicket.id).where(ServiceTicket.status.in_(ACTIVE))))
        part_ids = list(conn.scalars(select(Part.id)))
    workflow.get_ticket_detail(uow, ticket_ids[0])  # warm the pool and the mappers
    print("ready", flush=True)
    sys.stdin.readline()
    counts: Counter[str] = Counter()
    started = time.monotonic()
    deadline = started + seconds
    while time.monotonic() < deadline:
        action = rng.choice(("add", "add", "change", "remove"))
        attempts = 0

        def attempt(action: str = action) -> bool:
            nonlocal attempts
            attempts += 1
            return _part_op(uow, rng, action, ticket_ids, part_ids)

        try:
            counts["ops" if with_retries(attempt) else "no-ops"] += 1
        except StaleRecord:
            counts["conflicts"] += 1
        except DomainError:
            counts["refused"] += 1
        finally:
            counts["retries"] += attempts - 1
    result: dict[str, float] = {**counts, "seconds": time.monotonic() - started}
    engine.dispose()
    return result


# --------------------------------------------------------------------------- soak


def soak(bench_url: str, desks: int = 8, seconds: float = 20.0,
         rtt_ms: float | None = None) -> dict[str, Any]:
    """tests/workloads' desks (``make soak`` runs them 60 s) on a fresh small shop,
    their counts summed, then the invariants checked. With ``rtt_ms`` the desks reach
    the server through benchmarks/latency_proxy.py (a shop server across town, issue 19)
    and the shop is a database of its own; setting up and checking go direct."""
    url = scratch_url(bench_url, "soak" if rtt_ms is None else "wan_soak")
    fresh_shop(url, 20)
    with contextlib.ExitStack() as stack:
        desk_url, proxied = url, None
        if rtt_ms is not None:
            parsed = make_url(url)
            proxied = stack.enter_context(LatencyProxy(
                parsed.port or 5432, target_host=parsed.host or "127.0.0.1", rtt_ms=rtt_ms,
                max_seconds=seconds + 300))
            desk_url = proxied.url(url)
        found = _soak_desks(desk_url, desks, seconds)
        if proxied is not None:
            found.update(rtt_ms=rtt_ms, proxy_turns=proxied.turns,
                         proxy_connections=proxied.connections)
    return {"url": url, "database": make_url(url).database, **found,
            "invariants": _invariants(url)}


def _soak_desks(url: str, desks: int, seconds: float) -> dict[str, Any]:
    command = [sys.executable, "-m", "tests.workloads", "desk", url, str(seconds)]
    started = time.perf_counter()
    procs = [subprocess.Popen([*command, str(i)], cwd=ROOT, env=_child_env(), text=True,
                              stdout=subprocess.PIPE) for i in range(desks)]
    outputs = []
    try:
        for proc in procs:
            out, _ = proc.communicate(timeout=seconds + 120)
            if proc.returncode != 0:
                raise RuntimeError(f"a soak desk exited with {proc.returncode}")
            outputs.append(_counts(out))
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    wall = time.perf_counter() - started
    totals = _summed(outputs, ("ops", "no-ops", "conflicts", "refused", "retries"))
    return {"desks": desks, "seconds": seconds, "wall_s": wall, **totals,
            "retries_reported": any("retries" in o for o in outputs)}


def guarded(fn: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """A failed run is a finding to print (``error``), not a crash of the whole bench."""
    try:
        return fn()
    except Exception as exc:
        first = (str(exc).strip().splitlines() or [""])[0]
        return {"error": f"{type(exc).__name__}: {first[:200]}"}


if __name__ == "__main__":
    _, url_arg, seconds_arg, seed_arg = sys.argv[1:]
    print("counts " + json.dumps(worker(url_arg, float(seconds_arg), int(seed_arg))),
          flush=True)
