"""A ticket's ORM row as the plain ``TicketRecord`` services hand out: one mapping that
the ticket service (create, edit, read) and the workflow (lines, status) share."""

from __future__ import annotations

from mechanic_desktop.db.models import ServiceTicket
from mechanic_desktop.domain.records import TicketRecord


def vehicle_title(year: int | None, make: str, model: str, plate: str) -> str:
    """"2019 Ford Focus · AB-123": how a ticket names its vehicle in lists and editors."""
    text = " ".join(p for p in (str(year) if year else "", make, model) if p)
    return f"{text} · {plate}" if plate else text


def ticket_record(t: ServiceTicket) -> TicketRecord:
    """The ticket with its customer's name and vehicle title (loaded through the row's
    relationships, inside the caller's transaction)."""
    v = t.vehicle
    return TicketRecord(
        t.id,
        t.number,
        t.customer_id,
        t.customer.name,
        t.vehicle_id,
        vehicle_title(v.year, v.make, v.model, v.plate),
        t.status,
        t.description,
        t.odometer_in,
        t.opened_at,
        t.promised_at,
        t.completed_at,
        t.closed_at,
        t.parts_total,
        t.labor_total,
        t.tax_total,
        t.total,
        t.version,
    )
