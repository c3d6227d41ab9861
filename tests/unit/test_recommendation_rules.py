"""Recommended work at its edges, on both backends: which decision dates and prices a
recommendation, how the follow-up report orders and pages equal dates, each refusal's
exact words, and what taking one up or dismissing it copies and records.

The history is written straight to the tables (decisions as the authorisation service
stores them), so each test builds only what it reads and calls one service.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from mechanic_desktop.db.models import (
    AuditEntry,
    Authorisation,
    AuthorisationJob,
    Customer,
    Mechanic,
    Part,
    ServiceTicket,
    ShopSettings,
    StaffUser,
    TicketJob,
    TicketMechanic,
    TicketPart,
    Vehicle,
)
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.errors import StaleRecord, ValidationError
from mechanic_desktop.domain.staff import Actor, Role
from mechanic_desktop.services import recommendations
from mechanic_desktop.services.recommendations import FollowUp, Recommendation
from tests.unit import factories

D = Decimal
T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
T1 = datetime(2025, 3, 5, 9, 0, tzinfo=UTC)
T2 = datetime(2025, 3, 7, 9, 0, tzinfo=UTC)
NOW = datetime(2025, 3, 12, 21, 0, tzinfo=UTC)
VINS = factories.VINS


@dataclass
class Shop:
    """Ids of the history below."""

    ada_car: int
    bob_car: int
    ada: int
    bob: int
    first: int  # WO-1, Ada's car, in progress
    later: int  # WO-2, Ada's car, open: where recommendations are taken up
    bobs: int  # WO-3, Bob's car
    done: int  # WO-4, Ada's car, closed
    brakes: int  # approved on WO-1
    belt: int  # declined on WO-1 at T0 (550.00), declined again at T1 (560.00)
    tyres: int  # declined on WO-1 at T0 (400.00)
    wipers: int  # deferred at T0 (40.00), beside the tyres
    mats: int  # declined, dismissed
    bulb: int  # declined, taken up on WO-2
    noise: int  # declined on Bob's WO-3 with no authorisation on record
    oil: int  # a part on the belt job
    pads: int  # a part on the brakes job
    clerk: Actor  # a service writer's account


def _authorise(s: Session, ticket_id: int, at: datetime,
               decisions: list[tuple[int, str, str]]) -> None:
    a = Authorisation(ticket_id=ticket_id, amount=D("0.00"), authorised_by="Pat Customer",
                      method="phone", authorised_at=at, recorded_at=at)
    s.add(a)
    s.flush()
    s.add_all(AuthorisationJob(authorisation_id=a.id, job_id=job, decision=decision,
                               job_total=D(total)) for job, decision, total in decisions)
    s.flush()


def build(engine: Engine) -> Shop:
    with Session(engine) as s:
        s.add(ShopSettings(id=1, name="Shop", labor_rate=D("100.00"), ticket_prefix="WO-"))
        ada = Customer(name="Ada Lovelace", name_key="ada lovelace", surname_key="lovelace",
                       phone="555.123.4567")
        bob = Customer(name="Bob Builder", name_key="bob builder", surname_key="builder")
        s.add_all([ada, bob])
        s.flush()
        ada_car = Vehicle(customer_id=ada.id, vin=VINS[0], make="Ford", model="F-150",
                          year=2019, plate="ADA 1")
        bob_car = Vehicle(customer_id=bob.id, vin=VINS[1], make="VW", model="Golf",
                          plate="BOB 2")
        # Ada's second car: a row names the car the work was recommended for.
        other_car = Vehicle(customer_id=ada.id, vin=VINS[2], make="Kia", model="Rio",
                            plate="ADA 2")
        s.add_all([ada_car, bob_car, other_car])
        s.flush()
        tickets = [ServiceTicket(number=n, customer_id=who.id, vehicle_id=car.id, status=status,
                                 opened_at=T0 - timedelta(days=1))
                   for n, who, car, status in ((1, ada, ada_car, "in_progress"),
                                               (2, ada, ada_car, "open"),
                                               (3, bob, bob_car, "open"),
                                               (4, ada, ada_car, "closed"))]
        s.add_all(tickets)
        s.flush()
        first, later, bobs, done = (t.id for t in tickets)

        def job(ticket_id: int, position: int, title: str, status: str, **kw: object) -> int:
            j = TicketJob(ticket_id=ticket_id, position=position, title=title,
                          concern=f"{title} concern", status=status, **kw)
            s.add(j)
            s.flush()
            return j.id

        brakes = job(first, 1, "Front brakes", "approved")
        belt = job(first, 2, "Timing belt", "declined")
        tyres = job(first, 3, "Tyres", "declined")
        wipers = job(first, 4, "Wipers", "deferred")
        mats = job(first, 5, "Mats", "declined", dismissed_at=T1)
        bulb = job(first, 6, "Bulb", "declined")
        job(later, 1, "Oil change", "proposed")
        job(later, 2, "Bulb", "proposed", follow_up_of=bulb)
        noise = job(bobs, 1, "Noise", "declined", updated_at=T2)
        _authorise(s, first, T0, [(brakes, "approved", "100.00"), (belt, "declined", "550.00"),
                                  (tyres, "declined", "400.00"), (wipers, "deferred", "40.00"),
                                  (mats, "declined", "10.00"), (bulb, "declined", "5.00")])
        _authorise(s, first, T1, [(belt, "declined", "560.00")])
        # The belt's lines: an hour of Sam's as "Replace belt", 30 minutes of Jo's with
        # no operation named, a line nobody was given with no time; a part. The brakes'
        # lines stay there.
        sam = Mechanic(name="Sam Wrench", name_key="sam wrench", hourly_rate=D("80.00"))
        jo = Mechanic(name="Jo Sparks", name_key="jo sparks", hourly_rate=D("90.00"))
        oil = Part(sku="OIL-1", name="Oil", name_key="oil", unit_price=D("12.50"),
                   unit_cost=D("5.00"), quantity_on_hand=0)
        pads = Part(sku="PAD-1", name="Pads", name_key="pads", unit_price=D("25.00"),
                    unit_cost=D("10.00"), quantity_on_hand=3)
        dora = StaffUser(username="dora", full_name="Dora Desk", password_hash="-",
                         role=Role.WRITER.value)
        s.add_all([sam, jo, oil, pads, dora])
        s.flush()
        for job_id, who, minutes, operation in ((belt, sam.id, 60, "Replace belt"),
                                                (belt, jo.id, 1, ""), (belt, None, 0, "Inspect"),
                                                (brakes, sam.id, 45, "Pads")):
            s.add(TicketMechanic(ticket_id=first, job_id=job_id, mechanic_id=who,
                                 minutes=minutes, hourly_rate=D("80.00"), operation=operation))
        s.add(TicketPart(ticket_id=first, job_id=belt, part_id=oil.id, quantity=3,
                         unit_price=D("9.99"), taken=True))
        s.add(TicketPart(ticket_id=first, job_id=brakes, part_id=pads.id, quantity=2,
                         unit_price=D("25.00"), taken=True))
        s.commit()
        return Shop(ada_car.id, bob_car.id, ada.id, bob.id, first, later, bobs, done, brakes, belt,
                    tyres, wipers, mats, bulb, noise, oil.id, pads.id,
                    Actor(dora.id, dora.username, dora.full_name, Role.WRITER, None))


@pytest.fixture
def shop(engine: Engine) -> Shop:
    return build(engine)


def _version(engine: Engine, ticket_id: int) -> int:
    with Session(engine) as s:
        version = s.scalar(select(ServiceTicket.version).where(ServiceTicket.id == ticket_id))
    assert version is not None
    return version


def test_a_vehicles_recommendations_newest_decision_first(uow: UnitOfWork, shop: Shop) -> None:
    """Each open recommendation once, dated and priced by the customer's latest decision
    on it, newest first (equal dates: the later job first); dismissed and taken-up jobs,
    approved work and other vehicles' jobs are not offered; a job with no decision on
    record is dated by its last change and quoted at nothing."""
    assert recommendations.vehicle_recommendations(uow, shop.ada_car) == [
        Recommendation(shop.belt, "declined", T1, "Timing belt", "Timing belt concern",
                       D("560.00"), shop.first, "WO-1"),
        Recommendation(shop.wipers, "deferred", T0, "Wipers", "Wipers concern", D("40.00"),
                       shop.first, "WO-1"),
        Recommendation(shop.tyres, "declined", T0, "Tyres", "Tyres concern", D("400.00"),
                       shop.first, "WO-1"),
    ]
    assert recommendations.vehicle_recommendations(uow, shop.bob_car) == [
        Recommendation(shop.noise, "declined", T2, "Noise", "Noise concern", D("0.00"),
                       shop.bobs, "WO-3")]


def _row(shop: Shop, job: int) -> tuple[object, ...]:
    """What the follow-up report shows of each of the history's open jobs."""
    ada = (shop.ada, "Ada Lovelace", "(555) 123-4567", "2019 Ford F-150 ADA 1")
    return {
        shop.belt: (shop.belt, "declined", T1, "Timing belt", D("560.00"), shop.first,
                    "WO-1", *ada, 7.5),
        shop.tyres: (shop.tyres, "declined", T0, "Tyres", D("400.00"), shop.first, "WO-1",
                     *ada, 9.5),
        shop.wipers: (shop.wipers, "deferred", T0, "Wipers", D("40.00"), shop.first, "WO-1",
                      *ada, 9.5),
        shop.noise: (shop.noise, "declined", T2, "Noise", D("0.00"), shop.bobs, "WO-3",
                     shop.bob, "Bob Builder", "", "VW Golf BOB 2", 5.5),
    }[job]


def _shown(row: FollowUp) -> tuple[object, ...]:
    return (row.job_id, row.status, row.decided_at, row.title, row.total, row.ticket_id,
            row.ticket_label, row.customer_id, row.customer_name, row.phone, row.vehicle,
            row.age_days)


def test_the_follow_up_report_oldest_first_with_whom_to_call(
    uow: UnitOfWork, shop: Shop
) -> None:
    """Every open recommendation, oldest decision first (equal dates: the earlier job),
    with the customer's phone as read out (none: blank), the vehicle, how many days it
    has waited, and the count and value of the whole list."""
    order = [shop.tyres, shop.wipers, shop.belt, shop.noise]
    report = recommendations.follow_up_calls(uow, now=NOW)
    assert [_shown(r) for r in report.rows] == [_row(shop, j) for j in order]
    assert (report.next_cursor, report.open_count, report.open_value) == (
        None, 4, D("1000.00"))


def test_follow_up_ages_run_to_now(uow: UnitOfWork, shop: Shop) -> None:
    """Without a time given, a recommendation's age is counted to the computer's now."""
    ages = [r.age_days for r in recommendations.follow_up_calls(uow).rows]
    assert ages == sorted(ages, reverse=True) and ages[-1] > 600


def test_the_follow_up_report_pages_a_row_at_a_time(uow: UnitOfWork, shop: Shop) -> None:
    """Paged a row at a time, each page resumes after the last row shown, across two
    jobs decided at the same moment, and the last page says there is no more."""
    seen, cursor, cursors = [], None, []
    for _ in range(4):
        page = recommendations.follow_up_calls(uow, cursor=cursor, limit=1, now=NOW)
        seen += [r.job_id for r in page.rows]
        cursor = page.next_cursor
        cursors.append(cursor)
    assert seen == [shop.tyres, shop.wipers, shop.belt, shop.noise]
    assert cursors == [(T0, shop.tyres), (T0, shop.wipers), (T1, shop.belt), None]
    assert (page.open_count, page.open_value) == (4, D("1000.00"))


def test_the_follow_up_report_pages_by_two(uow: UnitOfWork, shop: Shop) -> None:
    """A page resuming between two equal dates holds the second; a page that ends the
    list exactly says there is no more."""
    two = recommendations.follow_up_calls(uow, cursor=(T0, shop.tyres), limit=2, now=NOW)
    assert ([r.job_id for r in two.rows], two.next_cursor) == (
        [shop.wipers, shop.belt], (T1, shop.belt))
    rest = recommendations.follow_up_calls(uow, cursor=(T0, shop.wipers), limit=2, now=NOW)
    assert ([r.job_id for r in rest.rows], rest.next_cursor) == ([shop.belt, shop.noise], None)
    assert recommendations.follow_up_calls(uow, cursor=(T2, shop.noise), now=NOW).rows == ()


def _refused(uow: UnitOfWork, engine: Engine, job: int, ticket: int) -> dict[str, str]:
    """The refusal's fields; the ticket is left as it was."""
    version = _version(engine, ticket)
    with pytest.raises(ValidationError) as caught:
        recommendations.add_recommended_job(uow, ticket, job, version)
    assert _version(engine, ticket) == version
    return caught.value.fields


def test_a_recommendation_gone_is_refused(uow: UnitOfWork, shop: Shop, engine: Engine) -> None:
    """One deleted meanwhile: the list is out of date."""
    assert _refused(uow, engine, 99999, shop.later) == {
        "recommendation": "That recommendation no longer exists; the list has been refreshed."}


def test_a_recommendation_taken_up_is_refused(
    uow: UnitOfWork, shop: Shop, engine: Engine
) -> None:
    """One another ticket took up: that ticket is named."""
    assert _refused(uow, engine, shop.bulb, shop.later) == {
        "recommendation": "“Bulb” (ticket WO-1) was already added to ticket WO-2, perhaps at "
                          "another desk."}


def test_a_recommendation_dismissed_is_refused(
    uow: UnitOfWork, shop: Shop, engine: Engine
) -> None:
    """One dismissed (by nobody on record): when."""
    day = T1.astimezone().date().isoformat()
    assert _refused(uow, engine, shop.mats, shop.later) == {
        "recommendation": f"“Mats” (ticket WO-1) was dismissed on {day}: the customer does "
                          "not want it."}


def test_a_job_decided_otherwise_is_refused(
    uow: UnitOfWork, shop: Shop, engine: Engine
) -> None:
    """An approved job is no recommendation."""
    assert _refused(uow, engine, shop.brakes, shop.later) == {
        "recommendation": "“Front brakes” (ticket WO-1) is approved now, not declined or "
                          "deferred: there is nothing left to recommend."}


def test_a_recommendation_goes_on_a_later_ticket_of_its_vehicle(
    uow: UnitOfWork, shop: Shop, engine: Engine
) -> None:
    """Not on its own ticket, not on another vehicle's, not on a finished one, not on a
    copy of the ticket someone else has changed."""
    assert _refused(uow, engine, shop.belt, shop.first) == {
        "recommendation": "“Timing belt” is on this ticket already: record the customer's "
                          "new decision on it (Approve…) instead."}
    assert _refused(uow, engine, shop.belt, shop.bobs) == {
        "recommendation": "“Timing belt” was recommended for another vehicle (ticket WO-1); "
                          "it cannot go on this ticket."}
    assert _refused(uow, engine, shop.belt, shop.done) == {
        "status": "Ticket WO-4 is closed, so its lines are read-only. Reopen it first if more "
                  "work is needed."}
    with pytest.raises(StaleRecord):
        recommendations.add_recommended_job(uow, shop.later, shop.belt,
                                            _version(engine, shop.later) - 1)


def test_a_dismissal_names_who_dismissed_it(uow: UnitOfWork, shop: Shop, engine: Engine) -> None:
    """Dismissing records who and when, audits it on the ticket it was recommended on,
    and hands back the vehicle's remaining recommendations; a second desk is then told
    who dismissed it."""
    clerk = uow.actor = shop.clerk
    before = datetime.now(UTC)
    remaining = recommendations.dismiss_recommendation(uow, shop.tyres)
    assert [r.job_id for r in remaining] == [shop.belt, shop.wipers]
    with Session(engine) as s:
        when, who = s.execute(select(TicketJob.dismissed_at, TicketJob.dismissed_by)
                              .where(TicketJob.id == shop.tyres)).one()
        said = s.execute(select(AuditEntry.action, AuditEntry.entity, AuditEntry.entity_id,
                                AuditEntry.summary, AuditEntry.staff_user_id)
                         .order_by(AuditEntry.id.desc())).first()
    assert when is not None and before <= when <= datetime.now(UTC)
    assert who == clerk.id
    assert said == ("dismiss", "ticket", shop.first,
                    "Ticket 1: recommended job Tyres dismissed (was declined on WO-1)", clerk.id)
    day = when.astimezone().date().isoformat()
    with pytest.raises(ValidationError) as caught:
        recommendations.dismiss_recommendation(uow, shop.tyres)
    assert caught.value.fields == {"recommendation": f"“Tyres” (ticket WO-1) was dismissed by "
                                   f"Dora Desk on {day}: the customer does not want it."}


def test_taking_one_up_copies_that_jobs_timed_labour_and_parts(
    uow: UnitOfWork, shop: Shop, engine: Engine
) -> None:
    """The new job goes last on the ticket, proposed, with the old title and concern;
    each of the old job's labour lines with time becomes unassigned labour at today's
    shop rate (named as it was, else by the job), each part line a line not taken at
    today's price; other jobs' lines stay behind. The ticket's audit entry says where
    the job came from and what the customer had said."""
    detail = recommendations.add_recommended_job(uow, shop.later, shop.belt,
                                                 _version(engine, shop.later))
    new = detail.jobs[-1]
    assert (new.position, new.title, new.concern, new.status) == (
        3, "Timing belt", "Timing belt concern", "proposed")
    assert sorted((m.operation, m.mechanic_id, m.minutes, m.hourly_rate)
                  for m in new.mechanics) == [("Replace belt", None, 60, D("100.00")),
                                              ("Timing belt", None, 1, D("100.00"))]
    assert [(p.part_id, p.quantity, p.unit_price, p.taken) for p in new.parts] == [
        (shop.oil, 3, D("12.50"), False)]
    assert new.totals.total == D("139.17")  # 61 min × 100.00 an hour + 3 × 12.50
    with Session(engine) as s:
        taken_up = s.scalar(select(TicketJob.follow_up_of).where(TicketJob.id == new.id))
        said = s.execute(select(AuditEntry.action, AuditEntry.summary)
                         .order_by(AuditEntry.id.desc())).first()
    assert taken_up == shop.belt
    assert said == ("job", "Ticket 2: added job Timing belt, recommended on ticket WO-1 "
                           "(declined there)")
    assert [r.job_id for r in recommendations.vehicle_recommendations(uow, shop.ada_car)] == [
        shop.wipers, shop.tyres]
