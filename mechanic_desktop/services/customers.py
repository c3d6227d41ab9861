"""Customers: create, edit, find, list, and delete only when no history depends on them."""

from __future__ import annotations

from dataclasses import dataclass

from mechanic_desktop.db.models import Customer
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.errors import DeleteRefused
from mechanic_desktop.domain.permissions import Action
from mechanic_desktop.domain.records import CustomerRecord, CustomerRow, ListQuery, Page
from mechanic_desktop.domain.validation import (
    MAX_TEXT,
    check_email,
    check_name,
    check_phone,
    clean_text,
    phone_digits,
    search_key,
)
from mechanic_desktop.services import audit
from mechanic_desktop.services.common import (
    FieldErrors,
    check_version,
    constraint_errors,
    paged,
    require,
)
from mechanic_desktop.services.permissions import require as require_permission


@dataclass(frozen=True, slots=True)
class CustomerData:
    """What the customer editor sends, as typed."""

    name: str
    email: str = ""
    phone: str = ""
    address: str = ""
    notes: str = ""


def check_fields(data: CustomerData) -> tuple[dict[str, object], FieldErrors]:
    """The field rules without the database (the CSV import checks e-mails in bulk):
    cleaned column values and whatever errors were found."""
    errors = FieldErrors()
    name, message = check_name(data.name)
    errors.add("name", message)
    email, message = check_email(data.email)
    errors.add("email", message)
    phone, message = check_phone(data.phone)
    errors.add("phone", message)
    address, notes = clean_text(data.address), clean_text(data.notes)
    if len(address) > MAX_TEXT:
        errors.add("address", f"Address is too long (at most {MAX_TEXT:,} characters).")
    if len(notes) > MAX_TEXT:
        errors.add("notes", f"Notes are too long (at most {MAX_TEXT:,} characters).")
    key = search_key(name)
    return {
        "name": name,
        "name_key": key,
        "surname_key": key.rsplit(" ", 1)[-1],
        "email": email,
        "phone": phone,
        "phone_digits": phone_digits(phone),
        "address": address,
        "notes": notes,
    }, errors


def _validate(uow: UnitOfWork, data: CustomerData, current_id: int | None) -> dict[str, object]:
    values, errors = check_fields(data)
    email = values["email"]
    if isinstance(email, str) and email and "email" not in errors.fields:
        other = uow.customers.by_email(email)
        if other is not None and other.id != current_id:
            errors.add("email", f"{other.name} already has this e-mail.")
    errors.raise_if_any()
    return values


def to_record(c: Customer) -> CustomerRecord:
    return CustomerRecord(
        c.id, c.name, c.email, c.phone, c.address, c.notes, c.created_at, c.updated_at,
        c.version,
    )


def create_customer(uow: UnitOfWork, data: CustomerData) -> CustomerRecord:
    with uow.writing():
        require_permission(uow, Action.EDIT_CUSTOMERS)
        customer = Customer(**_validate(uow, data, None))
        with constraint_errors():
            uow.customers.add(customer)
            uow.flush()
            audit.record(uow, "create", "customer", customer.id, customer.name)
            uow.commit()
        return to_record(customer)


def update_customer(
    uow: UnitOfWork, customer_id: int, data: CustomerData, expected_version: int
) -> CustomerRecord:
    """Save the editor's fields; refused when the customer changed since it was read."""
    with uow.writing():
        require_permission(uow, Action.EDIT_CUSTOMERS)
        customer = require(uow.customers.get(customer_id), "Customer", customer_id)
        check_version(uow, "customer", customer, expected_version, f"Customer {customer.name}")
        summary = audit.apply_changes(customer, _validate(uow, data, customer_id))
        if summary:
            audit.record(uow, "update", "customer", customer_id, summary)
        with constraint_errors():
            uow.commit()
        return to_record(customer)


def get_customer(uow: UnitOfWork, customer_id: int) -> CustomerRecord:
    with uow:
        return to_record(require(uow.customers.get(customer_id), "Customer", customer_id))


def delete_customer(uow: UnitOfWork, customer_id: int) -> None:
    """Delete a customer and their vehicles; refused once any ticket refers to them."""
    with uow.writing():
        require_permission(uow, Action.DELETE_RECORDS)
        customer = require(uow.customers.get(customer_id), "Customer", customer_id)
        if uow.customers.has_tickets(customer_id):
            raise DeleteRefused(
                f"{customer.name} has service tickets on file, and deleting them would "
                "erase that service history. Keep the customer; edit their details instead."
            )
        for vehicle in uow.vehicles.of_customer(customer_id):
            uow.vehicles.delete(vehicle)
        uow.customers.delete(customer)
        audit.record(uow, "delete", "customer", customer_id, customer.name)
        with constraint_errors():
            uow.commit()


def list_customers(uow: UnitOfWork, query: ListQuery) -> Page[CustomerRow]:
    return paged(uow, lambda u, q: u.customers.page(q), query, lambda r: CustomerRow(*r))


def count_customers(uow: UnitOfWork) -> int:
    with uow:
        return uow.customers.count()
