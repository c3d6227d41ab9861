"""The ticket workflow: mechanics and their time, parts taken from stock, the status
lifecycle, and the totals that follow from them.

Every change to a ticket runs in one write transaction that locks the ticket row first
(PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers), checks the version the
desk read, changes the lines and the stock ledger together, recomputes the totals and
bumps the version; so stock is consumed exactly once and no desk overwrites another's
work unseen.

Saving the shop settings lives here too (``update_settings``): a change of tax rules
re-prices the tickets still being worked on in the same transaction.

Cancelling keeps the ticket's lines as the record of what the job involved and returns
every part to stock with 'cancel' movements; a cancelled ticket is final (its parts are
back on the shelf; open a new ticket to resume the work).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from itertools import chain

from sqlalchemy import select

from mechanic_desktop.db import ticket_loading
from mechanic_desktop.db.models import (
    Authorisation,
    LineDiscount,
    ServiceTicket,
    TicketFee,
    TicketJob,
    TicketMechanic,
    TicketPart,
)
from mechanic_desktop.db.repositories import (
    PartSnapshot,
    StockRepository,
    WorkflowRepository,
    snapshots_of,
    snapshots_statement,
)
from mechanic_desktop.db.types import utcnow
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.discounts import Discount
from mechanic_desktop.domain.errors import (
    PermissionDenied,
    ShortStock,
    StaleRecord,
    ValidationError,
)
from mechanic_desktop.domain.jobs import JobStatus, authorisation_needed
from mechanic_desktop.domain.markup import sell_price
from mechanic_desktop.domain.money import money_text
from mechanic_desktop.domain.permissions import Action, may_book_time, may_work_on, own_work_only
from mechanic_desktop.domain.records import (
    AuthorisationRecord,
    FeeLineRecord,
    JobRecord,
    LineRecord,
    MechanicLineRecord,
    PartLineRecord,
    ShopSettingsRecord,
    TicketDetail,
    lines_totals,
)
from mechanic_desktop.domain.staff import Actor
from mechanic_desktop.domain.status import ACTIVE_STATUSES, ALLOWED_TRANSITIONS, TicketStatus
from mechanic_desktop.domain.totals import (
    MAX_MINUTES,
    MINUTES_STEP,
    Totals,
    hours_text,
    labor_line,
    parts_line,
)
from mechanic_desktop.domain.validation import clean_text
from mechanic_desktop.services import audit, invoicing
from mechanic_desktop.services.common import constraint_errors, require, stale
from mechanic_desktop.services.permissions import account_pending, hold_account
from mechanic_desktop.services.permissions import require as require_permission
from mechanic_desktop.services.shop import (
    ShopSettingsData,
    fee_rules_in,
    fee_rules_pending,
    hold_fee_rules,
    settings_in,
    store_settings,
    ticket_label,
)
from mechanic_desktop.services.ticket_records import ticket_record

#: Most units of one part on one ticket line.
MAX_LINE_QUANTITY = 10_000
MAX_REASON = 500


def allowed_next_statuses(status: str | TicketStatus) -> tuple[TicketStatus, ...]:
    """Statuses a ticket in ``status`` may move to, in lifecycle order (for the UI)."""
    allowed = ALLOWED_TRANSITIONS[TicketStatus(status)]
    return tuple(s for s in TicketStatus if s in allowed)


# --- reading ----------------------------------------------------------------------------


def get_ticket_detail(uow: UnitOfWork, ticket_id: int) -> TicketDetail:
    """The ticket with its mechanic and part lines, totals and next statuses."""
    with uow.reading():
        # One exchange with the server for all of it (db/ticket_loading.py).
        held = ticket_loading.load(uow.session, ticket_id, lock=False)
        return _detail(uow, require(held.ticket, "Ticket", ticket_id))


_Lines = ticket_loading.Lines
#: ``session.info`` key: the ticket whose version this transaction already bumped (an
#: invoice is posted from it), so ``_save`` adds no second UPDATE of it.
_BUMPED = "workflow.bumped"


def _lines(uow: UnitOfWork, ticket_id: int) -> _Lines:
    """The ticket's jobs and lines: read once per transaction and then kept current by
    this transaction's own changes (db/ticket_loading.py), so a write does not read
    again what it already holds."""
    held = ticket_loading.lines(uow.session, ticket_id)
    if held is not None:
        return held
    repo = WorkflowRepository(uow.session)
    read: _Lines = (repo.jobs(ticket_id), repo.mechanic_lines(ticket_id),
                    repo.part_lines(ticket_id), repo.fee_lines(ticket_id))
    ticket_loading.hold_lines(uow.session, ticket_id, read)
    return read


def discount_of(row: LineDiscount) -> Discount | None:
    """The discount a line (or a ticket's discount row) carries, if any."""
    if row.discount_percent is None and row.discount_amount is None:
        return None
    return Discount(row.discount_percent, row.discount_amount, row.discount_reason)


def _records(lines: _Lines) -> tuple[
    tuple[MechanicLineRecord, ...], tuple[PartLineRecord, ...], tuple[FeeLineRecord, ...]
]:
    """The ticket's labour, parts and fee lines as records (amounts rounded once)."""
    _, labour_rows, part_rows, fee_rows = lines
    mechanics = tuple(
        MechanicLineRecord(
            tm.mechanic_id, name, tm.minutes, tm.hourly_rate,
            labor_line(tm.minutes, tm.hourly_rate), active, tm.job_id, tm.operation, tm.id,
            tm.taxable, discount_of(tm),
        )
        for tm, name, active in labour_rows
    )
    parts = tuple(
        PartLineRecord(
            tp.id, tp.part_id, sku, name, tp.quantity, tp.unit_price,
            parts_line(tp.quantity, tp.unit_price), tp.job_id, tp.taken, tp.ordered,
            tp.taxable, discount_of(tp),
        )
        for tp, sku, name in part_rows
    )
    fees = tuple(
        FeeLineRecord(f.id, f.job_id, f.description, f.amount, f.taxable, discount_of(f),
                      f.automatic)
        for f in fee_rows
    )
    return mechanics, parts, fees


def _sync_automatic_fees(uow: UnitOfWork, ticket: ServiceTicket, lines: _Lines) -> bool:
    """Make each job with work on it carry the shop's automatic fees at today's amounts
    (a percentage of the job's labour or parts, capped); whether a line changed. A fee
    line keeps its taxable flag and discount once put on."""
    rules = [r for r in fee_rules_in(uow) if r.automatic]
    jobs, labour, parts, fees = lines
    existing = {(f.job_id, f.description): f for f in fees if f.automatic}
    if not rules and not existing:
        return False
    wanted: dict[tuple[int, str], tuple[Decimal, bool]] = {}
    for job in jobs:
        job_labour = sum((labor_line(tm.minutes, tm.hourly_rate) for tm, _, _ in labour
                          if tm.job_id == job.id), Decimal("0.00"))
        job_parts = sum((parts_line(tp.quantity, tp.unit_price) for tp, _, _ in parts
                         if tp.job_id == job.id), Decimal("0.00"))
        if not job_labour and not job_parts:
            continue  # no work on it (yet)
        for rule in rules:
            amount = rule.amount_for(job_labour, job_parts)
            if amount > 0:
                wanted[(job.id, rule.name)] = (amount, rule.taxable)
    changed = False
    for key, line in existing.items():
        if key not in wanted:
            uow.session.delete(line)
            changed = True
        elif line.amount != wanted[key][0]:
            line.amount = wanted[key][0]
            changed = True
    for (job_id, name), (amount, taxable) in wanted.items():
        if (job_id, name) not in existing:
            uow.session.add(TicketFee(ticket_id=ticket.id, job_id=job_id, description=name,
                                      amount=amount, taxable=taxable, automatic=True))
            changed = True
    return changed


#: ``session.info`` key of the ticket discount read in this transaction: (ticket id,
#: discount). A write of the discount (``services.discounts``) drops it.
TICKET_DISCOUNT = "workflow.ticket_discount"


def _ticket_discount(uow: UnitOfWork, ticket_id: int) -> Discount | None:
    """The ticket's discount, read once per transaction (most tickets have none, and a
    missing row would be looked up again on every read)."""
    cached = uow.session.info.get(TICKET_DISCOUNT)
    if cached is not None and cached[0] == ticket_id:
        return cached[1]  # type: ignore[no-any-return]
    row = WorkflowRepository(uow.session).ticket_discount(ticket_id)
    discount = discount_of(row) if row is not None else None
    uow.session.info[TICKET_DISCOUNT] = (ticket_id, discount)
    return discount


def _detail(uow: UnitOfWork, ticket: ServiceTicket) -> TicketDetail:
    settings = settings_in(uow, create=False)
    lines = _lines(uow, ticket.id)
    job_rows = lines[0]
    mechanics, parts, fees = _records(lines)
    discount = _ticket_discount(uow, ticket.id)
    rules = settings.tax_rules
    every_line: tuple[LineRecord, ...] = (*mechanics, *parts, *fees)

    def totals_of(job_ids: set[int]) -> Totals:
        return lines_totals((line for line in every_line if line.job_id in job_ids), rules)

    rows = job_rows
    jobs = tuple(
        JobRecord(
            j.id, j.position, j.title, j.concern, j.cause, j.correction, j.status, j.version,
            tuple(m for m in mechanics if m.job_id == j.id),
            tuple(p for p in parts if p.job_id == j.id),
            totals_of({j.id}),
            tuple(f for f in fees if f.job_id == j.id),
        )
        for j in rows
    )
    estimate = lines_totals(
        (line for line in every_line if line.job_id in
         {j.id for j in rows if j.status in _ESTIMATED}), rules, discount)
    approved = lines_totals(
        (line for line in every_line if line.job_id in
         {j.id for j in rows if JobStatus(j.status).counts}), rules, discount)
    authorisations = tuple(
        AuthorisationRecord(
            a.id, a.authorised_at, a.authorised_by, a.method, a.contact, a.amount,
            recorded_by or "", tuple(decisions),
        )
        for a, recorded_by, decisions in _authorisations(uow, ticket.id)
    )
    status = TicketStatus(ticket.status)
    needed = (
        authorisation_needed(
            ticket.total, ticket.authorised_total, settings.authorisation_tolerance
        )
        if status.is_active else Decimal("0.00")
    )
    vehicle, customer = ticket.vehicle, ticket.customer
    return TicketDetail(
        ticket=ticket_record(ticket),
        vehicle_vin=vehicle.vin,
        customer_phone=customer.phone,
        customer_address=customer.address,
        mechanics=mechanics,
        parts=parts,
        # As stored (a finished ticket keeps the tax of its day); fees and discounts
        # follow from the lines alone.
        totals=Totals(
            ticket.parts_total, ticket.labor_total, ticket.tax_total, ticket.total,
            approved.fees, approved.discount,
        ),
        allowed_next=tuple(s.value for s in allowed_next_statuses(status)),
        editable=status.is_active,
        reopenable=status in (TicketStatus.COMPLETED, TicketStatus.CLOSED),
        jobs=jobs,
        authorisations=authorisations,
        authorised_total=ticket.authorised_total,
        authorisation_needed=needed,
        estimate=estimate,
        billing=invoicing.billing_in(uow, ticket),
        fees=fees,
        discount=discount,
    )


def _authorisations(
    uow: UnitOfWork, ticket_id: int
) -> list[tuple[Authorisation, str | None, list[tuple[str, str]]]]:
    """The ticket's authorisations: as read with the ticket in this transaction when
    none changed since, else from the database."""
    held = ticket_loading.authorisations(uow.session, ticket_id)
    if held is not None:
        return held
    return WorkflowRepository(uow.session).authorisations(ticket_id)


#: Jobs an estimate prices (declined and deferred ones print apart, without a total).
_ESTIMATED = (JobStatus.PROPOSED.value, JobStatus.APPROVED.value)


# --- shared steps of every write ----------------------------------------------------------


def _own_ticket_only(
    uow: UnitOfWork, actor: Actor | None, ticket: ServiceTicket, doing: str
) -> None:
    """Refuse a mechanic's work on a ticket that is not assigned to them."""
    if actor is None or not own_work_only(actor.role):
        return
    assigned = {tm.mechanic_id for tm, _, _ in _lines(uow, ticket.id)[1]
                if tm.mechanic_id is not None}
    if not may_work_on(actor.role, actor.mechanic_id, assigned):
        raise PermissionDenied(
            f"{actor.role.label}s can {doing} only the tickets assigned to them; ticket "
            f"{ticket_label(uow, ticket.number)} is not assigned to {actor.full_name}."
        )


def _lock_ticket(
    uow: UnitOfWork,
    ticket_id: int,
    expected_version: int | None,
    *,
    lines: bool,
    seen_status: str | None = None,
    action: Action | None = None,
    part_ids: Sequence[int] = (),
) -> ServiceTicket:
    """Lock the ticket, refuse a stale copy, and (``lines``) refuse a finished ticket.

    The locked ticket comes with everything its detail shows, the signed-in account
    (checked for ``action`` before anything else), the shop's fee rules and the parts a
    write puts on (``part_ids``): one exchange with the server (db/ticket_loading.py).

    A copy is stale when its version is not the ticket's, or — for a desk that acts on a
    list row, which holds no version — when the status it showed (``seen_status``) is no
    longer the ticket's.
    """
    ticket_or_none = ticket_loading.locked_ticket(uow.session, ticket_id)
    if ticket_or_none is None:
        extra = {"account": account_pending(uow), "fee_rules": fee_rules_pending(uow),
                 "parts": snapshots_statement(part_ids) if part_ids else None,
                 "audit_id": audit.audit_id_pending(uow)}
        held = ticket_loading.load(uow.session, ticket_id, lock=True,
                                   extra={k: v for k, v in extra.items() if v is not None})
        if "account" in held.extra:
            hold_account(uow, held.extra["account"])
        audit.take_audit_id(uow, held.extra.get("audit_id"))
        if "fee_rules" in held.extra:
            hold_fee_rules(uow, held.extra["fee_rules"])
        if "parts" in held.extra:
            ticket_loading.name_parts(uow.session, {
                r[0]: (r[1], r[2]) for r in held.extra["parts"]})
        ticket_or_none = held.ticket
    if action is not None:
        require_permission(uow, action)
    ticket = require(ticket_or_none, "Ticket", ticket_id)
    if expected_version is not None and ticket.version != expected_version:
        raise stale(
            uow, "ticket", ticket.id, f"Ticket {ticket_label(uow, ticket.number)}",
            ticket.updated_at, "it has been reloaded. Apply your changes again.",
        )
    if seen_status is not None and ticket.status != seen_status:
        raise StaleRecord(
            f"Ticket {ticket_label(uow, ticket.number)} was changed at another desk: it is "
            f"now {TicketStatus(ticket.status).label.lower()}, not "
            f"{TicketStatus(seen_status).label.lower()}. The list has been refreshed; look "
            "again before changing it."
        )
    status = TicketStatus(ticket.status)
    if lines and not status.is_active:
        label = ticket_label(uow, ticket.number)
        if status is TicketStatus.CANCELLED:
            message = f"Ticket {label} is cancelled; its lines can no longer change."
        else:
            message = (
                f"Ticket {label} is {status.label.lower()}, so its lines are read-only. "
                "Reopen it first if more work is needed."
            )
        raise ValidationError.single("status", message)
    return ticket


def _job_of(uow: UnitOfWork, ticket: ServiceTicket, job_id: int | None) -> TicketJob:
    """The job a line goes on: ``job_id`` (one of this ticket's), or the ticket's first."""
    jobs = _lines(uow, ticket.id)[0]
    if job_id is None:
        if not jobs:
            raise ValidationError.single(
                "job", f"Ticket {ticket_label(uow, ticket.number)} has no job yet; add one first."
            )
        return jobs[0]
    job = next((j for j in jobs if j.id == job_id), None)
    if job is None or job.ticket_id != ticket.id:
        raise ValidationError.single(
            "job", "That job was removed at another desk; reload the ticket."
        )
    return job


def _recompute(uow: UnitOfWork, ticket: ServiceTicket, settings: ShopSettingsRecord) -> None:
    """Bring the automatic fees of a ticket still being worked on up to date, then set
    its total columns from the lines of its approved jobs (each line and its tax rounded
    once, less discounts): declined, deferred and proposed work is billed nothing."""
    uow.flush()
    lines = _lines(uow, ticket.id)
    if TicketStatus(ticket.status).is_active and _sync_automatic_fees(uow, ticket, lines):
        uow.flush()
        lines = _lines(uow, ticket.id)
    approved = {j.id for j in lines[0] if JobStatus(j.status).counts}
    every_line: tuple[LineRecord, ...] = tuple(chain(*_records(lines)))
    totals = lines_totals((line for line in every_line if line.job_id in approved),
                          settings.tax_rules, _ticket_discount(uow, ticket.id))
    ticket.parts_total = totals.parts
    ticket.labor_total = totals.labor
    ticket.tax_total = totals.tax
    ticket.total = totals.total


def _save(uow: UnitOfWork, ticket: ServiceTicket, action: str, summary: str,
          shown: TicketDetail | None = None) -> TicketDetail:
    """Bump the ticket's version (even when only its lines changed), record who did what,
    commit, and hand back the fresh detail: ``shown`` (a detail up to date but for the
    ticket's own row) with the ticket as saved, or else read anew (each read is a round
    trip to a distant server)."""
    session = uow.session
    if session.info.pop(_BUMPED, None) != ticket.id:  # not a second UPDATE for nothing
        ticket.updated_at = utcnow()
    audit.record(uow, action, "ticket", ticket.id, f"Ticket {ticket.number}: {summary}")
    with constraint_errors():
        uow.flush()
        detail = (_detail(uow, ticket) if shown is None
                  else replace(shown, ticket=ticket_record(ticket)))
        uow.commit()
    return detail


def _reprice_tickets(uow: UnitOfWork, statuses: Sequence[str]) -> int:
    """Recompute the totals of every ticket in ``statuses`` inside the caller's write
    transaction (after a tax-rule change); returns how many changed."""
    repo = WorkflowRepository(uow.session)
    settings = settings_in(uow, create=True)
    changed = 0
    for ticket_id in repo.tickets_with_status(statuses):
        ticket = repo.ticket_for_update(ticket_id)
        if ticket is None:
            continue
        before = ticket.total, ticket.tax_total
        _recompute(uow, ticket, settings)
        if (ticket.total, ticket.tax_total) != before:
            changed += 1
    return changed


def update_settings(
    uow: UnitOfWork, data: ShopSettingsData, expected_version: int
) -> ShopSettingsRecord:
    """Save the shop settings; a change of tax rules re-prices every ticket still being
    worked on, in the same transaction (completed and closed tickets keep the tax they
    were invoiced with)."""
    with uow.writing():
        require_permission(uow, Action.EDIT_SETTINGS)
        record, tax_changed = store_settings(uow, data, expected_version)
        with constraint_errors():
            if tax_changed:
                _reprice_tickets(uow, [s.value for s in ACTIVE_STATUSES])
            uow.commit()
        return record


# --- mechanics -----------------------------------------------------------------------------


def check_minutes(minutes: object, who: str) -> tuple[int | None, str | None]:
    """A time entry in whole minutes, booked in quarter hours, up to 999.75 hours."""
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        return None, f"Time for {who} must be a whole number of minutes."
    if not 0 <= minutes <= MAX_MINUTES:
        return None, f"Time for {who} must be between 0 and {hours_text(MAX_MINUTES)} hours."
    if minutes % MINUTES_STEP:
        return None, f"Time for {who} must be in quarter hours (multiples of 15 minutes)."
    return minutes, None


def assign_mechanics(
    uow: UnitOfWork,
    ticket_id: int,
    minutes_by_mechanic: Mapping[int, int],
    expected_version: int,
    job_id: int | None = None,
) -> TicketDetail:
    """Make the job's mechanics exactly ``minutes_by_mechanic`` (mechanic id → minutes);
    the job is ``job_id`` or, when None, the ticket's first.

    A newly assigned mechanic must be active and brings their current hourly rate, which
    the line keeps afterwards (a later rate change does not rewrite the ticket). Changing
    only minutes needs the 'record hours' permission; adding or removing mechanics needs
    'assign work'.
    """
    with uow.writing():
        ticket = _lock_ticket(uow, ticket_id, expected_version, lines=True)
        job = _job_of(uow, ticket, job_id)
        repo = WorkflowRepository(uow.session)
        current = {
            tm.mechanic_id: (tm, name)
            for tm, name, _ in repo.mechanic_lines(ticket_id)
            if tm.job_id == job.id and tm.mechanic_id is not None
        }
        added = [m for m in minutes_by_mechanic if m not in current]
        removed = [m for m in current if m not in minutes_by_mechanic]
        actor = require_permission(
            uow, Action.ASSIGN_WORK if added or removed else Action.LOG_HOURS
        )
        _own_ticket_only(uow, actor, ticket, "book time on")
        if actor is not None:
            for mechanic_id, (line, name) in current.items():
                booked = minutes_by_mechanic.get(mechanic_id)
                if booked != line.minutes and not may_book_time(
                    actor.role, actor.mechanic_id, mechanic_id
                ):
                    raise PermissionDenied(
                        f"{actor.role.label}s book only their own time; {name}'s time "
                        "was not changed."
                    )
        fields: dict[str, str] = {}
        names = {m: name for m, (_, name) in current.items()}
        rates = {}
        for mechanic_id in added:
            mechanic = uow.mechanics.get(mechanic_id)
            if mechanic is None:
                fields[f"mechanic:{mechanic_id}"] = (
                    f"Mechanic #{mechanic_id} no longer exists; reload the list."
                )
                continue
            names[mechanic_id] = mechanic.name
            rates[mechanic_id] = mechanic.hourly_rate
            if not mechanic.active:
                fields[f"mechanic:{mechanic_id}"] = (
                    f"{mechanic.name} is inactive and cannot be assigned to new work."
                )
        for mechanic_id, minutes in minutes_by_mechanic.items():
            _, message = check_minutes(minutes, names.get(mechanic_id, f"#{mechanic_id}"))
            if message:
                fields.setdefault(f"minutes:{mechanic_id}", message)
        if fields:
            raise ValidationError(fields)

        changes: list[str] = []
        for mechanic_id in removed:
            line, name = current[mechanic_id]
            uow.session.delete(line)
            changes.append(f"removed {name}")
        for mechanic_id in added:
            minutes = minutes_by_mechanic[mechanic_id]
            uow.session.add(
                TicketMechanic(
                    ticket_id=ticket_id,
                    job_id=job.id,
                    mechanic_id=mechanic_id,
                    minutes=minutes,
                    hourly_rate=rates[mechanic_id],
                )
            )
            changes.append(f"assigned {names[mechanic_id]} ({hours_text(minutes)} h)")
        for mechanic_id, (line, name) in current.items():
            booked = minutes_by_mechanic.get(mechanic_id)
            if booked is not None and booked != line.minutes:
                changes.append(f"{name} {hours_text(line.minutes)} h → {hours_text(booked)} h")
                line.minutes = booked
        if not changes:
            return _detail(uow, ticket)
        _recompute(uow, ticket, settings_in(uow, create=True))
        return _save(uow, ticket, "mechanics", f"{job.title}: " + "; ".join(changes))


# --- parts ---------------------------------------------------------------------------------


def _put_on_order(
    uow: UnitOfWork, line: TicketPart, ordered: TicketPart | None, quantity: int
) -> None:
    """Put ``quantity`` of ``line``'s part on special order on its job: onto the job's
    ordered line of that part (``ordered``) or a new one at ``line``'s price."""
    if ordered is not None:
        ordered.quantity += quantity
    else:
        uow.session.add(TicketPart(
            ticket_id=line.ticket_id, job_id=line.job_id, part_id=line.part_id,
            quantity=quantity, unit_price=line.unit_price, taken=False, ordered=True,
        ))


def _fold_ordered(uow: UnitOfWork, lines: Sequence[TicketPart]) -> None:
    """A job no longer approved (or a cancelled ticket) waits for nothing: each ordered
    line folds into its job's ordinary line of the part (or becomes it)."""
    ordinary = {(tp.job_id, tp.part_id): tp for tp in lines if not tp.ordered}
    for tp in lines:
        if not tp.ordered:
            continue
        into = ordinary.get((tp.job_id, tp.part_id))
        if into is None:
            tp.ordered = False
        else:
            into.quantity += tp.quantity
            uow.session.delete(tp)


def _check_quantity(quantity: object, minimum: int) -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise ValidationError.single("quantity", "Quantity must be a whole number.")
    if not minimum <= quantity <= MAX_LINE_QUANTITY:
        raise ValidationError.single(
            "quantity", f"Quantity must be between {minimum} and {MAX_LINE_QUANTITY:,}."
        )
    return quantity


def _take(
    uow: UnitOfWork, stock: StockRepository, ticket: ServiceTicket, part_id: int, sku: str, n: int
) -> None:
    """Take ``n`` from the shelf for the ticket, or refuse naming what is left. The
    refusal leaves the transaction to be rolled back, so nothing of it is kept."""
    if not stock.take_recorded(part_id, n, "ticket", ticket_id=ticket.id,
                               staff_user_id=uow.actor_id):
        fresh = stock.snapshots([part_id]).get(part_id)
        left = fresh.quantity_on_hand if fresh is not None else 0
        raise ShortStock({part_id: (sku, max(0, left), n)})


def add_part_lines(
    uow: UnitOfWork,
    ticket_id: int,
    items: Sequence[tuple[int, int]],
    expected_version: int | None = None,
    job_id: int | None = None,
    special_order: bool = False,
) -> TicketDetail:
    """Put parts on a job (``job_id``, or the ticket's first): ``items`` are (part id,
    quantity).

    A part already on the job has its line's quantity raised (the line keeps the price
    it was first added at); a new line copies the part's current price. On an approved
    job the parts are taken from the shelf at once; if any is short, nothing is taken
    and the error (:class:`ShortStock`) names each short part — unless
    ``special_order``: then what the shelf has is taken and the rest goes on the job's
    ordered line of the part, to be taken when it arrives (``take_ordered_line``). A
    proposed (estimate), declined or deferred job's parts stay on the shelf until the
    job is approved.
    """
    with uow.writing():
        part_ids = sorted({p for p, _ in items if isinstance(p, int) and not isinstance(p, bool)})
        ticket = _lock_ticket(uow, ticket_id, expected_version, lines=True,
                              action=Action.ASSIGN_WORK, part_ids=part_ids)
        wanted: dict[int, int] = {}
        for part_id, quantity in items:
            wanted[part_id] = wanted.get(part_id, 0) + _check_quantity(quantity, 1)
        if not wanted:
            raise ValidationError.single("quantity", "Choose at least one part to add.")
        job = _job_of(uow, ticket, job_id)
        taking = JobStatus(job.status).counts
        stock = StockRepository(uow.session)
        held = ticket_loading.held(uow.session, ticket.id)
        if held is not None and "parts" in held.extra:  # read with the ticket
            snapshots = snapshots_of(held.extra["parts"])
            lines = {(tp.part_id, tp.ordered): tp for tp, _, _ in _lines(uow, ticket.id)[2]
                     if tp.job_id == job.id and tp.part_id in wanted}
        else:
            snapshots, lines = stock.snapshots_on_job(list(wanted), job.id)
        fields: dict[str, str] = {}
        short: dict[int, tuple[str, int, int]] = {}
        for part_id, quantity in wanted.items():
            snap = snapshots.get(part_id)
            on_job = sum(tp.quantity for (p, _), tp in lines.items() if p == part_id)
            if snap is None:
                fields[f"quantity:{part_id}"] = (
                    f"Part #{part_id} no longer exists; it may have been deleted at another desk."
                )
            elif on_job + quantity > MAX_LINE_QUANTITY:
                fields[f"quantity:{part_id}"] = (
                    f"A line holds at most {MAX_LINE_QUANTITY:,} of {snap.sku}."
                )
            elif taking and snap.quantity_on_hand < quantity and not special_order:
                short[part_id] = (snap.sku, max(0, snap.quantity_on_hand), quantity)
        if fields:
            raise ValidationError(fields)
        if short:
            raise ShortStock(short)
        changes = _put_parts(uow, stock, ticket, job, wanted, snapshots, lines, special_order)
        _recompute(uow, ticket, settings_in(uow, create=True))
        return _save(uow, ticket, "parts", f"{job.title}: added " + ", ".join(changes))


def _put_parts(
    uow: UnitOfWork,
    stock: StockRepository,
    ticket: ServiceTicket,
    job: TicketJob,
    wanted: Mapping[int, int],
    snapshots: Mapping[int, PartSnapshot],
    lines: Mapping[tuple[int, bool], TicketPart],
    special_order: bool = False,
) -> list[str]:
    """Put checked ``wanted`` (part id → quantity) on ``job``: a part already on it
    (``lines``, by part id and whether on special order) has its quantity raised, a new
    line copies today's price (a part with no fixed price: its cost marked up by the
    shop's bands); an approved job takes them from the shelf, and with
    ``special_order`` what the shelf lacks goes on the job's ordered line of the part.
    Returns "2 × SKU" for each."""
    taking = JobStatus(job.status).counts
    bands = settings_in(uow, create=False).markup_bands
    changes = []
    # Parts in id order, so two desks taking the same parts lock them in one order.
    for part_id in sorted(wanted):
        quantity, snap = wanted[part_id], snapshots[part_id]
        line = lines.get((part_id, False))
        from_shelf = quantity
        if taking and special_order:
            from_shelf = min(quantity, max(0, snap.quantity_on_hand))
        if from_shelf and taking:
            _take(uow, stock, ticket, part_id, snap.sku, from_shelf)
        if line is None:
            line = TicketPart(ticket_id=ticket.id, job_id=job.id, part_id=part_id,
                              quantity=from_shelf, taken=taking,
                              unit_price=sell_price(snap.unit_price, snap.unit_cost, bands))
            if from_shelf:
                uow.session.add(line)
        else:
            line.quantity += from_shelf
        rest = quantity - from_shelf
        if rest:
            _put_on_order(uow, line, lines.get((part_id, True)), rest)
        changes.append(f"{quantity} × {snap.sku}"
                       + (f" ({rest} on special order)" if rest else ""))
    return changes


def change_part_quantity(
    uow: UnitOfWork, line_id: int, quantity: int, expected_version: int | None = None
) -> TicketDetail:
    """Set a parts line's quantity: more is taken from stock, fewer go back ('return');
    0 removes the line."""
    with uow.writing():
        require_permission(uow, Action.ASSIGN_WORK)
        quantity = _check_quantity(quantity, 0)
        owner = uow.session.scalar(select(TicketPart.ticket_id).where(TicketPart.id == line_id))
        if owner is None:
            raise _line_gone(line_id)
        ticket = _lock_ticket(uow, owner, expected_version, lines=True)
        line = WorkflowRepository(uow.session).part_line(line_id)
        if line is None:
            raise _line_gone(line_id)
        stock = StockRepository(uow.session)
        snap = stock.snapshots([line.part_id])[line.part_id]
        difference = quantity - line.quantity
        if difference == 0:
            return _detail(uow, ticket)
        if not line.taken:
            pass  # an estimate's (or a waiting) line: nothing has left the shelf
        elif difference > 0:
            _take(uow, stock, ticket, line.part_id, snap.sku, difference)
        else:
            stock.put(line.part_id, -difference)
            stock.record(
                line.part_id, -difference, "return",
                ticket_id=ticket.id, staff_user_id=uow.actor_id,
            )
        if quantity == 0:
            uow.session.delete(line)
            summary = (f"removed {snap.sku} ({-difference} back to stock)" if line.taken
                       else f"removed {snap.sku}")
        else:
            summary = f"{snap.sku} {line.quantity} → {quantity}"
            line.quantity = quantity
        _recompute(uow, ticket, settings_in(uow, create=True))
        return _save(uow, ticket, "parts", summary)


def take_ordered_line(
    uow: UnitOfWork, line_id: int, expected_version: int | None = None
) -> TicketDetail:
    """The stock of a line on special order has arrived: take its whole quantity from
    the shelf for the job (refused, naming what is there, while it is short). The line
    joins the job's ordinary line of the part, or becomes it."""
    with uow.writing():
        require_permission(uow, Action.ASSIGN_WORK)
        owner = uow.session.scalar(select(TicketPart.ticket_id).where(TicketPart.id == line_id))
        if owner is None:
            raise _line_gone(line_id)
        ticket = _lock_ticket(uow, owner, expected_version, lines=True)
        repo = WorkflowRepository(uow.session)
        line = repo.part_line(line_id)
        if line is None:
            raise _line_gone(line_id)
        stock = StockRepository(uow.session)
        sku = stock.snapshots([line.part_id])[line.part_id].sku
        if not line.ordered:
            raise ValidationError.single(
                "quantity", f"{sku} on this job is not on special order; nothing to take.")
        _take(uow, stock, ticket, line.part_id, sku, line.quantity)
        ordinary = next((tp for tp, _, _ in repo.part_lines(ticket.id)
                         if tp.job_id == line.job_id and tp.part_id == line.part_id
                         and not tp.ordered), None)
        if ordinary is None:
            line.ordered, line.taken = False, True
        else:
            ordinary.quantity += line.quantity
            uow.session.delete(line)
        return _save(uow, ticket, "parts",
                     f"took {line.quantity} × {sku} from stock (had been on special order)")


def remove_part_line(
    uow: UnitOfWork, line_id: int, expected_version: int | None = None
) -> TicketDetail:
    """Remove a parts line, putting its quantity back on the shelf ('return')."""
    return change_part_quantity(uow, line_id, 0, expected_version)


def _line_gone(line_id: int) -> ValidationError:
    return ValidationError.single(
        "quantity", f"That parts line (#{line_id}) was removed at another desk; reload the ticket."
    )


# --- status --------------------------------------------------------------------------------


def _require_copy(expected_version: int | None, seen_status: str | None) -> None:
    """A status move must say what the desk saw: a version, or a list row's status."""
    if expected_version is None and seen_status is None:
        raise ValueError("a status change needs the version or the status the desk saw")


def _refusal(number: str, current: TicketStatus, new: TicketStatus) -> str:
    """Why ``current`` cannot go to ``new``; ``number`` as the shop prints it."""
    if current is TicketStatus.CANCELLED:
        return (
            f"Ticket {number} is cancelled and cannot change status; open a new ticket "
            "to resume the work."
        )
    if current is TicketStatus.CLOSED:
        return f"Ticket {number} is closed; reopen it (with a reason) if more work is needed."
    if current is TicketStatus.COMPLETED:
        return (
            f"Ticket {number} is completed: it can only be closed, or reopened (with a "
            "reason) if more work is needed."
        )
    if new is TicketStatus.COMPLETED:
        return f"Ticket {number} must be in progress before it can be completed."
    if new is TicketStatus.CLOSED:
        return f"Ticket {number} must be completed before it can be closed."
    options = ", ".join(s.label for s in allowed_next_statuses(current))
    return f"Ticket {number} cannot go from {current.label} to {new.label}; it can go to {options}."


def _check_work_may(uow: UnitOfWork, ticket: ServiceTicket, new: TicketStatus) -> None:
    """Work starts only on approved jobs. A ticket completes (and so is invoiced) only
    once each of its jobs is decided and while approved work has not grown past what the
    customer authorised: a customer is never billed more than they agreed to."""
    if new not in (TicketStatus.IN_PROGRESS, TicketStatus.COMPLETED):
        return
    label = ticket_label(uow, ticket.number)
    jobs = _lines(uow, ticket.id)[0]
    if not any(JobStatus(j.status).counts for j in jobs):
        raise ValidationError.single(
            "status", f"Ticket {label} has no approved job: record the customer's "
            "authorisation before work starts."
        )
    if new is not TicketStatus.COMPLETED:
        return
    waiting = [f"{tp.quantity} × {sku}" for tp, sku, _ in
               _lines(uow, ticket.id)[2] if tp.ordered]
    if waiting:
        raise ValidationError.single(
            "status", f"Ticket {label} waits for parts on special order "
            f"({', '.join(waiting)}): take them from stock when they arrive (Take from "
            "stock on the line), or remove them, before completing it."
        )
    undecided = [j.title for j in jobs if j.status == JobStatus.PROPOSED.value]
    if undecided:
        raise ValidationError.single(
            "status", f"Ticket {label} still has proposed work ({', '.join(undecided)}): "
            "record whether the customer approves, declines or defers it first."
        )
    settings = settings_in(uow, create=True)
    _recompute(uow, ticket, settings)
    needed = authorisation_needed(
        ticket.total, ticket.authorised_total, settings.authorisation_tolerance
    )
    if needed:
        raise ValidationError.single(
            "status", f"Ticket {label} needs the customer's authorisation for "
            f"{money_text(needed)} more before it can be completed."
        )


def set_status(
    uow: UnitOfWork,
    ticket_id: int,
    new_status: str | TicketStatus,
    expected_version: int | None,
    *,
    seen_status: str | None = None,
    on_account: bool = False,
) -> TicketDetail:
    """Move the ticket along Open → In progress → Completed → Closed (or cancel it while
    open or in progress). Completing and closing stamp their time; cancelling returns
    every part to stock; closing posts the invoice (``invoicing``).

    A ticket closes with a balance due only ``on_account``, by an administrator (the
    customer owes it); otherwise payment is taken first.

    The caller's copy is checked by its version (an editor), or by the status a list row
    showed (``seen_status``; the version is then None): one of them is required.
    """
    _require_copy(expected_version, seen_status)
    try:
        new = TicketStatus(new_status)
    except ValueError:
        raise ValidationError.single("status", f"'{new_status}' is not a ticket status.") from None
    with uow.writing():
        action = {
            TicketStatus.CANCELLED: Action.EDIT_TICKETS, TicketStatus.CLOSED: Action.POST_INVOICES,
        }.get(new, Action.SET_STATUS)
        ticket = _lock_ticket(uow, ticket_id, expected_version, lines=False,
                              seen_status=seen_status, action=action)
        actor = require_permission(uow, action)  # checked above: no second read
        _own_ticket_only(uow, actor, ticket, "change the status of")
        current = TicketStatus(ticket.status)
        if new is current:
            return _detail(uow, ticket)
        if new not in ALLOWED_TRANSITIONS[current]:
            label = ticket_label(uow, ticket.number)
            raise ValidationError.single("status", _refusal(label, current, new))
        summary = f"{current.label} → {new.label}"
        _check_work_may(uow, ticket, new)
        if new is TicketStatus.CANCELLED:
            stock = StockRepository(uow.session)
            returned = []
            lines = _lines(uow, ticket_id)[2]
            for line, sku, _ in sorted(lines, key=lambda r: (r[0].part_id, r[0].id)):
                if not line.taken:
                    continue
                line.taken = False
                stock.put(line.part_id, line.quantity)
                stock.record(
                    line.part_id, line.quantity, "cancel",
                    ticket_id=ticket.id, staff_user_id=uow.actor_id,
                )
                returned.append(f"{line.quantity} × {sku}")
            _fold_ordered(uow, [tp for tp, _, _ in lines])  # after: they were never taken
            if returned:
                summary += "; back to stock: " + ", ".join(returned)
        else:
            # Priced with today's rules while work is still being done; frozen afterwards.
            _recompute(uow, ticket, settings_in(uow, create=True))
        if new is TicketStatus.COMPLETED:
            ticket.completed_at = utcnow()
        elif new is TicketStatus.CLOSED:
            ticket.closed_at = utcnow()
        ticket.status = new.value
        shown = None
        if new is TicketStatus.CLOSED:
            posted, shown = _post(uow, ticket, on_account)
            summary += posted
        return _save(uow, ticket, "status", summary, shown)


def _post(uow: UnitOfWork, ticket: ServiceTicket, on_account: bool
          ) -> tuple[str, TicketDetail]:
    """Post the closing ticket's invoice; refuse a balance due unless an administrator
    closes it on account. Returns what the audit trail adds, and the detail the invoice
    was made from."""
    settings = settings_in(uow, create=True)
    # The version is bumped once, by the UPDATE that carries the status and what the
    # invoice adds to the balance owed (flushed with the invoice; see _save).
    ticket.updated_at = utcnow()
    uow.session.info[_BUMPED] = ticket.id
    detail = _detail(uow, ticket)
    due = detail.totals.total - detail.billing.paid
    if due > 0:
        if not on_account:
            raise ValidationError.single(
                "status", f"Ticket {ticket_label(uow, ticket.number)} has "
                f"{money_text(due)} still to pay: take the payment before invoicing, or an "
                "administrator closes it on account (the customer then owes it).")
        require_permission(uow, Action.CLOSE_ON_ACCOUNT)
    invoicing.owe(ticket, detail.totals.total)  # the invoice's total, posted just below
    invoice = invoicing.post_invoice(uow, ticket, detail, settings, on_account=due > 0)
    account = f", on account ({money_text(due)} due)" if due > 0 else ""
    posted = replace(detail, billing=invoicing.with_posted(detail.billing, invoice))
    return f"; invoice {invoice.label} posted, {money_text(invoice.total)}{account}", posted


def reopen_ticket(
    uow: UnitOfWork,
    ticket_id: int,
    reason: str,
    expected_version: int | None,
    *,
    seen_status: str | None = None,
    credit_note: bool = False,
) -> TicketDetail:
    """Bring a completed or closed ticket back to In progress, recording who did it and
    why (its invoice may already be in the customer's hands). The copy is checked as by
    ``set_status``.

    A posted invoice never changes: reopening its ticket needs it credited in full, so
    reopening issues a credit note for what is left of it after any partial credit notes
    (``credit_note`` says the user agreed), in the same transaction; closing the ticket
    again posts a new invoice."""
    _require_copy(expected_version, seen_status)
    with uow.writing():
        require_permission(uow, Action.REOPEN_TICKETS)
        text = clean_text(reason)
        if not text:
            raise ValidationError.single("reason", "Say why the ticket is being reopened.")
        if len(text) > MAX_REASON:
            raise ValidationError.single(
                "reason", f"The reason is too long (at most {MAX_REASON} characters)."
            )
        ticket = _lock_ticket(uow, ticket_id, expected_version, lines=False,
                              seen_status=seen_status)
        current = TicketStatus(ticket.status)
        if current is TicketStatus.CANCELLED:
            label = ticket_label(uow, ticket.number)
            raise ValidationError.single("status", _refusal(label, current, current))
        if current not in (TicketStatus.COMPLETED, TicketStatus.CLOSED):
            raise ValidationError.single(
                "status",
                f"Ticket {ticket_label(uow, ticket.number)} is {current.label.lower()}; only "
                "completed or closed tickets need reopening.",
            )
        summary = f"reopened (was {current.label.lower()}): {text}"
        invoice = invoicing.standing_invoice(uow, ticket.id)
        if invoice is not None:
            left = invoice.total - invoicing.credited_so_far(uow, invoice.id)
            if not credit_note:
                rest = ("all of it" if left == invoice.total
                        else "what is left of it")
                raise ValidationError.single(
                    "credit_note", f"Invoice {invoice.label} of ticket "
                    f"{ticket_label(uow, ticket.number)} is posted and cannot change: "
                    f"reopening issues a credit note for {rest} "
                    f"({money_text(left)}). Confirm to go on.")
            note = invoicing.issue_credit_note(
                uow, invoice, settings_in(uow, create=True), text)
            invoicing.owe(ticket, -note.amount)
            summary += f"; credit note {note.label} cancels invoice {invoice.label}"
        ticket.status = TicketStatus.IN_PROGRESS.value
        ticket.completed_at = None
        ticket.closed_at = None
        _recompute(uow, ticket, settings_in(uow, create=True))
        return _save(uow, ticket, "reopen", summary)
