"""The vehicle rules read whole (issue 20): each field's limits and the exact message the
editor shows, the owner and VIN checks, the odometer that never goes back, what each
save, delete and list returns and what the audit trail says; on both backends."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy import select

from mechanic_desktop.db.models import AuditEntry
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.errors import (
    DeleteRefused,
    NotFound,
    PermissionDenied,
    StaleRecord,
    ValidationError,
)
from mechanic_desktop.domain.records import ListQuery, VehicleRecord, VehicleRow
from mechanic_desktop.domain.staff import Role
from mechanic_desktop.services import vehicles
from mechanic_desktop.services.vehicles import VehicleData
from tests.unit import factories

VIN, OTHER, THIRD = factories.VINS
ELSEWHERE = "WVWZZZ1JZXW000001"  # no check digit: built outside North America
NO_CHECK_DIGIT = ("No valid check digit: normal for vehicles built outside North America, "
                  "but compare the VIN with the vehicle.")
LATEST = date.today().year + 2


def test_fields_are_cleaned_and_the_year_read_from_the_vin() -> None:
    assert vehicles.check_fields(VehicleData(
        7, " 1m8gdm9axkp042788 ", "  Ford  Motor ", " F-150 ", None, " abc  123 ", "41,000",
    ))[:2] == ({"customer_id": 7, "vin": VIN, "make": "Ford Motor", "model": "F-150",
                "year": 1989, "plate": "ABC 123", "odometer": 41_000}, None)
    values, warning, errors = vehicles.check_fields(VehicleData(7, VIN, year="2019"))
    assert (values["year"], warning, errors.fields) == (2019, None, {})  # typed wins
    values, warning, errors = vehicles.check_fields(VehicleData(7, ELSEWHERE))
    assert (values["year"], warning, errors.fields) == (None, NO_CHECK_DIGIT, {})


def test_each_field_is_accepted_up_to_its_limit() -> None:
    for year, odometer in ((1886, 0), (LATEST, 9_999_999)):
        values, _warning, errors = vehicles.check_fields(VehicleData(
            1, VIN, "M" * 60, "m" * 60, year, "P" * 20, odometer))
        assert errors.fields == {}
        assert (values["make"], values["model"], values["year"], values["plate"],
                values["odometer"]) == ("M" * 60, "m" * 60, year, "P" * 20, odometer)


@pytest.mark.parametrize(("year", "odometer"), [(1885, -1), (LATEST + 1, 10_000_000)])
def test_each_field_past_its_limit_is_refused_in_the_editors_words(
        year: int, odometer: int) -> None:
    _values, _warning, errors = vehicles.check_fields(VehicleData(
        1, "", "M" * 61, "m" * 61, year, "P" * 21, odometer))
    assert errors.fields == {
        "vin": "VIN is required.",
        "make": "Make is too long (at most 60 characters).",
        "model": "Model is too long (at most 60 characters).",
        "year": f"Year must be between 1,886 and {LATEST:,}.",
        "plate": "Plate is too long (at most 20 characters).",
        "odometer": "Odometer must be between 0 and 9,999,999.",
    }


def refused(call: Callable[[], object]) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.fields


def test_a_vehicle_needs_an_owner_on_file(uow: UnitOfWork) -> None:
    """A bad VIN is not looked up; a good one taken by another customer names them."""
    assert refused(lambda: vehicles.create_vehicle(uow, VehicleData(999, "XYZ1234"))) == {
        "vin": "A VIN has 17 characters; this one has 7.",
        "customer_id": "Choose the customer who owns this vehicle."}
    ada = factories.customer(uow)
    factories.vehicle(uow, ada.id, VIN)
    bob = factories.customer(uow, "Bob Smith")
    car = factories.vehicle(uow, bob.id, OTHER)
    assert refused(lambda: vehicles.update_vehicle(
        uow, car.id, VehicleData(bob.id, VIN), car.version)) == {
        "vin": "This VIN is already on file for Ada Lovelace."}


def test_a_vehicle_is_added_audited_and_read_back_whole(uow: UnitOfWork) -> None:
    ada = factories.customer(uow)
    made = vehicles.create_vehicle(uow, VehicleData(ada.id, ELSEWHERE, "VW", "Golf", "2004",
                                                    "gol 1", 120_000))
    whole = VehicleRecord(made.id, ada.id, ELSEWHERE, "VW", "Golf", 2004, "GOL 1", 120_000,
                          NO_CHECK_DIGIT, 1)
    assert made == whole
    assert vehicles.get_vehicle(uow, made.id) == whole
    other = factories.vehicle(uow, ada.id, VIN)
    assert vehicles.vehicles_of_customer(uow, ada.id) == [
        VehicleRecord(made.id, ada.id, ELSEWHERE, "VW", "Golf", 2004, "GOL 1", 120_000, None, 1),
        VehicleRecord(other.id, ada.id, VIN, "Ford", "F-150", 1989, "ABC 123", None, None, 1)]
    assert list(vehicles.list_vehicles(uow, ListQuery(sort="vin")).rows) == [
        VehicleRow(other.id, VIN, 1989, "Ford", "F-150", "ABC 123", ada.id, "Ada Lovelace"),
        VehicleRow(made.id, ELSEWHERE, 2004, "VW", "Golf", "GOL 1", ada.id, "Ada Lovelace")]
    with uow:
        entry = uow.session.scalars(select(AuditEntry).where(
            AuditEntry.entity_id == made.id, AuditEntry.entity == "vehicle")).one()
        assert (entry.action, entry.summary) == ("create", ELSEWHERE)


def test_an_edit_is_audited_and_an_unchanged_save_is_not(uow: UnitOfWork) -> None:
    ada = factories.customer(uow)
    car = factories.vehicle(uow, ada.id, VIN, odometer=50_000)
    same = vehicles.update_vehicle(uow, car.id, VehicleData(
        ada.id, VIN, "Ford", "F-150", None, "abc 123", 50_000), car.version)
    assert same == VehicleRecord(car.id, ada.id, VIN, "Ford", "F-150", 1989, "ABC 123", 50_000,
                                 None, car.version)
    moved = vehicles.update_vehicle(uow, car.id, VehicleData(
        ada.id, ELSEWHERE, "Ford", "Focus", 2010, "xyz 9", 50_000), car.version)
    assert moved == VehicleRecord(car.id, ada.id, ELSEWHERE, "Ford", "Focus", 2010, "XYZ 9",
                                  50_000, NO_CHECK_DIGIT, car.version + 1)
    with uow:
        assert list(uow.session.scalars(select(AuditEntry.summary).where(
            AuditEntry.entity == "vehicle", AuditEntry.action == "update"))) == [
            f"vin: '{VIN}' → '{ELSEWHERE}'; model: 'F-150' → 'Focus'; year: '1989' → '2010'; "
            "plate: 'ABC 123' → 'XYZ 9'"]


def test_a_stale_edit_names_who_changed_the_vehicle(uow: UnitOfWork) -> None:
    ada = factories.customer(uow)
    car = factories.vehicle(uow, ada.id, VIN)
    uow.actor = factories.signed_in(uow, Role.WRITER, "pat")
    vehicles.update_vehicle(uow, car.id, VehicleData(ada.id, VIN, plate="NEW 1"), car.version)
    with pytest.raises(StaleRecord) as caught:
        vehicles.update_vehicle(uow, car.id, VehicleData(ada.id, VIN, plate="OLD 1"),
                                car.version)
    message = str(caught.value)
    assert message.startswith(f"Vehicle {VIN} was changed at another desk by Staff pat at ")
    assert message.endswith(" after you opened it; reload it and apply your changes again.")


def test_a_vehicle_gone_is_named_by_its_number(uow: UnitOfWork) -> None:
    ada = factories.customer(uow)
    gone = "Vehicle #999 no longer exists; it may have been deleted at another desk."
    attempts: list[Callable[[], object]] = [
        lambda: vehicles.get_vehicle(uow, 999),
        lambda: vehicles.update_vehicle(uow, 999, VehicleData(ada.id, VIN), 1),
        lambda: vehicles.delete_vehicle(uow, 999)]
    for attempt in attempts:
        with pytest.raises(NotFound) as caught:
            attempt()
        assert str(caught.value) == gone


def test_a_vehicle_with_history_is_kept_and_one_without_is_deleted_and_audited(
        uow: UnitOfWork) -> None:
    ticket = factories.ticket(uow)
    with pytest.raises(DeleteRefused) as caught:
        vehicles.delete_vehicle(uow, ticket.vehicle_id)
    assert str(caught.value) == (
        f"The vehicle {VIN} has service tickets on file; deleting it would erase its "
        "service history. Keep it on file.")
    spare = factories.vehicle(uow, ticket.customer_id, OTHER)
    vehicles.delete_vehicle(uow, spare.id)
    with pytest.raises(NotFound):
        vehicles.get_vehicle(uow, spare.id)
    with uow:
        entry = uow.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "delete")).one()
        assert (entry.entity, entry.entity_id, entry.summary) == ("vehicle", spare.id, OTHER)


def test_the_odometer_may_stay_but_never_go_back(uow: UnitOfWork) -> None:
    ada = factories.customer(uow)
    car = factories.vehicle(uow, ada.id, VIN, odometer=50_000)
    kept = vehicles.update_vehicle(uow, car.id, VehicleData(ada.id, VIN, plate="NEW 1",
                                                            odometer=50_000), car.version)
    assert (kept.plate, kept.odometer) == ("NEW 1", 50_000)
    assert refused(lambda: vehicles.update_vehicle(
        uow, car.id, VehicleData(ada.id, VIN, odometer="49,999"), kept.version)) == {
        "odometer": "Odometer cannot go below the last reading of 50,000."}


def test_who_may_edit_and_delete_vehicles(uow: UnitOfWork) -> None:
    ada = factories.customer(uow)
    car = factories.vehicle(uow, ada.id, VIN)
    uow.actor = factories.signed_in(uow, Role.MECHANIC)
    attempts: list[Callable[[], object]] = [
        lambda: vehicles.create_vehicle(uow, VehicleData(ada.id, OTHER)),
        lambda: vehicles.update_vehicle(uow, car.id, VehicleData(ada.id, VIN), car.version)]
    for attempt in attempts:
        with pytest.raises(PermissionDenied) as caught:
            attempt()
        assert str(caught.value) == (
            "Mechanics cannot edit customers and vehicles; ask an administrator.")
    uow.actor = factories.signed_in(uow, Role.WRITER)
    with pytest.raises(PermissionDenied) as denied:
        vehicles.delete_vehicle(uow, car.id)
    assert str(denied.value) == "Service writers cannot delete records; ask an administrator."
    assert vehicles.get_vehicle(uow, car.id).vin == VIN
