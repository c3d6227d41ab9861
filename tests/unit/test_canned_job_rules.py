"""The canned-job library's rules, each asserted exactly, on both backends: how a line
reads back and what it costs today, every refusal of the editor with its message and
field, what each write puts in the audit trail, and what adding a job to a ticket puts
on it and says.

The library and the tickets are written straight to the tables (one short transaction)
and the rules called directly: each test is cheap, so the mutation run (docs/mutation.md)
judges the module's mutants by them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session

from mechanic_desktop.db.models import CannedJob, CannedJobLine, ShopSettings
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.canned_jobs import CannedJobRow, CannedLine, LineKind, price_today
from mechanic_desktop.domain.errors import (
    NotFound,
    PermissionDenied,
    StaleRecord,
    ValidationError,
)
from mechanic_desktop.domain.markup import Band
from mechanic_desktop.domain.records import ListQuery
from mechanic_desktop.domain.staff import Role
from mechanic_desktop.domain.totals import NO_TAX, Totals
from mechanic_desktop.domain.validation import MAX_TEXT, search_key
from mechanic_desktop.services import canned_jobs
from mechanic_desktop.services.canned_jobs import CannedJobData
from tests.unit import workflow_factories as wf
from tests.unit.test_workflow_rules import _audit, _part, _ticket

D = Decimal
LABOUR, PART, FEE = LineKind.LABOUR, LineKind.PART, LineKind.FEE


def _settings(engine: Engine, rate: str = "0.00", bands: str = "") -> None:
    with Session(engine) as s:
        s.add(ShopSettings(id=1, labor_rate=D(rate), markup_bands=bands))
        s.commit()


def _canned(engine: Engine, name: str, *lines: dict[str, Any], active: bool = True,
            concern: str = "") -> int:
    """A library job written straight to the tables, its lines in order."""
    with Session(engine) as s:
        job = CannedJob(name=name, name_key=search_key(name), concern=concern, active=active)
        s.add(job)
        s.flush()
        s.add_all(CannedJobLine(canned_job_id=job.id, position=i, **{"sku": ""} | line)
                  for i, line in enumerate(lines, 1))
        s.commit()
        return job.id


def labour(operation: str, minutes: int) -> dict[str, Any]:
    return {"kind": "labour", "operation": operation, "minutes": minutes}


def fee(operation: str, amount: str) -> dict[str, Any]:
    return {"kind": "fee", "operation": operation, "amount": D(amount)}


def part(part_id: int | None, sku: str, quantity: int) -> dict[str, Any]:
    return {"kind": "part", "part_id": part_id, "sku": sku, "quantity": quantity}


def _settings_rows(engine: Engine) -> int:
    with Session(engine) as s:
        return int(s.scalar(select(func.count()).select_from(ShopSettings)) or 0)


# --- reading ---------------------------------------------------------------------------


def test_each_kind_of_line_reads_back_as_it_was_written() -> None:
    """Labour with its minutes (0 too), a fee with its amount, a part under its SKU and
    name of today and priced as adding it would (no fixed price: its cost marked up; no
    cost either: 0.00), a part deleted since under the SKU it had, with no price."""

    def row(job: int, **values: Any) -> CannedJobLine:
        return CannedJobLine(canned_job_id=job, **values)

    bands = (Band(None, D("100")),)
    lines = canned_jobs._line_records([
        (row(1, kind="labour", operation="Check brakes", minutes=0), None, None, None, None),
        (row(1, kind="fee", operation="Disposal", amount=D("4.50")), None, None, None, None),
        (row(1, kind="part", part_id=5, sku="OLD-5", quantity=2),
         "BPF-5", "Pads", D("0.00"), D("0.00")),
        (row(2, kind="part", part_id=None, sku="GONE-1", quantity=1), None, None, None, None),
        (row(2, kind="part", part_id=6, sku="ROT-6", quantity=3),
         "ROT-6", "Rotor", D("0.00"), D("10.00")),
    ], bands)
    assert lines == {
        1: [CannedLine(LABOUR, "Check brakes", 0),
            CannedLine(FEE, "Disposal", amount=D("4.50")),
            CannedLine(PART, part_id=5, sku="BPF-5", quantity=2, name="Pads",
                       unit_price=D("0.00"))],
        2: [CannedLine(PART, part_id=None, sku="GONE-1", quantity=1, name="",
                       unit_price=None),
            CannedLine(PART, part_id=6, sku="ROT-6", quantity=3, name="Rotor",
                       unit_price=D("20.00"))],
    }


def test_a_fee_line_with_no_amount_yet_costs_nothing() -> None:
    lines = [CannedLine(FEE, "Disposal"), CannedLine(LABOUR, "Fit", 90)]
    assert price_today(lines, D("60.00"), NO_TAX) == Totals(
        D("0.00"), D("90.00"), D("0.00"), D("90.00"), fees=D("0.00"))


def test_the_audit_names_each_line() -> None:
    text = canned_jobs._lines_text([
        CannedJobLine(kind="labour", operation="Fit pads", minutes=90),
        CannedJobLine(kind="labour", operation="Check", minutes=0),
        CannedJobLine(kind="fee", operation="Disposal", amount=D("4.50")),
        CannedJobLine(kind="part", sku="ROT-1", quantity=2),
    ])
    assert text == "Fit pads 1.5 h, Check 0 h, fee Disposal 4.50, 2 × ROT-1"


def test_the_library_lists_each_job_priced_today(uow: UnitOfWork, engine: Engine) -> None:
    """Labour at the shop's rate, a part with no fixed price at its cost marked up, a
    part deleted since counted as gone and priced at nothing; a page and the cursor to
    the next."""
    _settings(engine, "60.00", "above: 100%")
    pads = _part(engine, "BPF-1", price="0.00")  # cost 10.00: sells at 20.00
    rotor = _part(engine, "ROT-1", price="45.00")
    brakes = _canned(engine, "Brakes", labour("Fit pads", 90), part(pads, "BPF-1", 2),
                     part(None, "GONE-1", 1), part(rotor, "ROT-1", 1), concern="Grinding")
    _canned(engine, "Wipers", labour("Fit wipers", 15), active=False)
    page = canned_jobs.list_canned_jobs(uow, ListQuery(limit=1))
    assert page.rows == (CannedJobRow(brakes, "Brakes", "Grinding", True, 90, 3, D("175.00"),
                                      1),)
    assert page.next_cursor is not None
    record = canned_jobs.get_canned_job(uow, brakes)
    assert [(line.sku, line.unit_price) for line in record.lines] == [
        ("", None), ("BPF-1", D("20.00")), ("GONE-1", None), ("ROT-1", D("45.00"))]
    assert record.price.total == D("175.00")


def test_a_job_that_is_gone_is_named_in_the_refusal(uow: UnitOfWork) -> None:
    gone = "Canned job #999 no longer exists; it may have been deleted at another desk."
    for call in (lambda: canned_jobs.get_canned_job(uow, 999),
                 lambda: canned_jobs.update_canned_job(uow, 999, CannedJobData("X"), 1),
                 lambda: canned_jobs.set_canned_job_active(uow, 999, True),
                 lambda: canned_jobs.delete_canned_job(uow, 999)):
        with pytest.raises(NotFound) as refused:
            call()
        assert str(refused.value) == gone


# --- the editor's rules ----------------------------------------------------------------


def _validate(uow: UnitOfWork, data: CannedJobData, current: int | None = None) -> Any:
    with uow:
        values, rows = canned_jobs._validate(uow, data, current)
        return values, [(r.position, r.kind, r.operation, r.minutes, r.part_id, r.sku,
                         r.quantity, r.amount) for r in rows]


def _refused(uow: UnitOfWork, data: CannedJobData) -> dict[str, str]:
    with pytest.raises(ValidationError) as refused:
        _validate(uow, data)
    return dict(refused.value.fields)


def test_the_editor_takes_every_kind_of_line_at_its_limits(
    uow: UnitOfWork, engine: Engine
) -> None:
    pads = _part(engine, "BPF-1")
    name, concern = "N" * 200, "C" * MAX_TEXT
    lines = [CannedLine(LABOUR, " Check  brakes ", 0), CannedLine(FEE, "Disposal", amount=D("4.5")),
             CannedLine(PART, part_id=pads, sku="OLD", quantity=10_000),
             *(CannedLine(LABOUR, f"Op {i}", 15) for i in range(47))]
    values, rows = _validate(uow, CannedJobData(name, concern, lines, active=False))
    assert values == {"name": name, "name_key": search_key(name), "concern": concern,
                      "active": False}
    assert rows[:4] == [
        (1, "labour", "Check brakes", 0, None, "", None, None),
        (2, "fee", "Disposal", None, None, "", None, D("4.50")),
        (3, "part", "", None, pads, "BPF-1", 10_000, None),
        (4, "labour", "Op 0", 15, None, "", None, None),
    ]
    assert len(rows) == 50 and rows[-1][:3] == (50, "labour", "Op 46")


def test_the_editor_refuses_what_is_over_its_limits(uow: UnitOfWork) -> None:
    lines = [CannedLine(LABOUR, f"Op {i}", 15) for i in range(51)]
    assert _refused(uow, CannedJobData("N" * 201, "C" * (MAX_TEXT + 1), lines)) == {
        "name": "The name is too long (at most 200 characters).",
        "concern": "The concern is too long (at most 10,000 characters).",
        "lines": "A canned job holds at most 50 lines.",
    }
    assert _refused(uow, CannedJobData("  ", "", [])) == {
        "name": "Give the job a name, e.g. \"Front brake pads and rotors\".",
        "lines": "Add at least one labour or part line: a canned job with no lines adds "
                 "nothing to a ticket.",
    }


def test_the_editor_names_every_line_that_will_not_do(uow: UnitOfWork, engine: Engine) -> None:
    pads = _part(engine, "BPF-1")
    lines = [
        CannedLine(LABOUR, "", 30),
        CannedLine(FEE, "Disposal"),
        CannedLine("tyre", "Fit"),
        CannedLine(PART, part_id=10**6, sku="OLD-1", quantity=1),
        CannedLine(PART, quantity=1),
        CannedLine(PART, part_id=pads, quantity=True),
        CannedLine(PART, part_id=pads, quantity=10_001),
        CannedLine(PART, part_id=pads, quantity=1),
        CannedLine(PART, part_id=pads, quantity=1),
        CannedLine(LABOUR, "Fit", 20),
    ]
    assert _refused(uow, CannedJobData("Brakes", "", lines)) == {
        "line:1": "Line 1: Say what the labour is, e.g. \"Replace front pads and rotors\".",
        "line:2": "Line 2: The fee is required.",
        "line:3": "Line 3: a line is labour, a part or a fee.",
        "line:4": "Line 4: choose a part from the catalogue (OLD-1 no longer exists).",
        "line:5": "Line 5: choose a part from the catalogue.",
        "line:6": "Line 6: the quantity of BPF-1 must be a whole number from 1 to 10,000.",
        "line:7": "Line 7: the quantity of BPF-1 must be a whole number from 1 to 10,000.",
        "line:9": "Line 9: BPF-1 is already on another line; put the whole quantity on one.",
        "line:10": "Line 10: Time for Fit must be in quarter hours (multiples of 15 minutes).",
    }


# --- the library's writes --------------------------------------------------------------


def test_a_new_job_is_audited_with_its_lines(uow: UnitOfWork, engine: Engine) -> None:
    """And writes nothing else: the shop's settings are read, not stored."""
    pads = _part(engine, "BPF-1")
    record = canned_jobs.create_canned_job(uow, CannedJobData("Brakes", "", [
        CannedLine(LABOUR, "Fit pads", 90), CannedLine(FEE, "Disposal", amount=D("4.50")),
        CannedLine(PART, part_id=pads, quantity=2)]))
    assert _audit(engine) == [("create", "canned_job", record.id,
                               "Brakes: Fit pads 1.5 h, fee Disposal 4.50, 2 × BPF-1")]
    assert _settings_rows(engine) == 0


def test_an_edit_is_audited_as_it_changed(uow: UnitOfWork, engine: Engine) -> None:
    pads = _part(engine, "BPF-1")
    canned = _canned(engine, "Brakes", labour("Fit pads", 60), part(pads, "BPF-1", 1))
    same_lines = [CannedLine(LABOUR, "Fit pads", 60), CannedLine(PART, part_id=pads, quantity=1)]
    renamed = canned_jobs.update_canned_job(
        uow, canned, CannedJobData("Front brakes", "", same_lines), 1)
    changed = canned_jobs.update_canned_job(uow, canned, CannedJobData(
        "Front brakes", "Grinding", [CannedLine(LABOUR, "Fit pads", 75)]), renamed.version)
    assert renamed.version == 2 and changed.version > renamed.version
    assert _audit(engine) == [
        ("update", "canned_job", canned, "name: 'Brakes' → 'Front brakes'"),
        ("update", "canned_job", canned,
         "concern: — → 'Grinding'; lines: Fit pads 1.25 h"),
    ]
    with Session(engine) as s:  # the lines rewritten only when they changed
        assert s.scalars(select(CannedJobLine.minutes)).all() == [75]


def test_offering_a_job_again_is_audited(uow: UnitOfWork, engine: Engine) -> None:
    canned = _canned(engine, "Brakes", labour("Fit pads", 60), active=False)
    assert canned_jobs.set_canned_job_active(uow, canned, True).active is True
    assert canned_jobs.set_canned_job_active(uow, canned, True).version == 2  # no change
    assert _audit(engine) == [("update", "canned_job", canned, "active: 'False' → 'True'")]


def test_a_deleted_job_is_audited_by_name(uow: UnitOfWork, engine: Engine) -> None:
    canned = _canned(engine, "Brakes", labour("Fit pads", 60))
    canned_jobs.delete_canned_job(uow, canned)
    assert _audit(engine) == [("delete", "canned_job", canned, "Brakes")]
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(CannedJobLine)) == 0


# --- onto a ticket ---------------------------------------------------------------------


def test_adding_a_job_puts_each_line_on_the_ticket_and_says_what_it_did(
    engine: Engine,
) -> None:
    """A writer adds it to a shop that never saved its settings (they are stored, as by
    every ticket write): labour (0 minutes too) at the rate of 0.00, which a note says,
    parts and fees; a part deleted since is left out, named in a note and the audit."""
    ticket, _ = _ticket(engine, settings=False)
    pads = _part(engine, "BPF-1")
    canned = _canned(engine, "Brakes", labour("Fit pads", 90), labour("Check", 0),
                     part(pads, "BPF-1", 2), fee("Disposal", "4.50"), part(None, "GONE-1", 1),
                     part(None, "GONE-2", 1), concern="Grinding")
    writer = UnitOfWork(engine, actor=wf.actor(engine, "wes", "Wes Desk", Role.WRITER))
    added = canned_jobs.add_canned_job(writer, ticket, canned, 1)
    assert added.notes == (
        "Part GONE-1 no longer exists: not added.",
        "Part GONE-2 no longer exists: not added.",
        "The shop's labour rate is not set (Settings → Shop settings), so the labour is "
        "priced at 0.00 an hour.",
    )
    job = next(j for j in added.detail.jobs if j.id == added.job_id)
    assert (job.title, job.concern, job.cause, job.correction, job.status, job.position) == (
        "Brakes", "Grinding", "", "", "proposed", 2)
    assert [(m.operation, m.minutes, m.mechanic_id) for m in job.mechanics] == [
        ("Fit pads", 90, None), ("Check", 0, None)]
    assert [(p.sku, p.quantity, p.taken) for p in job.parts] == [("BPF-1", 2, False)]
    assert _audit(engine)[-1] == (
        "job", "ticket", ticket,
        "Ticket 7: added canned job Brakes: Fit pads (1.5 h), Check (0 h), 2 × BPF-1, "
        "fee Disposal 4.50; not added (part gone): GONE-1, GONE-2")
    assert _settings_rows(engine) == 1


def test_a_job_of_labour_only_is_audited_with_it(uow: UnitOfWork, engine: Engine) -> None:
    ticket, _ = _ticket(engine)
    canned = _canned(engine, "Inspection", labour("Inspect", 60))
    assert canned_jobs.add_canned_job(uow, ticket, canned, 1).notes == (
        "The shop's labour rate is not set (Settings → Shop settings), so the labour is "
        "priced at 0.00 an hour.",)
    assert _audit(engine)[-1] == (
        "job", "ticket", ticket, "Ticket 7: added canned job Inspection: Inspect (1 h)")


def test_adding_a_job_is_refused_with_the_reason(uow: UnitOfWork, engine: Engine) -> None:
    ticket, _ = _ticket(engine)
    done, _ = _ticket(engine, status="completed", number=8)
    offered = _canned(engine, "Brakes", labour("Fit pads", 60))
    withdrawn = _canned(engine, "Wipers", labour("Fit wipers", 15), active=False)
    cases: list[tuple[UnitOfWork, int, int, int, dict[str, str]]] = [
        (uow, ticket, 999, 1,
         {"canned_job": "That canned job was deleted at another desk; choose another."}),
        (uow, ticket, withdrawn, 1,
         {"canned_job": "“Wipers” is no longer offered (an administrator made it "
                        "inactive); choose another."}),
        (uow, done, offered, 1,
         {"status": "Ticket RO-8 is completed, so its lines are read-only. Reopen it first "
                    "if more work is needed."}),
    ]
    for who, ticket_id, canned, version, fields in cases:
        with pytest.raises(ValidationError) as refused:
            canned_jobs.add_canned_job(who, ticket_id, canned, version)
        assert dict(refused.value.fields) == fields
    with pytest.raises(StaleRecord):
        canned_jobs.add_canned_job(uow, ticket, offered, 2)
    mechanic = wf.actor(engine, "mo", "Mo Bench", Role.MECHANIC)
    with pytest.raises(PermissionDenied) as denied:
        canned_jobs.add_canned_job(UnitOfWork(engine, actor=mechanic), ticket, offered, 1)
    assert str(denied.value) == ("Mechanics cannot assign mechanics and parts to tickets; "
                                 "ask an administrator.")
    assert [t for t, *_ in _audit(engine)] == []


def test_a_part_deleted_at_another_desk_meanwhile_is_named(
    uow: UnitOfWork, engine: Engine
) -> None:
    """The part is deleted between reading the job's lines and reading the parts (on
    PostgreSQL another desk can, between two statements): the note names that part."""
    ticket, _ = _ticket(engine)
    pads, rotor = _part(engine, "BPF-1"), _part(engine, "ROT-1")
    canned = _canned(engine, "Brakes", part(pads, "BPF-1", 1), part(rotor, "ROT-1", 2))

    def delete_rotor(_conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if statement.startswith("SELECT parts.id, parts.sku") and not deleted:
            deleted.append(rotor)
            cursor.connection.cursor().execute(f"DELETE FROM parts WHERE id = {rotor}")

    deleted: list[int] = []
    event.listen(engine, "before_cursor_execute", delete_rotor)
    try:
        added = canned_jobs.add_canned_job(uow, ticket, canned, 1)
    finally:
        event.remove(engine, "before_cursor_execute", delete_rotor)
    assert deleted == [rotor]
    assert added.notes == ("Part ROT-1 no longer exists: not added.",)
    job = next(j for j in added.detail.jobs if j.id == added.job_id)
    assert [(p.sku, p.quantity) for p in job.parts] == [("BPF-1", 1)]
