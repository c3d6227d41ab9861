"""The mechanic services' own rules, called directly: each field's exact message, a
mechanic keeping their own e-mail, the record handed back, the audit row of each write
and the exact refusals (gone, worked on tickets)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from mechanic_desktop.db.models import AuditEntry, Mechanic, StaffUser
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.errors import DeleteRefused, NotFound, ValidationError
from mechanic_desktop.domain.records import ListQuery, MechanicRecord
from mechanic_desktop.domain.validation import MAX_EMAIL
from mechanic_desktop.services import mechanics, workflow
from mechanic_desktop.services.mechanics import MechanicData
from tests.unit import factories


def _trail(uow: UnitOfWork) -> list[tuple[Any, ...]]:
    with uow:
        return [tuple(r) for r in uow.session.execute(
            select(AuditEntry.action, AuditEntry.entity, AuditEntry.entity_id,
                   AuditEntry.summary).order_by(AuditEntry.id))]


def _refused(uow: UnitOfWork, data: MechanicData) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        mechanics.create_mechanic(uow, data)
    return caught.value.fields


def test_each_field_is_refused_with_its_own_message(uow: UnitOfWork) -> None:
    long_email = "a" * (MAX_EMAIL - 8) + "@shop.com"
    assert _refused(uow, MechanicData("Sam", long_email)) == {
        "email": f"E-mail is too long (at most {MAX_EMAIL} characters)."}
    assert _refused(uow, MechanicData("Sam", "sam@")) == {
        "email": "E-mail is not valid: There must be something after the @-sign."}
    assert _refused(uow, MechanicData("Sam", phone="12")) == {
        "phone": "Phone has the wrong number of digits."}
    assert _refused(uow, MechanicData("Sam", phone="555-CALL-NOW-PLEASE-NOW")) == {
        "phone": "Phone is not a phone number: use digits, spaces, +, - or ()."}
    assert _refused(uow, MechanicData("", "sam@", "12", "x")) == {
        "name": "Name is required.",
        "email": "E-mail is not valid: There must be something after the @-sign.",
        "phone": "Phone has the wrong number of digits.",
        "hourly_rate": "Hourly rate must be a number, like 12.50.",
    }


def test_a_new_mechanic_is_stored_as_typed_cleaned_and_audited(uow: UnitOfWork) -> None:
    sam = mechanics.create_mechanic(
        uow, MechanicData("  Sam   Wrench ", " Sam@Shop.COM ", " (555) 010-0199 ", "95.5"))
    assert sam == MechanicRecord(sam.id, "Sam Wrench", "sam@shop.com", "(555) 010-0199",
                                 Decimal("95.50"), True, 1)
    with uow:
        row = uow.session.get(Mechanic, sam.id)
        assert row is not None
        assert (row.name_key, row.phone_digits) == ("sam wrench", "5550100199")
    assert _trail(uow) == [("create", "mechanic", sam.id, "Sam Wrench")]


def test_a_mechanic_keeps_their_own_email_and_the_update_is_audited(uow: UnitOfWork) -> None:
    sam = mechanics.create_mechanic(uow, MechanicData("Sam Wrench", "sam@shop.com"))
    saved = mechanics.update_mechanic(
        uow, sam.id, MechanicData("Sam Wrench", "sam@shop.com", hourly_rate="90"), sam.version)
    assert saved == MechanicRecord(sam.id, "Sam Wrench", "sam@shop.com", "",
                                   Decimal("90.00"), True, 2)
    unchanged = mechanics.update_mechanic(
        uow, sam.id, MechanicData("Sam Wrench", "sam@shop.com", hourly_rate="90"),
        saved.version)
    assert unchanged.version == 2
    assert _trail(uow) == [
        ("create", "mechanic", sam.id, "Sam Wrench"),
        ("update", "mechanic", sam.id, "hourly_rate: '0.00' → '90.00'"),
    ]
    kim = mechanics.create_mechanic(uow, MechanicData("Kim Spanner"))
    with pytest.raises(ValidationError) as caught:
        mechanics.update_mechanic(uow, kim.id, MechanicData("Kim Spanner", "SAM@shop.com"),
                                  kim.version)
    assert caught.value.fields == {"email": "Sam Wrench already has this e-mail."}


def test_deactivating_a_mechanic_is_audited_once(uow: UnitOfWork) -> None:
    sam = mechanics.create_mechanic(uow, MechanicData("Sam Wrench"))
    off = mechanics.set_mechanic_active(uow, sam.id, False)
    assert off == MechanicRecord(sam.id, "Sam Wrench", None, "", Decimal("0.00"), False, 2)
    assert mechanics.set_mechanic_active(uow, sam.id, False) == off
    assert _trail(uow)[1:] == [("update", "mechanic", sam.id, "active: 'True' → 'False'")]


def test_a_mechanic_gone_is_named_in_every_refusal(uow: UnitOfWork) -> None:
    gone = "Mechanic #999 no longer exists; it may have been deleted at another desk."
    for call in (
        lambda: mechanics.get_mechanic(uow, 999),
        lambda: mechanics.update_mechanic(uow, 999, MechanicData("X"), 1),
        lambda: mechanics.set_mechanic_active(uow, 999, False),
        lambda: mechanics.delete_mechanic(uow, 999),
    ):
        with pytest.raises(NotFound) as caught:
            call()
        assert str(caught.value) == gone


def test_a_deleted_mechanic_is_audited(uow: UnitOfWork) -> None:
    spare = mechanics.create_mechanic(uow, MechanicData("Idle Ida"))
    mechanics.delete_mechanic(uow, spare.id)
    assert _trail(uow)[-1] == ("delete", "mechanic", spare.id, "Idle Ida")
    with uow:
        assert uow.session.get(Mechanic, spare.id) is None


def test_a_mechanic_who_worked_on_a_ticket_is_not_deleted(uow: UnitOfWork) -> None:
    ticket = factories.ticket(uow, approved=False)
    sam = mechanics.create_mechanic(uow, MechanicData("Sam Wrench"))
    workflow.assign_mechanics(uow, ticket.id, {sam.id: 0}, ticket.version)
    with pytest.raises(DeleteRefused) as refused:
        mechanics.delete_mechanic(uow, sam.id)
    assert str(refused.value) == (
        "Sam Wrench has worked on tickets, and deleting them would erase who did that "
        "work. Mark them inactive instead: they leave the pick lists but stay in the "
        "history.")


def test_the_record_leaves_out_only_the_pay_rate_when_asked() -> None:
    row = Mechanic(id=4, name="Sam", email="sam@shop.com", phone="555", hourly_rate=Decimal(
        "80.00"), active=False, version=7)
    assert mechanics.to_record(row) == MechanicRecord(
        4, "Sam", "sam@shop.com", "555", Decimal("80.00"), False, 7)
    assert mechanics.to_record(row, with_rate=False) == MechanicRecord(
        4, "Sam", "sam@shop.com", "555", None, False, 7)


def test_a_mechanic_with_a_sign_in_account_is_refused_as_such(
    uow: UnitOfWork, engine: Engine
) -> None:
    sam = mechanics.create_mechanic(uow, MechanicData("Sam Wrench"))
    with Session(engine) as session:
        session.add(StaffUser(username="sam", full_name="Sam Wrench", password_hash="-",
                              role="mechanic", mechanic_id=sam.id))
        session.commit()
    with pytest.raises(DeleteRefused) as refused:
        mechanics.delete_mechanic(uow, sam.id)
    assert str(refused.value) == (
        "Sam Wrench signs in as 'sam', and that account would lose its mechanic. Mark them "
        "inactive instead, or link the account to another mechanic in Staff first.")
    assert [m.name for m in mechanics.list_mechanics(uow, ListQuery()).rows] == ["Sam Wrench"]
