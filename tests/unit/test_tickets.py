"""Ticket service on both backends: numbering, validation, stale edits, lists."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal as D

import pytest
from sqlalchemy import Engine, insert, select, text, update
from sqlalchemy.orm import Session

from mechanic_desktop.db.models import (
    AuditEntry,
    Customer,
    Mechanic,
    ServiceTicket,
    TicketJob,
    TicketMechanic,
    Vehicle,
)
from mechanic_desktop.db.round_trips import RoundTrips
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.errors import NotFound, StaleRecord, ValidationError
from mechanic_desktop.domain.records import ListQuery, TicketRow
from mechanic_desktop.services import customers, tickets, vehicles
from mechanic_desktop.services.tickets import TicketData
from tests.conftest import empty_tables
from tests.unit import factories


def test_tickets_are_numbered_in_sequence(uow: UnitOfWork) -> None:
    first = factories.ticket(uow)
    c = factories.customer(uow, "Bob Smith")
    v = factories.vehicle(uow, c.id, factories.VINS[1])
    second = tickets.create_ticket(uow, TicketData(c.id, v.id, "Oil change", odometer_in=1000))
    assert (first.number, second.number) == (1, 2)
    assert second.status == "open"
    assert second.vehicle_title == "2005 Ford F-150 · ABC 123"
    assert second.opened_at.tzinfo is UTC


def test_ticket_validation(uow: UnitOfWork) -> None:
    ada = factories.customer(uow)
    bob = factories.customer(uow, "Bob Smith")
    bobs_car = factories.vehicle(uow, bob.id, odometer=90_000)
    with pytest.raises(ValidationError) as caught:
        tickets.create_ticket(uow, TicketData(ada.id, bobs_car.id, "  ", odometer_in=5))
    assert caught.value.fields == {
        "vehicle_id": "This vehicle belongs to Bob Smith.",
        "description": "Describe the customer's concern or the work requested.",
        "odometer_in": "Odometer cannot go below the last reading of 90,000.",
    }


def test_a_ticket_for_a_customer_or_vehicle_deleted_meanwhile_says_so(uow: UnitOfWork) -> None:
    """Another desk deleted what the clerk picked: the refusal says what happened."""
    cy = factories.customer(uow, "Cy Twombly")
    car = factories.vehicle(uow, cy.id)
    vehicles.delete_vehicle(uow, car.id)
    with pytest.raises(ValidationError) as caught:
        tickets.create_ticket(uow, TicketData(cy.id, car.id, "Oil change"))
    assert caught.value.fields == {
        "vehicle_id": "This vehicle was deleted at another desk after you chose it; "
                      "choose the vehicle again."}
    car = factories.vehicle(uow, cy.id)
    customers.delete_customer(uow, cy.id)  # takes the vehicle with it
    with pytest.raises(ValidationError) as caught:
        tickets.create_ticket(uow, TicketData(cy.id, car.id, "Oil change"))
    assert caught.value.fields == {
        "customer_id": "This customer was deleted at another desk after you chose them; "
                       "choose the customer again.",
        "vehicle_id": "This vehicle was deleted at another desk after you chose it; "
                      "choose the vehicle again."}
    with pytest.raises(ValidationError) as caught:  # nothing chosen is still "choose"
        tickets.create_ticket(uow, TicketData(0, 0, "Oil change"))
    assert caught.value.fields == {"customer_id": "Choose the customer.",
                                   "vehicle_id": "Choose the vehicle."}


def test_edit_from_a_stale_copy_is_refused_not_lost(uow: UnitOfWork) -> None:
    t = factories.ticket(uow)
    data = TicketData(t.customer_id, t.vehicle_id, "Brakes squeal, front left")
    saved = tickets.update_ticket(uow, t.id, data, expected_version=t.version)
    assert saved.version == t.version + 1
    with pytest.raises(StaleRecord, match="changed at another desk"):
        tickets.update_ticket(uow, t.id, TicketData(t.customer_id, t.vehicle_id, "x"), t.version)
    assert tickets.get_ticket(uow, t.id).description == "Brakes squeal, front left"


def test_list_filters_search_and_sorts(uow: UnitOfWork) -> None:
    first = factories.ticket(uow, "Ada Lovelace")
    c = factories.customer(uow, "Bob Smith")
    v = factories.vehicle(uow, c.id, factories.VINS[1])
    promised = datetime(2030, 1, 2, 15, 0, tzinfo=UTC)
    second = tickets.create_ticket(uow, TicketData(c.id, v.id, "Noise", promised_at=promised))

    def numbers(**kwargs: object) -> list[int]:
        return [r.number for r in tickets.list_tickets(uow, ListQuery(**kwargs)).rows]  # type: ignore[arg-type]

    assert numbers(sort="number") == [1, 2]
    assert numbers(sort="number", descending=True) == [2, 1]
    assert numbers(search="smith") == [2]
    assert numbers(search="#1") == [1]
    assert numbers(filters={"customer_id": first.customer_id}) == [1]
    assert numbers(filters={"status": ["closed"]}) == []
    assert tickets.get_ticket(uow, second.id).promised_at == promised


@pytest.mark.parametrize("cap", [1, 3000])
def test_search_by_customer_and_plate_with_few_or_many_matches(
    uow: UnitOfWork, cap: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Few matches filter by a list of ids, many by a subquery: same answers either way."""
    from mechanic_desktop.db import repositories

    monkeypatch.setattr(repositories, "MATCH_CAP", cap)
    first = factories.ticket(uow, "Ada Smith")
    c = factories.customer(uow, "Bob Smithers")
    v = factories.vehicle(uow, c.id, factories.VINS[1])
    tickets.create_ticket(uow, TicketData(c.id, v.id, "Noise"))
    factories.customer(uow, "Smitty NoTickets")

    def numbers(text: str) -> list[int]:
        return [
            r.number for r in tickets.list_tickets(uow, ListQuery(search=text, sort="number")).rows
        ]

    assert numbers("smith") == [first.number, 2]
    assert numbers("smithe") == [2]
    assert numbers("ABC") == [first.number, 2]  # both cars carry plate ABC 123
    assert numbers("zzz") == []


def test_a_promise_in_the_past_is_refused_but_an_overdue_one_is_kept(uow: UnitOfWork) -> None:
    c = factories.customer(uow, "Ada Lovelace")
    v = factories.vehicle(uow, c.id)
    yesterday = datetime.now(UTC) - timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        tickets.create_ticket(uow, TicketData(c.id, v.id, "Noise", promised_at=yesterday))
    assert "already passed" in refused.value.fields["promised_at"]
    soon = datetime.now(UTC) + timedelta(hours=2)
    t = tickets.create_ticket(uow, TicketData(c.id, v.id, "Noise", promised_at=soon))
    with uow.writing():  # the promised hour goes by: the ticket is overdue
        uow.tickets.get(t.id).promised_at = yesterday  # type: ignore[union-attr]
        uow.commit()
    overdue = tickets.get_ticket(uow, t.id)
    saved = tickets.update_ticket(uow, t.id, TicketData(c.id, v.id, "Noise and rattle",
                                                        promised_at=overdue.promised_at),
                                  overdue.version)
    assert saved.description == "Noise and rattle"


def test_the_list_names_each_mechanic_once_in_name_order(uow: UnitOfWork) -> None:
    """A ticket's mechanics come with the page (one query): each once though they work
    on several jobs, in name order whatever the case; unassigned labour names nobody,
    and a ticket with no labour reads blank. (Sam on two jobs read "Sam Wrench, Sam
    Wrench".)"""
    from mechanic_desktop.services import jobs, mechanics, workflow

    ticket = factories.ticket(uow)
    owner = factories.customer(uow, "Grace Hopper")
    car = factories.vehicle(uow, owner.id, factories.VINS[1])
    bare = tickets.create_ticket(uow, TicketData(owner.id, car.id, "Oil change"))
    sam = mechanics.create_mechanic(uow, mechanics.MechanicData("Sam Wrench"))
    al = mechanics.create_mechanic(uow, mechanics.MechanicData("al Piston"))
    version = workflow.assign_mechanics(uow, ticket.id, {sam.id: 30, al.id: 15},
                                        ticket.version).ticket.version
    detail = jobs.add_job(uow, ticket.id, jobs.JobData("Brakes"), version)
    second = detail.jobs[-1].id
    detail = workflow.assign_mechanics(uow, ticket.id, {sam.id: 60}, detail.ticket.version,
                                       second)
    jobs.add_labour(uow, ticket.id, second, "Road test", 15, detail.ticket.version)
    rows = {r.id: r for r in tickets.list_tickets(uow, ListQuery()).rows}
    assert rows[ticket.id].mechanics == "al Piston, Sam Wrench"
    assert rows[bare.id].mechanics == ""
    only = tickets.list_tickets(uow, ListQuery(search=str(ticket.number))).rows
    assert [r.mechanics for r in only if r.id == ticket.id] == ["al Piston, Sam Wrench"]


# --- each rule alone, cheap enough for the mutation budget (docs/mutation.md) -------------


def _cars(engine: Engine) -> tuple[int, int, int, int]:
    """Ada with a car last read at 90,000 and Bob with one never read, written straight
    to the tables (cheap enough for the mutation budget): their ids and the cars'."""
    with Session(engine) as s:
        ada = Customer(name="Ada Lovelace", name_key="ada lovelace", surname_key="lovelace")
        bob = Customer(name="Bob Smith", name_key="bob smith", surname_key="smith")
        s.add_all([ada, bob])
        s.flush()
        cars = [Vehicle(customer_id=ada.id, vin=factories.VINS[0], make="Ford",
                        model="F-150", year=2005, plate="ABC 123", odometer=90_000),
                Vehicle(customer_id=bob.id, vin=factories.VINS[1])]
        s.add_all(cars)
        s.commit()
        return ada.id, cars[0].id, bob.id, cars[1].id


def _checked(uow: UnitOfWork, data: TicketData, current: int | None = None,
             odometers: tuple[int, int | None] | None = None) -> dict[str, object]:
    """What ``_validate`` makes of the editor's fields (for ticket ``current``): the
    values to store, or the fields refused with their messages."""
    with uow:
        ticket = uow.tickets.get(current) if current is not None else None
        try:
            return tickets._validate(uow, data, ticket, odometers)
        except ValidationError as exc:
            return {"refused": dict(exc.fields)}


def test_the_customer_and_vehicle_are_chosen_and_belong_together(
    uow: UnitOfWork, engine: Engine
) -> None:
    """Nothing chosen says choose (and looks nothing up); a choice deleted meanwhile says
    so; a vehicle must be the customer's."""
    ada, car, _, bobs = _cars(engine)
    counter = RoundTrips(engine)
    with counter.counting():
        assert _checked(uow, TicketData(0, 0, "Noise")) == {"refused": {
            "customer_id": "Choose the customer.", "vehicle_id": "Choose the vehicle."}}
    assert counter.statements == []  # nothing chosen: nothing looked up
    assert _checked(uow, TicketData(bobs + 1, bobs + 1, "Noise")) == {"refused": {
        "customer_id": "This customer was deleted at another desk after you chose them; "
                       "choose the customer again.",
        "vehicle_id": "This vehicle was deleted at another desk after you chose it; "
                      "choose the vehicle again."}}
    assert _checked(uow, TicketData(ada, bobs, "Noise")) == {"refused": {
        "vehicle_id": "This vehicle belongs to Bob Smith."}}
    assert _checked(uow, TicketData(ada, car, "  Noise\n")) == {
        "customer_id": ada, "vehicle_id": car, "description": "Noise", "odometer_in": None,
        "promised_at": None}


def test_the_description_and_reading_are_refused_past_their_limits(
    uow: UnitOfWork, engine: Engine
) -> None:
    """A description is needed, up to 10,000 characters; the odometer is a whole number
    from 0 to 9,999,999, never below the car's last reading (equal to it is fine)."""
    ada, car, bob, bobs = _cars(engine)
    assert _checked(uow, TicketData(ada, car, " \n ", odometer_in="abc")) == {"refused": {
        "description": "Describe the customer's concern or the work requested.",
        "odometer_in": "Odometer must be a whole number."}}
    assert _checked(uow, TicketData(ada, car, "x" * 10_001, odometer_in=-1)) == {"refused": {
        "description": "Description is too long (at most 10,000 characters).",
        "odometer_in": "Odometer must be between 0 and 9,999,999."}}
    assert _checked(uow, TicketData(bob, bobs, "x", odometer_in=10_000_000)) == {
        "refused": {"odometer_in": "Odometer must be between 0 and 9,999,999."}}
    assert _checked(uow, TicketData(ada, car, "x", odometer_in=89_999)) == {"refused": {
        "odometer_in": "Odometer cannot go below the last reading of 90,000."}}
    for reading, kept in ((" 90,000 ", 90_000), (9_999_999, 9_999_999)):
        assert _checked(uow, TicketData(ada, car, "x" * 10_000, odometer_in=reading)) == {
            "customer_id": ada, "vehicle_id": car, "description": "x" * 10_000,
            "odometer_in": kept, "promised_at": None}
    assert _checked(uow, TicketData(bob, bobs, "x", odometer_in=0))["odometer_in"] == 0


def test_an_edit_weighs_the_reading_against_the_cars_earlier_visits_only(
    uow: UnitOfWork, engine: Engine
) -> None:
    """An edited ticket's reading may not go below those of the car's tickets opened
    before it, and is not held to later ones or to its own: the latest visit's typo can
    be corrected down to the visit before, an older open ticket's up to anything; the
    readings read with the ticket (for this car) are the ones weighed."""
    ada, car, bob, bobs = _cars(engine)
    own = tickets.create_ticket(uow, TicketData(ada, car, "Noise", odometer_in=100_000)).id
    assert _checked(uow, TicketData(ada, car, "Noise", odometer_in=95_000),
                    own)["odometer_in"] == 95_000
    assert _checked(uow, TicketData(ada, car, "Noise", odometer_in=95_000), None) == {
        "refused": {"odometer_in": "Odometer cannot go below the last reading of 100,000."}}
    later = tickets.create_ticket(uow, TicketData(ada, car, "Rattle", odometer_in=120_000)).id
    assert _checked(uow, TicketData(ada, car, "Noise", odometer_in=110_000),
                    own)["odometer_in"] == 110_000
    assert _checked(uow, TicketData(ada, car, "Rattle", odometer_in=99_999), later) == {
        "refused": {"odometer_in":
                    "Odometer cannot go below the reading of an earlier visit (100,000)."}}
    assert _checked(uow, TicketData(ada, car, "Rattle", odometer_in=100_000),
                    later)["odometer_in"] == 100_000
    bare = tickets.create_ticket(uow, TicketData(bob, bobs, "Noise")).id
    assert _checked(uow, TicketData(bob, bobs, "Noise", odometer_in=5), bare,
                    (bobs, 120_000)) == {"refused": {"odometer_in":
        "Odometer cannot go below the reading of an earlier visit (120,000)."}}
    # Read for another car: not this car's readings (it has no other visit).
    assert _checked(uow, TicketData(bob, bobs, "Noise", odometer_in=5), bare,
                    (car, 120_000))["odometer_in"] == 5


def test_a_corrected_typo_no_longer_holds_the_car_or_its_next_ticket(
    uow: UnitOfWork, engine: Engine
) -> None:
    """A reading typed one digit too long is copied to the car; corrected on the ticket,
    the car's reading follows, so the next ticket may be opened at the true reading. A
    reading the car has from elsewhere (typed on the car) is kept, and one raised on an
    edit is not copied."""
    ada, car, _, _ = _cars(engine)
    tickets.create_ticket(uow, TicketData(ada, car, "Service", odometer_in=91_000))
    typo = tickets.create_ticket(uow, TicketData(ada, car, "Noise", odometer_in=950_000))

    def car_reading() -> int | None:
        with uow.reading():
            return uow.vehicles.get(car).odometer  # type: ignore[union-attr]

    assert car_reading() == 950_000
    tickets.update_ticket(uow, typo.id, TicketData(ada, car, "Noise", odometer_in=93_000), 1)
    assert car_reading() == 93_000
    tickets.update_ticket(uow, typo.id, TicketData(ada, car, "Noise", odometer_in=95_000), 2)
    assert car_reading() == 93_000
    assert tickets.create_ticket(
        uow, TicketData(ada, car, "Brakes", odometer_in=95_000)).odometer_in == 95_000
    with Session(engine) as s:
        s.execute(update(Vehicle).where(Vehicle.id == car).values(odometer=99_000))
        s.commit()
    tickets.update_ticket(uow, typo.id, TicketData(ada, car, "Noise", odometer_in=94_000), 3)
    assert car_reading() == 99_000


def test_a_promise_may_be_ten_minutes_late_and_an_overdue_one_is_kept(
    uow: UnitOfWork, engine: Engine
) -> None:
    """A promise up to ten minutes ago passes (the clerk still typing), not earlier,
    unless it is the ticket's own promise kept as it was; a time without a zone is UTC,
    one with a zone the moment it names."""
    ada, car, _, _ = _cars(engine)
    tokyo = timezone(timedelta(hours=9))
    late = datetime.now(UTC) - timedelta(minutes=10, seconds=30)
    assert _checked(uow, TicketData(ada, car, "x", promised_at=late)) == {"refused": {
        "promised_at": "That time has already passed: promise a time from now on (or "
                       "untick Promised for)."}}
    just = datetime.now(UTC) - timedelta(minutes=9, seconds=30)
    assert _checked(uow, TicketData(ada, car, "x", just.astimezone(tokyo)))[
        "promised_at"] == just
    naive = datetime(2040, 5, 6, 7, 8)
    assert _checked(uow, TicketData(ada, car, "x", naive))["promised_at"] == naive.replace(
        tzinfo=UTC)
    made = tickets.create_ticket(uow, TicketData(ada, car, "x", just + timedelta(hours=1)))
    with uow.writing():  # the promised hour goes by: the ticket is overdue
        uow.tickets.get(made.id).promised_at = late  # type: ignore[union-attr]
        uow.commit()
    assert _checked(uow, TicketData(ada, car, "x", late), made.id)["promised_at"] == late
    assert "refused" in _checked(uow, TicketData(ada, car, "x", late - timedelta(1)), made.id)


def test_a_new_ticket_is_one_proposed_job_raises_the_cars_reading_and_is_audited(
    uow: UnitOfWork, engine: Engine
) -> None:
    """A new ticket holds one proposed job titled by the concern's first line; a higher
    odometer reading (even 1, on a car never read) becomes the vehicle's; the audit
    names the ticket's number."""
    _, _, bob, bobs = _cars(engine)
    made = tickets.create_ticket(uow, TicketData(bob, bobs, " Noise\nfront left ",
                                                 odometer_in=1))
    assert (made.number, made.customer_name, made.status, made.description,
            made.odometer_in) == (1, "Bob Smith", "open", "Noise\nfront left", 1)
    with uow.reading():
        job = uow.session.execute(
            select(TicketJob.position, TicketJob.title, TicketJob.concern, TicketJob.status)
            .where(TicketJob.ticket_id == made.id)).all()
        said = uow.session.execute(
            select(AuditEntry.action, AuditEntry.entity, AuditEntry.entity_id,
                   AuditEntry.summary)).all()
        reading = uow.session.scalar(select(Vehicle.odometer).where(Vehicle.id == bobs))
    assert [tuple(r) for r in job] == [(1, "Noise", "Noise\nfront left", "proposed")]
    assert [tuple(r) for r in said] == [("create", "ticket", made.id, "#1")]
    assert reading == 1


def test_an_edit_reads_the_cars_last_reading_once_with_the_ticket_and_is_audited(
    uow: UnitOfWork, engine: Engine
) -> None:
    """Saving a typed reading weighs it against the car's other tickets, read once with
    the account check and the ticket (on PostgreSQL in that one exchange), and not at
    all when none is typed; a change is said in the audit."""
    ada, car, _, _ = _cars(engine)
    with Session(engine) as s:
        first, later = (ServiceTicket(number=n, customer_id=ada, vehicle_id=car,
                                      description="Noise", odometer_in=reading)
                        for n, reading in ((1, 100_000), (2, 120_000)))
        s.add_all([first, later])
        s.commit()
        later_id = later.id

    def reads(odometer: object, version: int) -> tuple[int, object]:
        counter = RoundTrips(engine)
        with counter.counting():
            try:
                saved: object = tickets.update_ticket(uow, later_id, TicketData(
                    ada, car, "Noise", odometer_in=odometer), version).version  # type: ignore[arg-type]
            except ValidationError as exc:
                saved = exc.fields
        read = [s for s in counter.statements
                if "max(service_tickets.odometer_in)" in s]
        if engine.dialect.name == "postgresql":
            assert all(s.startswith("PIPELINE[") for s in read), read
        return len(read), saved

    assert reads("99,000", 1) == (1, {
        "odometer_in": "Odometer cannot go below the reading of an earlier visit (100,000)."})
    assert reads(130_000, 1) == (1, 2)
    assert reads("", 2) == (0, 3)
    with uow.reading():
        said = [tuple(r) for r in uow.session.execute(
            select(AuditEntry.action, AuditEntry.entity, AuditEntry.entity_id,
                   AuditEntry.summary).order_by(AuditEntry.id))]
    assert said == [("update", "ticket", later_id, "odometer_in: '120000' → '130000'"),
                    ("update", "ticket", later_id, "odometer_in: '130000' → —")]


def test_an_edit_names_the_ticket_it_refuses(uow: UnitOfWork, engine: Engine) -> None:
    """A stale copy, a finished ticket and one deleted meanwhile are refused, naming
    the ticket as the shop prints it."""
    ada, car, _, _ = _cars(engine)
    t = tickets.create_ticket(uow, TicketData(ada, car, "Noise"))
    data = TicketData(ada, car, "Brakes squeal")
    with pytest.raises(StaleRecord) as stale:
        tickets.update_ticket(uow, t.id, data, t.version + 1)
    assert str(stale.value) == ("Ticket RO-1 was changed at another desk after you opened "
                                "it; it has been reloaded. Apply your changes again.")
    with uow.writing():
        uow.tickets.get(t.id).status = "cancelled"  # type: ignore[union-attr]
        uow.commit()
    with pytest.raises(ValidationError) as caught:
        tickets.update_ticket(uow, t.id, data, t.version + 1)
    assert caught.value.fields == {
        "status": "Ticket RO-1 is cancelled and can no longer be edited."}
    gone = "Ticket #99 no longer exists; it may have been deleted at another desk."
    with pytest.raises(NotFound) as missing:
        tickets.update_ticket(uow, 99, data, 1)
    assert str(missing.value) == gone
    with pytest.raises(NotFound) as missing:
        tickets.get_ticket(uow, 99)
    assert str(missing.value) == gone


def test_the_list_shows_each_ticket_whole_with_the_shops_label(
    uow: UnitOfWork, engine: Engine
) -> None:
    """A row holds the ticket's id and its number as the shop prints it (its prefix, or
    the default before the settings are saved), customer, vehicle, times, total, and
    each mechanic once in name order whatever the case."""
    from mechanic_desktop.services import shop, workflow

    promised = datetime(2040, 1, 2, 15, 0, tzinfo=UTC)
    ada, car, _, _ = _cars(engine)
    with Session(engine) as s:
        sam = Mechanic(name="Sam Wrench", name_key="sam wrench")
        al = Mechanic(name="al Piston", name_key="al piston")
        ticket = ServiceTicket(number=7, customer_id=ada, vehicle_id=car, description="Noise",
                               promised_at=promised, total=D("12.50"))
        s.add_all([sam, al, ticket])
        s.flush()
        jobs = [TicketJob(ticket_id=ticket.id, position=n, title=f"Job {n}") for n in (1, 2)]
        s.add_all(jobs)
        s.flush()
        s.add_all(TicketMechanic(ticket_id=ticket.id, job_id=job.id, mechanic_id=m.id,
                                 minutes=60, hourly_rate=D("0")) for job, m in
                  ((jobs[0], sam), (jobs[0], al), (jobs[1], sam)))
        s.commit()
        row_id, opened = ticket.id, ticket.opened_at
    [row] = tickets.list_tickets(uow, ListQuery()).rows
    assert row == TicketRow(row_id, 7, "open", "Ada Lovelace", "2005 Ford F-150 · ABC 123",
                            opened, promised, "al Piston, Sam Wrench", D("12.50"), "RO-7")
    assert row_id != 7
    with Session(engine) as s:
        s.add(ServiceTicket(number=8, customer_id=ada, vehicle_id=car, description="Rattle"))
        s.commit()
    first = tickets.list_tickets(uow, ListQuery(sort="number", limit=1))
    assert [r.number for r in first.rows] == [7] and first.next_cursor is not None
    rest = tickets.list_tickets(uow, ListQuery(sort="number", limit=1,
                                               cursor=first.next_cursor))
    assert [r.number for r in rest.rows] == [8]
    workflow.update_settings(uow, shop.ShopSettingsData("Shop", ticket_prefix="T-"),
                             shop.get_settings(uow).version)
    assert [r.label for r in tickets.list_tickets(uow, ListQuery(sort="number")).rows] == [
        "T-7", "T-8"]


def test_a_number_another_desk_takes_meanwhile_is_retried_postgresql(pg_engine: Engine) -> None:
    """Two desks opening tickets at once read the same next number: the one whose
    INSERT waits on the other's is refused on the number when that commits, and opens
    its ticket with the next number instead (PostgreSQL; SQLite's writes are serial)."""
    empty_tables(pg_engine)
    ada, car, _, _ = _cars(pg_engine)
    other = pg_engine.connect()
    taking = other.begin()
    other.execute(insert(ServiceTicket).values(number=1, customer_id=ada, vehicle_id=car,
                                               description="Other desk"))
    waited: list[bool] = []

    def commit_once_the_desk_waits() -> None:
        with pg_engine.connect() as watch:  # the desk always blocks: wait for it (60 s)
            for _ in range(6000):
                blocked = watch.scalar(text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                    " AND datname = current_database()"))
                # pg_stat_activity is read once per transaction: a poll that came before
                # the desk blocked saw no wait for the next 60 s (a CI run failed so).
                watch.rollback()
                if blocked:
                    waited.append(True)
                    break
                time.sleep(0.01)
        taking.commit()

    committer = threading.Thread(target=commit_once_the_desk_waits)
    committer.start()
    try:
        made = tickets.create_ticket(UnitOfWork(pg_engine), TicketData(ada, car, "Noise"))
    finally:
        committer.join()
        other.close()
    assert waited == [True]
    assert made.number == 2
    with Session(pg_engine) as s:
        assert s.execute(select(ServiceTicket.number, ServiceTicket.description)
                         .order_by(ServiceTicket.number)).all() == [(1, "Other desk"),
                                                                    (2, "Noise")]
