"""Vehicle, mechanic and part services on both backends: every field rule and delete rule."""

from __future__ import annotations

from decimal import Decimal

import pytest

from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.errors import DeleteRefused, StaleRecord, ValidationError
from mechanic_desktop.domain.records import ListQuery
from mechanic_desktop.domain.validation import name_part_matches
from mechanic_desktop.domain.vin import check_digit
from mechanic_desktop.services import mechanics, parts, tickets, vehicles
from mechanic_desktop.services.mechanics import MechanicData
from mechanic_desktop.services.parts import PartData
from mechanic_desktop.services.vehicles import VehicleData
from tests.unit import factories


def check_digit_fixed(vin: str) -> str:
    return vin[:8] + check_digit(vin) + vin[9:]


def test_vehicle_is_stored_normalised_with_decoded_year(uow: UnitOfWork) -> None:
    owner = factories.customer(uow)
    made = vehicles.create_vehicle(uow, VehicleData(owner.id, "1fTmw1t88mfa00001", plate="ab 12"))
    assert (made.vin, made.year, made.plate, made.vin_warning) == (
        "1FTMW1T88MFA00001",
        2021,
        "AB 12",
        None,
    )


@pytest.mark.parametrize(
    ("vin", "typed", "stored"),
    [
        ("WVWZZZAUZYW000001", None, None),  # German: "Y" would decode to 2030
        ("WVWZZZAUZYW000001", "2000", 2000),  # what the user types is kept
        (check_digit_fixed("1FTMW1T80YFA00001"), None, None),  # NA, but 2030: too late
    ],
)
def test_vehicle_keeps_no_year_the_vin_cannot_tell(
    uow: UnitOfWork, vin: str, typed: str | None, stored: int | None
) -> None:
    """A vehicle saved with no year typed never gets a decoded year in the future."""
    owner = factories.customer(uow)
    made = vehicles.create_vehicle(uow, VehicleData(owner.id, vin, year=typed))
    assert made.year == stored
    assert vehicles.get_vehicle(uow, made.id).year == stored


@pytest.mark.parametrize(
    ("vin", "year", "odometer", "field", "message"),
    [
        ("1M8GDM9A1KP042788", None, None, "vin", "Check digit (9th character) is 1"),
        ("XYZ1234", None, None, "vin", "A VIN has 17 characters; this one has 7."),
        ("1M8GDM9AXKP042788", 1700, None, "year", "Year must be between 1,886 and"),
        ("1M8GDM9AXKP042788", "abc", None, "year", "Year must be a whole number."),
        ("1M8GDM9AXKP042788", None, -5, "odometer", "Odometer must be between 0 and"),
    ],
)
def test_vehicle_validation(
    uow: UnitOfWork, vin: str, year: object, odometer: object, field: str, message: str
) -> None:
    owner = factories.customer(uow)
    with pytest.raises(ValidationError) as caught:
        vehicles.create_vehicle(uow, VehicleData(owner.id, vin, year=year, odometer=odometer))  # type: ignore[arg-type]
    assert caught.value.fields[field].startswith(message)


def test_duplicate_vin_names_the_owner(uow: UnitOfWork) -> None:
    ada = factories.customer(uow)
    factories.vehicle(uow, ada.id)
    bob = factories.customer(uow, "Bob Smith")
    with pytest.raises(ValidationError) as caught:
        factories.vehicle(uow, bob.id)
    assert caught.value.fields == {"vin": "This VIN is already on file for Ada Lovelace."}


def test_foreign_vin_is_kept_with_a_warning(uow: UnitOfWork) -> None:
    owner = factories.customer(uow)
    made = vehicles.create_vehicle(uow, VehicleData(owner.id, "WVWZZZ1JZXW000001"))
    assert made.vin_warning is not None
    assert vehicles.get_vehicle(uow, made.id).vin_warning == made.vin_warning


def test_odometer_cannot_go_backwards(uow: UnitOfWork) -> None:
    owner = factories.customer(uow)
    car = factories.vehicle(uow, owner.id, odometer=50_000)
    data = VehicleData(owner.id, car.vin, odometer=49_999)
    with pytest.raises(ValidationError) as caught:
        vehicles.update_vehicle(uow, car.id, data, car.version)
    assert caught.value.fields == {
        "odometer": "Odometer cannot go below the last reading of 50,000."
    }
    assert (
        vehicles.update_vehicle(
            uow, car.id, VehicleData(owner.id, car.vin, odometer=50_100), car.version
        ).odometer
        == 50_100
    )


def test_vehicle_with_tickets_cannot_be_deleted(uow: UnitOfWork) -> None:
    ticket = factories.ticket(uow)
    with pytest.raises(DeleteRefused, match="service history"):
        vehicles.delete_vehicle(uow, ticket.vehicle_id)


def test_vehicle_list_search_by_plate_and_vin_fragment(uow: UnitOfWork) -> None:
    owner = factories.customer(uow)
    factories.vehicle(uow, owner.id, factories.VINS[0])
    vehicles.create_vehicle(uow, VehicleData(owner.id, factories.VINS[1], plate="XYZ 9"))
    assert [r.vin for r in vehicles.list_vehicles(uow, ListQuery(search="xyz")).rows] == [
        factories.VINS[1]
    ]
    assert [r.vin for r in vehicles.list_vehicles(uow, ListQuery(search="042788")).rows] == [
        factories.VINS[0]
    ]


def test_mechanic_rules(uow: UnitOfWork) -> None:
    sam = mechanics.create_mechanic(
        uow, MechanicData("Sam Wrench", "sam@shop.com", hourly_rate="$95.5")
    )
    assert sam.hourly_rate == Decimal("95.50")
    with pytest.raises(ValidationError) as caught:
        mechanics.create_mechanic(uow, MechanicData("", hourly_rate="-1"))
    assert caught.value.fields == {
        "name": "Name is required.",
        "hourly_rate": "Hourly rate cannot be negative.",
    }
    with pytest.raises(ValidationError) as caught:
        mechanics.create_mechanic(uow, MechanicData("Sam Two", "SAM@shop.com"))
    assert caught.value.fields == {"email": "Sam Wrench already has this e-mail."}


def test_mechanic_on_a_ticket_is_deactivated_not_deleted(uow: UnitOfWork) -> None:
    from mechanic_desktop.services import workflow

    ticket = factories.ticket(uow)
    sam = mechanics.create_mechanic(uow, MechanicData("Sam Wrench", hourly_rate="90"))
    workflow.assign_mechanics(uow, ticket.id, {sam.id: 0}, ticket.version)
    with pytest.raises(DeleteRefused, match="Mark them inactive instead"):
        mechanics.delete_mechanic(uow, sam.id)
    assert not mechanics.set_mechanic_active(uow, sam.id, False).active
    active = mechanics.list_mechanics(uow, ListQuery(filters={"active_only": True})).rows
    assert active == ()
    assert tickets.list_tickets(uow, ListQuery()).rows[0].mechanics == "Sam Wrench"


NAMES = ("Sam Wrench", "María de la Cruz", "Kim Samwell", "Li Wei", "O'Brien 100% Bolt")


def test_mechanics_are_found_by_any_name_part(uow: UnitOfWork) -> None:
    """As customers are found by surname: any word of the name, from its start."""
    for name in NAMES:
        mechanics.create_mechanic(uow, MechanicData(name))

    def found(text: str) -> list[str]:
        return [r.name for r in mechanics.list_mechanics(uow, ListQuery(search=text)).rows]

    assert found("wrench") == ["Sam Wrench"]
    assert found("CRUZ") == ["María de la Cruz"]
    assert found("de la") == ["María de la Cruz"]
    assert found("sam") == ["Sam Wrench", "Kim Samwell"]  # a name starting so comes first
    assert found("wren sam") == ["Sam Wrench"]  # every word narrows, in any order
    assert found("rench") == []
    assert found("100%") == ["O'Brien 100% Bolt"]  # LIKE's wildcards are literal
    assert found("1%") == []
    for text in ("", "wei", "li w", "o'b", "am", " la  cruz ", "z"):
        assert sorted(found(text)) == sorted(n for n in NAMES if name_part_matches(n, text)), text


def test_part_rules_and_opening_stock(uow: UnitOfWork) -> None:
    oil = parts.create_part(uow, PartData("oil-5w30", "Oil 5W-30", "12.995", "7", 5, 20))
    assert (oil.sku, oil.unit_price, oil.quantity_on_hand) == ("OIL-5W30", Decimal("13.00"), 20)
    with pytest.raises(ValidationError) as caught:
        parts.create_part(uow, PartData("OIL-5W30", "", "-3", "x", -1))
    assert caught.value.fields == {
        "sku": "SKU OIL-5W30 is already used by 'Oil 5W-30'.",
        "name": "Name is required.",
        "unit_price": "Price cannot be negative.",
        "unit_cost": "Cost must be a number, like 12.50.",
        "reorder_level": "Reorder level must be between 0 and 1,000,000.",
    }


def test_part_edit_on_a_stale_copy_is_refused(uow: UnitOfWork) -> None:
    oil = parts.create_part(uow, PartData("OIL", "Oil", "10"))
    parts.update_part(uow, oil.id, PartData("OIL", "Oil 5W", "11"), expected_version=oil.version)
    with pytest.raises(StaleRecord):
        parts.update_part(
            uow, oil.id, PartData("OIL", "Oil 10W", "12"), expected_version=oil.version
        )
    assert parts.get_part(uow, oil.id).name == "Oil 5W"


def test_part_low_stock_filter_and_delete(uow: UnitOfWork) -> None:
    parts.create_part(uow, PartData("A", "Filter", "5", reorder_level=10, initial_quantity=3))
    plenty = parts.create_part(
        uow, PartData("B", "Bulb", "2", reorder_level=1, initial_quantity=50)
    )
    low = parts.list_parts(uow, ListQuery(filters={"low_stock": True})).rows
    assert [(r.sku, r.low_stock) for r in low] == [("A", True)]
    parts.delete_part(uow, plenty.id)
    assert [r.sku for r in parts.list_parts(uow, ListQuery()).rows] == ["A"]


def test_vin_fragment_search_follows_edits_and_deletes(uow: UnitOfWork) -> None:
    owner = factories.customer(uow)
    car = factories.vehicle(uow, owner.id, factories.VINS[0])

    def found(fragment: str) -> list[int]:
        return [r.id for r in vehicles.list_vehicles(uow, ListQuery(search=fragment)).rows]

    assert found("GDM9A") == [car.id]
    vehicles.update_vehicle(uow, car.id, VehicleData(owner.id, factories.VINS[2]), car.version)
    assert found("GDM9A") == []
    assert found("MW1T8") == [car.id]
    assert found("x%_") == []  # wildcards and punctuation are literal, never an error
    vehicles.delete_vehicle(uow, car.id)
    assert found("MW1T8") == []


def test_each_mechanic_counts_only_their_own_open_tickets(uow: UnitOfWork) -> None:
    from mechanic_desktop.services import workflow

    ticket = factories.ticket(uow)
    sam = mechanics.create_mechanic(uow, MechanicData("Sam Wrench", hourly_rate="90"))
    mechanics.create_mechanic(uow, MechanicData("Idle Ida", hourly_rate="90"))
    workflow.assign_mechanics(uow, ticket.id, {sam.id: 60}, ticket.version)
    counts = {r.name: r.open_tickets for r in mechanics.list_mechanics(uow, ListQuery()).rows}
    assert counts == {"Idle Ida": 0, "Sam Wrench": 1}


def test_a_mechanic_reads_a_mechanic_without_the_pay_rate(uow: UnitOfWork) -> None:
    """The rate is left out by the service, by the role the database holds now: a
    mechanic's window never receives it; a service writer's (who assigns work) does."""
    from mechanic_desktop.domain.staff import Role

    sam = mechanics.create_mechanic(uow, MechanicData("Sam Wrench", hourly_rate="95.50"))
    for role, rate in ((Role.MECHANIC, None), (Role.WRITER, Decimal("95.50")),
                       (Role.ADMIN, Decimal("95.50"))):
        uow.actor = factories.signed_in(uow, role)
        try:
            record = mechanics.get_mechanic(uow, sam.id)
            listed = mechanics.list_mechanics(uow, ListQuery(search="sam")).rows
        finally:
            uow.actor = None
        assert (record.name, record.hourly_rate) == ("Sam Wrench", rate), role
        assert [(r.name, r.hourly_rate) for r in listed] == [("Sam Wrench", rate)], role


def test_a_part_on_a_ticket_is_kept_and_a_deleted_one_is_audited(uow: UnitOfWork) -> None:
    from sqlalchemy import select

    from mechanic_desktop.db.models import AuditEntry
    from mechanic_desktop.domain.errors import DeleteRefused, NotFound
    from mechanic_desktop.services import workflow

    used = parts.create_part(uow, PartData("PAD-1", "Brake pad", "20", initial_quantity=5))
    spare = parts.create_part(uow, PartData("BULB-9", "Bulb", "2", initial_quantity=3))
    workflow.add_part_lines(uow, factories.ticket(uow).id, [(used.id, 1)])
    with pytest.raises(DeleteRefused) as refused:
        parts.delete_part(uow, used.id)
    assert str(refused.value) == (
        "Part PAD-1 is on service tickets; deleting it would change what those tickets "
        "record. Keep it, and set its reorder level to 0 if you no longer stock it.")
    parts.delete_part(uow, spare.id)
    with pytest.raises(NotFound, match=rf"^Part #{spare.id} no longer exists"):
        parts.delete_part(uow, spare.id)
    with uow:
        entry = uow.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "delete")).one()
        assert (entry.entity, entry.entity_id, entry.summary) == ("part", spare.id,
                                                                  "BULB-9 Bulb")
