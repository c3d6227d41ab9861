"""Recommended work on the vehicle, on both backends: declined and deferred jobs stay
offered until a later ticket takes them up or the customer says no for good; taking one
up copies it at today's prices; two desks cannot both take it up."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mechanic_desktop.db.models import AuditEntry, TicketJob
from mechanic_desktop.db.types import utcnow
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.errors import StaleRecord, ValidationError
from mechanic_desktop.domain.jobs import JobStatus
from mechanic_desktop.domain.records import TicketDetail
from mechanic_desktop.services import jobs, parts, recommendations, shop, tickets, workflow
from mechanic_desktop.services.recommendations import Recommendation
from tests.unit import factories
from tests.unit import workflow_factories as wf
from tests.unit.test_concurrency import _race
from tests.unit.test_jobs import _authorise, _estimate

D = Decimal
APPROVED, DECLINED, DEFERRED = JobStatus.APPROVED, JobStatus.DECLINED, JobStatus.DEFERRED


def _declined(uow: UnitOfWork) -> tuple[TicketDetail, int, int]:
    """Ticket RO-1: brakes approved, the timing belt declined (a belt at 300.00 and
    2.5 h of labour nobody was assigned to, at 100.00: 550.00 quoted)."""
    workflow.update_settings(uow, shop.ShopSettingsData("Shop", labor_rate="100.00"),
                             shop.get_settings(uow).version)
    detail, brakes, timing = _estimate(uow)
    detail = jobs.add_labour(uow, detail.ticket.id, timing, "Replace timing belt", 150,
                             detail.ticket.version)
    detail = _authorise(uow, detail, {brakes: APPROVED, timing: DECLINED})
    return detail, brakes, timing


def _next_ticket(uow: UnitOfWork, detail: TicketDetail, what: str = "Oil change") -> int:
    """Another ticket for the same vehicle."""
    record = detail.ticket
    return tickets.create_ticket(
        uow, tickets.TicketData(record.customer_id, record.vehicle_id, what)).id


def _open(uow: UnitOfWork, detail: TicketDetail) -> list[Recommendation]:
    return recommendations.vehicle_recommendations(uow, detail.ticket.vehicle_id)


def _version(uow: UnitOfWork, ticket_id: int) -> int:
    return tickets.get_ticket(uow, ticket_id).version


def test_declined_and_deferred_jobs_are_the_vehicles_recommendations(uow: UnitOfWork) -> None:
    detail, brakes, timing = _declined(uow)
    [rec] = _open(uow, detail)
    assert (rec.job_id, rec.status, rec.title, rec.concern, rec.total, rec.ticket_label) == (
        timing, "declined", "Timing belt", "Due at 100k", D("550.00"), "RO-1")
    assert abs(rec.decided_at - utcnow()) < timedelta(minutes=1)
    # Another vehicle's ticket, with a deferred job: not this vehicle's.
    other = wf.ticket(uow, "Bob Smith", factories.VINS[1], approved=False)
    other_detail = workflow.get_ticket_detail(uow, other)
    _authorise(uow, other_detail, {other_detail.jobs[0].id: DEFERRED})
    assert [r.job_id for r in _open(uow, detail)] == [timing]
    assert [r.status for r in _open(uow, other_detail)] == ["deferred"]
    # A later decision on the same ticket counts: approving it ends the recommendation,
    # deferring it again dates it anew, newest first beside a second one.
    again = _authorise(uow, workflow.get_ticket_detail(uow, detail.ticket.id),
                       {timing: APPROVED})
    assert _open(uow, detail) == []
    again = _authorise(uow, again, {timing: DEFERRED, brakes: APPROVED})
    second = _next_ticket(uow, detail, "Wipers smear")
    second_detail = workflow.get_ticket_detail(uow, second)
    _authorise(uow, second_detail, {second_detail.jobs[0].id: DECLINED})
    assert [(r.title, r.status) for r in _open(uow, detail)] == [
        ("Wipers smear", "declined"), ("Timing belt", "deferred")]


def test_adding_one_copies_it_at_todays_prices_and_closes_it(
    uow: UnitOfWork, engine: Engine
) -> None:
    detail, _, timing = _declined(uow)
    belt = detail.jobs[1].parts[0].part_id
    part = parts.get_part(uow, belt)
    parts.update_part(uow, belt, parts.PartData(part.sku, part.name, "320.00", "10.00", 2),
                      part.version)
    workflow.update_settings(uow, shop.ShopSettingsData("Shop", labor_rate="120.00"),
                             shop.get_settings(uow).version)
    ticket_id = _next_ticket(uow, detail)
    [rec] = _open(uow, detail)
    after = recommendations.add_recommended_job(uow, ticket_id, rec.job_id,
                                                _version(uow, ticket_id))
    new = after.jobs[-1]
    assert (new.title, new.concern, new.status, new.position) == (
        "Timing belt", "Due at 100k", "proposed", 2)
    [labour] = new.mechanics
    assert (labour.mechanic_id, labour.operation, labour.minutes, labour.hourly_rate) == (
        None, "Replace timing belt", 150, D("120.00"))
    [line] = new.parts
    assert (line.part_id, line.quantity, line.unit_price, line.taken) == (
        belt, 1, D("320.00"), False)
    assert new.totals.total == D("620.00")  # 320 + 2.5 h × 120: today's prices
    assert after.totals.total == D("0.00")  # proposed: billed nothing yet
    assert parts.get_part(uow, belt).quantity_on_hand == 1  # nothing left the shelf
    assert _open(uow, detail) == []
    with Session(engine) as s:
        assert s.scalar(select(TicketJob.follow_up_of).where(TicketJob.id == new.id)) == timing
        said = s.scalars(select(AuditEntry.summary).order_by(AuditEntry.id.desc())).first()
    assert said is not None and "recommended on ticket RO-1" in said
    # Removing the new (still proposed) job offers the recommendation again.
    jobs.remove_job(uow, new.id, after.ticket.version)
    assert [r.job_id for r in _open(uow, detail)] == [timing]


def test_a_mechanics_line_is_copied_as_unassigned_labour_named_by_the_job(
    uow: UnitOfWork,
) -> None:
    detail, brakes, timing = _estimate(uow)
    sam = detail.jobs[0].mechanics[0].mechanic_id
    assert sam is not None
    detail = workflow.assign_mechanics(uow, detail.ticket.id, {sam: 90},
                                       detail.ticket.version, timing)
    detail = _authorise(uow, detail, {brakes: APPROVED, timing: DEFERRED})
    ticket_id = _next_ticket(uow, detail)
    after = recommendations.add_recommended_job(uow, ticket_id, timing,
                                                _version(uow, ticket_id))
    [labour] = after.jobs[-1].mechanics
    assert (labour.mechanic_id, labour.operation, labour.minutes, labour.hourly_rate) == (
        None, "Timing belt", 90, D("0.00"))  # the shop's labour rate (unset), not Sam's


def test_dismissed_recommendations_are_no_longer_offered(uow: UnitOfWork) -> None:
    detail, _, timing = _declined(uow)
    assert recommendations.dismiss_recommendation(uow, timing) == []
    assert _open(uow, detail) == []
    ticket_id = _next_ticket(uow, detail)
    with pytest.raises(ValidationError, match=r"“Timing belt” \(ticket RO-1\) was dismissed "
                       r"on \d{4}-\d\d-\d\d: the customer does not want it") as caught:
        recommendations.add_recommended_job(uow, ticket_id, timing, _version(uow, ticket_id))
    assert "recommendation" in caught.value.fields
    with pytest.raises(ValidationError, match="was dismissed"):
        recommendations.dismiss_recommendation(uow, timing)


@pytest.mark.parametrize("where", ["other vehicle", "same ticket", "finished ticket",
                                   "approved job", "stale copy"])
def test_refused_where_it_does_not_belong(uow: UnitOfWork, where: str) -> None:
    detail, brakes, timing = _declined(uow)
    ticket_id = _next_ticket(uow, detail)
    job, error, message = timing, ValidationError, ""
    if where == "other vehicle":
        ticket_id = wf.ticket(uow, "Bob Smith", factories.VINS[1])
        message = r"recommended for another vehicle \(ticket RO-1\)"
    elif where == "same ticket":
        ticket_id = detail.ticket.id
        message = "is on this ticket already"
    elif where == "finished ticket":
        record = tickets.get_ticket(uow, ticket_id)
        workflow.set_status(uow, ticket_id, "cancelled", record.version)
        message = "is cancelled"
    elif where == "approved job":
        job, message = brakes, "is approved now, not declined or deferred"
    else:
        error, message = StaleRecord, "changed at another desk"
    version = _version(uow, ticket_id) - (1 if where == "stale copy" else 0)
    before = workflow.get_ticket_detail(uow, ticket_id)
    with pytest.raises(error, match=message):
        recommendations.add_recommended_job(uow, ticket_id, job, version)
    assert workflow.get_ticket_detail(uow, ticket_id).jobs == before.jobs
    assert [r.job_id for r in _open(uow, detail)] == [timing]


def test_a_second_desk_cannot_add_it_again(engine: Engine) -> None:
    desk_a, desk_b = UnitOfWork(engine), UnitOfWork(engine)
    detail, _, timing = _declined(desk_a)
    first, second = _next_ticket(desk_a, detail), _next_ticket(desk_a, detail, "Noise")
    seen_by_b = _open(desk_b, detail)  # both desks offer it
    recommendations.add_recommended_job(desk_a, first, timing, _version(desk_a, first))
    with pytest.raises(ValidationError, match=r"already added to ticket RO-2"):
        recommendations.add_recommended_job(desk_b, second, seen_by_b[0].job_id,
                                            _version(desk_b, second))
    with pytest.raises(ValidationError, match=r"already added to ticket RO-2"):
        recommendations.dismiss_recommendation(desk_b, timing)
    # The database itself refuses a second job taking it up.
    with Session(engine) as s, pytest.raises(IntegrityError):
        s.add(TicketJob(ticket_id=second, position=9, title="Again", follow_up_of=timing))
        s.commit()


def test_desks_racing_to_take_it_up_add_it_once(engine: Engine) -> None:
    setup = UnitOfWork(engine)
    detail, _, timing = _declined(setup)
    targets = [_next_ticket(setup, detail, f"Visit {i}") for i in range(4)]
    versions = {t: _version(setup, t) for t in targets}
    outcomes: list[str] = []
    lock = threading.Lock()

    def take(uow: UnitOfWork, index: int) -> None:
        ticket_id = targets[index]
        try:
            if index == 3:
                recommendations.dismiss_recommendation(uow, timing)
            else:
                recommendations.add_recommended_job(uow, ticket_id, timing, versions[ticket_id])
            outcome = "won"
        except ValidationError as exc:
            outcome = str(exc)
        with lock:
            outcomes.append(outcome)

    _race(engine, take, len(targets))
    assert outcomes.count("won") == 1, outcomes
    assert all("already added" in o or "was dismissed" in o for o in outcomes if o != "won")
    with Session(engine) as s:
        taken = s.scalars(select(TicketJob.ticket_id).where(TicketJob.follow_up_of == timing))
        dismissed = s.scalar(select(TicketJob.dismissed_at).where(TicketJob.id == timing))
        assert len(list(taken)) + (dismissed is not None) == 1


def test_the_follow_up_report_lists_them_oldest_first_with_phone_numbers(
    uow: UnitOfWork,
) -> None:
    _, _, timing = _declined(uow)
    other = wf.ticket(uow, "Bob Smith", factories.VINS[1], approved=False)
    other_detail = workflow.get_ticket_detail(uow, other)
    _authorise(uow, other_detail, {other_detail.jobs[0].id: DEFERRED})
    third = wf.ticket(uow, "Cy Young", factories.VINS[2], approved=False)
    third_detail = workflow.get_ticket_detail(uow, third)
    _authorise(uow, third_detail, {third_detail.jobs[0].id: DECLINED})
    recommendations.dismiss_recommendation(uow, third_detail.jobs[0].id)

    report = recommendations.follow_up_calls(uow, now=utcnow() + timedelta(days=3))
    assert [(r.customer_name, r.title, r.status, r.phone, r.ticket_label) for r in report.rows] == [
        ("Ada Lovelace", "Timing belt", "declined", "(555) 123-4567", "RO-1"),
        ("Bob Smith", "Noise", "deferred", "(555) 123-4567", "RO-2"),
    ]
    assert report.rows[0].vehicle.endswith("Ford F-150 ABC 123")
    assert 2.9 < report.rows[0].age_days < 3.1
    assert (report.open_count, report.open_value) == (2, D("550.00"))
    assert report.next_cursor is None
    # Paged: one row at a time, resuming after the last row shown.
    first = recommendations.follow_up_calls(uow, limit=1)
    assert [r.job_id for r in first.rows] == [timing] and first.next_cursor is not None
    rest = recommendations.follow_up_calls(uow, cursor=first.next_cursor, limit=1)
    assert [r.title for r in rest.rows] == ["Noise"] and rest.next_cursor is None
