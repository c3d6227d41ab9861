"""The ticket workflow's rules, each asserted exactly, on both backends: who may change
what, what a refusal says, what stock moves, what the totals and the audit trail say.

The tickets are written straight to the tables (one short transaction) and then changed
through the services: each test is cheap, so the mutation run (docs/mutation.md) judges
the workflow's mutants by them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from mechanic_desktop.db.models import (
    AuditEntry,
    Authorisation,
    AuthorisationJob,
    CreditNote,
    Customer,
    Invoice,
    Mechanic,
    Part,
    ServiceTicket,
    ShopSettings,
    TicketDiscount,
    TicketFee,
    TicketJob,
    TicketMechanic,
    TicketPart,
    Vehicle,
)
from mechanic_desktop.db.round_trips import RoundTrips
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.discounts import Discount
from mechanic_desktop.domain.errors import (
    NotFound,
    PermissionDenied,
    ShortStock,
    StaleRecord,
    ValidationError,
)
from mechanic_desktop.domain.records import MechanicLineRecord, TicketDetail
from mechanic_desktop.domain.staff import Role
from mechanic_desktop.domain.status import TicketStatus
from mechanic_desktop.domain.totals import Totals
from mechanic_desktop.services import credit_notes, payments, workflow
from mechanic_desktop.services.shop import ShopSettingsData
from tests.conftest import empty_tables
from tests.unit import factories
from tests.unit import workflow_factories as wf

D = Decimal


def _ticket(
    engine: Engine, *jobs: str, status: str = "open", authorised: str = "0.00",
    number: int = 7, parts: str = "0.00", labour: str = "0.00", total: str = "0.00",
    owed: str = "0.00", settings: bool = True,
) -> tuple[int, list[int]]:
    """Ticket ``number`` for Ada's car in ``status``, with a job of each status in
    ``jobs`` ("Job 1", "Job 2", …; one approved job when none is given), whose customer
    authorised ``authorised``, its stored totals ``parts``, ``labour`` and ``total``, what
    the customer owes ``owed``; and the shop's settings row unless ``settings`` is False
    (a shop that never saved them)."""
    with Session(engine) as s:
        if settings and s.get(ShopSettings, 1) is None:  # as the app stores them at first
            s.add(ShopSettings(id=1))
        car = s.scalars(select(Vehicle)).first()  # Ada's, once made
        if car is None:
            owner = Customer(name="Ada Lovelace", name_key="ada lovelace",
                             surname_key="lovelace", phone="555-123-4567", address="1 Main St")
            s.add(owner)
            s.flush()
            car = Vehicle(customer_id=owner.id, vin=factories.VINS[0])
            s.add(car)
            s.flush()
        ticket = ServiceTicket(number=number, customer_id=car.customer_id, vehicle_id=car.id,
                               status=status, authorised_total=D(authorised),
                               parts_total=D(parts), labor_total=D(labour), total=D(total),
                               owed=D(owed))
        s.add(ticket)
        s.flush()
        rows = [TicketJob(ticket_id=ticket.id, position=i, title=f"Job {i}", status=job)
                for i, job in enumerate(jobs or ("approved",), start=1)]
        s.add_all(rows)
        s.commit()
        return ticket.id, [j.id for j in rows]


def _mechanic(engine: Engine, name: str, rate: str = "80.00", active: bool = True) -> int:
    with Session(engine) as s:
        row = Mechanic(name=name, name_key=name.casefold(), hourly_rate=D(rate), active=active)
        s.add(row)
        s.commit()
        return row.id


def _part(engine: Engine, sku: str = "BRK-01", on_hand: int = 10, price: str = "25.00") -> int:
    with Session(engine) as s:
        row = Part(sku=sku, name=f"Part {sku}", name_key=f"part {sku.casefold()}",
                   unit_price=D(price), unit_cost=D("10.00"), quantity_on_hand=on_hand)
        s.add(row)
        s.commit()
        return row.id


def _audit(engine: Engine) -> list[tuple[str, str, int | None, str]]:
    """The audit trail: (action, entity, entity id, summary), oldest first."""
    with Session(engine) as s:
        return [tuple(r) for r in s.execute(  # type: ignore[misc]
            select(AuditEntry.action, AuditEntry.entity, AuditEntry.entity_id,
                   AuditEntry.summary).order_by(AuditEntry.id))]


# --- mechanics and time --------------------------------------------------------------------


def test_assigning_records_each_change_in_the_audit_trail(uow: UnitOfWork, engine: Engine) -> None:
    """Assigning, re-timing and removing mechanics are each audited, naming the job."""
    ticket_id, [job] = _ticket(engine)
    sam, ann = _mechanic(engine, "Sam Wrench"), _mechanic(engine, "Ann Bolt", "60.00")
    detail = workflow.assign_mechanics(uow, ticket_id, {sam: 90, ann: 15}, 1, job)
    assert [(m.name, m.minutes, m.line_total) for m in detail.mechanics] == [
        ("Ann Bolt", 15, D("15.00")), ("Sam Wrench", 90, D("120.00"))]
    detail = workflow.assign_mechanics(uow, ticket_id, {sam: 105}, 2, job)
    assert _audit(engine) == [
        ("mechanics", "ticket", ticket_id,
         "Ticket 7: Job 1: assigned Sam Wrench (1.5 h); assigned Ann Bolt (0.25 h)"),
        ("mechanics", "ticket", ticket_id,
         "Ticket 7: Job 1: removed Ann Bolt; Sam Wrench 1.5 h → 1.75 h"),
    ]
    assert (detail.ticket.version, detail.totals.labor, detail.totals.total) == (
        3, D("140.00"), D("140.00"))
    same = workflow.assign_mechanics(uow, ticket_id, {sam: 105}, 3, job)
    assert (same.ticket.version, len(_audit(engine))) == (3, 2)  # nothing to change


def test_a_jobs_mechanics_are_its_own(uow: UnitOfWork, engine: Engine) -> None:
    """Assigning on one job neither re-times nor removes a mechanic on another."""
    ticket_id, [first, second] = _ticket(engine, "approved", "approved")
    sam = _mechanic(engine, "Sam Wrench")
    _labour(engine, ticket_id, first, sam, 30)
    detail = workflow.assign_mechanics(uow, ticket_id, {sam: 60}, 1, second)
    assert sorted((m.job_id, m.minutes) for m in detail.mechanics) == [
        (first, 30), (second, 60)]
    detail = workflow.assign_mechanics(uow, ticket_id, {}, 2, second)
    assert [(m.job_id, m.minutes) for m in detail.mechanics] == [(first, 30)]
    assert [a[3] for a in _audit(engine)] == [
        "Ticket 7: Job 2: assigned Sam Wrench (1 h)", "Ticket 7: Job 2: removed Sam Wrench"]


def _line(engine: Engine, ticket_id: int, job_id: int, part_id: int, quantity: int,
          price: str = "10.00", *, taken: bool = True, ordered: bool = False,
          percent: str | None = None, amount: str | None = None) -> int:
    """A parts line written straight to the table (stock is not touched)."""
    with Session(engine) as s:
        row = TicketPart(ticket_id=ticket_id, job_id=job_id, part_id=part_id,
                         quantity=quantity, unit_price=D(price), taken=taken, ordered=ordered,
                         discount_percent=None if percent is None else D(percent),
                         discount_amount=None if amount is None else D(amount),
                         discount_reason="Loyal" if percent or amount else "")
        s.add(row)
        s.commit()
        return row.id


def _labour(engine: Engine, ticket_id: int, job_id: int, mechanic_id: int, minutes: int,
            rate: str = "80.00", *, percent: str | None = None) -> int:
    with Session(engine) as s:
        row = TicketMechanic(ticket_id=ticket_id, job_id=job_id, mechanic_id=mechanic_id,
                             minutes=minutes, hourly_rate=D(rate), operation="Bleed",
                             discount_percent=None if percent is None else D(percent),
                             discount_reason="Loyal")
        s.add(row)
        s.commit()
        return row.id


def _refused(call: object) -> dict[str, str]:
    """The fields of the ValidationError ``call()`` raises."""
    with pytest.raises(ValidationError) as caught:
        call()  # type: ignore[operator]
    return caught.value.fields


def test_time_is_whole_quarter_hours_up_to_999_75_hours() -> None:
    """A time entry: an int (not a bool), 0 to 59,985 minutes, in steps of 15."""
    whole = "Time for Sam must be a whole number of minutes."
    assert workflow.check_minutes(True, "Sam") == (None, whole)
    assert workflow.check_minutes("60", "Sam") == (None, whole)
    assert workflow.check_minutes(60.0, "Sam") == (None, whole)
    between = "Time for Sam must be between 0 and 999.75 hours."
    assert workflow.check_minutes(-15, "Sam") == (None, between)
    assert workflow.check_minutes(60_000, "Sam") == (None, between)
    assert workflow.check_minutes(59_986, "Sam") == (None, between)
    assert workflow.check_minutes(20, "Sam") == (
        None, "Time for Sam must be in quarter hours (multiples of 15 minutes).")
    assert workflow.check_minutes(0, "Sam") == (0, None)
    assert workflow.check_minutes(15, "Sam") == (15, None)
    assert workflow.check_minutes(59_985, "Sam") == (59_985, None)


def test_assigning_a_gone_or_inactive_mechanic_names_each_problem(
    uow: UnitOfWork, engine: Engine
) -> None:
    """Each mechanic's problem is keyed to its field; a gone one is named by id."""
    ticket_id, _ = _ticket(engine)
    old = _mechanic(engine, "Old Timer", active=False)
    assert _refused(lambda: workflow.assign_mechanics(
        uow, ticket_id, {999: 20, old: 15}, 1)) == {
        "mechanic:999": "Mechanic #999 no longer exists; reload the list.",
        "minutes:999": "Time for #999 must be in quarter hours (multiples of 15 minutes).",
        f"mechanic:{old}": "Old Timer is inactive and cannot be assigned to new work.",
    }
    assert _audit(engine) == []


def test_a_mechanic_books_only_their_own_time_on_their_own_tickets(engine: Engine) -> None:
    """A mechanic changes their own minutes (a colleague's unchanged minutes may come
    back as they were); not a colleague's, and not on a ticket they are not on."""
    ticket_id, [job] = _ticket(engine)
    other_id, _ = _ticket(engine, number=8)
    sam, ann = _mechanic(engine, "Sam Wrench"), _mechanic(engine, "Ann Bolt")
    _labour(engine, ticket_id, job, sam, 30)
    _labour(engine, ticket_id, job, ann, 45)
    bay = UnitOfWork(engine, actor=wf.actor(engine, "sam", "Sam Wrench", Role.MECHANIC, sam))
    detail = workflow.assign_mechanics(bay, ticket_id, {sam: 60, ann: 45}, 1)
    assert sorted((m.name, m.minutes) for m in detail.mechanics) == [
        ("Ann Bolt", 45), ("Sam Wrench", 60)]
    with pytest.raises(PermissionDenied) as denied:
        workflow.assign_mechanics(bay, ticket_id, {sam: 60, ann: 60}, 2)
    assert str(denied.value) == (
        "Mechanics book only their own time; Ann Bolt's time was not changed.")
    with pytest.raises(PermissionDenied) as denied:
        workflow.assign_mechanics(bay, ticket_id, {sam: 60}, 2)  # Ann taken off
    assert str(denied.value) == (
        "Mechanics cannot assign mechanics and parts to tickets; ask an administrator.")
    with pytest.raises(PermissionDenied) as denied:
        workflow.assign_mechanics(bay, other_id, {}, 1)
    assert str(denied.value) == (
        "Mechanics can book time on only the tickets assigned to them; ticket RO-8 is not "
        "assigned to Sam Wrench.")
    with pytest.raises(PermissionDenied) as denied:
        workflow.set_status(bay, other_id, "in_progress", 1)
    assert str(denied.value) == (
        "Mechanics can change the status of only the tickets assigned to them; ticket RO-8 "
        "is not assigned to Sam Wrench.")
    assert workflow.set_status(bay, ticket_id, "in_progress", 2).ticket.status == "in_progress"
    desk = UnitOfWork(engine, actor=wf.actor(engine, "pat", "Pat Desk", Role.WRITER))
    assert workflow.set_status(desk, other_id, "in_progress", 1).ticket.version == 2


# --- reading a ticket ---------------------------------------------------------------------


def test_a_ticket_that_is_gone_is_named(uow: UnitOfWork) -> None:
    with pytest.raises(NotFound) as gone:
        workflow.get_ticket_detail(uow, 999)
    assert str(gone.value) == (
        "Ticket #999 no longer exists; it may have been deleted at another desk.")


def test_the_estimate_prices_proposed_and_approved_jobs_the_totals_only_approved(
    uow: UnitOfWork, engine: Engine
) -> None:
    """The estimate is what proposed and approved jobs come to; the totals are the
    ticket's stored ones, with fees and discounts of its approved jobs; each job has its
    own totals; more to authorise only while the ticket is worked on."""
    ticket_id, [approved, proposed, declined, deferred] = _ticket(
        engine, "approved", "proposed", "declined", "deferred", status="in_progress",
        authorised="5.00", parts="10.00", labour="40.00", total="45.00")
    pad = _part(engine)
    for job, price in ((approved, "10.00"), (proposed, "20.00"), (declined, "40.00"),
                       (deferred, "80.00")):
        _line(engine, ticket_id, job, pad, 1, price, amount="1.00")
    sam = _mechanic(engine, "Sam Wrench")
    line = _labour(engine, ticket_id, approved, sam, 30, percent="10")
    detail = workflow.get_ticket_detail(uow, ticket_id)
    assert detail.estimate == Totals(D("30.00"), D("40.00"), D("0.00"), D("64.00"),
                                     D("0.00"), D("6.00"))
    assert detail.totals == Totals(D("10.00"), D("40.00"), D("0.00"), D("45.00"),
                                   D("0.00"), D("5.00"))
    assert [(j.id, j.title, j.status, j.totals.total) for j in detail.jobs] == [
        (approved, "Job 1", "approved", D("45.00")), (proposed, "Job 2", "proposed", D("19.00")),
        (declined, "Job 3", "declined", D("39.00")), (deferred, "Job 4", "deferred", D("79.00")),
    ]
    assert [len(j.parts) for j in detail.jobs] == [1, 1, 1, 1]
    assert detail.mechanics == (MechanicLineRecord(
        sam, "Sam Wrench", 30, D("80.00"), D("40.00"), True, approved, "Bleed", line, True,
        Discount(D("10"), None, "Loyal")),)
    assert detail.jobs[0].mechanics == detail.mechanics
    assert [p.discount for p in detail.parts] == [Discount(None, D("1.00"), "Loyal")] * 4
    assert (detail.vehicle_vin, detail.customer_phone, detail.customer_address) == (
        factories.VINS[0], "555-123-4567", "1 Main St")
    assert (detail.authorised_total, detail.authorisation_needed) == (D("5.00"), D("40.00"))
    assert (detail.editable, detail.reopenable, detail.allowed_next) == (
        True, False, ("open", "completed", "cancelled"))
    assert detail.discount is None and detail.fees == ()


def test_the_detail_shows_each_jobs_fees_and_the_ticket_discount(
    uow: UnitOfWork, engine: Engine
) -> None:
    """Fees (with their own discounts) on their jobs; the ticket's discount taken off
    the estimate and the approved work alike; billed, before any invoice, the total."""
    ticket_id, [approved, proposed] = _ticket(engine, "approved", "proposed", parts="10.00",
                                              total="11.50")
    _line(engine, ticket_id, approved, _part(engine), 1, "10.00")
    with Session(engine) as s:
        s.add_all([
            TicketFee(ticket_id=ticket_id, job_id=approved, description="Disposal",
                      amount=D("5.00"), discount_percent=D("10"), discount_reason="Loyal"),
            TicketFee(ticket_id=ticket_id, job_id=proposed, description="Towing",
                      amount=D("2.00")),
            TicketDiscount(ticket_id=ticket_id, discount_amount=D("3.00"),
                           discount_reason="Regular"),
        ])
        s.commit()
    with uow.reading():  # the detail every write hands back, as _save makes it
        ticket = uow.session.get_one(ServiceTicket, ticket_id)
        detail = workflow._detail(uow, ticket)
    assert [(f.job_id, f.description, f.amount, f.discount) for f in detail.fees] == [
        (approved, "Disposal", D("5.00"), Discount(D("10"), None, "Loyal")),
        (proposed, "Towing", D("2.00"), None)]
    assert [[f.description for f in j.fees] for j in detail.jobs] == [["Disposal"], ["Towing"]]
    assert [j.totals.total for j in detail.jobs] == [D("14.50"), D("2.00")]
    assert detail.discount == Discount(None, D("3.00"), "Regular")
    assert detail.estimate == Totals(D("10.00"), D("0.00"), D("0.00"), D("13.50"), D("7.00"),
                                     D("3.50"))
    assert detail.totals == Totals(D("10.00"), D("0.00"), D("0.00"), D("11.50"), D("5.00"),
                                   D("3.50"))
    assert (detail.billing.billed, detail.billing.invoices) == (D("11.50"), ())


def test_the_detail_lists_each_authorisation_with_who_recorded_it(
    uow: UnitOfWork, engine: Engine
) -> None:
    """Each authorisation as recorded, with its decisions in job order; one the program
    recorded (no one signed in) names no one."""
    ticket_id, [brakes, tyres] = _ticket(engine, "approved", "declined", authorised="80.00")
    jane = wf.actor(engine)
    at = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    with Session(engine) as s:
        first = Authorisation(ticket_id=ticket_id, amount=D("80.00"), authorised_by="Pat",
                              method="phone", contact="555-0100", authorised_at=at,
                              recorded_by=jane.id)
        second = Authorisation(ticket_id=ticket_id, amount=D("0.00"), authorised_by="Pat",
                               method="in_person", authorised_at=at, recorded_by=None)
        s.add_all([first, second])
        s.flush()
        s.add_all([AuthorisationJob(authorisation_id=first.id, job_id=tyres, decision="declined",
                                    job_total=D("0.00")),
                   AuthorisationJob(authorisation_id=first.id, job_id=brakes,
                                    decision="approved", job_total=D("80.00"))])
        s.commit()
        ids = first.id, second.id
    detail = workflow.get_ticket_detail(uow, ticket_id)
    assert [(a.id, a.authorised_by, a.method, a.contact, a.amount, a.recorded_by, a.decisions)
            for a in detail.authorisations] == [
        (ids[0], "Pat", "phone", "555-0100", D("80.00"), "Jane Desk",
         (("Job 1", "approved"), ("Job 2", "declined"))),
        (ids[1], "Pat", "in_person", "", D("0.00"), "", ()),
    ]
    assert [a.authorised_at for a in detail.authorisations] == [at, at]


@pytest.mark.parametrize(("status", "reopenable", "allowed_next"), [
    ("open", False, ("in_progress", "cancelled")),
    ("completed", True, ("closed",)),
    ("closed", True, ()),
    ("cancelled", False, ()),
])
def test_what_a_ticket_in_each_status_offers(
    uow: UnitOfWork, engine: Engine, status: str, reopenable: bool,
    allowed_next: tuple[str, ...],
) -> None:
    """Lines are editable only while the ticket is worked on; a finished one (completed
    or closed) may be reopened; nothing more is asked to be authorised once finished."""
    ticket_id, _ = _ticket(engine, status=status, total="30.00")
    detail = workflow.get_ticket_detail(uow, ticket_id)
    active = status == "open"
    assert (detail.editable, detail.reopenable, detail.allowed_next) == (
        active, reopenable, allowed_next)
    assert detail.authorisation_needed == (D("30.00") if active else D("0.00"))


# --- the ticket as the desk saw it --------------------------------------------------------


def test_a_finished_tickets_lines_are_refused_saying_why(uow: UnitOfWork, engine: Engine) -> None:
    """A cancelled ticket's lines never change; a completed or closed one's change only
    after reopening it."""
    pad = _part(engine)
    for number, status in enumerate(("cancelled", "completed", "closed"), start=1):
        ticket_id, [job] = _ticket(engine, status=status, number=number)
        line = _line(engine, ticket_id, job, pad, 1, taken=False, ordered=True)
        why = {"status": f"Ticket RO-{number} is cancelled; its lines can no longer change."
               if status == "cancelled" else
               f"Ticket RO-{number} is {status}, so its lines are read-only. Reopen it first "
               "if more work is needed."}
        assert _refused(lambda t=ticket_id: workflow.add_part_lines(
            uow, t, [(pad, 1)], 1)) == why
        assert _refused(lambda t=ticket_id: workflow.assign_mechanics(uow, t, {}, 1)) == why
        assert _refused(lambda i=line: workflow.change_part_quantity(uow, i, 2, 1)) == why
        assert _refused(lambda i=line: workflow.take_ordered_line(uow, i, 1)) == why


def test_a_stale_copy_or_a_stale_list_row_is_refused_saying_what_changed(
    uow: UnitOfWork, engine: Engine
) -> None:
    """An editor's old version names who changed the ticket; a list row's old status
    names the status the ticket has now and the one the row showed."""
    ticket_id, _ = _ticket(engine, status="in_progress")
    jane = UnitOfWork(engine, actor=wf.actor(engine, "jane", "Jane Desk"))
    workflow.add_part_lines(jane, ticket_id, [(_part(engine), 1)], 1)
    with pytest.raises(StaleRecord) as stale:
        workflow.set_status(uow, ticket_id, "open", 1)
    assert str(stale.value).startswith("Ticket RO-7 was changed at another desk by Jane Desk "
                                       "at ")
    assert str(stale.value).endswith(
        " after you opened it; it has been reloaded. Apply your changes again.")
    with pytest.raises(StaleRecord) as stale:
        workflow.set_status(uow, ticket_id, "cancelled", None, seen_status="completed")
    assert str(stale.value) == (
        "Ticket RO-7 was changed at another desk: it is now in progress, not completed. "
        "The list has been refreshed; look again before changing it.")
    assert workflow.set_status(uow, ticket_id, "open", None,
                               seen_status="in_progress").ticket.status == "open"
    with pytest.raises(NotFound) as gone:
        workflow.add_part_lines(uow, 999, [(1, 1)], 1)
    assert str(gone.value) == (
        "Ticket #999 no longer exists; it may have been deleted at another desk.")
    with pytest.raises(ValueError) as bad:
        workflow.set_status(uow, ticket_id, "in_progress", None)
    assert str(bad.value) == "a status change needs the version or the status the desk saw"
    with pytest.raises(ValueError):
        workflow.reopen_ticket(uow, ticket_id, "noise", None)


def test_a_line_goes_on_the_job_named_or_the_first(uow: UnitOfWork, engine: Engine) -> None:
    """No job given: the ticket's first; a job that is not (or no longer) the ticket's is
    refused; a ticket with no job asks for one."""
    ticket_id, [first, second] = _ticket(engine, "approved", "approved")
    other_id, [elsewhere] = _ticket(engine, number=8)
    pad = _part(engine)
    detail = workflow.add_part_lines(uow, ticket_id, [(pad, 1)], 1)
    assert [p.job_id for p in detail.parts] == [first]
    detail = workflow.add_part_lines(uow, ticket_id, [(pad, 2)], 2, second)
    assert sorted((p.job_id, p.quantity) for p in detail.parts) == [(first, 1), (second, 2)]
    assert _refused(lambda: workflow.add_part_lines(uow, ticket_id, [(pad, 1)], 3, elsewhere)
                    ) == {"job": "That job was removed at another desk; reload the ticket."}
    with Session(engine) as s:
        s.query(TicketJob).filter(TicketJob.ticket_id == other_id).delete()
        s.commit()
    assert _refused(lambda: workflow.add_part_lines(uow, other_id, [(pad, 1)], 1)) == {
        "job": "Ticket RO-8 has no job yet; add one first."}


# --- parts --------------------------------------------------------------------------------


def test_quantities_are_whole_numbers_within_a_line(uow: UnitOfWork, engine: Engine) -> None:
    """1 to 10,000 put on (a bool is not a number); a line's new quantity 0 to 10,000;
    a line holds at most 10,000 of a part, counting what is on order."""
    ticket_id, [job] = _ticket(engine)
    pad = _part(engine, on_hand=20_000)
    whole = {"quantity": "Quantity must be a whole number."}
    assert _refused(lambda: workflow.add_part_lines(uow, ticket_id, [(pad, True)], 1)) == whole
    assert _refused(lambda: workflow.add_part_lines(
        uow, ticket_id, [(pad, 2.0)], 1)) == whole  # type: ignore[list-item]
    assert _refused(lambda: workflow.add_part_lines(uow, ticket_id, [(pad, 10_001)], 1)) == {
        "quantity": "Quantity must be between 1 and 10,000."}
    assert _refused(lambda: workflow.add_part_lines(uow, ticket_id, [], 1)) == {
        "quantity": "Choose at least one part to add."}
    _line(engine, ticket_id, job, pad, 4, ordered=True, taken=False)
    assert _refused(lambda: workflow.add_part_lines(
        uow, ticket_id, [(pad, 9_990), (pad, 7)], 1)) == {
        f"quantity:{pad}": "A line holds at most 10,000 of BRK-01."}
    detail = workflow.add_part_lines(uow, ticket_id, [(pad, 9_996)], 1)
    line = next(p for p in detail.parts if not p.ordered)
    assert (line.quantity, line.taken) == (9_996, True)
    assert _refused(lambda: workflow.change_part_quantity(uow, line.id, -1)) == {
        "quantity": "Quantity must be between 0 and 10,000."}
    assert _refused(lambda: workflow.change_part_quantity(uow, line.id, False)) == whole
    assert _refused(lambda: workflow.add_part_lines(uow, ticket_id, [(998, 1)], 2)) == {
        "quantity:998": "Part #998 no longer exists; it may have been deleted at another desk."}


def test_an_estimates_parts_stay_on_the_shelf(uow: UnitOfWork, engine: Engine) -> None:
    """A proposed job's parts are priced but not taken, however few are on the shelf;
    changing or removing such a line moves no stock."""
    ticket_id, _ = _ticket(engine, "proposed")
    pad = _part(engine, on_hand=1)
    detail = workflow.add_part_lines(uow, ticket_id, [(pad, 3)], 1)
    [line] = detail.parts
    assert (line.quantity, line.taken, line.ordered, line.line_total) == (
        3, False, False, D("75.00"))
    assert (detail.totals.total, detail.estimate) == (D("0.00"), Totals(
        D("75.00"), D("0.00"), D("0.00"), D("75.00")))
    with Session(engine) as s:
        s.get_one(Part, pad).unit_price = D("30.00")
        s.commit()
    detail = workflow.add_part_lines(uow, ticket_id, [(pad, 2)], 2)  # at the first price
    assert [(p.id, p.quantity, p.unit_price) for p in detail.parts] == [
        (line.id, 5, D("25.00"))]
    detail = workflow.change_part_quantity(uow, line.id, 4, 3)
    assert detail.parts[0].quantity == 4
    detail = workflow.remove_part_line(uow, line.id, 4)
    assert detail.parts == ()
    assert wf.movements(engine) == []
    with Session(engine) as s:
        assert s.get_one(Part, pad).quantity_on_hand == 1
    assert [a[3] for a in _audit(engine)] == [
        "Ticket 7: Job 1: added 3 × BRK-01", "Ticket 7: Job 1: added 2 × BRK-01",
        "Ticket 7: BRK-01 5 → 4", "Ticket 7: removed BRK-01"]


def test_parts_taken_and_returned_are_audited_and_booked_to_whoever_did_it(
    engine: Engine,
) -> None:
    """Each part put on is named with how many and what went on order; a changed line
    says from and to; a removed taken line says how many went back; every movement
    names the ticket and the staff member."""
    jane = wf.actor(engine)
    uow = UnitOfWork(engine, actor=jane)
    ticket_id, [job] = _ticket(engine)
    pad, oil = _part(engine, "BRK-01", on_hand=10), _part(engine, "OIL-01", on_hand=2)
    detail = workflow.add_part_lines(uow, ticket_id, [(oil, 5), (pad, 2)], 1, job,
                                     special_order=True)
    assert sorted((p.sku, p.name, p.quantity, p.unit_price, p.line_total, p.job_id, p.taken,
                   p.ordered) for p in detail.parts) == [
        ("BRK-01", "Part BRK-01", 2, D("25.00"), D("50.00"), job, True, False),
        ("OIL-01", "Part OIL-01", 2, D("25.00"), D("50.00"), job, True, False),
        ("OIL-01", "Part OIL-01", 3, D("25.00"), D("75.00"), job, False, True)]
    taken = next(p for p in detail.parts if p.sku == "BRK-01")
    detail = workflow.change_part_quantity(uow, taken.id, 3, 2)
    detail = workflow.change_part_quantity(uow, taken.id, 3, 3)  # no change, no write
    assert detail.ticket.version == 3
    detail = workflow.change_part_quantity(uow, taken.id, 1, 3)
    detail = workflow.remove_part_line(uow, taken.id, 4)
    assert wf.movements(engine, ticket_id) == [
        (pad, -2, "ticket", ticket_id, jane.id, ""),
        (oil, -2, "ticket", ticket_id, jane.id, ""),
        (pad, -1, "ticket", ticket_id, jane.id, ""),
        (pad, 2, "return", ticket_id, jane.id, ""),
        (pad, 1, "return", ticket_id, jane.id, ""),
    ]
    assert [a[3] for a in _audit(engine)] == [
        "Ticket 7: Job 1: added 2 × BRK-01, 5 × OIL-01 (3 on special order)",
        "Ticket 7: BRK-01 2 → 3", "Ticket 7: BRK-01 3 → 1",
        "Ticket 7: removed BRK-01 (1 back to stock)"]
    assert {a[0] for a in _audit(engine)} == {"parts"}
    with Session(engine) as s:
        assert [s.get_one(Part, p).quantity_on_hand for p in (pad, oil)] == [10, 0]
    # None of it on the shelf: the order grows, at the line's price.
    detail = workflow.add_part_lines(uow, ticket_id, [(oil, 2)], 5, job, special_order=True)
    assert sorted((p.quantity, p.unit_price, p.taken, p.ordered) for p in detail.parts) == [
        (2, D("25.00"), True, False), (5, D("25.00"), False, True)]
    assert _audit(engine)[-1][3] == "Ticket 7: Job 1: added 2 × OIL-01 (2 on special order)"
    assert len(wf.movements(engine, ticket_id)) == 5


def test_a_part_with_no_price_sells_at_its_cost_marked_up(
    uow: UnitOfWork, engine: Engine
) -> None:
    """A new line of a part with no fixed price is priced by the shop's markup bands;
    one none of which is on the shelf goes wholly on order, with no empty line."""
    ticket_id, _ = _ticket(engine)
    with Session(engine) as s:
        s.get_one(ShopSettings, 1).markup_bands = "up to 5.00: 100%\nabove: 40%"
        s.commit()
    clip = _part(engine, "CLIP-1", on_hand=0, price="0.00")  # cost 10.00
    detail = workflow.add_part_lines(uow, ticket_id, [(clip, 2)], 1, special_order=True)
    assert [(p.sku, p.quantity, p.unit_price, p.line_total, p.taken, p.ordered)
            for p in detail.parts] == [("CLIP-1", 2, D("14.00"), D("28.00"), False, True)]
    assert detail.totals.parts == D("28.00")
    assert wf.movements(engine) == []


def test_ordered_stock_taken_on_arrival_is_audited(engine: Engine) -> None:
    """Taking an ordered line's stock books it to the ticket and the staff member; the
    line becomes the job's ordinary line, or joins it."""
    jane = wf.actor(engine)
    uow = UnitOfWork(engine, actor=jane)
    ticket_id, [job] = _ticket(engine)
    pad = _part(engine, on_hand=5)
    ordered = _line(engine, ticket_id, job, pad, 3, "25.00", taken=False, ordered=True)
    detail = workflow.take_ordered_line(uow, ordered, 1)
    assert [(p.id, p.quantity, p.taken, p.ordered) for p in detail.parts] == [
        (ordered, 3, True, False)]
    again = _line(engine, ticket_id, job, pad, 2, "25.00", taken=False, ordered=True)
    detail = workflow.take_ordered_line(uow, again, 2)
    assert [(p.id, p.quantity, p.taken, p.ordered) for p in detail.parts] == [
        (ordered, 5, True, False)]
    assert wf.movements(engine, ticket_id) == [
        (pad, -3, "ticket", ticket_id, jane.id, ""), (pad, -2, "ticket", ticket_id, jane.id, "")]
    assert [a[3] for a in _audit(engine)] == [
        "Ticket 7: took 3 × BRK-01 from stock (had been on special order)",
        "Ticket 7: took 2 × BRK-01 from stock (had been on special order)"]
    assert _refused(lambda: workflow.take_ordered_line(uow, ordered, 3)) == {
        "quantity": "BRK-01 on this job is not on special order; nothing to take."}
    assert _refused(lambda: workflow.take_ordered_line(uow, 999)) == {
        "quantity": "That parts line (#999) was removed at another desk; reload the ticket."}


def test_short_stock_names_what_is_left(uow: UnitOfWork, engine: Engine) -> None:
    """An empty shelf is named as 0 left, with what was wanted."""
    ticket_id, [job] = _ticket(engine)
    pad = _part(engine, on_hand=0)
    with pytest.raises(ShortStock) as short:
        workflow.add_part_lines(uow, ticket_id, [(pad, 1)], 1)
    assert short.value.short == {pad: ("BRK-01", 0, 1)}
    line = _line(engine, ticket_id, job, pad, 1)
    with pytest.raises(ShortStock) as short:
        workflow.change_part_quantity(uow, line, 3, 1)
    assert short.value.short == {pad: ("BRK-01", 0, 2)}


# --- status -------------------------------------------------------------------------------


@pytest.mark.parametrize(("current", "new", "why"), [
    ("cancelled", "open", "Ticket RO-7 is cancelled and cannot change status; open a new "
     "ticket to resume the work."),
    ("closed", "in_progress", "Ticket RO-7 is closed; reopen it (with a reason) if more work "
     "is needed."),
    ("completed", "open", "Ticket RO-7 is completed: it can only be closed, or reopened "
     "(with a reason) if more work is needed."),
    ("open", "completed", "Ticket RO-7 must be in progress before it can be completed."),
    ("open", "closed", "Ticket RO-7 must be completed before it can be closed."),
    ("in_progress", "closed", "Ticket RO-7 must be completed before it can be closed."),
    ("in_progress", "open", "Ticket RO-7 cannot go from In progress to Estimate; it can go "
     "to Estimate, Completed, Cancelled."),
])
def test_each_refused_move_says_why(current: str, new: str, why: str) -> None:
    """Why a status move is refused, in the words the desk shows."""
    assert workflow._refusal("RO-7", TicketStatus(current), TicketStatus(new)) == why


def test_work_starts_only_on_approved_jobs_and_completes_only_when_decided(
    uow: UnitOfWork, engine: Engine
) -> None:
    """No approved job: no start. Completing needs no part waiting on order, no job
    still proposed, and the approved work within what the customer authorised (with
    the shop's tolerance)."""
    ticket_id, [job, extra] = _ticket(engine, "proposed", "proposed", authorised="30.00")
    assert _refused(lambda: workflow.set_status(uow, ticket_id, "in_progress", 1)) == {
        "status": "Ticket RO-7 has no approved job: record the customer's authorisation "
        "before work starts."}
    with Session(engine) as s:  # approved and started: the ticket's version is 2
        s.get_one(TicketJob, job).status = "approved"
        s.get_one(ServiceTicket, ticket_id).status = "in_progress"
        s.commit()
    pad = _part(engine, on_hand=0)
    ordered = _line(engine, ticket_id, job, pad, 2, "20.00", taken=False, ordered=True)
    assert _refused(lambda: workflow.set_status(uow, ticket_id, "completed", 2)) == {
        "status": "Ticket RO-7 waits for parts on special order (2 × BRK-01): take them "
        "from stock when they arrive (Take from stock on the line), or remove them, before "
        "completing it."}
    with Session(engine) as s:
        s.get_one(TicketPart, ordered).ordered = False
        s.commit()
    assert _refused(lambda: workflow.set_status(uow, ticket_id, "completed", 2)) == {
        "status": "Ticket RO-7 still has proposed work (Job 2): record whether the customer "
        "approves, declines or defers it first."}
    with Session(engine) as s:
        s.get_one(TicketJob, extra).status = "deferred"
        s.commit()
    assert _refused(lambda: workflow.set_status(uow, ticket_id, "completed", 2)) == {
        "status": "Ticket RO-7 needs the customer's authorisation for 10.00 more before it "
        "can be completed."}
    workflow.update_settings(uow, ShopSettingsData("Shop", authorisation_tolerance="10.00"), 1)
    detail = workflow.set_status(uow, ticket_id, "completed", 2)
    assert (detail.ticket.status, detail.ticket.total) == ("completed", D("40.00"))
    assert detail.ticket.completed_at is not None and detail.ticket.closed_at is None


def test_cancelling_puts_back_what_was_taken_and_says_so(engine: Engine) -> None:
    """Cancelling returns each taken line to the shelf in part order (lines never taken
    stay as they were), folds what waited on order into the job's line, and audits it."""
    jane = wf.actor(engine)
    uow = UnitOfWork(engine, actor=jane)
    ticket_id, [job, estimate] = _ticket(engine, "approved", "proposed", status="in_progress")
    pad, oil = _part(engine, "BRK-01", on_hand=1), _part(engine, "OIL-01", on_hand=0)
    belt = _part(engine, "BLT-01", on_hand=0)
    _line(engine, ticket_id, job, belt, 3, taken=False, ordered=True)
    _line(engine, ticket_id, job, oil, 5)
    _line(engine, ticket_id, job, pad, 4)
    _line(engine, ticket_id, job, pad, 2, taken=False, ordered=True)
    _line(engine, ticket_id, estimate, pad, 7, taken=False)
    detail = workflow.set_status(uow, ticket_id, "cancelled", 1)
    assert sorted((p.sku, p.job_id, p.quantity, p.taken, p.ordered) for p in detail.parts) == [
        ("BLT-01", job, 3, False, False), ("BRK-01", job, 6, False, False),
        ("BRK-01", estimate, 7, False, False), ("OIL-01", job, 5, False, False)]
    assert wf.movements(engine, ticket_id) == [
        (pad, 4, "cancel", ticket_id, jane.id, ""), (oil, 5, "cancel", ticket_id, jane.id, "")]
    with Session(engine) as s:
        assert [s.get_one(Part, p).quantity_on_hand for p in (pad, oil)] == [5, 5]
    assert _audit(engine) == [("status", "ticket", ticket_id,
                               "Ticket 7: In progress → Cancelled; back to stock: 4 × BRK-01, "
                               "5 × OIL-01")]
    assert (detail.ticket.status, detail.ticket.version) == ("cancelled", 2)


def test_a_move_while_work_goes_on_prices_the_ticket_anew(
    uow: UnitOfWork, engine: Engine
) -> None:
    """Starting work prices the ticket with today's rules; cancelling keeps its totals."""
    ticket_id, [job] = _ticket(engine)
    _line(engine, ticket_id, job, _part(engine), 2, "25.00")
    detail = workflow.set_status(uow, ticket_id, "in_progress", 1)
    assert (detail.ticket.status, detail.ticket.total, detail.totals.parts) == (
        "in_progress", D("50.00"), D("50.00"))
    assert (detail.ticket.completed_at, detail.ticket.closed_at) == (None, None)
    other_id, [other_job] = _ticket(engine, number=8)
    _line(engine, other_id, other_job, _part(engine, "OIL-01"), 1, "25.00", taken=False)
    detail = workflow.set_status(uow, other_id, "cancelled", 1)
    assert (detail.ticket.status, detail.ticket.total) == ("cancelled", D("0.00"))


def test_cancelling_an_estimate_moves_no_stock(uow: UnitOfWork, engine: Engine) -> None:
    ticket_id, [job] = _ticket(engine, "proposed")
    pad = _part(engine, on_hand=3)
    _line(engine, ticket_id, job, pad, 2, taken=False)
    detail = workflow.set_status(uow, ticket_id, "cancelled", 1)
    assert [(p.quantity, p.taken) for p in detail.parts] == [(2, False)]
    assert wf.movements(engine) == []
    assert _audit(engine) == [("status", "ticket", ticket_id, "Ticket 7: Estimate → Cancelled")]
    assert (detail.ticket.completed_at, detail.ticket.closed_at) == (None, None)


def test_the_same_status_again_changes_nothing(uow: UnitOfWork, engine: Engine) -> None:
    ticket_id, _ = _ticket(engine, status="in_progress")
    detail = workflow.set_status(uow, ticket_id, TicketStatus.IN_PROGRESS, 1)
    assert (detail.ticket.status, detail.ticket.version) == ("in_progress", 1)
    assert _audit(engine) == []
    assert _refused(lambda: workflow.set_status(uow, ticket_id, "paid", 1)) == {
        "status": "'paid' is not a ticket status."}


def test_closing_with_a_balance_due_needs_an_administrator_on_account(engine: Engine) -> None:
    """Closing posts the invoice; with money still due it is refused unless closed on
    account, which only an administrator may do; the audit trail says what was posted."""
    ticket_id, [job] = _ticket(engine, status="completed", authorised="50.00", parts="50.00",
                               total="50.00")
    pad = _part(engine)
    _line(engine, ticket_id, job, pad, 2, "25.00")
    desk = UnitOfWork(engine, actor=wf.actor(engine, "pat", "Pat Desk", Role.WRITER))
    assert _refused(lambda: workflow.set_status(desk, ticket_id, "closed", 1)) == {
        "status": "Ticket RO-7 has 50.00 still to pay: take the payment before invoicing, "
        "or an administrator closes it on account (the customer then owes it)."}
    with pytest.raises(PermissionDenied) as denied:
        workflow.set_status(desk, ticket_id, "closed", 1, on_account=True)
    assert str(denied.value) == (
        "Service writers cannot close a ticket with a balance due (on account); ask an "
        "administrator.")
    admin = UnitOfWork(engine, actor=wf.actor(engine))
    detail = workflow.set_status(admin, ticket_id, "closed", 1, on_account=True)
    assert (detail.ticket.status, detail.ticket.version) == ("closed", 2)
    assert detail.ticket.closed_at is not None
    assert detail.billing.invoice is not None and detail.billing.invoice.label == "INV-1"
    assert _audit(engine)[-1] == (
        "status", "ticket", ticket_id,
        "Ticket 7: Completed → Closed; invoice INV-1 posted, 50.00, on account (50.00 due)")
    with Session(engine) as s:
        assert s.get_one(ServiceTicket, ticket_id).owed == D("50.00")


def test_what_is_due_on_closing_is_the_total_less_what_was_paid(
    uow: UnitOfWork, engine: Engine
) -> None:
    """A deposit counts: 1.00 left of 50.00 still needs closing on account."""
    ticket_id, [job] = _ticket(engine, status="completed", authorised="50.00", parts="50.00",
                               total="50.00")
    _line(engine, ticket_id, job, _part(engine), 2, "25.00")
    payments.take_payment(uow, ticket_id, payments.PaymentData("49.00", "cash"), 1)
    assert _refused(lambda: workflow.set_status(uow, ticket_id, "closed", 2)) == {
        "status": "Ticket RO-7 has 1.00 still to pay: take the payment before invoicing, "
        "or an administrator closes it on account (the customer then owes it)."}
    detail = workflow.set_status(uow, ticket_id, "closed", 2, on_account=True)
    assert detail.billing.invoice is not None and detail.billing.invoice.on_account
    assert _audit(engine)[-1][3] == (
        "Ticket 7: Completed → Closed; invoice INV-1 posted, 50.00, on account (1.00 due)")


def test_a_ticket_with_nothing_due_closes_without_going_on_account(
    uow: UnitOfWork, engine: Engine
) -> None:
    ticket_id, _ = _ticket(engine, status="completed")
    detail = workflow.set_status(uow, ticket_id, "closed", 1)
    assert (detail.ticket.status, detail.ticket.version) == ("closed", 2)
    assert detail.billing.invoice is not None and not detail.billing.invoice.on_account
    assert _audit(engine) == [("status", "ticket", ticket_id,
                               "Ticket 7: Completed → Closed; invoice INV-1 posted, 0.00")]


# --- reopening ----------------------------------------------------------------------------


def test_a_reopening_needs_a_reason_of_at_most_500_characters(
    uow: UnitOfWork, engine: Engine
) -> None:
    ticket_id, [job] = _ticket(engine, status="completed")
    _line(engine, ticket_id, job, _part(engine), 1, "25.00")
    assert _refused(lambda: workflow.reopen_ticket(uow, ticket_id, " \n ", 1)) == {
        "reason": "Say why the ticket is being reopened."}
    assert _refused(lambda: workflow.reopen_ticket(uow, ticket_id, "x" * 501, 1)) == {
        "reason": "The reason is too long (at most 500 characters)."}
    detail = workflow.reopen_ticket(uow, ticket_id, "x" * 500, 1)
    assert (detail.ticket.status, detail.ticket.completed_at, detail.ticket.closed_at) == (
        "in_progress", None, None)
    assert (detail.ticket.total, detail.editable) == (D("25.00"), True)  # priced anew
    assert _audit(engine) == [("reopen", "ticket", ticket_id,
                               f"Ticket 7: reopened (was completed): {'x' * 500}")]
    with pytest.raises(StaleRecord) as stale:  # a list row that still shows it completed
        workflow.reopen_ticket(uow, ticket_id, "noise", None, seen_status="completed")
    assert str(stale.value) == (
        "Ticket RO-7 was changed at another desk: it is now in progress, not completed. "
        "The list has been refreshed; look again before changing it.")


@pytest.mark.parametrize(("status", "why"), [
    ("open", "Ticket RO-7 is estimate; only completed or closed tickets need reopening."),
    ("in_progress", "Ticket RO-7 is in progress; only completed or closed tickets need "
     "reopening."),
    ("cancelled", "Ticket RO-7 is cancelled and cannot change status; open a new ticket to "
     "resume the work."),
])
def test_only_a_finished_ticket_is_reopened(
    uow: UnitOfWork, engine: Engine, status: str, why: str
) -> None:
    ticket_id, _ = _ticket(engine, status=status)
    assert _refused(lambda: workflow.reopen_ticket(uow, ticket_id, "noise", 1)) == {
        "status": why}


def test_only_an_administrator_reopens(engine: Engine) -> None:
    ticket_id, _ = _ticket(engine, status="completed")
    desk = UnitOfWork(engine, actor=wf.actor(engine, "pat", "Pat Desk", Role.WRITER))
    with pytest.raises(PermissionDenied) as denied:
        workflow.reopen_ticket(desk, ticket_id, "noise", 1)
    assert str(denied.value) == (
        "Service writers cannot reopen completed tickets; ask an administrator.")


def test_reopening_credits_what_is_left_of_the_posted_invoice(
    uow: UnitOfWork, engine: Engine
) -> None:
    """A posted invoice never changes: reopening its ticket asks to credit all of it, or
    what partial credit notes left of it, and (confirmed) issues that credit note."""
    ticket_id, [job] = _ticket(engine, status="completed", authorised="50.00", parts="50.00",
                               total="50.00")
    _line(engine, ticket_id, job, _part(engine), 2, "25.00")
    workflow.set_status(uow, ticket_id, "closed", 1, on_account=True)
    assert _refused(lambda: workflow.reopen_ticket(uow, ticket_id, "noise", 2)) == {
        "credit_note": "Invoice INV-1 of ticket RO-7 is posted and cannot change: reopening "
        "issues a credit note for all of it (50.00). Confirm to go on."}
    invoice = workflow.get_ticket_detail(uow, ticket_id).billing.invoice
    assert invoice is not None
    credit_notes.credit_invoice(uow, ticket_id, credit_notes.CreditData(
        invoice.id, "Goodwill", amount="20.00"), 2)
    assert _refused(lambda: workflow.reopen_ticket(uow, ticket_id, "noise", 3)) == {
        "credit_note": "Invoice INV-1 of ticket RO-7 is posted and cannot change: reopening "
        "issues a credit note for what is left of it (30.00). Confirm to go on."}
    detail = workflow.reopen_ticket(uow, ticket_id, "  Squeal is back \n", 3, credit_note=True)
    assert [(n.label, n.amount) for n in detail.billing.credit_notes] == [
        ("CN-1", D("20.00")), ("CN-2", D("30.00"))]
    assert (detail.ticket.status, detail.ticket.closed_at, detail.ticket.total) == (
        "in_progress", None, D("50.00"))
    assert _audit(engine)[-1] == (
        "reopen", "ticket", ticket_id,
        "Ticket 7: reopened (was closed): Squeal is back; credit note CN-2 cancels invoice INV-1")
    with Session(engine) as s:
        assert s.get_one(ServiceTicket, ticket_id).owed == D("0.00")


# --- settings and the prices of open work ---------------------------------------------------


def test_a_tax_change_reprices_each_ticket_being_worked_on_with_its_own_discount(
    uow: UnitOfWork, engine: Engine
) -> None:
    """New tax rules re-price every open and in-progress ticket (each with its own
    discount, if any); completed ones keep the tax they were invoiced with; a change
    that leaves the tax alone re-prices nothing."""
    pad = _part(engine)
    tickets = {}
    for number, status in ((1, "open"), (2, "in_progress"), (3, "completed")):
        tickets[status], [job] = _ticket(engine, status=status, number=number,
                                         parts="100.00", total="100.00")
        _line(engine, tickets[status], job, pad, 4, "25.00")
    with Session(engine) as s:
        s.add(TicketDiscount(ticket_id=tickets["open"], discount_percent=D("10"),
                             discount_reason="Regular"))
        s.commit()
    workflow.update_settings(uow, ShopSettingsData("Shop", tax_rate="10"), 1)
    details = {k: workflow.get_ticket_detail(uow, t) for k, t in tickets.items()}
    assert {k: (d.totals, d.ticket.version) for k, d in details.items()} == {
        "open": (Totals(D("100.00"), D("0.00"), D("9.00"), D("99.00"), D("0.00"), D("10.00")),
                 2),
        "in_progress": (Totals(D("100.00"), D("0.00"), D("10.00"), D("110.00")), 2),
        "completed": (Totals(D("100.00"), D("0.00"), D("0.00"), D("100.00")), 1),
    }
    assert details["open"].discount == Discount(D("10"), None, "Regular")
    assert details["in_progress"].discount is None
    workflow.update_settings(uow, ShopSettingsData("Shop", "1 Main St", tax_rate="10"), 2)
    assert [workflow.get_ticket_detail(uow, t).ticket.version for t in tickets.values()] == [
        2, 2, 1]


def test_only_an_administrator_changes_the_settings(engine: Engine) -> None:
    desk = UnitOfWork(engine, actor=wf.actor(engine, "pat", "Pat Desk", Role.WRITER))
    with pytest.raises(PermissionDenied) as denied:
        workflow.update_settings(desk, ShopSettingsData("Shop", tax_rate="10"), 1)
    assert str(denied.value) == "Service writers cannot change shop settings; ask an administrator."


FEES = ("Supplies: 10% of labour up to 5.00, automatic\n"
        "Parts fee: 10% of parts, automatic, not taxed\n"
        "Disposal: 3.50")


def _fees(detail: TicketDetail) -> list[tuple[int, str, Decimal, bool]]:
    return sorted((f.job_id, f.description, f.amount, f.taxable) for f in detail.fees)


def test_automatic_fees_follow_each_jobs_work(uow: UnitOfWork, engine: Engine) -> None:
    """Each job with work on it carries the automatic fees at what today's rules make of
    its own labour and parts (none when that is nothing); a fee by hand stays as put on;
    a job with no work carries none; when its work goes, so do they."""
    workflow.update_settings(uow, ShopSettingsData("Shop", tax_rate="10", fee_rules=FEES), 1)
    ticket_id, [idle, first, second] = _ticket(engine, "approved", "approved", "approved")
    with Session(engine) as s:
        s.add(TicketFee(ticket_id=ticket_id, job_id=first, description="Disposal",
                        amount=D("3.50"), taxable=True))
        s.commit()
    sam, pad = _mechanic(engine, "Sam Wrench"), _part(engine, price="10.00")
    detail = workflow.assign_mechanics(uow, ticket_id, {sam: 30}, 1, first)
    assert _fees(detail) == [(first, "Disposal", D("3.50"), True),
                             (first, "Supplies", D("4.00"), True)]
    detail = workflow.add_part_lines(uow, ticket_id, [(pad, 1)], 2, second)
    assert _fees(detail) == [(first, "Disposal", D("3.50"), True),
                             (first, "Supplies", D("4.00"), True),
                             (second, "Parts fee", D("1.00"), False)]
    # Labour 40.00 + fees 8.50 + parts 10.00; tax 10 % on the parts and the taxed fees
    # (17.50: labour is not taxed, nor is the parts fee).
    assert detail.totals == Totals(D("10.00"), D("40.00"), D("1.75"), D("60.25"), D("8.50"))
    detail = workflow.assign_mechanics(uow, ticket_id, {sam: 90}, 3, first)
    assert _fees(detail)[1] == (first, "Supplies", D("5.00"), True)  # capped
    detail = workflow.assign_mechanics(uow, ticket_id, {}, 4, first)
    assert _fees(detail) == [(first, "Disposal", D("3.50"), True),
                             (second, "Parts fee", D("1.00"), False)]
    assert detail.jobs[0].fees == ()  # the idle job
    assert idle not in {f.job_id for f in detail.fees}


def test_a_fee_rule_taken_away_takes_its_fees_off_open_work(
    uow: UnitOfWork, engine: Engine
) -> None:
    workflow.update_settings(uow, ShopSettingsData("Shop", fee_rules=FEES), 1)
    ticket_id, [job] = _ticket(engine)
    detail = workflow.add_part_lines(uow, ticket_id, [(_part(engine), 2)], 1, job)
    assert _fees(detail) == [(job, "Parts fee", D("5.00"), False)]
    workflow.update_settings(uow, ShopSettingsData("Shop", fee_rules=""), 2)
    detail = workflow.get_ticket_detail(uow, ticket_id)
    assert (detail.fees, detail.totals.total, detail.ticket.version) == ((), D("50.00"), 3)


def test_a_finished_tickets_fees_stay_as_they_were(uow: UnitOfWork, engine: Engine) -> None:
    """Closing a completed ticket bills its fees as they were when work ended, whatever
    today's rules make of them."""
    workflow.update_settings(uow, ShopSettingsData("Shop", fee_rules=FEES), 1)
    ticket_id, [job] = _ticket(engine, status="completed", parts="25.00", total="29.00",
                               authorised="29.00")
    _line(engine, ticket_id, job, _part(engine), 1, "25.00")
    with Session(engine) as s:
        s.add(TicketFee(ticket_id=ticket_id, job_id=job, description="Parts fee",
                        amount=D("4.00"), taxable=False, automatic=True))
        s.commit()
    detail = workflow.set_status(uow, ticket_id, "closed", 1, on_account=True)
    assert _fees(detail) == [(job, "Parts fee", D("4.00"), False)]
    assert detail.billing.invoice is not None and detail.billing.invoice.total == D("29.00")


# --- what a write reads -------------------------------------------------------------------


def _sent(engine: Engine, call: object) -> list[str]:
    """The statements ``call()`` sends, each as its verb and first table."""
    counter = RoundTrips(engine)
    with counter.counting():
        call()  # type: ignore[operator]
    short = []
    for statement in counter.statements:
        words = statement.replace("(", " ").split()
        if words[0] == "SELECT":
            short.append(f"SELECT {words[1].split('.')[0]}")
        elif words[0] in ("INSERT", "DELETE"):
            short.append(f"{words[0]} {words[2]}")
        elif words[0] == "UPDATE":
            short.append(f"UPDATE {words[1]}")
        else:
            short.append(" ".join(words[:2]))
    return short


#: A ticket read with everything its detail shows (on SQLite one statement each; on
#: PostgreSQL one pipeline: tests/unit/test_round_trips.py).
_TICKET_READ = ["SELECT service_tickets", "SELECT ticket_jobs", "SELECT ticket_mechanics",
                "SELECT ticket_parts", "SELECT ticket_fees", "SELECT authorisations",
                "SELECT anon_1"]


_LOCKED = ["BEGIN IMMEDIATE", *_TICKET_READ, "SELECT staff_users", "SELECT fee_rules"]
_SENT = {
    "read": ["BEGIN", *_TICKET_READ, "ROLLBACK"],
    "add": [*_LOCKED, "SELECT parts", "UPDATE parts", "INSERT stock_movements",
            "INSERT ticket_parts", "INSERT audit_log", "UPDATE service_tickets", "COMMIT"],
    "change": ["BEGIN IMMEDIATE", "SELECT staff_users", "SELECT ticket_parts", *_TICKET_READ,
               "SELECT fee_rules", "SELECT parts", "UPDATE parts", "INSERT stock_movements",
               "UPDATE ticket_parts", "INSERT audit_log", "UPDATE service_tickets", "COMMIT"],
    "start": [*_LOCKED, "INSERT audit_log", "UPDATE service_tickets", "COMMIT"],
    "close": [*_LOCKED, "UPDATE service_tickets", "INSERT document_counters",
              "INSERT invoices", "INSERT audit_log", "COMMIT"],
}


@pytest.mark.parametrize("action", sorted(_SENT))
def test_a_write_reads_the_ticket_once_and_keeps_it_current(
    sqlite_engine: Engine, action: str
) -> None:
    """Issue 19: a read or write reads the ticket, its lines and the rules once, and hands
    back the detail from what it holds, never reading again what it already has; closing
    changes the ticket in one UPDATE. (Each statement here is a round trip to a distant
    PostgreSQL server; there they go in pipelines, counted by test_round_trips.py.)"""
    engine = sqlite_engine
    empty_tables(engine)
    ticket_id, [job] = _ticket(engine, status="completed" if action == "close" else "open")
    pad = _part(engine)
    line = _line(engine, ticket_id, job, pad, 1) if action == "change" else 0
    uow = UnitOfWork(engine, actor=wf.actor(engine))
    calls = {
        "read": lambda: workflow.get_ticket_detail(uow, ticket_id),
        "add": lambda: workflow.add_part_lines(uow, ticket_id, [(pad, 1)], 1),
        "change": lambda: workflow.change_part_quantity(uow, line, 2, 1),
        "start": lambda: workflow.set_status(uow, ticket_id, "in_progress", 1),
        "close": lambda: workflow.set_status(uow, ticket_id, "closed", 1),
    }
    assert _sent(engine, calls[action]) == _SENT[action]


# --- one write each (the mutation run affords only the cheapest tests of a function) -------


_WRITES = {
    "add": lambda uow, t, line, v: workflow.add_part_lines(uow, t, [(1, 1)], v),
    "assign": lambda uow, t, line, v: workflow.assign_mechanics(uow, t, {}, v),
    "change": lambda uow, t, line, v: workflow.change_part_quantity(uow, line, 2, v),
    "remove": lambda uow, t, line, v: workflow.remove_part_line(uow, line, v),
    "take": lambda uow, t, line, v: workflow.take_ordered_line(uow, line, v),
    "status": lambda uow, t, line, v: workflow.set_status(uow, t, "cancelled", v),
    "reopen": lambda uow, t, line, v: workflow.reopen_ticket(uow, t, "noise", v),
}


@pytest.mark.parametrize("write", sorted(_WRITES))
def test_each_write_refuses_a_stale_copy(uow: UnitOfWork, engine: Engine, write: str) -> None:
    status = "completed" if write == "reopen" else "open"
    ticket_id, [job] = _ticket(engine, status=status)
    line = _line(engine, ticket_id, job, _part(engine), 1, taken=False, ordered=True)
    with pytest.raises(StaleRecord, match=r"^Ticket RO-7 was changed at another desk at "):
        _WRITES[write](uow, ticket_id, line, 2)


@pytest.mark.parametrize("write", ["add", "assign", "change", "take"])
def test_each_line_write_is_refused_on_a_completed_ticket(
    uow: UnitOfWork, engine: Engine, write: str
) -> None:
    ticket_id, [job] = _ticket(engine, status="completed")
    line = _line(engine, ticket_id, job, _part(engine), 1, taken=False, ordered=True)
    assert _refused(lambda: _WRITES[write](uow, ticket_id, line, 1)) == {
        "status": "Ticket RO-7 is completed, so its lines are read-only. Reopen it first if "
        "more work is needed."}


@pytest.mark.parametrize("write", ["add", "assign", "change", "status", "reopen"])
def test_the_first_write_of_a_new_shop_stores_its_settings(
    uow: UnitOfWork, engine: Engine, write: str
) -> None:
    """A shop that never saved its settings works with the defaults; its first write
    stores them (a read stores nothing)."""
    status = "completed" if write == "reopen" else "open"
    ticket_id, [job] = _ticket(engine, status=status, settings=False)
    pad = _part(engine)
    line = _line(engine, ticket_id, job, pad, 1)
    detail = workflow.get_ticket_detail(uow, ticket_id)
    assert (detail.totals.total, detail.estimate) == (D("0.00"), Totals(
        D("10.00"), D("0.00"), D("0.00"), D("10.00")))
    with Session(engine) as s:
        assert s.get(ShopSettings, 1) is None
    if write == "assign":
        workflow.assign_mechanics(uow, ticket_id, {_mechanic(engine, "Sam"): 15}, 1)
    elif write == "status":
        workflow.set_status(uow, ticket_id, "in_progress", 1)
    else:
        _WRITES[write](uow, ticket_id, line, 1)
    with Session(engine) as s:
        assert s.get_one(ShopSettings, 1).ticket_prefix == "RO-"


def test_parts_put_on_a_job_named(uow: UnitOfWork, engine: Engine) -> None:
    """On the job named (not the first, and not onto the first job's line of the part),
    taken from the shelf even when that empties it; audited as added, part by part."""
    ticket_id, [first, second] = _ticket(engine, "approved", "approved")
    pad, oil = _part(engine, on_hand=2), _part(engine, "OIL-01", on_hand=5)
    _line(engine, ticket_id, first, pad, 3)
    detail = workflow.add_part_lines(uow, ticket_id, [(oil, 1), (pad, 2)], 1, second)
    assert sorted((p.job_id, p.sku, p.quantity, p.taken) for p in detail.parts) == [
        (first, "BRK-01", 3, True), (second, "BRK-01", 2, True), (second, "OIL-01", 1, True)]
    with Session(engine) as s:
        assert [s.get_one(Part, p).quantity_on_hand for p in (pad, oil)] == [0, 4]
    assert _audit(engine) == [
        ("parts", "ticket", ticket_id, "Ticket 7: Job 2: added 2 × BRK-01, 1 × OIL-01")]


def test_a_line_holds_at_most_10_000_of_its_part(uow: UnitOfWork, engine: Engine) -> None:
    """Counting what is on order of the same part on the job, not other parts."""
    ticket_id, [job] = _ticket(engine, "proposed")
    pad, oil = _part(engine), _part(engine, "OIL-01")
    _line(engine, ticket_id, job, pad, 4, taken=False, ordered=True)
    _line(engine, ticket_id, job, oil, 9_000, taken=False)
    assert _refused(lambda: workflow.add_part_lines(uow, ticket_id, [(pad, 9_997)], 1)) == {
        f"quantity:{pad}": "A line holds at most 10,000 of BRK-01."}
    detail = workflow.add_part_lines(uow, ticket_id, [(pad, 9_996)], 1)
    assert sorted(p.quantity for p in detail.parts) == [4, 9_000, 9_996]


def test_adding_parts_needs_the_right_to_assign_work(engine: Engine) -> None:
    ticket_id, _ = _ticket(engine)
    bay = UnitOfWork(engine, actor=wf.actor(engine, "sam", "Sam", Role.MECHANIC))
    with pytest.raises(PermissionDenied) as denied:
        workflow.add_part_lines(bay, ticket_id, [(_part(engine), 1)], 1)
    assert str(denied.value) == (
        "Mechanics cannot assign mechanics and parts to tickets; ask an administrator.")
    assert _refused(lambda: workflow.add_part_lines(UnitOfWork(engine), ticket_id, [], 1)) == {
        "quantity": "Choose at least one part to add."}


def test_ordered_stock_taken_is_audited_as_parts(uow: UnitOfWork, engine: Engine) -> None:
    ticket_id, [job] = _ticket(engine)
    line = _line(engine, ticket_id, job, _part(engine, on_hand=3), 2, taken=False, ordered=True)
    workflow.take_ordered_line(uow, line, 1)
    assert _audit(engine) == [("parts", "ticket", ticket_id,
                               "Ticket 7: took 2 × BRK-01 from stock (had been on special order)")]


# --- the status, one move each -------------------------------------------------------------


def test_a_move_the_lifecycle_refuses_is_refused_on_the_status(
    uow: UnitOfWork, engine: Engine
) -> None:
    ticket_id, _ = _ticket(engine)
    assert _refused(lambda: workflow.set_status(uow, ticket_id, "completed", 1)) == {
        "status": "Ticket RO-7 must be in progress before it can be completed."}


def test_a_mechanic_changes_the_status_only_of_their_tickets(engine: Engine) -> None:
    ticket_id, _ = _ticket(engine)
    bay = UnitOfWork(engine, actor=wf.actor(engine, "sam", "Sam Wrench", Role.MECHANIC,
                                            _mechanic(engine, "Sam Wrench")))
    with pytest.raises(PermissionDenied) as denied:
        workflow.set_status(bay, ticket_id, "in_progress", 1)
    assert str(denied.value) == (
        "Mechanics can change the status of only the tickets assigned to them; ticket RO-7 "
        "is not assigned to Sam Wrench.")


def test_completing_stamps_the_time(uow: UnitOfWork, engine: Engine) -> None:
    ticket_id, _ = _ticket(engine, status="in_progress")
    detail = workflow.set_status(uow, ticket_id, "completed", 1)
    assert detail.ticket.status == "completed" and detail.ticket.completed_at is not None
    assert detail.ticket.closed_at is None


def test_closing_with_money_due_is_refused_unless_on_account(
    uow: UnitOfWork, engine: Engine
) -> None:
    ticket_id, [job] = _ticket(engine, status="completed", authorised="50.00")
    _line(engine, ticket_id, job, _part(engine), 2, "25.00")
    assert _refused(lambda: workflow.set_status(uow, ticket_id, "closed", 1)) == {
        "status": "Ticket RO-7 has 50.00 still to pay: take the payment before invoicing, "
        "or an administrator closes it on account (the customer then owes it)."}


def test_cancelling_returns_the_taken_lines_in_part_order(engine: Engine) -> None:
    jane = wf.actor(engine)
    uow = UnitOfWork(engine, actor=jane)
    ticket_id, [job] = _ticket(engine)
    pad, oil = _part(engine, on_hand=0), _part(engine, "OIL-01", on_hand=0)
    _line(engine, ticket_id, job, oil, 5)
    _line(engine, ticket_id, job, pad, 2, taken=False, ordered=True)
    _line(engine, ticket_id, job, pad, 4)
    detail = workflow.set_status(uow, ticket_id, "cancelled", 1)
    assert wf.movements(engine) == [(pad, 4, "cancel", ticket_id, jane.id, ""),
                                    (oil, 5, "cancel", ticket_id, jane.id, "")]
    assert sorted((p.sku, p.quantity, p.taken, p.ordered) for p in detail.parts) == [
        ("BRK-01", 6, False, False), ("OIL-01", 5, False, False)]
    assert _audit(engine)[0][3] == (
        "Ticket 7: Estimate → Cancelled; back to stock: 4 × BRK-01, 5 × OIL-01")


# --- reopening, one step each ----------------------------------------------------------------


def _invoice(engine: Engine, ticket_id: int, total: str, credited: str | None = None) -> None:
    """Invoice INV-1 of the ticket, as posted (and a credit note of ``credited``)."""
    with Session(engine) as s:
        invoice = Invoice(number=1, label="INV-1", ticket_id=ticket_id, parts_total=D(total),
                          labor_total=D("0.00"), tax_total=D("0.00"), total=D(total),
                          snapshot="{}")
        s.add(invoice)
        s.flush()
        if credited is not None:
            s.add(CreditNote(number=90, label="CN-90", invoice_id=invoice.id,
                             ticket_id=ticket_id, amount=D(credited), reason="Goodwill",
                             cancels=False, lines="[]"))
        s.commit()


@pytest.mark.parametrize(("credited", "rest"), [
    (None, "all of it (50.00)"), ("20.00", "what is left of it (30.00)")])
def test_reopening_asks_before_crediting_the_posted_invoice(
    uow: UnitOfWork, engine: Engine, credited: str | None, rest: str
) -> None:
    ticket_id, _ = _ticket(engine, status="closed", total="50.00")
    _invoice(engine, ticket_id, "50.00", credited)
    assert _refused(lambda: workflow.reopen_ticket(uow, ticket_id, "noise", 1)) == {
        "credit_note": "Invoice INV-1 of ticket RO-7 is posted and cannot change: reopening "
        f"issues a credit note for {rest}. Confirm to go on."}


def test_reopening_credits_the_invoice_and_what_is_owed(uow: UnitOfWork, engine: Engine) -> None:
    ticket_id, _ = _ticket(engine, status="closed", total="50.00", owed="50.00")
    _invoice(engine, ticket_id, "50.00", "20.00")
    detail = workflow.reopen_ticket(uow, ticket_id, "noise", 1, credit_note=True)
    assert detail.ticket.status == "in_progress"
    assert _audit(engine) == [("reopen", "ticket", ticket_id,
                               "Ticket 7: reopened (was closed): noise; credit note CN-1 cancels "
                               "invoice INV-1")]
    with Session(engine) as s:
        assert s.get_one(ServiceTicket, ticket_id).owed == D("20.00")  # 50 less the 30 credited


# --- mechanics' own time, one rule each ------------------------------------------------------


def _bay(engine: Engine) -> tuple[int, int, int, UnitOfWork]:
    """A ticket Sam and Ann work on, and Sam (a mechanic) signed in."""
    ticket_id, [job] = _ticket(engine)
    sam, ann = _mechanic(engine, "Sam Wrench"), _mechanic(engine, "Ann Bolt")
    _labour(engine, ticket_id, job, sam, 30)
    _labour(engine, ticket_id, job, ann, 45)
    return ticket_id, sam, ann, UnitOfWork(
        engine, actor=wf.actor(engine, "sam", "Sam Wrench", Role.MECHANIC, sam))


def test_a_mechanic_books_their_own_time(engine: Engine) -> None:
    ticket_id, sam, ann, bay = _bay(engine)
    detail = workflow.assign_mechanics(bay, ticket_id, {sam: 60, ann: 45}, 1)
    assert sorted((m.name, m.minutes) for m in detail.mechanics) == [
        ("Ann Bolt", 45), ("Sam Wrench", 60)]


def test_a_mechanic_does_not_book_a_colleagues_time(engine: Engine) -> None:
    ticket_id, sam, ann, bay = _bay(engine)
    with pytest.raises(PermissionDenied) as denied:
        workflow.assign_mechanics(bay, ticket_id, {sam: 30, ann: 60}, 1)
    assert str(denied.value) == (
        "Mechanics book only their own time; Ann Bolt's time was not changed.")


@pytest.mark.parametrize("change", ["add", "remove"])
def test_a_mechanic_does_not_assign_work(engine: Engine, change: str) -> None:
    ticket_id, sam, ann, bay = _bay(engine)
    crew = ({sam: 30, ann: 45, _mechanic(engine, "Joe Nut"): 15} if change == "add"
            else {sam: 30})
    with pytest.raises(PermissionDenied) as denied:
        workflow.assign_mechanics(bay, ticket_id, crew, 1)
    assert str(denied.value) == (
        "Mechanics cannot assign mechanics and parts to tickets; ask an administrator.")


def test_a_mechanic_books_time_only_on_their_tickets(engine: Engine) -> None:
    ticket_id, _ = _ticket(engine)
    joe = _mechanic(engine, "Joe Nut")
    bay = UnitOfWork(engine, actor=wf.actor(engine, "joe", "Joe Nut", Role.MECHANIC, joe))
    with pytest.raises(PermissionDenied) as denied:
        workflow.assign_mechanics(bay, ticket_id, {}, 1)
    assert str(denied.value) == (
        "Mechanics can book time on only the tickets assigned to them; ticket RO-7 is not "
        "assigned to Joe Nut.")
