"""The library of canned jobs, and adding one to a ticket in one step.

Administrators keep the library (``Action.MANAGE_CANNED_JOBS``); everyone signed in
reads it, and whoever puts work on tickets adds a canned job to one: one transaction
adds a proposed job with the canned labour (nobody assigned yet, at the shop's labour
rate today, as ``jobs.add_labour`` adds it) and parts (at today's prices, left on the
shelf until the customer approves the job, as ``workflow.add_part_lines`` adds them).
A part deleted since the job was written into the library is not added, and the notes
handed back say so: nothing is dropped unseen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from mechanic_desktop.db.models import CannedJob, CannedJobLine, TicketFee, TicketJob
from mechanic_desktop.db.repositories import (
    CannedJobRepository,
    StockRepository,
    WorkflowRepository,
)
from mechanic_desktop.db.types import utcnow
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.canned_jobs import (
    MAX_LINES,
    MAX_NAME,
    CannedJobRecord,
    CannedJobRow,
    CannedLine,
    LineKind,
    price_today,
)
from mechanic_desktop.domain.errors import PermissionDenied, ValidationError
from mechanic_desktop.domain.jobs import MAX_TITLE, JobStatus
from mechanic_desktop.domain.markup import Band, sell_price
from mechanic_desktop.domain.money import money_text
from mechanic_desktop.domain.permissions import Action, allowed, refusal
from mechanic_desktop.domain.records import ListQuery, Page, TicketDetail
from mechanic_desktop.domain.validation import MAX_TEXT, clean_line, clean_text, search_key
from mechanic_desktop.services import audit
from mechanic_desktop.services.common import (
    FieldErrors,
    check_version,
    constraint_errors,
    require,
)
from mechanic_desktop.services.fees import FeeData, check_fee
from mechanic_desktop.services.jobs import _put_unassigned_labour, check_labour
from mechanic_desktop.services.permissions import require as require_permission
from mechanic_desktop.services.shop import settings_in
from mechanic_desktop.services.workflow import (
    MAX_LINE_QUANTITY,
    _lock_ticket,
    _put_parts,
    _recompute,
    _save,
)


@dataclass(frozen=True, slots=True)
class CannedJobData:
    """What the library editor sends: the name, the concern and the lines in order."""

    name: str
    concern: str = ""
    lines: Sequence[CannedLine] = field(default_factory=tuple)
    active: bool = True


@dataclass(frozen=True, slots=True)
class CannedJobAdded:
    """A ticket after a canned job was added: its detail, the new job, and what could
    not be added and why (shown where the user is looking)."""

    detail: TicketDetail
    job_id: int
    notes: tuple[str, ...]


# --- reading ------------------------------------------------------------------------------


def _line_records(
    rows: Sequence[tuple[CannedJobLine, str | None, str | None, Decimal | None,
                         Decimal | None]],
    bands: tuple[Band, ...] = (),
) -> dict[int, list[CannedLine]]:
    """Each job's lines, parts priced as adding them would (a part with no fixed price
    from its cost and the shop's markup bands)."""
    lines: dict[int, list[CannedLine]] = {}
    for line, sku, name, fixed, cost in rows:
        price = (sell_price(fixed, cost or Decimal(0), bands) if fixed is not None
                 else None)
        if line.kind == LineKind.LABOUR.value:
            record = CannedLine(LineKind.LABOUR, line.operation, line.minutes or 0)
        elif line.kind == LineKind.FEE.value:
            record = CannedLine(LineKind.FEE, line.operation, amount=line.amount)
        else:
            record = CannedLine(
                LineKind.PART, part_id=line.part_id, sku=sku or line.sku,
                quantity=line.quantity or 0, name=name or "",
                unit_price=price if line.part_id is not None else None,
            )
        lines.setdefault(line.canned_job_id, []).append(record)
    return lines


def list_canned_jobs(uow: UnitOfWork, query: ListQuery) -> Page[CannedJobRow]:
    """A page of the library by name (search: any word of the name starting with what
    was typed; filter ``active``), each row priced at today's labour rate and prices."""
    with uow:
        repo = CannedJobRepository(uow.session)
        rows, cursor = repo.page(query)
        settings = settings_in(uow, create=False)
        lines = _line_records(repo.lines([r[0] for r in rows]), settings.markup_bands)
        out = []
        for canned_id, name, concern, active in rows:
            mine = lines.get(canned_id, [])
            price = price_today(mine, settings.labor_rate, settings.tax_rules)
            out.append(CannedJobRow(
                canned_id, name, concern, bool(active),
                sum(line.minutes for line in mine if line.is_labour),
                sum(1 for line in mine if line.is_part), price.total,
                sum(1 for line in mine if line.is_part and line.unit_price is None),
            ))
        return Page(tuple(out), cursor)


def _record(uow: UnitOfWork, canned: CannedJob) -> CannedJobRecord:
    repo = CannedJobRepository(uow.session)
    settings = settings_in(uow, create=False)
    lines = tuple(_line_records(repo.lines([canned.id]), settings.markup_bands)
                  .get(canned.id, []))
    return CannedJobRecord(
        canned.id, canned.name, canned.concern, canned.active, canned.version, lines,
        price_today(lines, settings.labor_rate, settings.tax_rules),
    )


def get_canned_job(uow: UnitOfWork, canned_id: int) -> CannedJobRecord:
    """One canned job with its lines, each part as it is today, and its price today."""
    with uow:
        repo = CannedJobRepository(uow.session)
        return _record(uow, require(repo.get(canned_id), "Canned job", canned_id))


# --- the library --------------------------------------------------------------------------


def _validate(
    uow: UnitOfWork, data: CannedJobData, current_id: int | None
) -> tuple[dict[str, object], list[CannedJobLine]]:
    errors = FieldErrors()
    name = clean_line(data.name)
    if not name:
        errors.add("name", "Give the job a name, e.g. \"Front brake pads and rotors\".")
    elif len(name) > MAX_NAME:
        errors.add("name", f"The name is too long (at most {MAX_NAME} characters).")
    else:
        other = CannedJobRepository(uow.session).by_name(name)
        if other is not None and other.id != current_id:
            errors.add("name", f"There is already a canned job called \"{name}\".")
    concern = clean_text(data.concern)
    if len(concern) > MAX_TEXT:
        errors.add("concern", f"The concern is too long (at most {MAX_TEXT:,} characters).")
    if not data.lines:
        errors.add("lines", "Add at least one labour or part line: a canned job with no "
                   "lines adds nothing to a ticket.")
    elif len(data.lines) > MAX_LINES:
        errors.add("lines", f"A canned job holds at most {MAX_LINES} lines.")
    part_ids = [line.part_id for line in data.lines
                if line.is_part and line.part_id is not None]
    snapshots = StockRepository(uow.session).snapshots(part_ids)
    rows: list[CannedJobLine] = []
    seen: set[int] = set()
    for position, line in enumerate(data.lines, 1):
        key = f"line:{position}"
        if line.is_labour:
            try:
                text = check_labour(line.operation, line.minutes)
            except ValidationError as exc:
                errors.add(key, f"Line {position}: {next(iter(exc.fields.values()))}")
                continue
            rows.append(CannedJobLine(position=position, kind=LineKind.LABOUR.value,
                                      operation=text, minutes=line.minutes, sku=""))
            continue
        if line.is_fee:
            try:
                description, amount = check_fee(
                    FeeData(line.operation, line.amount if line.amount is not None else ""))
            except ValidationError as exc:
                errors.add(key, f"Line {position}: {next(iter(exc.fields.values()))}")
                continue
            rows.append(CannedJobLine(position=position, kind=LineKind.FEE.value,
                                      operation=description, amount=amount, sku=""))
            continue
        if line.kind != LineKind.PART.value:
            errors.add(key, f"Line {position}: a line is labour, a part or a fee.")
            continue
        snap = snapshots.get(line.part_id) if line.part_id is not None else None
        if snap is None:
            errors.add(key, f"Line {position}: choose a part from the catalogue"
                       + (f" ({line.sku} no longer exists)." if line.sku else "."))
            continue
        quantity = line.quantity
        if (isinstance(quantity, bool) or not isinstance(quantity, int)
                or not 1 <= quantity <= MAX_LINE_QUANTITY):
            errors.add(key, f"Line {position}: the quantity of {snap.sku} must be a whole "
                       f"number from 1 to {MAX_LINE_QUANTITY:,}.")
            continue
        if snap.id in seen:
            errors.add(key, f"Line {position}: {snap.sku} is already on another line; put "
                       "the whole quantity on one.")
            continue
        seen.add(snap.id)
        rows.append(CannedJobLine(position=position, kind=LineKind.PART.value, operation="",
                                  part_id=snap.id, sku=snap.sku, quantity=quantity))
    errors.raise_if_any()
    return {"name": name, "name_key": search_key(name), "concern": concern,
            "active": bool(data.active)}, rows


def _lines_text(rows: Sequence[CannedJobLine]) -> str:
    parts = []
    for line in rows:
        if line.kind == LineKind.LABOUR.value:
            parts.append(f"{line.operation} {(line.minutes or 0) / 60:g} h")
        elif line.kind == LineKind.FEE.value:
            parts.append(f"fee {line.operation} {money_text(line.amount or Decimal(0))}")
        else:
            parts.append(f"{line.quantity} × {line.sku}")
    return ", ".join(parts)


def create_canned_job(uow: UnitOfWork, data: CannedJobData) -> CannedJobRecord:
    """Add a job to the library."""
    with uow.writing():
        require_permission(uow, Action.MANAGE_CANNED_JOBS)
        values, lines = _validate(uow, data, None)
        canned = CannedJob(**values)
        with constraint_errors():
            uow.session.add(canned)
            uow.flush()
            for line in lines:
                line.canned_job_id = canned.id
                uow.session.add(line)
            audit.record(uow, "create", "canned_job", canned.id,
                         f"{canned.name}: {_lines_text(lines)}")
            uow.flush()
            record = _record(uow, canned)
            uow.commit()
        return record


def update_canned_job(
    uow: UnitOfWork, canned_id: int, data: CannedJobData, expected_version: int
) -> CannedJobRecord:
    """Save the editor's name, concern and lines; refused (naming who and when) when
    someone saved the job since it was read."""
    with uow.writing():
        require_permission(uow, Action.MANAGE_CANNED_JOBS)
        repo = CannedJobRepository(uow.session)
        canned = require(repo.get(canned_id), "Canned job", canned_id)
        check_version(uow, "canned_job", canned, expected_version, f"Canned job {canned.name}")
        values, lines = _validate(uow, data, canned_id)
        summary = audit.apply_changes(canned, values, hidden=frozenset({"name_key"}))
        old = [row[0] for row in repo.lines([canned_id])]
        shape = [(r.kind, r.operation, r.minutes, r.part_id, r.quantity) for r in old]
        if shape != [(r.kind, r.operation, r.minutes, r.part_id, r.quantity) for r in lines]:
            for row in old:
                uow.session.delete(row)
            uow.flush()
            for line in lines:
                line.canned_job_id = canned_id
                uow.session.add(line)
            canned.updated_at = utcnow()  # the job's version follows its lines
            summary = "; ".join(filter(None, (summary, f"lines: {_lines_text(lines)}")))
        if summary:
            audit.record(uow, "update", "canned_job", canned_id, summary)
        with constraint_errors():
            uow.flush()
            record = _record(uow, canned)
            uow.commit()
        return record


def set_canned_job_active(uow: UnitOfWork, canned_id: int, active: bool) -> CannedJobRecord:
    """Offer the job in the ticket editor's picker again, or stop offering it (it stays
    in the library)."""
    with uow.writing():
        require_permission(uow, Action.MANAGE_CANNED_JOBS)
        canned = require(CannedJobRepository(uow.session).get(canned_id), "Canned job",
                         canned_id)
        summary = audit.apply_changes(canned, {"active": bool(active)})
        if summary:
            audit.record(uow, "update", "canned_job", canned_id, summary)
        uow.flush()
        record = _record(uow, canned)
        uow.commit()
        return record


def delete_canned_job(uow: UnitOfWork, canned_id: int) -> None:
    """Remove a job from the library. Tickets keep the jobs copied from it."""
    with uow.writing():
        require_permission(uow, Action.MANAGE_CANNED_JOBS)
        repo = CannedJobRepository(uow.session)
        canned = require(repo.get(canned_id), "Canned job", canned_id)
        for row in repo.lines([canned_id]):
            uow.session.delete(row[0])
        uow.flush()
        repo.delete(canned)
        audit.record(uow, "delete", "canned_job", canned_id, canned.name)
        with constraint_errors():
            uow.commit()


# --- onto a ticket ------------------------------------------------------------------------


def add_canned_job(
    uow: UnitOfWork, ticket_id: int, canned_id: int, expected_version: int
) -> CannedJobAdded:
    """Add the canned job to the ticket as a proposed job, in one transaction: its
    labour unassigned at the shop's labour rate, its parts at today's prices (left on
    the shelf: the customer has not approved the job). A part that no longer exists is
    left out, and the notes say so."""
    with uow.writing():
        actor = require_permission(uow, Action.ASSIGN_WORK)
        if actor is not None and not allowed(actor.role, Action.EDIT_TICKETS):
            raise PermissionDenied(refusal(actor.role, Action.EDIT_TICKETS))
        repo = CannedJobRepository(uow.session)
        canned = repo.get(canned_id)
        if canned is None:
            raise ValidationError.single(
                "canned_job", "That canned job was deleted at another desk; choose another.")
        if not canned.active:
            raise ValidationError.single(
                "canned_job", f"“{canned.name}” is no longer offered (an administrator "
                "made it inactive); choose another.")
        rows = [row[0] for row in repo.lines([canned.id])]
        ticket = _lock_ticket(uow, ticket_id, expected_version, lines=True)
        settings = settings_in(uow, create=True)
        title = canned.name[:MAX_TITLE]
        job = TicketJob(
            ticket_id=ticket.id,
            position=WorkflowRepository(uow.session).next_job_position(ticket.id),
            title=title, concern=canned.concern, cause="", correction="",
            status=JobStatus.PROPOSED.value,
        )
        uow.session.add(job)
        uow.flush()
        job_id = job.id
        labour = [(check_labour(r.operation, r.minutes or 0), r.minutes or 0)
                  for r in rows if r.kind == LineKind.LABOUR.value]
        for text, minutes in labour:  # as jobs.add_labour puts each on
            _put_unassigned_labour(uow, job, text, minutes, settings)
        wanted: dict[int, int] = {}
        gone: list[str] = []
        for r in rows:
            if r.kind != LineKind.PART.value:
                continue
            if r.part_id is None:
                gone.append(r.sku)
            else:
                wanted[r.part_id] = wanted.get(r.part_id, 0) + (r.quantity or 0)
        stock = StockRepository(uow.session)
        snapshots = stock.snapshots(list(wanted))
        for part_id in [p for p in wanted if p not in snapshots]:
            gone.append(next(r.sku for r in rows if r.part_id == part_id))
            del wanted[part_id]
        added = _put_parts(uow, stock, ticket, job, wanted, snapshots, {})
        for r in rows:
            if r.kind == LineKind.FEE.value and r.amount is not None:
                uow.session.add(TicketFee(ticket_id=ticket.id, job_id=job_id,
                                          description=r.operation, amount=r.amount))
                added.append(f"fee {r.operation} {money_text(r.amount)}")
        notes = [f"Part {sku} no longer exists: not added." for sku in gone]
        if labour and not settings.labor_rate:
            notes.append("The shop's labour rate is not set (Settings → Shop settings), "
                         f"so the labour is priced at {money_text(settings.labor_rate)} "
                         "an hour.")
        _recompute(uow, ticket, settings)
        summary = f"added canned job {title}"
        if labour or added:
            summary += ": " + ", ".join(
                [f"{text} ({minutes / 60:g} h)" for text, minutes in labour] + added)
        if gone:
            summary += "; not added (part gone): " + ", ".join(gone)
        detail = _save(uow, ticket, "job", summary)
        return CannedJobAdded(detail, job_id, tuple(notes))
