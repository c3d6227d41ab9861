"""The ``wan_*`` figures: the desk's actions against the PostgreSQL bench database through
a latency proxy (benchmarks/latency_proxy.py, default 20 ms round trip), and the round
trips each makes (db/round_trips.py), with the list of exchanges per action.

One run measures every action once (the figures share it): start-up (connect, sign in,
first page), the first page, the searches, opening a ticket, adding a part, a status
change, saving a ticket and posting an invoice. Writes are undone untimed as in
benchmarks/write_ops.py, so the bench database ends as it began.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import make_url

from benchmarks import write_ops
from benchmarks.latency_proxy import DEFAULT_RTT_MS, LatencyProxy
from benchmarks.metrics import (
    BENCH_PASSWORD,
    BENCH_USER,
    TICKETS_DEFAULT,
    ensure_bench_account,
    p95,
    run_search,
    searches,
)
from benchmarks.write_ops import guarded
from mechanic_desktop.bootstrap import connect
from mechanic_desktop.db.models import ServiceTicket, TicketJob
from mechanic_desktop.db.round_trips import RoundTrips
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.services import auth, tickets, workflow

RTT_ENV = "MECHANIC_BENCH_RTT_MS"
#: Budget per user action (issue 19): exchanges with the server.
READ_BUDGET, WRITE_BUDGET = 3, 5

__all__ = ["guarded", "measure"]


def rtt_ms() -> float:
    return float(os.environ.get(RTT_ENV) or DEFAULT_RTT_MS)


def _ms(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


class Action:
    """One user action's figures: wall times (ms) and the exchanges of one run."""

    def __init__(self, name: str, budget: int) -> None:
        self.name, self.budget = name, budget
        self.times: list[float] = []
        self.trips: list[str] = []
        self.turns = 0

    def summary(self) -> dict[str, Any]:
        return {"budget": self.budget, "round_trips": len(self.trips),
                "proxy_turns": self.turns, "statements": self.trips,
                "median_ms": round(statistics.median(self.times), 1) if self.times else None,
                "p95_ms": round(p95(self.times), 1) if self.times else None}


def _count(counter: RoundTrips, proxy: LatencyProxy, action: Action,
           fn: Callable[[], object]) -> None:
    """Run ``fn`` once, counted: its exchanges go to ``action``."""
    counter.clear()
    turns = proxy.turns
    with counter.counting():
        fn()
    action.trips = list(counter.statements)
    action.turns = proxy.turns - turns


def _count_or_time(i: int, counter: RoundTrips, proxy: LatencyProxy, action: Action,
                   fn: Callable[[], object]) -> None:
    """The first run of a write is counted, the others timed."""
    if i == 0:
        _count(counter, proxy, action, fn)
    else:
        action.times.append(_ms(fn))


def _tickets(uow: UnitOfWork, status: str, limit: int = 60) -> list[int]:
    with uow:
        ids = list(uow.session.scalars(
            select(ServiceTicket.id).where(ServiceTicket.status == status)
            .where(select(TicketJob.id).where(TicketJob.ticket_id == ServiceTicket.id,
                                              TicketJob.status == "approved").exists())
            .order_by(ServiceTicket.id.desc()).limit(limit)))
    if not ids:
        raise LookupError(f"no {status} ticket with approved work in the seeded data")
    return ids


def measure(url: str, repetitions: int = 7, say: Callable[[str], None] = print) -> dict[str, Any]:
    """Every wan figure, through a proxy with ``rtt_ms()`` of round trip."""
    parsed = make_url(url)
    rtt = rtt_ms()
    with LatencyProxy(parsed.port or 5432, target_host=parsed.host or "127.0.0.1",
                      rtt_ms=rtt, max_seconds=1200) as proxy:
        far = proxy.url(url)
        actions: dict[str, Action] = {}
        # Start-up: connect (server checks), sign in, first page, through the proxy.
        near = connect(url, migrate=False, lock=False)
        try:
            ensure_bench_account(near.engine)  # set up beforehand, not over the distance
        finally:
            near.close()
        start = Action("startup", 0)
        turns = proxy.turns
        started = time.perf_counter()
        context = connect(far, migrate=False, lock=False)
        uow = UnitOfWork(context.engine)
        hashing = time.perf_counter()
        uow.actor = auth.login(uow, BENCH_USER, BENCH_PASSWORD).actor
        login_ms = (time.perf_counter() - hashing) * 1000
        tickets.list_tickets(uow, TICKETS_DEFAULT)
        start.times.append((time.perf_counter() - started) * 1000)
        start.turns = proxy.turns - turns
        actions["startup"] = start
        try:
            _actions(context.engine, uow, proxy, actions, repetitions, say)
        finally:
            context.close()
    result: dict[str, Any] = {name: a.summary() for name, a in actions.items()}
    result["startup"]["login_ms"] = round(login_ms, 1)
    result["rtt_ms"] = rtt
    return result


def _actions(engine: Any, uow: UnitOfWork, proxy: LatencyProxy, actions: dict[str, Action],
             repetitions: int, say: Callable[[str], None]) -> None:
    counter = RoundTrips(engine)

    def run(name: str, budget: int, fn: Callable[[], object], times: int) -> Action:
        action = actions[name] = Action(name, budget)
        say(f"  wan {name} ...")
        fn()  # warm
        _count(counter, proxy, action, fn)
        action.times = [_ms(fn) for _ in range(times)]
        return action

    run("first_page", READ_BUDGET, lambda: tickets.list_tickets(uow, TICKETS_DEFAULT),
        repetitions)
    found = searches(engine)
    search = actions["search"] = Action("search", READ_BUDGET)
    say("  wan search ...")
    per_search = []
    for s in found:
        run_search(uow, s)
        per_search.append(statistics.median(_ms(partial(run_search, uow, s))
                                            for _ in range(3)))
    search.times = per_search
    _count(counter, proxy, search, lambda: run_search(uow, found[-3]))
    active = _tickets(uow, "in_progress")
    run("open_ticket", READ_BUDGET, lambda: workflow.get_ticket_detail(uow, active[0]),
        repetitions)
    _add_part(uow, counter, proxy, actions, say)
    _status_change(uow, active, counter, proxy, actions, repetitions, say)
    _save_ticket(uow, active, counter, proxy, actions, repetitions, say)
    _post_invoice(uow, counter, proxy, actions, say)


def _counted(counter: RoundTrips, proxy: LatencyProxy, action: Action) -> Callable[[bool], None]:
    """A ``write_ops.Timed`` hook keeping the exchanges of the last timed call."""
    turns = [0]

    def timed(starting: bool) -> None:
        if starting:
            counter.clear()
            turns[0] = proxy.turns
        else:
            action.trips = list(counter.statements)
            action.turns = proxy.turns - turns[0]

    return timed


def _add_part(uow: UnitOfWork, counter: RoundTrips, proxy: LatencyProxy,
              actions: dict[str, Action], say: Callable[[str], None]) -> None:
    action = actions["add_part"] = Action("add_part", WRITE_BUDGET)
    say("  wan add_part ...")
    action.times, _ = write_ops.add_part_samples(uow, samples=30, warm_up=3)
    with counter.counting():  # a few more, counted: the last one's list is kept
        write_ops.add_part_samples(uow, samples=2, warm_up=0, seed=99,
                                   timed=_counted(counter, proxy, action))


def _status_change(uow: UnitOfWork, active: list[int], counter: RoundTrips,
                   proxy: LatencyProxy, actions: dict[str, Action], repetitions: int,
                   say: Callable[[str], None]) -> None:
    """In progress → Open on a ticket (timed), then back (untimed)."""
    action = actions["status_change"] = Action("status_change", WRITE_BUDGET)
    say("  wan status_change ...")
    ticket_id = active[1]
    for i in range(repetitions + 1):
        version = workflow.get_ticket_detail(uow, ticket_id).ticket.version
        _count_or_time(i, counter, proxy, action,
                       partial(workflow.set_status, uow, ticket_id, "open", version))
        version = workflow.get_ticket_detail(uow, ticket_id).ticket.version
        workflow.set_status(uow, ticket_id, "in_progress", version)


def _save_ticket(uow: UnitOfWork, active: list[int], counter: RoundTrips,
                 proxy: LatencyProxy, actions: dict[str, Action], repetitions: int,
                 say: Callable[[str], None]) -> None:
    """The ticket editor's Save with a changed description (set back, untimed)."""
    action = actions["save_ticket"] = Action("save_ticket", WRITE_BUDGET)
    say("  wan save_ticket ...")
    ticket_id = active[2]
    first = tickets.get_ticket(uow, ticket_id)

    def data(description: str) -> tickets.TicketData:
        return tickets.TicketData(first.customer_id, first.vehicle_id, description,
                                  first.promised_at, first.odometer_in)

    for i in range(repetitions + 1):
        current = tickets.get_ticket(uow, ticket_id)
        _count_or_time(i, counter, proxy, action, partial(
            tickets.update_ticket, uow, ticket_id, data(first.description + " (checked)"),
            current.version))
        again = tickets.get_ticket(uow, ticket_id)
        tickets.update_ticket(uow, ticket_id, data(first.description), again.version)


def _post_invoice(uow: UnitOfWork, counter: RoundTrips, proxy: LatencyProxy,
                  actions: dict[str, Action], say: Callable[[str], None]) -> None:
    action = actions["post_invoice"] = Action("post_invoice", WRITE_BUDGET)
    say("  wan post_invoice ...")
    action.times, _ = write_ops.post_invoice_samples(uow, samples=10, warm_up=2)
    with counter.counting():
        write_ops.post_invoice_samples(uow, samples=2, warm_up=0, seed=98,
                                       timed=_counted(counter, proxy, action))
