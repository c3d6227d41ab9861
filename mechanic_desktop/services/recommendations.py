"""Recommended work on a vehicle: the jobs a customer declined or deferred.

A declined or deferred job stays recommended until a job on a later ticket for the same
vehicle takes it up (``ticket_jobs.follow_up_of``; removing that proposed job opens the
recommendation again) or the customer says no for good (``dismiss_recommendation``).
The ticket editor offers a vehicle's open recommendations; the follow-up report lists
all of them, oldest first, with the customer's phone number.

Taking one up is one write transaction on the ticket it goes on (locked, its version
checked, as every ticket write) that also locks the recommended job: two desks adding
it to two tickets, or one adding while another dismisses it, are served one after the
other and the second is refused, naming what happened (a unique index on
``follow_up_of`` is the database's own guard behind that).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    exists,
    func,
    literal_column,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.orm import aliased

from mechanic_desktop.db.models import (
    Authorisation,
    AuthorisationJob,
    Customer,
    ServiceTicket,
    StaffUser,
    TicketJob,
    TicketPart,
    Vehicle,
)
from mechanic_desktop.db.repositories import StockRepository, WorkflowRepository
from mechanic_desktop.db.types import Money, utcnow
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.errors import ValidationError
from mechanic_desktop.domain.formatting import phone_text
from mechanic_desktop.domain.jobs import JobStatus
from mechanic_desktop.domain.permissions import Action
from mechanic_desktop.domain.records import TicketDetail
from mechanic_desktop.services import audit
from mechanic_desktop.services.common import constraint_errors
from mechanic_desktop.services.jobs import _put_unassigned_labour
from mechanic_desktop.services.permissions import require as require_permission
from mechanic_desktop.services.reports import Column, _vehicle_title
from mechanic_desktop.services.shop import settings_in
from mechanic_desktop.services.workflow import _lock_ticket, _recompute, _save

#: Most rows one page of the follow-up report holds.
FOLLOW_UP_LIMIT = 500
ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class Recommendation:
    """A declined or deferred job of an earlier ticket, still recommended."""

    job_id: int
    #: JobStatus value: "declined" or "deferred".
    status: str
    #: When the customer declined or deferred it (their latest decision on it).
    decided_at: datetime
    title: str
    concern: str
    #: The job's total with tax when it was decided: what the customer was quoted.
    total: Decimal
    ticket_id: int
    #: The ticket as the shop prints it, e.g. "RO-12".
    ticket_label: str


@dataclass(frozen=True, slots=True)
class FollowUp:
    """A row of the follow-up report: a recommendation and whom to call about it."""

    job_id: int
    status: str
    decided_at: datetime
    title: str
    total: Decimal
    ticket_id: int
    ticket_label: str
    customer_id: int
    customer_name: str
    #: Formatted for reading out ("(555) 123-4567"); empty when none is on file.
    phone: str
    vehicle: str
    age_days: float


@dataclass(frozen=True, slots=True)
class FollowUpReport:
    """One page of open recommendations, oldest first, and the size of the whole list."""

    rows: tuple[FollowUp, ...]
    #: Where the next page starts (None: this is the last).
    next_cursor: tuple[datetime, int] | None
    open_count: int
    open_value: Decimal


# --- what "open" means, in SQL -----------------------------------------------------------

_FollowUpJob = aliased(TicketJob, name="follow_up_job")


def _is_open() -> ColumnElement[bool]:
    """Declined or deferred, not dismissed, not taken up. The status values are written
    into the SQL (not bound), so both backends match the partial index
    ``ix_ticket_jobs_recommended``."""
    return and_(
        TicketJob.status.in_([literal_column(f"'{JobStatus.DECLINED.value}'"),
                              literal_column(f"'{JobStatus.DEFERRED.value}'")]),
        TicketJob.dismissed_at.is_(None),
        ~exists().where(_FollowUpJob.follow_up_of == TicketJob.id),
    )


def _open_query() -> Select[*tuple[Any, ...]]:
    """Open recommendations with when and at what total they were last decided."""
    latest = (
        select(func.max(AuthorisationJob.authorisation_id))
        .where(AuthorisationJob.job_id == TicketJob.id)
        .correlate(TicketJob)
        .scalar_subquery()
    )
    decided_at = func.coalesce(Authorisation.authorised_at, TicketJob.updated_at)
    return (
        select(TicketJob.id.label("job_id"), TicketJob.status, decided_at.label("decided_at"),
               TicketJob.title, TicketJob.concern, AuthorisationJob.job_total,
               ServiceTicket.id.label("ticket_id"), ServiceTicket.number,
               ServiceTicket.vehicle_id, ServiceTicket.customer_id)
        .join(ServiceTicket, ServiceTicket.id == TicketJob.ticket_id)
        .outerjoin(AuthorisationJob, and_(AuthorisationJob.job_id == TicketJob.id,
                                          AuthorisationJob.authorisation_id == latest))
        .outerjoin(Authorisation, Authorisation.id == AuthorisationJob.authorisation_id)
        .where(_is_open())
    )


def _vehicle_open(uow: UnitOfWork, vehicle_id: int) -> list[Recommendation]:
    found = _open_query().where(ServiceTicket.vehicle_id == vehicle_id).subquery()
    rows = uow.session.execute(
        select(found).order_by(found.c.decided_at.desc(), found.c.job_id.desc())
    ).all()
    settings = settings_in(uow, create=False)
    return [
        Recommendation(r.job_id, r.status, r.decided_at, r.title, r.concern,
                       r.job_total if r.job_total is not None else ZERO, r.ticket_id,
                       settings.ticket_label(r.number))
        for r in rows
    ]


# --- reading -----------------------------------------------------------------------------


def vehicle_recommendations(uow: UnitOfWork, vehicle_id: int) -> list[Recommendation]:
    """The vehicle's open recommendations, newest first."""
    with uow:
        return _vehicle_open(uow, vehicle_id)


def follow_up_calls(
    uow: UnitOfWork,
    cursor: Sequence[Any] | None = None,
    limit: int = FOLLOW_UP_LIMIT,
    now: datetime | None = None,
) -> FollowUpReport:
    """Every open recommendation, oldest first (the longest waiting for a call), with
    the customer's name and phone and the vehicle; a page of at most ``limit`` rows
    after ``cursor`` (a previous page's ``next_cursor``)."""
    moment = now or utcnow()
    with uow:
        require_permission(uow, Action.VIEW_REPORTS)
        found = _open_query().subquery()
        summary = uow.session.execute(
            select(func.count(), type_coerce(func.sum(found.c.job_total), Money))
        ).one()
        query = (
            select(found, Customer.name, Customer.phone, _vehicle_title())
            .join(Customer, Customer.id == found.c.customer_id)
            .join(Vehicle, Vehicle.id == found.c.vehicle_id)
            .order_by(found.c.decided_at, found.c.job_id)
            .limit(limit + 1)
        )
        if cursor is not None:
            after, job_id = cursor
            query = query.where(or_(
                found.c.decided_at > after,
                and_(found.c.decided_at == after, found.c.job_id > job_id),
            ))
        rows = uow.session.execute(query).all()
        settings = settings_in(uow, create=False)
    more = len(rows) > limit
    rows = rows[:limit]
    page = tuple(
        FollowUp(r.job_id, r.status, r.decided_at, r.title,
                 r.job_total if r.job_total is not None else ZERO, r.ticket_id,
                 settings.ticket_label(r.number), r.customer_id, r[10], phone_text(r[11]),
                 r[12], (moment - r.decided_at).total_seconds() / 86400)
        for r in rows
    )
    next_cursor = (page[-1].decided_at, page[-1].job_id) if more and page else None
    return FollowUpReport(page, next_cursor, int(summary[0]), summary[1] or ZERO)


# --- writing -----------------------------------------------------------------------------


def _locked_recommendation(uow: UnitOfWork, job_id: int) -> tuple[TicketJob, ServiceTicket]:
    """The recommended job, row-locked until the transaction ends (PostgreSQL; SQLite's
    BEGIN IMMEDIATE already serialises writers), and its ticket; refused, saying what
    became of it, unless it is still open."""
    job = uow.session.scalar(
        select(TicketJob).where(TicketJob.id == job_id).with_for_update()
    )
    if job is None:
        raise ValidationError.single("recommendation", "That recommendation no longer "
                                     "exists; the list has been refreshed.")
    origin = uow.session.get(ServiceTicket, job.ticket_id)
    assert origin is not None
    settings = settings_in(uow, create=False)
    where = f"“{job.title}” (ticket {settings.ticket_label(origin.number)})"
    taken = uow.session.execute(
        select(ServiceTicket.number)
        .join(TicketJob, TicketJob.ticket_id == ServiceTicket.id)
        .where(TicketJob.follow_up_of == job.id)
    ).scalar()
    if taken is not None:
        raise ValidationError.single(
            "recommendation", f"{where} was already added to ticket "
            f"{settings.ticket_label(taken)}, perhaps at another desk.")
    if job.dismissed_at is not None:
        who = uow.session.scalar(
            select(StaffUser.full_name).where(StaffUser.id == job.dismissed_by))
        by = f" by {who}" if who else ""
        raise ValidationError.single(
            "recommendation", f"{where} was dismissed{by} on "
            f"{job.dismissed_at.astimezone():%Y-%m-%d}: the customer does not want it.")
    if job.status not in (JobStatus.DECLINED.value, JobStatus.DEFERRED.value):
        raise ValidationError.single(
            "recommendation", f"{where} is {JobStatus(job.status).label.lower()} now, "
            "not declined or deferred: there is nothing left to recommend.")
    return job, origin


def add_recommended_job(
    uow: UnitOfWork, ticket_id: int, job_id: int, expected_version: int
) -> TicketDetail:
    """Add a declined or deferred job of an earlier ticket for the same vehicle to this
    ticket as a proposed job, and close the recommendation, in one transaction.

    The new job has the old one's title and concern; its parts come at today's prices
    (nothing is taken from the shelf until the customer approves), and its labour keeps
    the old hours as labour nobody is assigned to yet, at today's shop labour rate. A
    labour line with no time booked is left out.
    """
    with uow.writing():
        require_permission(uow, Action.EDIT_TICKETS)
        require_permission(uow, Action.ASSIGN_WORK)
        ticket = _lock_ticket(uow, ticket_id, expected_version, lines=True)
        source, origin = _locked_recommendation(uow, job_id)
        settings = settings_in(uow, create=True)
        old = settings.ticket_label(origin.number)
        if origin.id == ticket.id:
            raise ValidationError.single(
                "recommendation", f"“{source.title}” is on this ticket already: record the "
                "customer's new decision on it (Approve…) instead.")
        if origin.vehicle_id != ticket.vehicle_id:
            raise ValidationError.single(
                "recommendation", f"“{source.title}” was recommended for another vehicle "
                f"(ticket {old}); it cannot go on this ticket.")
        repo = WorkflowRepository(uow.session)
        job = TicketJob(
            ticket_id=ticket.id, position=repo.next_job_position(ticket.id),
            title=source.title, concern=source.concern, status=JobStatus.PROPOSED.value,
            follow_up_of=source.id,
        )
        uow.session.add(job)
        with constraint_errors():
            uow.flush()
        for line, _, _ in repo.mechanic_lines(origin.id):
            if line.job_id == source.id and line.minutes > 0:
                _put_unassigned_labour(uow, job, line.operation or source.title,
                                       line.minutes, settings)
        lines = [tp for tp, _, _ in repo.part_lines(origin.id) if tp.job_id == source.id]
        prices = StockRepository(uow.session).snapshots([tp.part_id for tp in lines])
        for tp in lines:
            uow.session.add(TicketPart(
                ticket_id=ticket.id, job_id=job.id, part_id=tp.part_id,
                quantity=tp.quantity, unit_price=prices[tp.part_id].unit_price, taken=False,
            ))
        _recompute(uow, ticket, settings)
        return _save(uow, ticket, "job",
                     f"added job {source.title}, recommended on ticket {old} "
                     f"({JobStatus(source.status).label.lower()} there)")


def dismiss_recommendation(uow: UnitOfWork, job_id: int) -> list[Recommendation]:
    """The customer does not want the recommended work, for good: it is no longer
    offered or listed. Hands back the vehicle's remaining recommendations."""
    with uow.writing():
        require_permission(uow, Action.EDIT_TICKETS)
        job, origin = _locked_recommendation(uow, job_id)
        job.dismissed_at = utcnow()
        job.dismissed_by = uow.actor_id
        label = settings_in(uow, create=False).ticket_label(origin.number)
        audit.record(uow, "dismiss", "ticket", origin.id,
                     f"Ticket {origin.number}: recommended job {job.title} dismissed "
                     f"(was {job.status} on {label})")
        with constraint_errors():
            uow.flush()
            remaining = _vehicle_open(uow, origin.vehicle_id)
            uow.commit()
        return remaining


#: How the follow-up report is shown and exported (Reports → Follow-up calls).
FOLLOW_UP_COLUMNS = (
    Column("Decided", lambda r: r.decided_at, "date"),
    Column("Age (days)", lambda r: int(r.age_days), "int"),
    Column("Customer", lambda r: r.customer_name),
    Column("Phone", lambda r: r.phone),
    Column("Vehicle", lambda r: r.vehicle),
    Column("Job", lambda r: r.title),
    Column("Decision", lambda r: JobStatus(r.status).label),
    Column("Quoted", lambda r: r.total, "money"),
    Column("Ticket", lambda r: r.ticket_label),
)
