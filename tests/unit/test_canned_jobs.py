"""The library of canned jobs and adding one to a ticket, on both backends: one step adds
a proposed job with unassigned labour at the shop's labour rate and parts at today's
prices (none taken); a part deleted since is left out with a note naming it; stale
library edits are refused naming who and when; a few statements per add."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, event

from mechanic_desktop.db.seed import SeedPlan, seed
from mechanic_desktop.db.starter_jobs import STARTER_JOBS
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.canned_jobs import CannedLine, LineKind
from mechanic_desktop.domain.errors import PermissionDenied, StaleRecord, ValidationError
from mechanic_desktop.domain.records import ListQuery
from mechanic_desktop.domain.staff import Role
from mechanic_desktop.services import canned_jobs, parts, shop, workflow
from mechanic_desktop.services.canned_jobs import CannedJobData
from tests.unit import factories
from tests.unit import workflow_factories as wf
from tests.unit.test_revoked_rights import two_admins

D = Decimal


def labour(operation: str, minutes: int) -> CannedLine:
    return CannedLine(LineKind.LABOUR, operation, minutes)


def part(part_id: int, quantity: int) -> CannedLine:
    return CannedLine(LineKind.PART, part_id=part_id, quantity=quantity)


def _shop(uow: UnitOfWork, rate: str = "120.00", tax: str = "0") -> None:
    settings = shop.get_settings(uow)
    workflow.update_settings(uow, shop.ShopSettingsData(
        settings.name, tax_rate=tax, labor_rate=rate), settings.version)


def _brakes(uow: UnitOfWork) -> tuple[int, int, int]:
    """'Front brakes': 1.5 h of labour, 1 pad set at 45.00 and 2 rotors at 80.00."""
    pads = wf.part(uow, "BPF-1", on_hand=5, price="45.00")
    rotor = wf.part(uow, "ROT-1", on_hand=5, price="80.00")
    record = canned_jobs.create_canned_job(uow, CannedJobData(
        "Front brake pads and rotors", "Brakes grind when stopping",
        [labour("Replace front pads and rotors", 90), part(pads.id, 1), part(rotor.id, 2)]))
    return record.id, pads.id, rotor.id


def test_a_canned_job_is_priced_at_todays_rate_and_prices(uow: UnitOfWork) -> None:
    _shop(uow, "120.00", "10")
    canned_id, pads, _ = _brakes(uow)
    record = canned_jobs.get_canned_job(uow, canned_id)
    assert [line.kind for line in record.lines] == ["labour", "part", "part"]
    assert record.lines[1].sku == "BPF-1" and record.lines[1].unit_price == D("45.00")
    # labour 1.5 h × 120 = 180; parts 45 + 160 = 205; tax 10 % on parts = 20.50
    assert (record.price.labor, record.price.parts, record.price.tax,
            record.price.total) == (D("180.00"), D("205.00"), D("20.50"), D("405.50"))
    parts.update_part(uow, pads, parts.PartData("BPF-1", "Pads", "50.00"))
    [row] = canned_jobs.list_canned_jobs(uow, ListQuery()).rows
    assert (row.name, row.minutes, row.parts, row.total) == (
        "Front brake pads and rotors", 90, 2, D("411.00"))


def test_adding_a_canned_job_adds_a_proposed_job_in_one_step(uow: UnitOfWork) -> None:
    _shop(uow, "100.00")
    canned_id, pads, rotor = _brakes(uow)
    ticket = factories.ticket(uow)
    before = workflow.get_ticket_detail(uow, ticket.id)
    added = canned_jobs.add_canned_job(uow, ticket.id, canned_id, before.ticket.version)
    assert added.notes == ()
    detail = added.detail
    assert detail.ticket.version == before.ticket.version + 1
    job = next(j for j in detail.jobs if j.id == added.job_id)
    assert (job.title, job.concern, job.status, job.position) == (
        "Front brake pads and rotors", "Brakes grind when stopping", "proposed", 2)
    [line] = job.mechanics
    assert (line.mechanic_id, line.operation, line.minutes, line.hourly_rate) == (
        None, "Replace front pads and rotors", 90, D("100.00"))
    assert sorted((p.sku, p.quantity, p.unit_price, p.taken) for p in job.parts) == [
        ("BPF-1", 1, D("45.00"), False), ("ROT-1", 2, D("80.00"), False)]
    assert job.totals.total == D("355.00")
    # Proposed: nothing leaves the shelf and the ticket's (approved) total is unchanged.
    assert parts.get_part(uow, pads).quantity_on_hand == 5
    assert parts.get_part(uow, rotor).quantity_on_hand == 5
    assert detail.totals.total == before.totals.total
    # The library keeps its own prices: a later price change does not touch the ticket.
    parts.update_part(uow, pads, parts.PartData("BPF-1", "Pads", "99.00"))
    again = workflow.get_ticket_detail(uow, ticket.id)
    assert next(j for j in again.jobs if j.id == added.job_id).totals.total == D("355.00")


def test_a_deleted_part_is_left_out_with_a_note(uow: UnitOfWork) -> None:
    gone = wf.part(uow, "BRK-99", on_hand=0, price="10.00")
    kept = wf.part(uow, "OIL-1", on_hand=3, price="8.00")
    canned = canned_jobs.create_canned_job(uow, CannedJobData(
        "Oil and filter change", "", [labour("Change oil and filter", 30),
                                      part(gone.id, 1), part(kept.id, 1)]))
    parts.delete_part(uow, gone.id)
    record = canned_jobs.get_canned_job(uow, canned.id)
    assert (record.lines[1].part_id, record.lines[1].sku, record.lines[1].unit_price) == (
        None, "BRK-99", None)
    ticket = factories.ticket(uow)
    added = canned_jobs.add_canned_job(uow, ticket.id, canned.id, ticket.version)
    assert added.notes[0] == "Part BRK-99 no longer exists: not added."
    assert "labour rate is not set" in added.notes[1]  # 0.00 an hour: said, not hidden
    job = next(j for j in added.detail.jobs if j.id == added.job_id)
    assert [p.sku for p in job.parts] == ["OIL-1"] and len(job.mechanics) == 1
    # The editor says so too, and refuses to save the line as it is.
    with pytest.raises(ValidationError, match="BRK-99 no longer exists"):
        canned_jobs.update_canned_job(uow, canned.id, CannedJobData(
            record.name, record.concern, record.lines), record.version)


def test_library_edits_are_checked(uow: UnitOfWork) -> None:
    pads = wf.part(uow, "BPF-1")
    canned_jobs.create_canned_job(uow, CannedJobData("Brakes", "", [part(pads.id, 1)]))
    cases = [
        (CannedJobData("", "", [part(pads.id, 1)]), "name", "Give the job a name"),
        (CannedJobData("brakes ", "", [part(pads.id, 1)]), "name", None),
        (CannedJobData("Brakes", "", [part(pads.id, 1)]), "name", "already a canned job"),
        (CannedJobData("Wipers", "", []), "lines", "at least one labour or part line"),
        (CannedJobData("Wipers", "", [labour("", 30)]), "line:1", "Say what the labour"),
        (CannedJobData("Wipers", "", [labour("Fit", 20)]), "line:1", "quarter"),
        (CannedJobData("Wipers", "", [part(pads.id, 0)]), "line:1", "from 1 to"),
        (CannedJobData("Wipers", "", [part(pads.id, 1), part(pads.id, 2)]), "line:2",
         "already on another line"),
        (CannedJobData("Wipers", "", [part(10**6, 1)]), "line:1", "choose a part"),
    ]
    for data, key, message in cases:
        if message is None:
            canned_jobs.create_canned_job(uow, data)  # names differ by case: both kept
            continue
        with pytest.raises(ValidationError) as refused:
            canned_jobs.create_canned_job(uow, data)
        assert key in refused.value.fields and message in refused.value.fields[key], data


def test_a_stale_library_edit_is_refused_naming_who_and_when(engine: Engine) -> None:
    pat, dee = two_admins(engine)
    mine, theirs = UnitOfWork(engine, actor=pat), UnitOfWork(engine, actor=dee)
    pads = wf.part(mine, "BPF-1")
    made = canned_jobs.create_canned_job(mine, CannedJobData("Brakes", "", [part(pads.id, 1)]))
    # Another desk changes only the lines: the job's version moves all the same.
    saved = canned_jobs.update_canned_job(theirs, made.id, CannedJobData(
        "Brakes", "", [part(pads.id, 2)]), made.version)
    assert saved.version == made.version + 1 and saved.lines[0].quantity == 2
    with pytest.raises(StaleRecord) as refused:
        canned_jobs.update_canned_job(mine, made.id, CannedJobData(
            "Front brakes", "", [part(pads.id, 1)]), made.version)
    assert str(refused.value).startswith(
        "Canned job Brakes was changed at another desk by Dee Puty at ")
    now = canned_jobs.get_canned_job(mine, made.id)
    assert (now.name, now.lines[0].quantity) == ("Brakes", 2)


def test_inactive_and_deleted_jobs_are_not_added(uow: UnitOfWork) -> None:
    canned_id, _, _ = _brakes(uow)
    ticket = factories.ticket(uow)
    canned_jobs.set_canned_job_active(uow, canned_id, False)
    assert canned_jobs.list_canned_jobs(uow, ListQuery(filters={"active": True})).rows == ()
    with pytest.raises(ValidationError, match="no longer offered"):
        canned_jobs.add_canned_job(uow, ticket.id, canned_id, ticket.version)
    canned_jobs.delete_canned_job(uow, canned_id)
    with pytest.raises(ValidationError, match="deleted at another desk"):
        canned_jobs.add_canned_job(uow, ticket.id, canned_id, ticket.version)
    assert len(workflow.get_ticket_detail(uow, ticket.id).jobs) == 1


def test_only_administrators_keep_the_library_and_writers_use_it(engine: Engine) -> None:
    system = UnitOfWork(engine)
    canned_id, pads, _ = _brakes(system)
    ticket = factories.ticket(system)
    writer = UnitOfWork(engine, actor=wf.actor(engine, "wes", "Wes Desk", Role.WRITER))
    with pytest.raises(PermissionDenied, match="Service writers cannot manage the library"):
        canned_jobs.create_canned_job(writer, CannedJobData("X", "", [part(pads, 1)]))
    added = canned_jobs.add_canned_job(writer, ticket.id, canned_id, ticket.version)
    assert len(added.detail.jobs) == 2
    mechanic = wf.mechanic(system)
    bench = UnitOfWork(engine, actor=wf.actor(engine, "mo", "Mo Bench", Role.MECHANIC,
                                              mechanic.id))
    assert canned_jobs.list_canned_jobs(bench, ListQuery()).rows  # reading is open
    with pytest.raises(PermissionDenied):
        canned_jobs.add_canned_job(bench, ticket.id, canned_id,
                                   workflow.get_ticket_detail(system, ticket.id).ticket.version)


def test_adding_a_canned_job_is_a_few_statements(engine: Engine) -> None:
    """One query per kind of line, not one per line: a 4-line and a 12-line job read
    the same."""
    uow = UnitOfWork(engine)
    made = [wf.part(uow, f"P-{i}", price="5.00") for i in range(8)]
    small = canned_jobs.create_canned_job(uow, CannedJobData("Small", "", [
        labour("A", 30), labour("B", 15), part(made[0].id, 1), part(made[1].id, 1)]))
    big = canned_jobs.create_canned_job(uow, CannedJobData("Big", "", [
        *(labour(f"Op {i}", 15) for i in range(4)), *(part(p.id, 2) for p in made)]))
    ticket = factories.ticket(uow)
    counts = []
    for canned in (small, big):
        statements: list[str] = []

        def count(*args: object, into: list[str] = statements) -> None:
            into.append(str(args[2]))

        def with_commit(conn: Any, into: list[str] = statements) -> None:
            # What PostgreSQL's connection sends with COMMIT (the audit entry).
            raw = conn.connection.dbapi_connection
            into.extend(getattr(raw, "staged_writes", None) or [])

        version = workflow.get_ticket_detail(uow, ticket.id).ticket.version
        event.listen(engine, "before_cursor_execute", count)
        event.listen(engine, "commit", with_commit)
        try:
            canned_jobs.add_canned_job(uow, ticket.id, canned.id, version)
        finally:
            event.remove(engine, "before_cursor_execute", count)
            event.remove(engine, "commit", with_commit)
        inserts = [s for s in statements if s.startswith("INSERT")]
        counts.append((len(statements) - len(inserts), len(inserts)))
    # The same reads whatever the job holds. PostgreSQL inserts each kind of line in
    # one batch (job, labour, parts, audit entry: that one with COMMIT); SQLite's
    # driver is sent one INSERT per line (in-process: no round trip).
    (reads, small_inserts), (big_reads, big_inserts) = counts
    assert reads == big_reads and reads <= 25, counts
    if engine.dialect.name == "postgresql":
        assert (small_inserts, big_inserts) == (4, 4), counts
    else:
        assert (small_inserts, big_inserts) == (4 + 2, 12 + 2), counts


def test_demo_data_brings_the_starter_library(engine: Engine) -> None:
    seed(engine, SeedPlan(customers=6, tickets=30, mechanics=2, parts=60, random_seed=3))
    # Seeding again appends a shop's worth of rows but no second library.
    seed(engine, SeedPlan(customers=2, tickets=5, mechanics=1, parts=30, random_seed=4))
    uow = UnitOfWork(engine)
    rows = canned_jobs.list_canned_jobs(uow, ListQuery(filters={"active": True})).rows
    assert len(rows) == len(STARTER_JOBS) == 20
    assert all(r.minutes > 0 and r.parts > 0 and r.total > 0 for r in rows)
    [brakes] = canned_jobs.list_canned_jobs(uow, ListQuery(search="front brake")).rows
    record = canned_jobs.get_canned_job(uow, brakes.id)
    assert [(line.sku[:4], line.quantity) for line in record.lines[1:]] == [
        ("BPF-", 1), ("ROT-", 2), ("BFL-", 1)]
    ticket = factories.ticket(uow)
    added = canned_jobs.add_canned_job(uow, ticket.id, brakes.id, ticket.version)
    job = next(j for j in added.detail.jobs if j.id == added.job_id)
    assert (len(job.mechanics), len(job.parts)) == (1, 3)
