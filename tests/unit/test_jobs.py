"""Jobs and the customer's authorisation, on both backends: only approved work takes
parts and counts; an authorisation is checked, recorded whole and never edited; grown
work asks for a new one; two desks deciding at once cannot both win."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from mechanic_desktop.db.models import (
    AuditEntry,
    Authorisation,
    AuthorisationJob,
    Mechanic,
    Part,
    ServiceTicket,
    ShopSettings,
    TicketJob,
    TicketMechanic,
    TicketPart,
)
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.errors import (
    PermissionDenied,
    ShortStock,
    StaleRecord,
    ValidationError,
)
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


# --- each rule alone, cheap enough for the mutation budget (docs/mutation.md) -------------


def _refusal(uow: UnitOfWork, **change: object) -> dict[str, str]:
    """The fields an authorisation is refused with, checked before any ticket is read
    (ticket 0 does not exist: data that passed would be refused as not found)."""
    values: dict[str, object] = {
        "decisions": {1: APPROVED}, "authorised_by": "Pat Customer",
        "method": AuthorisationMethod.IN_PERSON, "amount": "0.00", "contact": "",
    }
    values.update(change)
    with pytest.raises(ValidationError) as caught:
        jobs.record_authorisation(uow, 0, jobs.AuthorisationData(**values), 0)  # type: ignore[arg-type]
    return dict(caught.value.fields)


NOT_A_NUMBER = {"amount": "Amount must be a number, like 12.50."}


def _checked(**change: object) -> dict[str, str]:
    """The fields ``_check_authorisation`` refuses, as ``_refusal`` without a database."""
    values: dict[str, object] = {
        "decisions": {1: APPROVED}, "authorised_by": "Pat Customer",
        "method": AuthorisationMethod.IN_PERSON, "amount": "0.00", "contact": "",
    }
    values.update(change)
    with pytest.raises(ValidationError) as caught:
        jobs._check_authorisation(jobs.AuthorisationData(**values))  # type: ignore[arg-type]
    return dict(caught.value.fields)


def test_an_authorisation_is_refused_field_by_field_with_the_dialogs_words(
    uow: UnitOfWork,
) -> None:
    """Every wrong field of the Record authorisation dialog at once, each with its own
    message; a method that is not one falls back to in person (no contact needed)."""
    assert _refusal(uow, decisions={}, authorised_by="  ", method="fax", amount="abc") == {
        "jobs": "Choose at least one job the customer approved, declined or deferred.",
        "authorised_by": "Say who authorised the work (the person's name).",
        "method": "Say how the customer authorised: in person, phone, e-mail, text "
                  "message or signed paper.",
        **NOT_A_NUMBER,
    }
    assert _refusal(uow, decisions={1: "maybe", 2: "approved"}) == {
        "jobs": "'maybe' is not a decision: approve, decline or defer."}
    assert _refusal(uow, decisions={1: "declined", 2: JobStatus.PROPOSED}) == {
        "jobs": "'proposed' is not a decision: approve, decline or defer."}
    # Each decision, as the dialog's text or as the enum, is one.
    assert _refusal(uow, decisions={1: "approved", 2: "declined", 3: DEFERRED},
                    amount="abc") == NOT_A_NUMBER
    assert _refusal(uow, amount="") == {"amount": "Amount is required."}
    assert _refusal(uow, amount="-1") == {"amount": "Amount cannot be negative."}


def test_who_authorised_and_the_contact_are_checked_at_their_limits() -> None:
    """A name of 200 characters is taken, 201 is refused; the contact is checked as the
    method needs it (a phone number for phone and text, an e-mail address for e-mail,
    anything up to 254 characters in person or on paper). The check itself, without a
    ticket: cheap enough for the mutation budget."""
    assert _checked(authorised_by="x" * 200, amount="abc") == NOT_A_NUMBER
    assert _checked(authorised_by="x" * 201) == {
        "authorised_by": "The name is too long (at most 200 characters)."}
    needed = {
        AuthorisationMethod.PHONE: "Phone number used is needed for an authorisation by phone.",
        AuthorisationMethod.TEXT: "Phone number used is needed for an authorisation by text "
                                  "message.",
        AuthorisationMethod.EMAIL: "E-mail address used is needed for an authorisation by "
                                   "e-mail.",
    }
    for method, message in needed.items():
        assert _checked(method=method, contact=" ") == {"contact": message}
    for method in (AuthorisationMethod.PHONE, AuthorisationMethod.TEXT):
        assert _checked(method=method, contact="call me") == {
            "contact": "Phone is not a phone number: use digits, spaces, +, - or ()."}
        assert _checked(method=method.value, contact="12") == {
            "contact": "Phone has the wrong number of digits."}
        assert _checked(method=method, contact="5" * 41) == {
            "contact": "Phone is too long (at most 40 characters)."}
    assert _checked(method="email", contact="pat@") == {
        "contact": "E-mail is not valid: There must be something after the @-sign."}
    assert _checked(method="email", contact="call me") == {
        "contact": "E-mail is not valid: An email address must have an @-sign."}
    # In person and on paper the contact is a note: not checked as a number or address.
    for method in (AuthorisationMethod.IN_PERSON, AuthorisationMethod.PAPER):
        assert _checked(method=method, contact="call me", amount="abc") == NOT_A_NUMBER
        assert _checked(method=method, contact="x" * 254, amount="abc") == NOT_A_NUMBER
        assert _checked(method=method, contact="x" * 255) == {
            "contact": "That is too long (at most 254 characters)."}


def test_a_decision_is_dated_within_five_minutes_of_the_clock_and_the_opening() -> None:
    """When the customer decided: now when no time is typed; a typed time up to five
    minutes ahead of the clock (the clerk still typing) and up to five minutes before
    the ticket was opened, no further. A time without a zone is UTC; one with a zone is
    the moment it names."""
    tokyo = timezone(timedelta(hours=9))
    opened = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    before = datetime.now(UTC)
    now = jobs._authorised_when(None, opened)
    assert before <= now <= datetime.now(UTC) and now.tzinfo is UTC
    soon = datetime.now(UTC) + timedelta(minutes=4, seconds=50)
    assert jobs._authorised_when(soon.astimezone(tokyo), opened) == soon
    edge = opened - timedelta(minutes=5)
    assert jobs._authorised_when(edge.astimezone(tokyo), opened.astimezone(tokyo)) == edge
    naive = (opened + timedelta(minutes=1)).replace(tzinfo=None)
    assert jobs._authorised_when(naive, opened) == naive.replace(tzinfo=UTC)
    # The ticket's opening without a zone is UTC too.
    assert jobs._authorised_when(edge, opened.replace(tzinfo=None)) == edge
    with pytest.raises(ValidationError) as caught:
        jobs._authorised_when(datetime.now(UTC) + timedelta(minutes=5, seconds=10), opened)
    assert caught.value.fields == {
        "authorised_at": "That time is still to come: say when the customer decided."}
    local = opened.astimezone().strftime("%Y-%m-%d %H:%M")
    for start in (opened, opened.astimezone(tokyo), opened.replace(tzinfo=None)):
        with pytest.raises(ValidationError) as caught:
            jobs._authorised_when(edge - timedelta(microseconds=1), start)
        assert caught.value.fields == {
            "authorised_at": f"That is before the ticket was opened ({local})."}


def _said(uow: UnitOfWork, ticket_id: int) -> list[tuple[str, str]]:
    """The ticket's audit entries after its creation, (action, summary), oldest first."""
    with uow.reading():
        return [(r.action, r.summary) for r in uow.session.execute(
            select(AuditEntry.action, AuditEntry.summary)
            .where(AuditEntry.entity == "ticket", AuditEntry.entity_id == ticket_id,
                   AuditEntry.action != "create")
            .order_by(AuditEntry.id))]


Lines = list[tuple[str, int, str]]
Labour = list[tuple[str, str]]


def _written(
    engine: Engine,
    shelf: dict[str, int],
    jobs_: dict[str, tuple[str, Lines, Labour]],
    *,
    crew: dict[str, bool] | None = None,
    status: str = "open",
) -> tuple[int, dict[str, int], dict[str, int], dict[str, int]]:
    """A ticket written straight to the tables (a handful of rows: cheap enough for the
    mutation budget, docs/mutation.md), as the services leave one: ticket 1 of one
    customer's car; the parts on the shelf (SKU → on hand, each 10.00); the mechanics
    (name → active, at 60.00 an hour); the jobs in order, title → (status, part lines
    (SKU, quantity, "taken", "ordered" or ""), labour lines (mechanic's name, or "" for
    nobody yet; operation), each an hour). Returns the ticket's id and the ids of the
    jobs (by title), parts (by SKU) and mechanics (by name)."""
    with Session(engine) as s:
        _, owner, car = factories.crew_and_car(s, 0)
        parts_by_sku = {sku: Part(sku=sku, name=f"Part {sku}", name_key=sku.lower(),
                                  unit_price=D("10.00"), quantity_on_hand=n)
                        for sku, n in shelf.items()}
        mechanics = {n: Mechanic(name=n, name_key=n.lower(), hourly_rate=D("60.00"),
                                 active=active) for n, active in (crew or {}).items()}
        ticket = ServiceTicket(number=1, customer_id=owner.id, vehicle_id=car.id,
                               description="Estimate", status=status)
        s.add_all([*parts_by_sku.values(), *mechanics.values(), ticket])
        s.flush()
        job_ids = {}
        for position, (title, (job_status, lines, labour)) in enumerate(jobs_.items(), 1):
            job = TicketJob(ticket_id=ticket.id, position=position, title=title,
                            status=job_status)
            s.add(job)
            s.flush()
            job_ids[title] = job.id
            s.add_all(TicketPart(ticket_id=ticket.id, job_id=job.id,
                                 part_id=parts_by_sku[sku].id, quantity=n,
                                 unit_price=D("10.00"), taken=flag == "taken",
                                 ordered=flag == "ordered") for sku, n, flag in lines)
            s.add_all(TicketMechanic(ticket_id=ticket.id, job_id=job.id,
                                     mechanic_id=mechanics[name].id if name else None,
                                     operation=operation, minutes=60,
                                     hourly_rate=D("60.00")) for name, operation in labour)
        s.commit()
        return (ticket.id, job_ids, {k: p.id for k, p in parts_by_sku.items()},
                {k: m.id for k, m in mechanics.items()})


def _settings_rows(engine: Engine) -> int:
    with Session(engine) as s:
        return s.scalar(select(func.count()).select_from(ShopSettings)) or 0


def _refused_stale_then_cancelled(
    engine: Engine, ticket: int, version: int, act: Callable[[int], object]
) -> None:
    """``act(version)`` is refused from an older copy of the ticket, and from the
    current one once the ticket is cancelled: jobs change only on a ticket still being
    worked on, and only from a copy of its current version."""
    with pytest.raises(StaleRecord, match=r"^Ticket RO-1 was changed at another desk"):
        act(version - 1)
    with Session(engine) as s:
        s.execute(update(ServiceTicket).where(ServiceTicket.id == ticket)
                  .values(status="cancelled"))
        s.commit()
    with pytest.raises(ValidationError) as caught:
        act(version)
    assert caught.value.fields == {
        "status": "Ticket RO-1 is cancelled; its lines can no longer change."}


def _record(uow: UnitOfWork, ticket_id: int, decisions: dict[int, JobStatus],
            amount: str, version: int, **kw: object) -> TicketDetail:
    data = jobs.AuthorisationData(decisions, kw.pop("by", "Pat Customer"),  # type: ignore[arg-type]
                                  kw.pop("method", AuthorisationMethod.IN_PERSON),  # type: ignore[arg-type]
                                  amount, **kw)  # type: ignore[arg-type]
    return jobs.record_authorisation(uow, ticket_id, data, version)


def test_an_authorisation_is_kept_as_cleaned_with_its_time_and_said_in_the_audit(
    uow: UnitOfWork, engine: Engine
) -> None:
    """The name and contact are kept cleaned (an e-mail address in lower case), with the
    time the customer decided and who recorded it; each job's decision is kept with the
    job's total then; the ticket's authorised amount follows, and the audit says who,
    how, for how much and each decision. The shop's defaults it priced with are stored."""
    ticket, job, _, _ = _written(engine, {"PAD": 5}, {
        "Brakes": ("proposed", [("PAD", 2, "")], []), "Belt": ("proposed", [], [])})
    uow.actor = wf.actor(engine)
    when = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=3)
    detail = _record(uow, ticket, {job["Brakes"]: APPROVED, job["Belt"]: DEFERRED},
                     "20.00", 1, by="  Pat   Customer ", method="email",
                     contact=" Pat@Example.COM ", authorised_at=when)
    [auth] = detail.authorisations
    assert (auth.authorised_at, auth.authorised_by, auth.method, auth.contact, auth.amount,
            auth.recorded_by, auth.decisions) == (
        when, "Pat Customer", "email", "pat@example.com", D("20.00"), "Jane Desk",
        (("Brakes", "approved"), ("Belt", "deferred")))
    assert (detail.authorised_total, detail.totals.total) == (D("20.00"), D("20.00"))
    assert [j.status for j in detail.jobs] == ["approved", "deferred"]
    with Session(engine) as s:
        assert s.execute(select(AuthorisationJob.job_id, AuthorisationJob.decision,
                                AuthorisationJob.job_total)
                         .order_by(AuthorisationJob.job_id)).all() == [
            (job["Brakes"], "approved", D("20.00")), (job["Belt"], "deferred", D("0.00"))]
    assert _said(uow, ticket) == [
        ("authorise", "Ticket 1: authorised by Pat Customer (e-mail) for 20.00: "
                      "Brakes approved; Belt deferred; took 2 × PAD")]
    assert _settings_rows(engine) == 1


def test_a_job_removed_meanwhile_or_an_amount_read_out_before_a_change_is_refused(
    uow: UnitOfWork, engine: Engine
) -> None:
    """A decision on a job another desk removed, or for an amount that is not what the
    approved work now costs, is refused saying what to do."""
    ticket, job, _, _ = _written(engine, {"PAD": 5}, {"Brakes": ("proposed", [("PAD", 2, "")],
                                                                 [])})
    with pytest.raises(ValidationError) as caught:
        _record(uow, ticket, {job["Brakes"]: APPROVED, job["Brakes"] + 1: DECLINED},
                "20.00", 1)
    assert caught.value.fields == {"jobs": "A job you chose was removed at another desk; "
                                           "the ticket has been reloaded."}
    for amount, said in (("0", "0.00"), ("19.99", "19.99")):
        with pytest.raises(ValidationError) as caught:
            _record(uow, ticket, {job["Brakes"]: APPROVED}, amount, 1)
        assert caught.value.fields == {
            "amount": f"The approved work now comes to 20.00, not {said}: the ticket "
                      "changed since the amount was read out. Read the new amount to the "
                      "customer."}


#: Brakes and a belt wanting more than the shelf holds, wipers with none on the shelf.
SHORT_SHELF = {"DISC": 1, "PAD": 3, "BELT": 0, "WIPER": 0}
SHORT_JOBS: dict[str, tuple[str, Lines, Labour]] = {
    "Brakes": ("proposed", [("PAD", 2, ""), ("DISC", 3, "")], []),
    "Belt": ("proposed", [("BELT", 1, ""), ("PAD", 1, "")], []),
    "Wipers": ("proposed", [("WIPER", 2, "")], []),
}


def _part_lines(detail: TicketDetail) -> list[tuple[str, str, int, bool, bool]]:
    """(job, SKU, quantity, taken, ordered) of each part line, sorted."""
    titles = {j.id: j.title for j in detail.jobs}
    return sorted((titles[p.job_id], p.sku, p.quantity, p.taken, p.ordered)
                  for p in detail.parts)


def test_a_short_shelf_refuses_the_whole_decision_naming_each_short_part(
    uow: UnitOfWork, engine: Engine
) -> None:
    """The parts of the jobs approved together are summed per part: each part the shelf
    holds less of is named (one with just enough is not; a declined job wants nothing).
    (That nothing is recorded: test_approving_a_job_whose_part_is_short_records_nothing.)
    A decision is recorded only on a ticket still being worked on, from its current
    version."""
    ticket, job, part, _ = _written(engine, SHORT_SHELF, SHORT_JOBS)
    decisions = {job["Brakes"]: APPROVED, job["Belt"]: APPROVED, job["Wipers"]: DECLINED}
    with pytest.raises(ShortStock) as short:
        _record(uow, ticket, decisions, "70.00", 1)
    assert short.value.fields == {
        f"quantity:{part['DISC']}": "Only 1 of DISC left; cannot take 3.",
        f"quantity:{part['BELT']}": "Only 0 of BELT left; cannot take 1."}
    _refused_stale_then_cancelled(
        engine, ticket, 1, lambda v: _record(uow, ticket, decisions, "70.00", v))


def test_approving_on_special_order_takes_the_shelf_part_by_part_and_orders_the_rest(
    uow: UnitOfWork, engine: Engine
) -> None:
    """With special order, what the shelf has is taken, in part order, and the rest
    waits on an ordered line at the line's price (a line with none on the shelf becomes
    the order); a declined job takes nothing. The audit lists each move."""
    ticket, job, part, _ = _written(engine, SHORT_SHELF, SHORT_JOBS)
    uow.actor = actor = wf.actor(engine)
    detail = _record(uow, ticket, {job["Brakes"]: APPROVED, job["Belt"]: APPROVED,
                                   job["Wipers"]: DECLINED}, "70.00", 1, special_order=True)
    assert _part_lines(detail) == [
        ("Belt", "BELT", 1, False, True), ("Belt", "PAD", 1, True, False),
        ("Brakes", "DISC", 1, True, False), ("Brakes", "DISC", 2, False, True),
        ("Brakes", "PAD", 2, True, False), ("Wipers", "WIPER", 2, False, False)]
    assert {p.unit_price for p in detail.parts} == {D("10.00")}
    assert [m[:5] for m in wf.movements(engine)] == [
        (part["DISC"], -1, "ticket", ticket, actor.id),
        (part["PAD"], -2, "ticket", ticket, actor.id),
        (part["PAD"], -1, "ticket", ticket, actor.id)]
    assert _said(uow, ticket) == [(
        "authorise", "Ticket 1: authorised by Pat Customer (in person) for 70.00: Brakes "
        "approved; Belt approved; Wipers declined; took 1 × DISC, 2 × DISC on special "
        "order, took 2 × PAD, took 1 × PAD, 1 × BELT on special order")]


def test_declining_returns_the_jobs_parts_and_folds_its_order_leaving_other_jobs_alone(
    uow: UnitOfWork, engine: Engine
) -> None:
    """A job no longer approved puts back what it took (booked as a return by whoever
    recorded it) and waits for nothing: its order folds into its line. A job approved
    again takes nothing twice; a job the decision leaves out keeps what it took and what
    it waits for."""
    ticket, job, part, _ = _written(engine, {"DISC": 0, "PAD": 0, "BELT": 0}, {
        "Brakes": ("approved", [("PAD", 2, "taken"), ("DISC", 1, "taken"),
                                ("DISC", 2, "ordered")], []),
        "Belt": ("approved", [("PAD", 1, "taken"), ("BELT", 1, "ordered")], []),
        "Oil": ("approved", [("PAD", 1, "taken"), ("DISC", 1, "ordered")], []),
    })
    uow.actor = actor = wf.actor(engine)
    detail = _record(uow, ticket, {job["Brakes"]: DECLINED, job["Oil"]: APPROVED},
                     "40.00", 1)
    assert _part_lines(detail) == [
        ("Belt", "BELT", 1, False, True), ("Belt", "PAD", 1, True, False),
        ("Brakes", "DISC", 3, False, False), ("Brakes", "PAD", 2, False, False),
        ("Oil", "DISC", 1, False, True), ("Oil", "PAD", 1, True, False)]
    assert [m[:5] for m in wf.movements(engine)] == [
        (part["DISC"], 1, "return", ticket, actor.id),
        (part["PAD"], 2, "return", ticket, actor.id)]
    assert [_on_hand(uow, part[p]) for p in ("DISC", "PAD", "BELT")] == [1, 2, 0]
    assert _said(uow, ticket) == [(
        "authorise", "Ticket 1: authorised by Pat Customer (in person) for 40.00: Brakes "
        "declined; Oil approved; returned 1 × DISC, returned 2 × PAD")]


def test_a_job_is_added_last_as_typed_and_cleaned(uow: UnitOfWork, engine: Engine) -> None:
    """A new job is proposed, after the ticket's others, its words cleaned (the concern
    keeps its lines); the audit names it."""
    ticket, _, _, _ = _written(engine, {}, {"Brakes": ("approved", [], [])})
    detail = jobs.add_job(uow, ticket, jobs.JobData(
        "  Timing   belt ", " Due at\n100k  ", " ", "\tReplace "), 1)
    added = detail.jobs[1]
    assert (added.position, added.title, added.concern, added.cause, added.correction,
            added.status) == (2, "Timing belt", "Due at\n100k", "", "Replace", "proposed")
    assert _said(uow, ticket) == [("job", "Ticket 1: added job Timing belt")]
    _refused_stale_then_cancelled(
        engine, ticket, 2, lambda v: jobs.add_job(uow, ticket, jobs.JobData("Oil"), v))


def test_a_jobs_words_are_saved_only_when_changed_and_said_in_the_audit(
    uow: UnitOfWork, engine: Engine
) -> None:
    """Saving a job's words unchanged saves nothing; a change saves what differs and the
    audit names it. A job removed meanwhile is refused."""
    ticket, job, _, _ = _written(engine, {}, {"Brakes": ("proposed", [], []),
                                              "Belt": ("proposed", [], [])})
    same = jobs.update_job(uow, job["Belt"], jobs.JobData("Belt"), 1)
    assert same.ticket.version == 1 and _said(uow, ticket) == []
    detail = jobs.update_job(uow, job["Belt"], jobs.JobData("Belt", "Due", " Cracked "), 1)
    assert [(j.title, j.concern, j.cause) for j in detail.jobs] == [
        ("Brakes", "", ""), ("Belt", "Due", "Cracked")]
    assert detail.ticket.version == 2
    assert _said(uow, ticket) == [("job", "Ticket 1: Belt: concern, cause changed")]
    with pytest.raises(ValidationError) as caught:
        jobs.update_job(uow, job["Belt"] + 1, jobs.JobData("Belt"), 2)
    assert caught.value.fields == {
        "title": "That job was removed at another desk; reload the ticket."}
    _refused_stale_then_cancelled(
        engine, ticket, 2, lambda v: jobs.update_job(uow, job["Belt"], jobs.JobData("B"), v))


def test_a_mechanic_records_the_cause_and_correction_of_their_own_jobs_only(
    uow: UnitOfWork, engine: Engine
) -> None:
    """A mechanic saves the findings of a job they have time on, and nothing on another
    mechanic's job; the title and concern stay the service writer's. Each refusal says
    why."""
    _, job, _, crew = _written(engine, {}, {
        "Brakes": ("approved", [], [("Sam Wrench", "")]),
        "Belt": ("approved", [], [("Al Piston", "")]),
    }, crew={"Sam Wrench": True, "Al Piston": True})
    uow.actor = wf.actor(engine, "sam", "Sam Wrench", Role.MECHANIC, crew["Sam Wrench"])
    detail = jobs.update_job(uow, job["Brakes"], jobs.JobData("Brakes", "", "Worn",
                                                              "Replaced"), 1)
    assert (detail.jobs[0].cause, detail.jobs[0].correction) == ("Worn", "Replaced")
    with pytest.raises(PermissionDenied) as refused:
        jobs.update_job(uow, job["Belt"], jobs.JobData("Belt", "", "Worn"), 2)
    assert str(refused.value) == ("Mechanics record findings only on the jobs they work "
                                  "on; \"Belt\" is not one of Sam Wrench's.")
    for words in (jobs.JobData("Brakes!", "", "Worn", "Replaced"),
                  jobs.JobData("Brakes", "Squeal", "Worn", "Replaced")):
        with pytest.raises(PermissionDenied) as refused:
            jobs.update_job(uow, job["Brakes"], words, 2)
        assert str(refused.value) == (
            "Mechanics record the cause and correction; the title and the customer's "
            "concern are the service writer's.")


def test_a_job_is_removed_with_its_own_lines_while_the_customer_has_not_decided(
    uow: UnitOfWork, engine: Engine
) -> None:
    """Removing a proposed job takes its parts and labour with it, and no other job's;
    a decided job stays, saying why; a job removed meanwhile is refused."""
    ticket, job, _, crew = _written(engine, {"PAD": 5, "BELT": 5}, {
        "Brakes": ("declined", [("PAD", 2, "")], [("Sam Wrench", "")]),
        "Belt": ("proposed", [("BELT", 1, ""), ("PAD", 1, "")],
                 [("Sam Wrench", ""), ("", "Fit")]),
    }, crew={"Sam Wrench": True})
    detail = jobs.remove_job(uow, job["Belt"], 1)
    assert [(j.title, [p.sku for p in j.parts], [m.mechanic_id for m in j.mechanics])
            for j in detail.jobs] == [("Brakes", ["PAD"], [crew["Sam Wrench"]])]
    assert (len(detail.parts), len(detail.mechanics)) == (1, 1)
    assert _said(uow, ticket) == [("job", "Ticket 1: removed job Belt")]
    assert _settings_rows(engine) == 1
    with pytest.raises(ValidationError) as caught:
        jobs.remove_job(uow, job["Brakes"], 2)
    assert caught.value.fields == {
        "job": "\"Brakes\" is declined: the customer's decision stays on the ticket. "
               "Decline it instead."}
    with pytest.raises(ValidationError) as caught:
        jobs.remove_job(uow, job["Belt"], 2)
    assert caught.value.fields == {
        "job": "That job was already removed at another desk; reload the ticket."}


def test_a_jobs_title_and_three_cs_are_checked_at_their_limits() -> None:
    """A title is needed, up to 200 characters; the concern, cause and correction up to
    10,000 each, every field refused with its own message; words at their limits are
    kept, cleaned."""

    def refused(data: jobs.JobData) -> dict[str, str]:
        with pytest.raises(ValidationError) as caught:
            jobs._check_job(data)
        return dict(caught.value.fields)

    long = "y" * 10_001
    assert refused(jobs.JobData(" \n ", long, long, long)) == {
        "title": "Give the job a title, e.g. \"Front brake pads and rotors\".",
        "concern": "Concern is too long (at most 10,000 characters).",
        "cause": "Cause is too long (at most 10,000 characters).",
        "correction": "Correction is too long (at most 10,000 characters).",
    }
    assert refused(jobs.JobData("x" * 201)) == {
        "title": "The title is too long (at most 200 characters)."}
    assert refused(jobs.JobData("x" * 200, correction=long)) == {
        "correction": "Correction is too long (at most 10,000 characters)."}
    most = "y" * 10_000
    assert jobs._check_job(jobs.JobData(" " + "x" * 200, most, most + " ", "\n" + most)) == {
        "title": "x" * 200, "concern": most, "cause": most, "correction": most}


def test_labour_is_checked_before_the_ticket_is_read() -> None:
    """Labour needs what it is (up to 200 characters) and a quarter-hour count of
    minutes, named after the operation."""

    def refused(operation: str, minutes: object) -> dict[str, str]:
        with pytest.raises(ValidationError) as caught:
            jobs.check_labour(operation, minutes)  # type: ignore[arg-type]
        return dict(caught.value.fields)

    assert refused(" ", 60) == {
        "operation": "Say what the labour is, e.g. \"Replace front pads and rotors\"."}
    assert refused("x" * 201, 60) == {
        "operation": "That is too long (at most 200 characters)."}
    assert refused(" Fit  belt", 10) == {
        "minutes": "Time for Fit belt must be in quarter hours (multiples of 15 minutes)."}
    assert refused("Fit belt", "60") == {
        "minutes": "Time for Fit belt must be a whole number of minutes."}
    assert jobs.check_labour(" " + "x" * 200, 15) == "x" * 200
    assert jobs.check_labour("  Fit   belt ", 0) == "Fit belt"


def test_labour_goes_on_the_job_chosen_at_the_shops_rate_and_is_audited(
    uow: UnitOfWork, engine: Engine
) -> None:
    """Labour before anyone is assigned goes on the job chosen (not the first), with its
    operation, at the shop's labour rate; the audit names the job, operation and hours.
    The shop's defaults it priced with are stored."""
    ticket, job, _, _ = _written(engine, {}, {"Brakes": ("approved", [], []),
                                              "Belt": ("approved", [], [])})
    detail = jobs.add_labour(uow, ticket, job["Belt"], " Fit   belt ", 90, 1)
    assert [[(m.mechanic_id, m.operation, m.minutes, m.hourly_rate) for m in j.mechanics]
            for j in detail.jobs] == [[], [(None, "Fit belt", 90, D("0.00"))]]
    assert _said(uow, ticket) == [("mechanics", "Ticket 1: Belt: labour Fit belt (1.5 h)")]
    assert _settings_rows(engine) == 1
    _refused_stale_then_cancelled(
        engine, ticket, 2, lambda v: jobs.add_labour(uow, ticket, job["Belt"], "Oil", 15, v))


def test_labour_is_given_to_an_active_mechanic_not_yet_on_the_job(
    uow: UnitOfWork, engine: Engine
) -> None:
    """Labour nobody has goes to an existing, active mechanic who has no time on that
    job yet (time on another job is no bar); each refusal says why; the audit says who
    was given what."""
    ticket, _, _, crew = _written(engine, {}, {
        "Brakes": ("approved", [], [("Sam Wrench", ""), ("", "Bleed")]),
        "Belt": ("approved", [], [("", "Fit belt")]),
    }, crew={"Sam Wrench": True, "Al Idle": False})
    sam, al = crew["Sam Wrench"], crew["Al Idle"]
    bleed, fit = (next(m.line_id for m in j.mechanics if m.mechanic_id is None)
                  for j in workflow.get_ticket_detail(uow, ticket).jobs)

    def refused(line: int, mechanic: int, version: int = 1) -> dict[str, str]:
        with pytest.raises(ValidationError) as caught:
            jobs.assign_labour(uow, line, mechanic, version)
        return dict(caught.value.fields)

    assert refused(bleed, sam) == {"mechanic": "Sam Wrench already has time on this job: "
                                               "book the hours there, or remove this line."}
    assert refused(fit, al) == {"mechanic": "Choose an active mechanic: Al Idle is inactive."}
    assert refused(fit, al + 1) == {
        "mechanic": "Choose an active mechanic: that one no longer exists."}
    assert refused(fit + bleed, sam) == {
        "mechanic": "That labour line was removed at another desk; reload the ticket."}
    detail = jobs.assign_labour(uow, fit, sam, 1)
    assert [(m.mechanic_id, m.operation, m.minutes) for m in detail.jobs[1].mechanics] == [
        (sam, "Fit belt", 60)]
    assert refused(fit, sam, 2) == {"mechanic": "That labour already has a mechanic."}
    assert _said(uow, ticket) == [
        ("mechanics", "Ticket 1: labour Fit belt given to Sam Wrench")]


def test_a_labour_line_is_removed_with_its_price_and_audited(
    uow: UnitOfWork, engine: Engine
) -> None:
    """Removing a labour line takes its price off the ticket; the audit names its
    operation, or its number when it has none (a mechanic's own line)."""
    ticket, _, _, _ = _written(engine, {}, {
        "Brakes": ("approved", [], [("Sam Wrench", ""), ("", "Bleed")])},
        crew={"Sam Wrench": True})
    sams, bleed = (m.line_id for m in workflow.get_ticket_detail(uow, ticket).mechanics)
    detail = jobs.remove_labour(uow, sams, 1)
    assert (detail.totals.labor, detail.totals.total) == (D("60.00"), D("60.00"))
    detail = jobs.remove_labour(uow, bleed, 2)
    assert (detail.mechanics, detail.totals.total) == ((), D("0.00"))
    assert _said(uow, ticket) == [("mechanics", f"Ticket 1: removed labour #{sams}"),
                                  ("mechanics", "Ticket 1: removed labour Bleed")]
    assert _settings_rows(engine) == 1
    with pytest.raises(ValidationError) as caught:
        jobs.remove_labour(uow, bleed, 3)
    assert caught.value.fields == {"mechanic": "That labour line was already removed at "
                                               "another desk; reload the ticket."}
