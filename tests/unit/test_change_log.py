"""The one way into the database says what each write changed, on both backends.

Every operation runs as the app's DB worker runs it (``services.runner.run``), and the
change set comes from the unit of work alone: ORM flushes, Core statements (stock
counts, CSV rows, the settings insert) and bulk loads. On PostgreSQL a second process
listening for NOTIFY hears exactly the same set, naming the same ids.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, update

from mechanic_desktop.db.models import Customer
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.changes import Changes
from mechanic_desktop.domain.status import TicketStatus
from mechanic_desktop.services import csv_import, runner, shop, stock, workflow
from tests.unit import factories
from tests.unit import workflow_factories as wf


def _run(uow: UnitOfWork, op: runner.Operation[object]) -> runner.Outcome[object]:
    outcome = runner.run(uow, op, uow.actor, write=True)
    if outcome.error is not None:
        raise outcome.error
    return outcome


def _rows(changes: Changes) -> dict[str, set[int]]:
    """Entity → ids, leaving out the audit trail's own new rows."""
    return {e: set(ids) for e, ids in changes.entities.items() if e != "audit"}


def test_an_orm_write_names_its_rows(uow: UnitOfWork) -> None:
    outcome = _run(uow, lambda u: factories.customer(u, "Ada Lovelace"))
    ada = outcome.result
    assert _rows(outcome.changes) == {"customer": {ada.id}}  # type: ignore[attr-defined]
    assert outcome.changes.ids("audit") and not outcome.changes.all_of


def test_stock_taken_by_a_core_update_names_the_part(uow: UnitOfWork) -> None:
    oil = wf.part(uow, "OIL-1", on_hand=5)
    outcome = _run(uow, lambda u: stock.receive_stock(u, oil.id, 3, "delivery"))
    assert _rows(outcome.changes) == {"part": {oil.id}}
    assert not outcome.changes.all_of  # named, so lists re-read one row


def test_a_ticket_status_change_names_the_ticket(uow: UnitOfWork) -> None:
    ticket_id = wf.ticket(uow, "Ada Lovelace", "1M8GDM9AXKP042788")
    version = workflow.get_ticket_detail(uow, ticket_id).ticket.version
    shop.get_settings(uow)  # the shop's settings row exists, as in any shop that works
    outcome = _run(uow, lambda u: workflow.set_status(u, ticket_id, TicketStatus.IN_PROGRESS,
                                                      version))
    assert _rows(outcome.changes) == {"ticket": {ticket_id}}


def test_a_settings_change_names_the_settings(uow: UnitOfWork) -> None:
    current = shop.get_settings(uow)
    outcome = _run(uow, lambda u: workflow.update_settings(
        u, shop.ShopSettingsData("Corner Garage", tax_rate="8.25"), current.version))
    assert set(_rows(outcome.changes)) >= {"settings"}
    assert outcome.changes.ids("settings") == {1}


def test_a_csv_import_names_every_row_it_wrote(uow: UnitOfWork, tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("name,email,vin\nAda Lovelace,ada@example.com,1M8GDM9AXKP042788\n"
                    "Bob Builder,bob@example.com,\n", encoding="utf-8")
    source = csv_import.open_csv(path)
    mapping = csv_import.guess_mapping("customers", source.headers)
    outcome = _run(uow, lambda u: csv_import.run_import(u, "customers", source, mapping))
    with uow:
        ids = {c.id for c in uow.session.query(Customer)}
    assert len(ids) == 2
    assert outcome.changes.ids("customer") == ids
    assert len(outcome.changes.ids("vehicle")) == 1
    assert not outcome.changes.all_of


def test_a_csv_update_names_only_the_records_it_changed(uow: UnitOfWork,
                                                        tmp_path: Path) -> None:
    ada = factories.customer(uow, "Ada Lovelace", "ada@example.com")
    car = factories.vehicle(uow, ada.id, "1M8GDM9AXKP042788")
    bob = factories.customer(uow, "Bob Builder", "bob@example.com")
    path = tmp_path / "people.csv"
    path.write_text("name,email,vin,plate\nAda King,ada@example.com,1M8GDM9AXKP042788,NEW 1\n"
                    f"{bob.name},bob@example.com,,\n", encoding="utf-8")
    source = csv_import.open_csv(path)
    mapping = csv_import.guess_mapping("customers", source.headers)
    outcome = _run(uow, lambda u: csv_import.run_import(u, "customers", source, mapping,
                                                        "update"))
    assert _rows(outcome.changes) == {"customer": {ada.id}, "vehicle": {car.id}}
    assert len(outcome.changes.ids("audit")) == 3  # Ada, her car, the import's summary
    assert not outcome.changes.all_of


def test_a_core_write_that_names_nothing_counts_as_any_row(uow: UnitOfWork) -> None:
    factories.customer(uow, "Ada Lovelace")

    def rename_everyone(u: UnitOfWork) -> None:
        with u.writing():
            u.session.execute(update(Customer).values(notes="VIP"))
            u.commit()

    outcome = _run(uow, rename_everyone)
    assert outcome.changes.all_of == {"customer"}
    assert outcome.changes.touches_record("customer", 12345)


def test_a_rolled_back_write_changes_nothing(uow: UnitOfWork) -> None:
    def abandon(u: UnitOfWork) -> None:
        with u.writing():
            factories_customer = Customer(name="Ghost", name_key="ghost", surname_key="ghost")
            u.session.add(factories_customer)
            u.flush()  # flushed, then rolled back: nobody must hear of it

    outcome = runner.run(uow, abandon, None, write=True)
    assert outcome.error is None and not outcome.changes


def test_an_operation_that_fails_after_a_commit_still_reports_it(uow: UnitOfWork) -> None:
    def half(u: UnitOfWork) -> None:
        factories.customer(u, "Ada Lovelace")
        raise RuntimeError("stopped half-way")

    outcome = runner.run(uow, half, None, write=True)
    assert isinstance(outcome.error, RuntimeError)
    assert len(outcome.changes.ids("customer")) == 1


# -- a second process hears the same change set ------------------------------------------

LISTENER = """
import json, sys
from sqlalchemy.engine import make_url
from mechanic_desktop.db.notifications import ChangeListener
listener = ChangeListener(make_url(sys.argv[1]),
                          lambda changed, by: print(json.dumps(changed), flush=True))
listener.start()
listener.wait_ready()
print("ready", flush=True)
sys.stdin.read()
listener.stop()
"""


@pytest.mark.postgres
def test_another_desk_hears_each_write_naming_the_same_ids(
    pg_engine: Engine, tmp_path: Path
) -> None:
    """CSV import, stock receipt, settings change and status change, each heard by a
    second process within the propagation target (500 ms), with the ids this desk got."""
    from tests.conftest import empty_tables

    empty_tables(pg_engine)
    uow = UnitOfWork(pg_engine)
    oil = wf.part(uow, "OIL-1", on_hand=5)
    ticket_id = wf.ticket(uow, "Ada Lovelace", "1M8GDM9AXKP042788")
    settings = shop.get_settings(uow)
    url = pg_engine.url.render_as_string(hide_password=False)
    other = subprocess.Popen([sys.executable, "-c", LISTENER, url], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    try:
        assert other.stdout is not None and other.stdout.readline().strip() == "ready"
        path = tmp_path / "people.csv"
        path.write_text("name,email\nCarla Import,carla@example.com\n", encoding="utf-8")
        source = csv_import.open_csv(path)
        mapping = csv_import.guess_mapping("customers", source.headers)
        version = workflow.get_ticket_detail(uow, ticket_id).ticket.version
        writes: list[runner.Operation[object]] = [
            lambda u: csv_import.run_import(u, "customers", source, mapping),
            lambda u: stock.receive_stock(u, oil.id, 2, "delivery"),
            lambda u: workflow.update_settings(
                u, shop.ShopSettingsData("Corner Garage", tax_rate="8.25"), settings.version),
            lambda u: workflow.set_status(u, ticket_id, TicketStatus.IN_PROGRESS, version),
        ]
        for op in writes:
            started = time.monotonic()
            here = _run(uow, op).changes
            heard = json.loads(other.stdout.readline())
            assert time.monotonic() - started < 0.5
            assert Changes.from_payload(heard, None).entities == here.entities
    finally:
        other.communicate("", timeout=10)
