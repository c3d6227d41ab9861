"""What every service shares: turning constraint violations into field messages,
collecting field errors, and mapping ORM rows to records."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from mechanic_desktop.db.repositories import WorkflowRepository
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.errors import NotFound, StaleRecord, ValidationError
from mechanic_desktop.domain.money import parse_money
from mechanic_desktop.domain.records import ListQuery, Page

T = TypeVar("T")
R = TypeVar("R")

_TAKEN_UP = ("That recommended job was just added to a ticket at another desk; the list "
             "has been refreshed.")

#: Constraint name fragment → (field, message) for violations a race can still cause.
_CONSTRAINT_MESSAGES = {
    "uq_customers_email": ("email", "Another customer already has this e-mail."),
    "uq_mechanics_email": ("email", "Another mechanic already has this e-mail."),
    "uq_vehicles_vin": ("vin", "A vehicle with this VIN is already on file."),
    "uq_parts_sku": ("sku", "Another part already has this SKU."),
    "uq_staff_users_mechanic_id": (
        "mechanic_id",
        "That mechanic already has an account; edit that account instead.",
    ),
    "uq_staff_users_username": ("username", "That user name is taken."),
    "uq_service_tickets_number": ("number", "That ticket number was just taken; save again."),
    "uq_ticket_jobs_follow_up_of": ("recommendation", _TAKEN_UP),
    "ticket_jobs.follow_up_of": ("recommendation", _TAKEN_UP),  # SQLite names the column
    "on_hand_nonneg": ("quantity_on_hand", "Not enough stock on hand."),
    "price_nonneg": ("unit_price", "Price cannot be negative."),
}


@contextmanager
def constraint_errors() -> Iterator[None]:
    """Re-raise a database constraint violation as a field-level ValidationError."""
    try:
        yield
    except IntegrityError as exc:
        text = str(exc.orig)
        for fragment, (field, message) in _CONSTRAINT_MESSAGES.items():
            if fragment in text:
                raise ValidationError.single(field, message) from exc
        if "UNIQUE constraint failed" in text or "duplicate key" in text:
            raise ValidationError.single("", "That record is already on file.") from exc
        if "FOREIGN KEY" in text or "foreign key" in text:
            raise ValidationError.single(
                "", "A linked record no longer exists; reload and try again."
            ) from exc
        raise ValidationError.single("", "The database refused the change: " + text) from exc
    except StaleDataError as exc:
        raise StaleRecord(
            "Someone else saved this record a moment ago; reload it and apply your changes."
        ) from exc


class FieldErrors:
    """Collects messages per field, then raises them all at once."""

    def __init__(self) -> None:
        self.fields: dict[str, str] = {}

    def add(self, field: str, message: str | None) -> None:
        if message and field not in self.fields:
            self.fields[field] = message

    def money(self, field: str, value: str | Decimal | int, label: str) -> Decimal:
        try:
            return parse_money(value, label)
        except ValueError as exc:
            self.add(field, str(exc))
            return Decimal("0.00")

    def integer(
        self, field: str, value: Any, label: str, minimum: int = 0, maximum: int = 2**31 - 1
    ) -> int | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        try:
            number = int(str(value).strip().replace(",", ""))
        except ValueError:
            self.add(field, f"{label} must be a whole number.")
            return None
        if not minimum <= number <= maximum:
            self.add(field, f"{label} must be between {minimum:,} and {maximum:,}.")
            return None
        return number

    def raise_if_any(self) -> None:
        if self.fields:
            raise ValidationError(self.fields)


def require(obj: T | None, what: str, id_: int) -> T:
    if obj is None:
        raise NotFound(f"{what} #{id_} no longer exists; it may have been deleted at another desk.")
    return obj


#: An audit entry this close to a record's last update is taken to describe it.
_AUDIT_SLACK = timedelta(seconds=5)


def stale(
    uow: UnitOfWork,
    entity: str,
    entity_id: int,
    what: str,
    updated_at: datetime | None,
    then: str = "reload it and apply your changes again.",
) -> StaleRecord:
    """The refusal of a save made from an old copy of ``what``: who changed it and when,
    as far as the audit trail tells (else when the row says it was updated)."""
    when, who = updated_at, None
    last = WorkflowRepository(uow.session).last_change(entity, entity_id)
    if last is not None and (updated_at is None or abs(last[0] - updated_at) <= _AUDIT_SLACK):
        when, who = last
    by = f" by {who}" if who else ""
    at = f" at {when.astimezone().strftime('%Y-%m-%d %H:%M')}" if when is not None else ""
    return StaleRecord(f"{what} was changed at another desk{by}{at} after you opened it; {then}")


def check_version(
    uow: UnitOfWork,
    entity: str,
    row: Any,
    expected_version: int | None,
    what: str,
) -> None:
    """Refuse the save unless ``row`` is still at the version the editor read (None: the
    caller read no copy, e.g. a scripted or bulk change)."""
    if expected_version is not None and row.version != expected_version:
        raise stale(uow, entity, row.id, what, getattr(row, "updated_at", None))


def paged(
    uow: UnitOfWork,
    fetch: Callable[[UnitOfWork, ListQuery], tuple[list[Any], tuple[Any, ...] | None]],
    query: ListQuery,
    to_row: Callable[[Any], R],
) -> Page[R]:
    """Run one keyset page query (reads only) and map its rows."""
    with uow.reading():
        rows, cursor = fetch(uow, query)
        return Page(tuple(to_row(r) for r in rows), cursor)
