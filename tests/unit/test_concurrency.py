"""Desks racing each other for real: threads with their own connections.

Stock must be consumed exactly once and never go negative however many desks race for
the last unit, and two desks saving the same ticket must not lose either's work.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

import pytest
from sqlalchemy import Engine

from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.errors import StaleRecord, ValidationError
from mechanic_desktop.services import parts, stock, tickets, workflow
from tests.conftest import empty_tables
from tests.unit import factories
from tests.unit import workflow_factories as wf

THREADS = 8
ATTEMPTS = 100
ON_HAND = 10


def _tickets_on_one_vehicle(uow: UnitOfWork, count: int) -> list[int]:
    """``count`` tickets whose one job the customer approved (so parts leave the shelf)."""
    c = factories.customer(uow)
    v = factories.vehicle(uow, c.id)
    made = [
        tickets.create_ticket(uow, tickets.TicketData(c.id, v.id, f"Job {i}")).id
        for i in range(count)
    ]
    for ticket_id in made:
        factories.authorise(uow, ticket_id)
    return made


def _race(engine: Engine, work: Callable[[UnitOfWork, int], None], threads: int) -> None:
    """Run ``work(own_uow, thread_index)`` on ``threads`` threads started together."""
    barrier = threading.Barrier(threads)
    failures: list[BaseException] = []

    def run(index: int) -> None:
        uow = UnitOfWork(engine)
        try:
            barrier.wait(timeout=10)
            work(uow, index)
        except BaseException as exc:
            failures.append(exc)

    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=60)
    assert not any(w.is_alive() for w in workers), "a desk hung"
    if failures:
        raise failures[0]


def _stock_race(engine: Engine) -> None:
    empty_tables(engine)
    setup = UnitOfWork(engine)
    pad = wf.part(setup, "BRK-01", on_hand=ON_HAND)
    ticket_ids = _tickets_on_one_vehicle(setup, THREADS)
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()

    def consume(uow: UnitOfWork, index: int) -> None:
        for _ in range(index, ATTEMPTS, THREADS):
            try:
                workflow.add_part_lines(uow, ticket_ids[index], [(pad.id, 1)])
                outcome = "taken"
            except ValidationError as exc:
                outcome = str(exc)
            with lock:
                outcomes[outcome] += 1

    _race(engine, consume, THREADS)
    assert outcomes == {
        "taken": ON_HAND,
        "Only 0 of BRK-01 left; cannot take 1.": ATTEMPTS - ON_HAND,
    }
    assert parts.get_part(setup, pad.id).quantity_on_hand == 0
    assert stock.stock_discrepancies(setup) == []
    on_tickets = sum(
        line.quantity
        for ticket_id in ticket_ids
        for line in workflow.get_ticket_detail(setup, ticket_id).parts
    )
    assert on_tickets == ON_HAND


@pytest.mark.postgres
def test_racing_desks_take_the_last_units_exactly_once_postgresql(pg_engine: Engine) -> None:
    _stock_race(pg_engine)


def test_racing_desks_take_the_last_units_exactly_once_sqlite(sqlite_engine: Engine) -> None:
    """One workstation's threads (the GUI and its DB worker): BEGIN IMMEDIATE queues them."""
    _stock_race(sqlite_engine)


@pytest.mark.postgres
def test_two_desks_saving_one_ticket_refuse_the_second_not_lose_it(pg_engine: Engine) -> None:
    empty_tables(pg_engine)
    setup = UnitOfWork(pg_engine)
    [ticket_id] = _tickets_on_one_vehicle(setup, 1)
    pad = wf.part(setup, "BRK-01", on_hand=10)
    sam = wf.mechanic(setup)
    read = workflow.get_ticket_detail(setup, ticket_id).ticket.version
    results: dict[int, str] = {}

    def save(uow: UnitOfWork, index: int) -> None:
        try:
            if index == 0:
                workflow.add_part_lines(uow, ticket_id, [(pad.id, 3)], read)
            else:
                workflow.assign_mechanics(uow, ticket_id, {sam.id: 60}, read)
            results[index] = "saved"
        except StaleRecord as exc:
            results[index] = str(exc)

    _race(pg_engine, save, 2)
    assert len(results) == 2 and list(results.values()).count("saved") == 1
    refused = next(i for i, r in results.items() if r != "saved")
    assert "was changed at another desk" in results[refused]
    detail = workflow.get_ticket_detail(setup, ticket_id)
    assert detail.ticket.version == read + 1
    if refused == 0:
        assert (detail.parts, len(detail.mechanics)) == ((), 1)
        assert parts.get_part(setup, pad.id).quantity_on_hand == 10
    else:
        assert (len(detail.parts), detail.mechanics) == (1, ())
        assert parts.get_part(setup, pad.id).quantity_on_hand == 7
    assert stock.stock_discrepancies(setup) == []
