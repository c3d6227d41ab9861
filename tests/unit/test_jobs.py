"""Jobs and the customer's authorisation, on both backends: only approved work takes
parts and counts; an authorisation is checked, recorded whole and never edited; grown
work asks for a new one; two desks deciding at once cannot both win."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from mechanic_desktop.db.models import Authorisation, AuthorisationJob
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.errors import PermissionDenied, StaleRecord, ValidationError
from mechanic_desktop.domain.jobs import AuthorisationMethod, JobStatus, amount_after, title_from
from mechanic_desktop.domain.records import TicketDetail
from mechanic_desktop.domain.staff import Role
from mechanic_desktop.services import jobs, parts, shop, workflow
from tests.unit import factories
from tests.unit import workflow_factories as wf

D = Decimal
APPROVED, DECLINED, DEFERRED = JobStatus.APPROVED, JobStatus.DECLINED, JobStatus.DEFERRED


def _estimate(uow: UnitOfWork) -> tuple[TicketDetail, int, int]:
    """A new ticket (an estimate) with two priced jobs: brakes (2 pads at 25.00 and an
    hour of Sam at 80.00) and a timing belt (1 belt at 300.00)."""
    record = factories.ticket(uow, approved=False)
    pad = wf.part(uow, "BRK-01", on_hand=10, price="25.00")
    belt = wf.part(uow, "TB-01", on_hand=1, price="300.00")
    sam = wf.mechanic(uow, "Sam Wrench", "80.00")
    detail = jobs.update_job(
        uow, workflow.get_ticket_detail(uow, record.id).jobs[0].id,
        jobs.JobData("Front brakes", "Brakes squeal"), record.version,
    )
    brakes = detail.jobs[0].id
    detail = jobs.add_job(uow, record.id, jobs.JobData("Timing belt", "Due at 100k"),
                          detail.ticket.version)
    timing = detail.jobs[1].id
    workflow.add_part_lines(uow, record.id, [(pad.id, 2)], detail.ticket.version, brakes)
    workflow.assign_mechanics(uow, record.id, {sam.id: 60},
                              workflow.get_ticket_detail(uow, record.id).ticket.version, brakes)
    detail = workflow.add_part_lines(uow, record.id, [(belt.id, 1)], None, timing)
    return detail, brakes, timing


def _authorise(
    uow: UnitOfWork, detail: TicketDetail, decisions: dict[int, JobStatus], **kw: object
) -> TicketDetail:
    settings = shop.get_settings(uow)
    amount = kw.pop("amount", None) or amount_after(
        detail, decisions, settings.tax_rules
    )
    data = jobs.AuthorisationData(
        decisions, str(kw.pop("by", "Pat Customer")),
        kw.pop("method", AuthorisationMethod.PHONE), amount,  # type: ignore[arg-type]
        contact=str(kw.pop("contact", "(212) 555-0100")),
    )
    return jobs.record_authorisation(uow, detail.ticket.id, data, detail.ticket.version)


def _on_hand(uow: UnitOfWork, part_id: int) -> int:
    return parts.get_part(uow, part_id).quantity_on_hand


def test_a_new_ticket_is_an_estimate_of_one_proposed_job(uow: UnitOfWork) -> None:
    record = factories.ticket(uow, approved=False)
    detail = workflow.get_ticket_detail(uow, record.id)
    assert detail.ticket.status == "open"
    [job] = detail.jobs
    assert (job.title, job.concern, job.status) == ("Brakes squeal", "Brakes squeal", "proposed")
    assert title_from("Noise\nfront left") == "Noise" and title_from("  ") == "Work requested"


def test_estimate_lines_take_nothing_and_count_in_no_total(uow: UnitOfWork) -> None:
    detail, _, _ = _estimate(uow)
    pad, belt = (p.part_id for p in detail.parts)
    assert (_on_hand(uow, pad), _on_hand(uow, belt)) == (10, 1)
    assert all(not p.taken for p in detail.parts)
    assert detail.totals.total == D("0.00")
    # The estimate prices both: 2 × 25 + 80 + 300.
    assert detail.estimate is not None and detail.estimate.total == D("430.00")
    assert [j.totals.total for j in detail.jobs] == [D("130.00"), D("300.00")]
    with pytest.raises(ValidationError, match="no approved job"):
        workflow.set_status(uow, detail.ticket.id, "in_progress", detail.ticket.version)


def test_phone_authorisation_approves_one_job_declines_the_other(
    uow: UnitOfWork, engine: Engine
) -> None:
    detail, brakes, timing = _estimate(uow)
    pad, belt = (p.part_id for p in detail.parts)
    detail = _authorise(uow, detail, {brakes: APPROVED, timing: DECLINED})
    assert [j.status for j in detail.jobs] == ["approved", "declined"]
    assert detail.totals.total == D("130.00") == detail.authorised_total
    assert detail.authorisation_needed == 0
    assert (_on_hand(uow, pad), _on_hand(uow, belt)) == (8, 1)  # only the approved job's
    [auth] = detail.authorisations
    assert (auth.authorised_by, auth.method, auth.contact, auth.amount) == (
        "Pat Customer", "phone", "(212) 555-0100", D("130.00")
    )
    assert auth.decisions == (("Front brakes", "approved"), ("Timing belt", "declined"))
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(AuthorisationJob)) == 2
    # Work starts on the approved job; more time grows past what was authorised.
    detail = workflow.set_status(uow, detail.ticket.id, "in_progress", detail.ticket.version)
    sam = detail.jobs[0].mechanics[0].mechanic_id
    detail = workflow.assign_mechanics(uow, detail.ticket.id, {sam: 120},
                                       detail.ticket.version, brakes)
    assert detail.authorisation_needed == D("80.00")
    with pytest.raises(ValidationError, match=r"authorisation for 80\.00 more"):
        workflow.set_status(uow, detail.ticket.id, "completed", detail.ticket.version)
    detail = _authorise(uow, detail, {brakes: APPROVED}, method=AuthorisationMethod.IN_PERSON,
                        contact="")
    assert detail.authorisation_needed == 0 and len(detail.authorisations) == 2
    detail = workflow.set_status(uow, detail.ticket.id, "completed", detail.ticket.version)
    assert detail.totals.total == D("210.00")


def test_tolerance_allows_a_small_overrun(uow: UnitOfWork) -> None:
    workflow.update_settings(
        uow, shop.ShopSettingsData("Shop", authorisation_tolerance="10.00"), 1
    )
    detail, brakes, timing = _estimate(uow)
    detail = _authorise(uow, detail, {brakes: APPROVED, timing: DEFERRED})
    pad = detail.jobs[0].parts[0].part_id
    detail = workflow.add_part_lines(uow, detail.ticket.id, [(pad, 0 + 1)], None, brakes)
    # 25.00 over, past a 10.00 tolerance.
    assert detail.authorisation_needed == D("25.00")
    detail = workflow.change_part_quantity(uow, detail.jobs[0].parts[0].id, 2)
    assert detail.authorisation_needed == 0


def test_declining_an_approved_job_puts_its_parts_back(uow: UnitOfWork, engine: Engine) -> None:
    detail, brakes, timing = _estimate(uow)
    detail = _authorise(uow, detail, {brakes: APPROVED, timing: APPROVED})
    belt = detail.jobs[1].parts[0].part_id
    assert _on_hand(uow, belt) == 0
    detail = _authorise(uow, detail, {timing: DECLINED})
    assert _on_hand(uow, belt) == 1 and not detail.jobs[1].parts[0].taken
    assert detail.totals.total == D("130.00")
    assert wf.movements(engine, detail.ticket.id)[-1][1:3] == (1, "return")


def test_approving_a_job_whose_part_is_short_records_nothing(
    uow: UnitOfWork, engine: Engine
) -> None:
    detail, brakes, timing = _estimate(uow)
    belt = detail.jobs[1].parts[0].part_id
    wf.part(uow, "TB-02")  # unrelated
    other = wf.ticket(uow, "Bob Smith", factories.VINS[1])  # takes the last belt first
    workflow.add_part_lines(uow, other, [(belt, 1)])
    before = wf.state(engine)
    with pytest.raises(ValidationError, match="Only 0 of TB-01 left"):
        _authorise(uow, detail, {brakes: APPROVED, timing: APPROVED})
    assert wf.state(engine) == before
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Authorisation)) == 1  # Bob's


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"decisions": {}}, "jobs", "Choose at least one job"),
        ({"by": " "}, "authorised_by", "Say who authorised"),
        ({"method": "fax"}, "method", "Say how the customer authorised"),
        ({"contact": ""}, "contact", "Phone number used is needed"),
        ({"amount": "129.99"}, "amount", "now comes to 130.00, not 129.99"),
        ({"amount": "abc"}, "amount", "Amount"),
    ],
)
def test_bad_authorisations_say_what_is_wrong_and_record_nothing(
    uow: UnitOfWork, engine: Engine, change: dict[str, object], field: str, message: str
) -> None:
    detail, brakes, timing = _estimate(uow)
    change = dict(change)  # the parameter is shared by both backends' runs
    decisions = change.pop("decisions", {brakes: APPROVED, timing: DECLINED})
    before = wf.state(engine)
    with pytest.raises(ValidationError, match=message) as caught:
        _authorise(uow, detail, decisions, **change)  # type: ignore[arg-type]
    assert field in caught.value.fields
    assert wf.state(engine) == before


def test_two_desks_deciding_the_same_job_cannot_both_win(engine: Engine) -> None:
    desk_a, desk_b = UnitOfWork(engine), UnitOfWork(engine)
    detail, brakes, timing = _estimate(desk_a)
    seen_by_b = workflow.get_ticket_detail(desk_b, detail.ticket.id)
    _authorise(desk_a, detail, {brakes: APPROVED, timing: APPROVED})
    with pytest.raises(StaleRecord):
        _authorise(desk_b, seen_by_b, {timing: DECLINED})
    final = workflow.get_ticket_detail(desk_a, detail.ticket.id)
    assert [j.status for j in final.jobs] == ["approved", "approved"]


def test_completing_needs_every_job_decided(uow: UnitOfWork) -> None:
    detail, brakes, _ = _estimate(uow)
    detail = _authorise(uow, detail, {brakes: APPROVED})
    detail = workflow.set_status(uow, detail.ticket.id, "in_progress", detail.ticket.version)
    with pytest.raises(ValidationError, match=r"still has proposed work \(Timing belt\)"):
        workflow.set_status(uow, detail.ticket.id, "completed", detail.ticket.version)


def test_jobs_are_added_edited_and_removed_while_undecided(uow: UnitOfWork) -> None:
    detail, brakes, timing = _estimate(uow)
    with pytest.raises(ValidationError, match="Give the job a title"):
        jobs.add_job(uow, detail.ticket.id, jobs.JobData(" "), detail.ticket.version)
    detail = jobs.remove_job(uow, timing, detail.ticket.version)
    assert [j.title for j in detail.jobs] == ["Front brakes"]
    assert [p.sku for p in detail.parts] == ["BRK-01"]
    detail = _authorise(uow, detail, {brakes: APPROVED})
    with pytest.raises(ValidationError, match="is approved: the customer's decision stays"):
        jobs.remove_job(uow, brakes, detail.ticket.version)


def test_a_mechanic_records_findings_on_their_own_jobs_only(engine: Engine) -> None:
    desk = UnitOfWork(engine)
    detail, brakes, timing = _estimate(desk)
    sam = detail.jobs[0].mechanics[0].mechanic_id
    bay = UnitOfWork(engine, actor=wf.actor(engine, "sam", "Sam Wrench", Role.MECHANIC, sam))
    detail = jobs.update_job(
        bay, brakes, jobs.JobData("Front brakes", "Brakes squeal", "Pads worn to 2 mm",
                                  "Replaced pads"), detail.ticket.version,
    )
    assert (detail.jobs[0].cause, detail.jobs[0].correction) == (
        "Pads worn to 2 mm", "Replaced pads"
    )
    with pytest.raises(PermissionDenied, match="only on the jobs they work on"):
        jobs.update_job(bay, timing, jobs.JobData("Timing belt", "Due at 100k", "Worn"),
                        detail.ticket.version)
    with pytest.raises(PermissionDenied, match="title and the customer's concern"):
        jobs.update_job(bay, brakes, jobs.JobData("Brakes!", "Brakes squeal"),
                        detail.ticket.version)
    with pytest.raises(PermissionDenied):
        _authorise(bay, detail, {brakes: APPROVED})


def test_cancelling_returns_only_what_was_taken(uow: UnitOfWork) -> None:
    """A declined job's parts never left the shelf, so cancelling returns only the
    approved job's."""
    detail, brakes, timing = _estimate(uow)
    detail = _authorise(uow, detail, {brakes: APPROVED, timing: DECLINED})
    detail = workflow.set_status(uow, detail.ticket.id, "cancelled", detail.ticket.version)
    pad, belt = detail.jobs[0].parts[0].part_id, detail.jobs[1].parts[0].part_id
    assert (_on_hand(uow, pad), _on_hand(uow, belt)) == (10, 1)


def test_labour_before_anyone_is_assigned_then_given_to_a_mechanic(uow: UnitOfWork) -> None:
    workflow.update_settings(uow, shop.ShopSettingsData("Shop", labor_rate="120.00"), 1)
    detail, _, timing = _estimate(uow)
    detail = jobs.add_labour(uow, detail.ticket.id, timing, "Replace timing belt", 150,
                             detail.ticket.version)
    [line] = detail.jobs[1].mechanics
    assert (line.mechanic_id, line.name, line.operation, line.hourly_rate, line.line_total) == (
        None, "", "Replace timing belt", D("120.00"), D("300.00"))
    assert detail.jobs[1].totals.total == D("600.00")
    with pytest.raises(ValidationError, match="Say what the labour is"):
        jobs.add_labour(uow, detail.ticket.id, timing, " ", 60, detail.ticket.version)
    with pytest.raises(ValidationError, match="quarter hours"):
        jobs.add_labour(uow, detail.ticket.id, timing, "Belt", 10, detail.ticket.version)
    sam = detail.jobs[0].mechanics[0].mechanic_id
    assert sam is not None
    detail = jobs.assign_labour(uow, line.line_id, sam, detail.ticket.version)
    given = detail.jobs[1].mechanics[0]
    # Sam now does it, at the price the customer was shown.
    assert (given.name, given.minutes, given.hourly_rate) == ("Sam Wrench", 150, D("120.00"))
    detail = jobs.add_labour(uow, detail.ticket.id, timing, "Tensioner", 15,
                             detail.ticket.version)
    spare = next(m for m in detail.jobs[1].mechanics if m.mechanic_id is None)
    with pytest.raises(ValidationError, match="already has time on this job"):
        jobs.assign_labour(uow, spare.line_id, sam, detail.ticket.version)
    detail = jobs.remove_labour(uow, spare.line_id, detail.ticket.version)
    assert [m.operation for m in detail.jobs[1].mechanics] == ["Replace timing belt"]


def test_an_authorisation_taken_earlier_keeps_its_time_and_none_is_in_the_future(
    uow: UnitOfWork, engine: Engine
) -> None:
    """A call at 10:02 recorded at 10:30 says 10:02; a time still to come, or before the
    ticket was opened, is refused and nothing is recorded."""
    detail, brakes, timing = _estimate(uow)
    decisions = {brakes: APPROVED, timing: DECLINED}
    settings = shop.get_settings(uow)
    amount = amount_after(detail, decisions, settings.tax_rules)

    def data(when: datetime) -> jobs.AuthorisationData:
        return jobs.AuthorisationData(decisions, "Pat Customer", AuthorisationMethod.IN_PERSON,
                                      amount, authorised_at=when)

    before = wf.state(engine)
    for when, message in ((datetime.now(UTC) + timedelta(hours=1), "still to come"),
                          (detail.ticket.opened_at - timedelta(days=1), "before the ticket")):
        with pytest.raises(ValidationError, match=message):
            jobs.record_authorisation(uow, detail.ticket.id, data(when), detail.ticket.version)
    assert wf.state(engine) == before
    earlier = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=28)
    earlier = max(earlier, detail.ticket.opened_at.astimezone(UTC))
    done = jobs.record_authorisation(uow, detail.ticket.id, data(earlier), detail.ticket.version)
    assert done.authorisations[0].authorised_at.astimezone(UTC) == earlier
