"""Service tickets (repair orders): open one for a customer's vehicle, edit, list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import IntegrityError

from mechanic_desktop.db.aggregates import split_joined
from mechanic_desktop.db.models import ServiceTicket, TicketJob
from mechanic_desktop.db.repositories import earlier_odometer_statement, with_owner_statement
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.errors import StaleRecord, ValidationError
from mechanic_desktop.domain.jobs import JobStatus, title_from
from mechanic_desktop.domain.permissions import Action
from mechanic_desktop.domain.records import ListQuery, Page, TicketRecord, TicketRow
from mechanic_desktop.domain.status import TicketStatus
from mechanic_desktop.domain.validation import MAX_TEXT, clean_text, search_key
from mechanic_desktop.services import audit
from mechanic_desktop.services.common import FieldErrors, constraint_errors, require
from mechanic_desktop.services.permissions import require as require_permission
from mechanic_desktop.services.permissions import require_reading
from mechanic_desktop.services.shop import DEFAULTS, ticket_label
from mechanic_desktop.services.ticket_records import ticket_record, vehicle_title

_NUMBER_RETRIES = 5
#: A promise typed as "now" is not refused as past while the clerk finishes the ticket.
PROMISE_GRACE = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class TicketData:
    customer_id: int
    vehicle_id: int
    description: str = ""
    promised_at: datetime | None = None
    odometer_in: int | str | None = None


#: (vehicle id, the highest odometer-in of its tickets opened before the edited one).
Odometers = tuple[int, int | None]


def _validate(
    uow: UnitOfWork, data: TicketData, current: ServiceTicket | None,
    odometers: Odometers | None = None,
) -> dict[str, object]:
    """The checked fields. A new ticket's reading may not go below the car's last one
    (its tickets' and its own); an edited ticket's, below those of the car's tickets
    opened before it: a typo on the latest visit can be corrected down to the visit
    before, and an older open ticket's reading is not held to a later visit's.
    ``odometers``: the edited ticket's, when the caller read them with its first reads."""
    errors = FieldErrors()
    customer = uow.customers.get(data.customer_id) if data.customer_id else None
    if customer is None:
        errors.add("customer_id", "Choose the customer." if not data.customer_id else
                   "This customer was deleted at another desk after you chose them; "
                   "choose the customer again.")
    vehicle = uow.vehicles.get(data.vehicle_id) if data.vehicle_id else None
    if vehicle is None:
        errors.add("vehicle_id", "Choose the vehicle." if not data.vehicle_id else
                   "This vehicle was deleted at another desk after you chose it; "
                   "choose the vehicle again.")
    elif customer is not None and vehicle.customer_id != customer.id:
        errors.add("vehicle_id", f"This vehicle belongs to {vehicle.customer.name}.")
    description = clean_text(data.description)
    if not description:
        errors.add("description", "Describe the customer's concern or the work requested.")
    elif len(description) > MAX_TEXT:
        errors.add("description", f"Description is too long (at most {MAX_TEXT:,} characters).")
    odometer = errors.integer("odometer_in", data.odometer_in, "Odometer", 0, 9_999_999)
    if odometer is not None and vehicle is not None:
        if current is None:
            last = uow.vehicles.last_odometer(vehicle.id)
            if last is not None and odometer < last:
                errors.add("odometer_in",
                           f"Odometer cannot go below the last reading of {last:,}.")
        else:
            earlier = _earlier_reading(uow, vehicle.id, current.id, odometers)
            if earlier is not None and odometer < earlier:
                errors.add("odometer_in", "Odometer cannot go below the reading of an "
                           f"earlier visit ({earlier:,}).")
    promised = data.promised_at
    if promised is not None and promised.tzinfo is None:
        promised = promised.replace(tzinfo=UTC)
    kept = current is not None and current.promised_at == promised  # an overdue promise stays
    if promised is not None and not kept and promised < datetime.now(UTC) - PROMISE_GRACE:
        errors.add("promised_at", "That time has already passed: promise a time from now on "
                   "(or untick Promised for).")
    errors.raise_if_any()
    return {
        "customer_id": data.customer_id,
        "vehicle_id": data.vehicle_id,
        "description": description,
        "odometer_in": odometer,
        "promised_at": promised,
    }


def _earlier_reading(uow: UnitOfWork, vehicle_id: int, ticket_id: int,
                     read: Odometers | None) -> int | None:
    """The highest reading of the car's visits before the ticket: ``read``'s when it was
    read for this car, else read now."""
    if read is not None and read[0] == vehicle_id:
        return read[1]
    highest: int | None = uow.session.scalar(*earlier_odometer_statement(vehicle_id, ticket_id))
    return highest


def _keep_vehicle_reading(uow: UnitOfWork, ticket: ServiceTicket, before: int | None) -> None:
    """After a reading is corrected down: when the car's own reading was this ticket's
    (a typo, which opening the ticket copied to the car), it follows the correction, so
    the next ticket is not held to the typo (it is still weighed against every ticket's
    reading). A reading raised on an edit is not copied to the car, for the same reason
    and because copying would cost a save an exchange of its own."""
    after = ticket.odometer_in
    if after is None or before is None or after >= before:
        return
    vehicle = uow.vehicles.get(ticket.vehicle_id)
    if vehicle is not None and vehicle.odometer == before:
        vehicle.odometer = after


def create_ticket(uow: UnitOfWork, data: TicketData) -> TicketRecord:
    """Open a ticket with the next free number (retried if another desk took it)."""
    for attempt in range(_NUMBER_RETRIES):
        with uow.writing():
            require_permission(uow, Action.EDIT_TICKETS)
            values = _validate(uow, data, None)
            ticket = ServiceTicket(
                **values, number=uow.tickets.next_number(), status=TicketStatus.OPEN.value
            )
            if values["odometer_in"] is not None:
                vehicle = uow.vehicles.get(data.vehicle_id)
                if vehicle is not None and (vehicle.odometer or 0) < int(
                    str(values["odometer_in"])
                ):
                    vehicle.odometer = int(str(values["odometer_in"]))
            uow.tickets.add(ticket)
            try:
                uow.flush()
                # A new ticket is an estimate of one job, the customer's concern.
                description = str(values["description"])
                uow.session.add(TicketJob(
                    ticket_id=ticket.id, position=1, title=title_from(description),
                    concern=description, status=JobStatus.PROPOSED.value,
                ))
                audit.record(uow, "create", "ticket", ticket.id, f"#{ticket.number}")
                # Read everything the caller gets back before COMMIT: a query after it
                # could fail and report an error for a ticket that was in fact saved.
                record = ticket_record(ticket)
                uow.commit()
            except IntegrityError as exc:
                if "number" in str(exc.orig) and attempt < _NUMBER_RETRIES - 1:
                    continue
                with constraint_errors():
                    raise
            return record
    raise AssertionError("unreachable")


def update_ticket(
    uow: UnitOfWork, ticket_id: int, data: TicketData, expected_version: int
) -> TicketRecord:
    """Save the editor's fields; refused when the ticket changed since it was read."""
    with uow.writing():
        # The account check and the ticket in one exchange with the server.
        extra = {"audit_id": audit.audit_id_pending(uow), "odometer": (
            earlier_odometer_statement(data.vehicle_id, ticket_id)
            if isinstance(data.vehicle_id, int) and data.odometer_in not in (None, "")
            else None)}
        wanted = {k: v for k, v in extra.items() if v is not None}
        _, read = require_reading(uow, Action.EDIT_TICKETS, [
            with_owner_statement(ticket_id), *wanted.values()])
        got = dict(zip(wanted, read[1:], strict=True))
        audit.take_audit_id(uow, got.get("audit_id"))
        odometers: Odometers | None = (
            (data.vehicle_id, got["odometer"][0][0] if got["odometer"] else None)
            if "odometer" in got else None)
        ticket = require(read[0][0][0] if read[0] else None, "Ticket", ticket_id)
        if ticket.version != expected_version:
            raise StaleRecord(
                f"Ticket {ticket_label(uow, ticket.number)} was changed at another desk after "
                "you opened it; it has been reloaded. Apply your changes again."
            )
        if not TicketStatus(ticket.status).is_active:
            raise ValidationError.single(
                "status",
                f"Ticket {ticket_label(uow, ticket.number)} is "
                f"{TicketStatus(ticket.status).label.lower()} and can no longer be edited.",
            )
        before = ticket.odometer_in
        summary = audit.apply_changes(ticket, _validate(uow, data, ticket, odometers))
        _keep_vehicle_reading(uow, ticket, before)
        if summary:
            audit.record(uow, "update", "ticket", ticket_id, summary)
        with constraint_errors():
            uow.flush()
            record = ticket_record(ticket)  # before COMMIT (see create_ticket)
            uow.commit()
        return record


def get_ticket(uow: UnitOfWork, ticket_id: int) -> TicketRecord:
    with uow:
        return ticket_record(require(uow.tickets.get(ticket_id), "Ticket", ticket_id))


def list_tickets(uow: UnitOfWork, query: ListQuery) -> Page[TicketRow]:
    with uow.reading():
        rows, cursor = uow.tickets.page(query)
        return Page(
            tuple(
                TicketRow(
                    id=r[0],
                    number=r[1],
                    status=r[2],
                    customer_name=r[3],
                    vehicle_title=vehicle_title(r[4], r[5], r[6], r[7]),
                    opened_at=r[8],
                    promised_at=r[9],
                    mechanics=", ".join(sorted(split_joined(r[12]), key=search_key)),
                    total=r[10],
                    label=f"{DEFAULTS.ticket_prefix if r[11] is None else r[11]}{r[1]}",
                )
                for r in rows
            ),
            cursor,
        )
