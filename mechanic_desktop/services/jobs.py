"""The jobs of a ticket and the customer's authorisation of them.

Each change is one write transaction that locks the ticket and checks the version the
desk read (``workflow._lock_ticket``), so two desks approving or declining the same job
cannot both win. Approving a job takes its parts from the shelf; declining or deferring
an approved job puts them back. An authorisation is only ever added, never edited.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Protocol

from mechanic_desktop.db.models import (
    Authorisation,
    AuthorisationJob,
    ServiceTicket,
    TicketJob,
    TicketMechanic,
)
from mechanic_desktop.db.repositories import StockRepository, WorkflowRepository
from mechanic_desktop.db.types import utcnow
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.errors import PermissionDenied, ShortStock, ValidationError
from mechanic_desktop.domain.jobs import (
    DECISIONS,
    MAX_TITLE,
    AuthorisationMethod,
    JobStatus,
    amount_after,
)
from mechanic_desktop.domain.money import money_text, parse_money
from mechanic_desktop.domain.permissions import Action, own_work_only
from mechanic_desktop.domain.records import ShopSettingsRecord, TicketDetail
from mechanic_desktop.domain.totals import hours_text
from mechanic_desktop.domain.validation import (
    MAX_TEXT,
    check_email,
    check_phone,
    clean_line,
    clean_text,
)
from mechanic_desktop.services.common import FieldErrors
from mechanic_desktop.services.permissions import require as require_permission
from mechanic_desktop.services.shop import settings_in
from mechanic_desktop.services.workflow import (
    _detail,
    _fold_ordered,
    _job_of,
    _lock_ticket,
    _put_on_order,
    _recompute,
    _save,
    _take,
    check_minutes,
)

MAX_NAME = 200
MAX_CONTACT = 254


@dataclass(frozen=True, slots=True)
class JobData:
    """A job's words as typed: the title and the three Cs."""

    title: str
    concern: str = ""
    cause: str = ""
    correction: str = ""


@dataclass(frozen=True, slots=True)
class AuthorisationData:
    """What the Record authorisation dialog sends: each decided job's decision, who
    gave it and how, and the amount the clerk read out (with tax)."""

    decisions: Mapping[int, JobStatus | str]
    authorised_by: str
    method: AuthorisationMethod | str
    amount: Decimal | str
    contact: str = ""
    authorised_at: datetime | None = None
    #: Approve even where the shelf is short: take what it has, order the rest.
    special_order: bool = False


class _OnTicket(Protocol):
    ticket_id: int


def _lock_owner(
    uow: UnitOfWork, row: _OnTicket | None, field: str, gone: str, expected_version: int
) -> ServiceTicket:
    """The ticket of a job or line the desk acted on, locked and version-checked; or the
    sentence for a row another desk removed meanwhile."""
    if row is None:
        raise ValidationError.single(field, gone)
    return _lock_ticket(uow, row.ticket_id, expected_version, lines=True)


def _check_job(data: JobData) -> dict[str, str]:
    errors = FieldErrors()
    title = clean_line(data.title)
    if not title:
        errors.add("title", "Give the job a title, e.g. \"Front brake pads and rotors\".")
    elif len(title) > MAX_TITLE:
        errors.add("title", f"The title is too long (at most {MAX_TITLE} characters).")
    values = {"title": title}
    for name in ("concern", "cause", "correction"):
        text = clean_text(getattr(data, name))
        if len(text) > MAX_TEXT:
            errors.add(name, f"{name.capitalize()} is too long (at most {MAX_TEXT:,} characters).")
        values[name] = text
    errors.raise_if_any()
    return values


def add_job(
    uow: UnitOfWork, ticket_id: int, data: JobData, expected_version: int
) -> TicketDetail:
    """Add a proposed job at the end of the ticket."""
    with uow.writing():
        require_permission(uow, Action.EDIT_TICKETS)
        values = _check_job(data)
        ticket = _lock_ticket(uow, ticket_id, expected_version, lines=True)
        repo = WorkflowRepository(uow.session)
        uow.session.add(TicketJob(
            ticket_id=ticket.id, position=repo.next_job_position(ticket.id),
            status=JobStatus.PROPOSED.value, **values,
        ))
        return _save(uow, ticket, "job", f"added job {values['title']}")


def update_job(
    uow: UnitOfWork, job_id: int, data: JobData, expected_version: int
) -> TicketDetail:
    """Save a job's words. A mechanic records the cause and correction of the jobs they
    work on, and nothing else; writers and administrators edit everything."""
    with uow.writing():
        actor = require_permission(uow, Action.RECORD_FINDINGS)
        values = _check_job(data)
        repo = WorkflowRepository(uow.session)
        ticket = _lock_owner(uow, repo.job(job_id), "title", "That job was removed at "
                             "another desk; reload the ticket.", expected_version)
        job = _job_of(uow, ticket, job_id)
        if actor is not None and own_work_only(actor.role):
            on_job = any(tm.mechanic_id == actor.mechanic_id and tm.job_id == job.id
                         for tm, _, _ in repo.mechanic_lines(ticket.id))
            if not on_job:
                raise PermissionDenied(
                    f"{actor.role.label}s record findings only on the jobs they work on; "
                    f"\"{job.title}\" is not one of {actor.full_name}'s."
                )
            if (values["title"], values["concern"]) != (job.title, job.concern):
                raise PermissionDenied(
                    f"{actor.role.label}s record the cause and correction; the title and "
                    "the customer's concern are the service writer's."
                )
        elif (values["title"], values["concern"]) != (job.title, job.concern):
            require_permission(uow, Action.EDIT_TICKETS)
        changed = [k for k, v in values.items() if getattr(job, k) != v]
        if not changed:
            return _detail(uow, ticket)
        for key in changed:
            setattr(job, key, values[key])
        return _save(uow, ticket, "job", f"{job.title}: {', '.join(changed)} changed")


def remove_job(uow: UnitOfWork, job_id: int, expected_version: int) -> TicketDetail:
    """Remove a job the customer never decided on, with its lines (none has left the
    shelf). A decided job stays: it is part of the customer's record."""
    with uow.writing():
        require_permission(uow, Action.EDIT_TICKETS)
        repo = WorkflowRepository(uow.session)
        ticket = _lock_owner(uow, repo.job(job_id), "job", "That job was already removed "
                             "at another desk; reload the ticket.", expected_version)
        job = _job_of(uow, ticket, job_id)
        if job.status != JobStatus.PROPOSED.value:
            raise ValidationError.single(
                "job", f"\"{job.title}\" is {JobStatus(job.status).label.lower()}: the "
                "customer's decision stays on the ticket. Decline it instead."
            )
        for tm, _, _ in repo.mechanic_lines(ticket.id):
            if tm.job_id == job.id:
                uow.session.delete(tm)
        for tp, _, _ in repo.part_lines(ticket.id):
            if tp.job_id == job.id:
                uow.session.delete(tp)
        uow.flush()
        uow.session.delete(job)
        _recompute(uow, ticket, settings_in(uow, create=True))
        return _save(uow, ticket, "job", f"removed job {job.title}")


def _check_authorisation(data: AuthorisationData) -> tuple[
    dict[int, JobStatus], str, AuthorisationMethod, str, Decimal | None
]:
    errors = FieldErrors()
    decisions: dict[int, JobStatus] = {}
    for job_id, decision in data.decisions.items():
        try:
            status = JobStatus(decision)
        except ValueError:
            status = JobStatus.PROPOSED
        if status not in DECISIONS:
            errors.add("jobs", f"'{decision}' is not a decision: approve, decline or defer.")
        decisions[job_id] = status
    if not decisions:
        errors.add("jobs", "Choose at least one job the customer approved, declined or "
                   "deferred.")
    name = clean_line(data.authorised_by)
    if not name:
        errors.add("authorised_by", "Say who authorised the work (the person's name).")
    elif len(name) > MAX_NAME:
        errors.add("authorised_by", f"The name is too long (at most {MAX_NAME} characters).")
    try:
        method = AuthorisationMethod(data.method)
    except ValueError:
        errors.add("method", "Say how the customer authorised: in person, phone, e-mail, "
                   "text message or signed paper.")
        method = AuthorisationMethod.IN_PERSON
    contact = clean_line(data.contact)
    if method.contact_label and not contact:
        errors.add("contact", f"{method.contact_label} used is needed for an authorisation "
                   f"by {method.label.lower()}.")
    elif contact and method in (AuthorisationMethod.PHONE, AuthorisationMethod.TEXT):
        contact, message = check_phone(contact)
        errors.add("contact", message)
    elif contact and method is AuthorisationMethod.EMAIL:
        checked, message = check_email(contact)
        errors.add("contact", message)
        contact = checked or contact
    if len(contact) > MAX_CONTACT:
        errors.add("contact", f"That is too long (at most {MAX_CONTACT} characters).")
    amount: Decimal | None = None
    try:
        amount = parse_money(data.amount, "Amount")
    except ValueError as exc:
        errors.add("amount", str(exc))
    errors.raise_if_any()
    return decisions, name, method, contact, amount


#: A time typed as "now" is not refused as future while the clerk finishes the dialog.
CLOCK_GRACE = timedelta(minutes=5)


def _authorised_when(typed: datetime | None, opened_at: datetime) -> datetime:
    """When the customer decided: ``typed`` (a phone call taken before it was recorded)
    or now; never later than now, never before the ticket was opened."""
    now = datetime.now(UTC)
    if typed is None:
        return now
    when = typed if typed.tzinfo is not None else typed.replace(tzinfo=UTC)
    if when > now + CLOCK_GRACE:
        raise ValidationError.single(
            "authorised_at", "That time is still to come: say when the customer decided.")
    opened = opened_at if opened_at.tzinfo is not None else opened_at.replace(tzinfo=UTC)
    if when < opened - CLOCK_GRACE:
        raise ValidationError.single(
            "authorised_at", "That is before the ticket was opened "
            f"({opened.astimezone().strftime('%Y-%m-%d %H:%M')}).")
    return when


def record_authorisation(
    uow: UnitOfWork, ticket_id: int, data: AuthorisationData, expected_version: int
) -> TicketDetail:
    """Record the customer's decision on some jobs and apply it in one transaction:
    approved jobs take their parts from the shelf (if one is short, nothing is
    recorded and :class:`ShortStock` names it — unless ``data.special_order``: then
    what the shelf has is taken and the rest put on special order), jobs no longer
    approved put theirs back (and wait for no special order), the
    totals follow, and the ticket's authorised amount becomes ``data.amount`` — which
    must be what the approved jobs now cost, as the clerk read it to the customer."""
    with uow.writing():
        require_permission(uow, Action.AUTHORISE_WORK)
        decisions, name, method, contact, amount = _check_authorisation(data)
        ticket = _lock_ticket(uow, ticket_id, expected_version, lines=True)
        when = _authorised_when(data.authorised_at, ticket.opened_at)
        repo, stock = WorkflowRepository(uow.session), StockRepository(uow.session)
        jobs = {j.id: j for j in repo.jobs(ticket.id)}
        missing = [job_id for job_id in decisions if job_id not in jobs]
        if missing:
            raise ValidationError.single("jobs", "A job you chose was removed at another "
                                         "desk; the ticket has been reloaded.")
        part_lines = repo.part_lines(ticket.id)
        settings = settings_in(uow, create=True)
        detail_before = _detail(uow, ticket)
        expected = amount_after(detail_before, decisions, settings.tax_rules)
        if amount != expected:
            raise ValidationError.single(
                "amount", f"The approved work now comes to {money_text(expected)}, not "
                f"{money_text(amount or Decimal(0))}: the ticket changed since the amount "
                "was read out. Read the new amount to the customer."
            )
        moved = []
        ordered = {(tp.job_id, tp.part_id): tp for tp, _, _ in part_lines if tp.ordered}
        approving = [(tp, sku) for tp, sku, _ in part_lines
                     if decisions.get(tp.job_id) is JobStatus.APPROVED
                     and not tp.taken and not tp.ordered]
        on_hand = stock.snapshots([tp.part_id for tp, _ in approving])
        wanted: dict[int, int] = {}
        for tp, _ in approving:
            wanted[tp.part_id] = wanted.get(tp.part_id, 0) + tp.quantity
        short = {p: (on_hand[p].sku, max(0, on_hand[p].quantity_on_hand), n)
                 for p, n in wanted.items() if on_hand[p].quantity_on_hand < n}
        if short and not data.special_order:
            raise ShortStock(short)
        for line, sku, _ in sorted(part_lines, key=lambda r: (r[0].part_id, r[0].id)):
            decision = decisions.get(line.job_id)
            if decision is None or line.ordered:
                continue
            if decision is JobStatus.APPROVED and not line.taken:
                left = max(0, stock.snapshots([line.part_id])[line.part_id].quantity_on_hand)
                from_shelf = min(left, line.quantity)
                rest = line.quantity - from_shelf
                if from_shelf:
                    _take(uow, stock, ticket, line.part_id, sku, from_shelf)
                    moved.append(f"took {from_shelf} × {sku}")
                if rest:
                    moved.append(f"{rest} × {sku} on special order")
                    sibling = ordered.get((line.job_id, line.part_id))
                    if not from_shelf:  # all of it waits: the line is the order
                        if sibling is None:
                            line.ordered = True
                        else:
                            sibling.quantity += rest
                            uow.session.delete(line)
                        continue
                    line.quantity = from_shelf
                    _put_on_order(uow, line, sibling, rest)
                line.taken = True
            elif decision is not JobStatus.APPROVED and line.taken:
                stock.put(line.part_id, line.quantity)
                stock.record(line.part_id, line.quantity, "return", ticket_id=ticket.id,
                             staff_user_id=uow.actor_id)
                line.taken = False
                moved.append(f"returned {line.quantity} × {sku}")
        _fold_ordered(uow, [tp for tp, _, _ in part_lines
                            if decisions.get(tp.job_id, JobStatus.APPROVED)
                            is not JobStatus.APPROVED])
        job_totals = {j.id: j.totals.total for j in detail_before.jobs}
        auth = Authorisation(
            ticket_id=ticket.id, amount=amount, authorised_by=name, method=method.value,
            contact=contact, authorised_at=when,
            recorded_by=uow.actor_id, recorded_at=utcnow(),
        )
        uow.session.add(auth)
        uow.flush()
        for job_id, decision in decisions.items():
            jobs[job_id].status = decision.value
            uow.session.add(AuthorisationJob(
                authorisation_id=auth.id, job_id=job_id, decision=decision.value,
                job_total=job_totals[job_id],
            ))
        ticket.authorised_total = amount
        _recompute(uow, ticket, settings)
        said = "; ".join(f"{jobs[j].title} {d.value}" for j, d in decisions.items())
        summary = (f"authorised by {name} ({method.label.lower()}) for "
                   f"{money_text(amount)}: {said}")
        if moved:
            summary += "; " + ", ".join(moved)
        return _save(uow, ticket, "authorise", summary)


# --- labour lines nobody is assigned to yet ------------------------------------------------


def add_labour(
    uow: UnitOfWork,
    ticket_id: int,
    job_id: int,
    operation: str,
    minutes: int,
    expected_version: int,
) -> TicketDetail:
    """Put labour on a job before anyone is assigned to it (e.g. "Replace front pads,
    1.5 h"): billed at the shop's labour rate until it is given to a mechanic."""
    with uow.writing():
        require_permission(uow, Action.ASSIGN_WORK)
        text = check_labour(operation, minutes)
        ticket = _lock_ticket(uow, ticket_id, expected_version, lines=True)
        job = _job_of(uow, ticket, job_id)
        settings = settings_in(uow, create=True)
        _put_unassigned_labour(uow, job, text, minutes, settings)
        _recompute(uow, ticket, settings)
        return _save(uow, ticket, "mechanics",
                     f"{job.title}: labour {text} ({hours_text(minutes)} h)")


def check_labour(operation: str, minutes: int) -> str:
    """The operation text of a labour line, cleaned; refused with the field's message
    when it is empty or too long, or the minutes are not a quarter-hour count."""
    text = clean_line(operation)
    if not text:
        raise ValidationError.single("operation", "Say what the labour is, e.g. "
                                     "\"Replace front pads and rotors\".")
    if len(text) > MAX_TITLE:
        raise ValidationError.single(
            "operation", f"That is too long (at most {MAX_TITLE} characters).")
    _, message = check_minutes(minutes, text)
    if message:
        raise ValidationError.single("minutes", message)
    return text


def _put_unassigned_labour(
    uow: UnitOfWork, job: TicketJob, operation: str, minutes: int,
    settings: ShopSettingsRecord,
) -> None:
    """Add a labour line nobody is assigned to yet on ``job`` (inside the caller's
    locked write), billed at the shop's labour rate of today."""
    uow.session.add(TicketMechanic(
        ticket_id=job.ticket_id, job_id=job.id, mechanic_id=None, operation=operation,
        minutes=minutes, hourly_rate=settings.labor_rate,
    ))


def assign_labour(
    uow: UnitOfWork, line_id: int, mechanic_id: int, expected_version: int
) -> TicketDetail:
    """Give a labour line nobody has yet to a mechanic; it keeps its hours and rate (the
    price the customer was shown)."""
    with uow.writing():
        require_permission(uow, Action.ASSIGN_WORK)
        repo = WorkflowRepository(uow.session)
        line = repo.labour_line(line_id)
        ticket = _lock_owner(uow, line, "mechanic", "That labour line was removed at "
                             "another desk; reload the ticket.", expected_version)
        assert line is not None
        if line.mechanic_id is not None:
            raise ValidationError.single("mechanic", "That labour already has a mechanic.")
        mechanic = uow.mechanics.get(mechanic_id)
        if mechanic is None or not mechanic.active:
            raise ValidationError.single(
                "mechanic", "Choose an active mechanic: "
                + ("that one no longer exists." if mechanic is None
                   else f"{mechanic.name} is inactive."))
        if any(tm.job_id == line.job_id and tm.mechanic_id == mechanic_id
               for tm, _, _ in repo.mechanic_lines(ticket.id)):
            raise ValidationError.single(
                "mechanic", f"{mechanic.name} already has time on this job: book the "
                "hours there, or remove this line.")
        line.mechanic_id = mechanic_id
        return _save(uow, ticket, "mechanics",
                     f"labour {line.operation or '#' + str(line.id)} given to {mechanic.name}")


def remove_labour(uow: UnitOfWork, line_id: int, expected_version: int) -> TicketDetail:
    """Remove a labour line (a mechanic's lines are removed by unticking them in
    Assign mechanics, this removes any one line)."""
    with uow.writing():
        require_permission(uow, Action.ASSIGN_WORK)
        repo = WorkflowRepository(uow.session)
        line = repo.labour_line(line_id)
        ticket = _lock_owner(uow, line, "mechanic", "That labour line was already removed "
                             "at another desk; reload the ticket.", expected_version)
        assert line is not None
        what = line.operation or f"#{line.id}"
        uow.session.delete(line)
        _recompute(uow, ticket, settings_in(uow, create=True))
        return _save(uow, ticket, "mechanics", f"removed labour {what}")
