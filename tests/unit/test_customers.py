"""Customer service on SQLite and PostgreSQL: validation, uniqueness, delete rules, lists."""

from __future__ import annotations

import pytest

from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.errors import DeleteRefused, NotFound, ValidationError
from mechanic_desktop.domain.records import ListQuery
from mechanic_desktop.services import customers
from mechanic_desktop.services.customers import CustomerData
from tests.unit import factories


def test_create_and_read_back(uow: UnitOfWork) -> None:
    made = customers.create_customer(
        uow,
        CustomerData("  Ada   Lovelace ", "Ada@Example.com", "(555) 123-4567", "1 Main St", "VIP"),
    )
    got = customers.get_customer(uow, made.id)
    assert got == made
    assert (got.name, got.email, got.phone, got.address, got.notes) == (
        "Ada Lovelace",
        "ada@example.com",
        "(555) 123-4567",
        "1 Main St",
        "VIP",
    )


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (CustomerData(""), "name", "Name is required."),
        (CustomerData("x" * 201), "name", "Name is too long (201 characters; at most 200)."),
        (CustomerData("Ada", email="ada@"), "email", "E-mail is not valid"),
        (CustomerData("Ada", phone="12"), "phone", "Phone has the wrong number of digits."),
        (CustomerData("Ada", notes="n" * 10_001), "notes", "Notes are too long"),
    ],
)
def test_validation_messages(uow: UnitOfWork, data: CustomerData, field: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        customers.create_customer(uow, data)
    assert caught.value.fields[field].startswith(message)
    assert customers.count_customers(uow) == 0


def test_email_is_unique_ignoring_case(uow: UnitOfWork) -> None:
    customers.create_customer(uow, CustomerData("Ada Lovelace", "ada@example.com"))
    with pytest.raises(ValidationError) as caught:
        customers.create_customer(uow, CustomerData("Ada Byron", "ADA@example.com"))
    assert caught.value.fields == {"email": "Ada Lovelace already has this e-mail."}


def test_update_keeps_own_email_and_refuses_anothers(uow: UnitOfWork) -> None:
    ada = customers.create_customer(uow, CustomerData("Ada", "ada@example.com"))
    bob = customers.create_customer(uow, CustomerData("Bob", "bob@example.com"))
    renamed = customers.update_customer(
        uow, ada.id, CustomerData("Ada L", "ada@example.com"), ada.version
    )
    assert renamed.name == "Ada L"
    with pytest.raises(ValidationError) as caught:
        customers.update_customer(uow, bob.id, CustomerData("Bob", "ada@example.com"), bob.version)
    assert "email" in caught.value.fields
    assert customers.get_customer(uow, bob.id).email == "bob@example.com"


def test_delete_without_history_removes_customer_and_vehicles(uow: UnitOfWork) -> None:
    ada = factories.customer(uow)
    factories.vehicle(uow, ada.id)
    customers.delete_customer(uow, ada.id)
    with pytest.raises(NotFound):
        customers.get_customer(uow, ada.id)


def test_delete_with_tickets_is_refused_with_reason(uow: UnitOfWork) -> None:
    ticket = factories.ticket(uow)
    with pytest.raises(DeleteRefused, match="has service tickets on file"):
        customers.delete_customer(uow, ticket.customer_id)
    assert customers.get_customer(uow, ticket.customer_id).name == "Ada Lovelace"


def test_search_by_name_surname_phone_and_email(uow: UnitOfWork) -> None:
    customers.create_customer(uow, CustomerData("Ada Lovelace", "ada@example.com", "555-123-4567"))
    customers.create_customer(uow, CustomerData("Bob Smith", "bob@shop.org", "555-987-6543"))

    def names(text: str) -> list[str]:
        return [r.name for r in customers.list_customers(uow, ListQuery(search=text)).rows]

    assert names("ada") == ["Ada Lovelace"]
    assert names("SMI") == ["Bob Smith"]
    assert names("555987") == ["Bob Smith"]
    assert names("bob@sh") == ["Bob Smith"]
    assert names("zzz") == []


def test_wildcards_in_search_are_literal(uow: UnitOfWork) -> None:
    customers.create_customer(uow, CustomerData("Ada Lovelace"))
    customers.create_customer(uow, CustomerData("100% Tires"))
    for text in ("%", "_", "a%", "a_a"):
        rows = customers.list_customers(uow, ListQuery(search=text)).rows
        assert all(text.casefold() in r.name.casefold() for r in rows), text
    assert [r.name for r in customers.list_customers(uow, ListQuery(search="100%")).rows] == [
        "100% Tires"
    ]


@pytest.mark.parametrize("descending", [False, True])
def test_keyset_pages_cover_every_row_once_in_order(uow: UnitOfWork, descending: bool) -> None:
    for i in range(23):
        customers.create_customer(uow, CustomerData(f"Customer {i % 5}"))  # duplicate names
    seen: list[tuple[str, int]] = []
    cursor = None
    while True:
        page = customers.list_customers(
            uow, ListQuery(sort="name", descending=descending, cursor=cursor, limit=4)
        )
        seen += [(r.name.casefold(), r.id) for r in page.rows]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert len(seen) == 23 == len(set(seen))
    assert seen == sorted(seen, reverse=descending)


def test_list_counts_vehicles_and_open_tickets(uow: UnitOfWork) -> None:
    ticket = factories.ticket(uow)
    row = customers.list_customers(uow, ListQuery()).rows[0]
    assert (row.id, row.vehicle_count, row.open_tickets) == (ticket.customer_id, 1, 1)
