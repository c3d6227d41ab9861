"""Eight desks (processes, each with its own connection) posting invoices and credit
notes on one PostgreSQL server at the same moment: numbers 1..N, no gap, no twin."""

from __future__ import annotations

import multiprocessing
from multiprocessing.synchronize import Barrier

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from mechanic_desktop.db.engine import make_engine
from mechanic_desktop.db.models import CreditNote, Invoice
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.services import shop, tickets, workflow
from tests.conftest import empty_tables
from tests.unit import factories
from tests.unit import workflow_factories as wf

DESKS = 8
PER_DESK = 4


def _desk(url: str, ticket_ids: list[int], barrier: Barrier) -> None:
    """Close each ticket (posting its invoice, on account); reopen every other one
    (issuing a credit note), all as fast as the server lets it."""
    engine = make_engine(url)
    uow = UnitOfWork(engine)
    barrier.wait(timeout=60)
    for i, ticket_id in enumerate(ticket_ids):
        version = tickets.get_ticket(uow, ticket_id).version
        detail = workflow.set_status(uow, ticket_id, "closed", version, on_account=True)
        if i % 2:
            workflow.reopen_ticket(uow, ticket_id, "Wrong part", detail.ticket.version,
                                   credit_note=True)
    engine.dispose()


def test_eight_desks_posting_at_once_get_gapless_unique_numbers(pg_engine: Engine) -> None:
    empty_tables(pg_engine)
    uow = UnitOfWork(pg_engine)
    shop.get_settings(uow)
    pad = wf.part(uow, "PAD", on_hand=1000, price="12.50")
    c = factories.customer(uow)
    v = factories.vehicle(uow, c.id)
    made = [factories.completed(uow, c.id, v.id, pad.id).ticket.id
            for _ in range(DESKS * PER_DESK)]
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(DESKS)
    url = pg_engine.url.render_as_string(hide_password=False)
    desks = [ctx.Process(target=_desk, args=(url, made[d::DESKS], barrier))
             for d in range(DESKS)]
    for p in desks:
        p.start()
    for p in desks:
        p.join(timeout=180)
    assert [p.exitcode for p in desks] == [0] * DESKS
    with Session(pg_engine) as s:
        invoices = s.execute(select(Invoice.number, Invoice.label, Invoice.ticket_id)).all()
        notes = s.execute(select(CreditNote.number, CreditNote.label)).all()
    assert sorted(n for n, _, _ in invoices) == list(range(1, DESKS * PER_DESK + 1))
    assert sorted(t for _, _, t in invoices) == sorted(made)  # one invoice per ticket
    assert {label for _, label, _ in invoices} == {f"INV-{n}" for n, _, _ in invoices}
    assert sorted(n for n, _ in notes) == list(range(1, DESKS * PER_DESK // 2 + 1))
