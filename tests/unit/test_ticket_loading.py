"""A ticket and its detail read once per transaction (db/ticket_loading.py, issue 19).

A write reads the ticket's lines with its lock and then keeps them current through its
own changes instead of reading them again; what it hands back must be exactly what a
fresh read shows, whatever the write did to the lines (new ones, changed, deleted,
automatic fees following, kinds of line the held copy cannot follow). On PostgreSQL
those reads go in one pipeline, and a write's audit row goes with its COMMIT.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import Engine, literal, select, text

from mechanic_desktop.db import pipeline
from mechanic_desktop.db.repositories import AUDIT_ID
from mechanic_desktop.db.round_trips import RoundTrips
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.errors import DatabaseUnavailable, ValidationError
from mechanic_desktop.domain.records import TicketDetail
from mechanic_desktop.domain.staff import Role
from mechanic_desktop.services import audit, shop, tickets, workflow
from tests.conftest import empty_tables
from tests.unit import factories
from tests.unit import workflow_factories as wf


@pytest.fixture
def desk(uow: UnitOfWork) -> UnitOfWork:
    uow.actor = factories.signed_in(uow, Role.ADMIN)
    return uow


@pytest.fixture
def pg_desk(pg_engine: Engine) -> UnitOfWork:
    empty_tables(pg_engine)
    uow = UnitOfWork(pg_engine)
    uow.actor = factories.signed_in(uow, Role.ADMIN)
    return uow


def test_each_write_hands_back_what_a_fresh_read_shows(desk: UnitOfWork) -> None:
    record = shop.get_settings(desk)
    workflow.update_settings(desk, shop.ShopSettingsData(
        "Bolt & Nut", fee_rules="Shop supplies: 5% of parts, automatic"), record.version)
    ticket_id = wf.ticket(desk, "Ada Lovelace", "1HGCM82633A004352")
    pad, disc = wf.part(desk, "PAD", on_hand=20), wf.part(desk, "DISC", on_hand=20)
    sam = wf.mechanic(desk)

    def fresh() -> TicketDetail:
        return workflow.get_ticket_detail(desk, ticket_id)

    detail = workflow.add_part_lines(desk, ticket_id, [(pad.id, 2), (disc.id, 1)],
                                     fresh().ticket.version)
    assert detail == fresh() and detail.fees  # a new line, and the fee it brought
    detail = workflow.add_part_lines(desk, ticket_id, [(pad.id, 1)], detail.ticket.version)
    assert detail == fresh()  # a line raised, the fee re-priced
    detail = workflow.assign_mechanics(desk, ticket_id, {sam.id: 60}, detail.ticket.version)
    assert detail == fresh()  # a labour line: read again, not followed
    line = next(p for p in detail.parts if p.sku == "DISC")
    detail = workflow.change_part_quantity(desk, line.id, 0, detail.ticket.version)
    assert detail == fresh() and all(p.sku != "DISC" for p in detail.parts)  # deleted
    detail = workflow.set_status(desk, ticket_id, "cancelled", detail.ticket.version)
    assert detail == fresh()


def test_a_pipeline_is_counted_as_the_one_exchange_it_makes(
    pg_engine: Engine,
) -> None:
    """The engine-hook count (what the CEILINGs and ``make bench`` print) agrees with
    the exchanges a proxy between the app and the server sees."""
    from benchmarks.latency_proxy import LatencyProxy
    from mechanic_desktop.db.engine import make_engine

    empty_tables(pg_engine)
    setup = UnitOfWork(pg_engine)
    setup.actor = factories.signed_in(setup, Role.ADMIN)
    ticket_id = wf.ticket(setup, "Ada Lovelace", "1HGCM82633A004352")
    part = wf.part(setup, "BRK-01", on_hand=50)
    url = pg_engine.url
    with LatencyProxy(url.port or 5432, rtt_ms=40, max_seconds=120) as proxy:
        far = make_engine(proxy.url(url.render_as_string(hide_password=False)))
        try:
            desk = UnitOfWork(far, actor=setup.actor)
            version = workflow.get_ticket_detail(desk, ticket_id).ticket.version  # connects
            for adding in (False, True):
                counter = RoundTrips(far)
                turns = proxy.turns
                with counter.counting():
                    if adding:
                        workflow.add_part_lines(desk, ticket_id, [(part.id, 1)], version)
                    else:
                        workflow.get_ticket_detail(desk, ticket_id)
                assert any(s.startswith("PIPELINE[") for s in counter.statements)
                assert proxy.turns - turns == counter.count, counter.statements
        finally:
            far.dispose()


def test_a_failing_statement_in_a_pipeline_rolls_the_write_back(
    pg_desk: UnitOfWork, pg_engine: Engine
) -> None:
    desk = pg_desk
    customer = factories.customer(desk, "Ada Lovelace")
    with pytest.raises(DatabaseUnavailable), desk.writing():
        desk.session.execute(text("UPDATE customers SET name = 'Changed' WHERE id = :id"),
                             {"id": customer.id})
        pipeline.run(desk.session, [select(literal(1)), select(literal(1) / 0)])
        desk.commit()
    with desk:  # the connection is fine afterwards, and nothing was kept
        rows = pipeline.run(desk.session, [select(literal(1)), select(literal(2))])
        assert [r[0][0] for r in rows] == [1, 2]
    assert factories.customer(desk, "Grace Hopper").name == "Grace Hopper"
    with pg_engine.connect() as conn:
        assert conn.execute(text("SELECT name FROM customers WHERE id = :id"),
                            {"id": customer.id}).scalar() == "Ada Lovelace"


def test_an_audit_row_sent_with_the_commit_that_fails_keeps_nothing(
    pg_desk: UnitOfWork, pg_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The audit row goes with COMMIT in one exchange: if it fails, the write it
    records is rolled back with it (and no other desk is told of it)."""
    desk = pg_desk
    ticket_id = wf.ticket(desk, "Ada Lovelace", "1HGCM82633A004352")
    record = tickets.get_ticket(desk, ticket_id)
    with pg_engine.connect() as conn:
        taken = conn.execute(text("SELECT max(id) FROM audit_log")).scalar()

    def an_id_already_used(uow: UnitOfWork, rows: object) -> None:
        uow.session.info[AUDIT_ID] = taken

    monkeypatch.setattr(audit, "take_audit_id", an_id_already_used)
    with pytest.raises(ValidationError, match="already on file"):
        tickets.update_ticket(desk, ticket_id, tickets.TicketData(
            record.customer_id, record.vehicle_id, "Noise, and a rattle"), record.version)
    monkeypatch.undo()
    after = tickets.get_ticket(desk, ticket_id)
    assert (after.description, after.version) == (record.description, record.version)
    saved = tickets.update_ticket(desk, ticket_id, tickets.TicketData(
        record.customer_id, record.vehicle_id, "Noise, and a rattle"), record.version)
    assert saved.description == "Noise, and a rattle"
    with pg_engine.connect() as conn:
        summary, at = conn.execute(text(
            "SELECT summary, at FROM audit_log WHERE entity = 'ticket' AND entity_id = :id "
            "ORDER BY id DESC LIMIT 1"), {"id": ticket_id}).one()
    assert "rattle" in summary and at is not None


def test_a_shop_that_never_saved_its_settings_opens_a_ticket_in_one_round_trip(
    pg_desk: UnitOfWork, pg_engine: Engine
) -> None:
    """No settings row yet (a new shop): the ticket's read says so, and the detail is
    priced with the defaults without asking the server again; the first write stores
    them."""
    ticket_id = wf.ticket(pg_desk, "Ada Lovelace", "1HGCM82633A004352")
    part = wf.part(pg_desk, "BRK-01", on_hand=5)
    with pg_engine.begin() as conn:
        conn.execute(text("DELETE FROM shop_settings"))
    counter = RoundTrips(pg_engine)
    with counter.counting():
        detail = workflow.get_ticket_detail(pg_desk, ticket_id)
    assert counter.count == 1, counter.statements
    assert workflow.add_part_lines(pg_desk, ticket_id, [(part.id, 1)], detail.ticket.version)
    with pg_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM shop_settings")).scalar() == 1


def test_a_tickets_statements_are_built_once_and_read_each_tickets_own_rows(
    desk: UnitOfWork,
) -> None:
    """Reading a ticket reuses the statements built for the first one (db/prepared.py:
    building them again cost ~2 ms of Python a read): only the values bound change, so
    two tickets read in turn each come back with their own lines, payments and parts."""
    from mechanic_desktop.db import repositories as repos
    from mechanic_desktop.services import payments

    first = wf.ticket(desk, "Ada Lovelace", "1HGCM82633A004352")
    second = wf.ticket(desk, "Alan Turing", "1M8GDM9AXKP042788")
    pad, disc = wf.part(desk, "PAD", on_hand=20), wf.part(desk, "DISC", on_hand=20)
    workflow.add_part_lines(desk, first, [(pad.id, 2)])
    detail = workflow.add_part_lines(desk, second, [(disc.id, 1), (pad.id, 3)])
    payments.take_payment(desk, second, payments.PaymentData("25.00", "cash"),
                          detail.ticket.version)

    builders = (repos.jobs_statement, repos.mechanic_lines_statement,
                repos.part_lines_statement, repos.fee_lines_statement,
                repos.authorisations_statement, repos.billing_statement)
    for build in builders:
        assert build(first).statement is build(second).statement, build.__name__
    assert (repos.ticket_statement(first, lock=True).statement
            is repos.ticket_statement(second, lock=True).statement)
    assert (repos.ticket_statement(first, lock=True).statement
            is not repos.ticket_statement(first, lock=False).statement)
    assert (repos.snapshots_statement([pad.id]).statement
            is repos.snapshots_statement([disc.id, pad.id, pad.id]).statement)

    one, two = (workflow.get_ticket_detail(desk, t) for t in (first, second))
    assert [(p.sku, p.quantity) for p in one.parts] == [("PAD", 2)]
    assert sorted((p.sku, p.quantity) for p in two.parts) == [("DISC", 1), ("PAD", 3)]
    assert not one.billing.payments
    assert [p.amount for p in two.billing.payments] == [Decimal("25.00")]
    with desk:
        rows = desk.session.execute(*repos.snapshots_statement([disc.id, pad.id])).all()
        assert sorted(r[1] for r in rows) == ["DISC", "PAD"]
        assert desk.session.execute(*repos.snapshots_statement([])).all() == []
