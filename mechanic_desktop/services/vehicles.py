"""Vehicles: a check-digit-validated VIN, one owner, and an odometer that never goes back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from mechanic_desktop.db.models import Vehicle
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.errors import DeleteRefused
from mechanic_desktop.domain.permissions import Action
from mechanic_desktop.domain.records import ListQuery, Page, VehicleRecord, VehicleRow
from mechanic_desktop.domain.validation import clean_line
from mechanic_desktop.domain.vin import check_vin
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
class VehicleData:
    """What the vehicle editor sends, as typed."""

    customer_id: int
    vin: str
    make: str = ""
    model: str = ""
    year: int | str | None = None
    plate: str = ""
    odometer: int | str | None = None


def check_fields(data: VehicleData) -> tuple[dict[str, object], str | None, FieldErrors]:
    """The field rules without the database (owner, VIN on file and odometer history are
    checked by the caller; the CSV import does it in bulk): values, VIN warning, errors."""
    errors = FieldErrors()
    vin = check_vin(data.vin)
    errors.add("vin", vin.error)
    make, model = clean_line(data.make), clean_line(data.model)
    for field, value, label in (("make", make, "Make"), ("model", model, "Model")):
        if len(value) > 60:
            errors.add(field, f"{label} is too long (at most 60 characters).")
    year = errors.integer("year", data.year, "Year", 1886, date.today().year + 2)
    plate = clean_line(data.plate).upper()
    if len(plate) > 20:
        errors.add("plate", "Plate is too long (at most 20 characters).")
    odometer = errors.integer("odometer", data.odometer, "Odometer", 0, 9_999_999)
    values: dict[str, object] = {
        "customer_id": data.customer_id,
        "vin": vin.vin,
        "make": make,
        "model": model,
        "year": year if year is not None else vin.model_year,
        "plate": plate,
        "odometer": odometer,
    }
    return values, vin.warning, errors


def _validate(
    uow: UnitOfWork, data: VehicleData, current: Vehicle | None
) -> tuple[dict[str, object], str | None]:
    values, warning, errors = check_fields(data)
    if uow.customers.get(data.customer_id) is None:
        errors.add("customer_id", "Choose the customer who owns this vehicle.")
    vin = values["vin"]
    if isinstance(vin, str) and "vin" not in errors.fields:
        other = uow.vehicles.by_vin(vin)
        if other is not None and (current is None or other.id != current.id):
            errors.add("vin", f"This VIN is already on file for {other.customer.name}.")
    odometer = values["odometer"]
    if current is not None and isinstance(odometer, int):
        last = uow.vehicles.last_odometer(current.id)
        if last is not None and odometer < last:
            errors.add("odometer", f"Odometer cannot go below the last reading of {last:,}.")
    errors.raise_if_any()
    return values, warning


def to_record(v: Vehicle, warning: str | None = None) -> VehicleRecord:
    return VehicleRecord(
        v.id, v.customer_id, v.vin, v.make, v.model, v.year, v.plate, v.odometer, warning,
        v.version,
    )


def create_vehicle(uow: UnitOfWork, data: VehicleData) -> VehicleRecord:
    """Add a vehicle; a VIN without a check digit (non-North-American) is kept, with a
    warning on the returned record."""
    with uow.writing():
        require_permission(uow, Action.EDIT_CUSTOMERS)
        values, warning = _validate(uow, data, None)
        vehicle = Vehicle(**values)
        with constraint_errors():
            uow.vehicles.add(vehicle)
            uow.flush()
            audit.record(uow, "create", "vehicle", vehicle.id, vehicle.vin)
            uow.commit()
        return to_record(vehicle, warning)


def update_vehicle(
    uow: UnitOfWork, vehicle_id: int, data: VehicleData, expected_version: int
) -> VehicleRecord:
    """Save the editor's fields; refused when the vehicle changed since it was read (a
    ticket opened with a higher odometer reading changes it too)."""
    with uow.writing():
        require_permission(uow, Action.EDIT_CUSTOMERS)
        vehicle = require(uow.vehicles.get(vehicle_id), "Vehicle", vehicle_id)
        check_version(uow, "vehicle", vehicle, expected_version, f"Vehicle {vehicle.vin}")
        values, warning = _validate(uow, data, vehicle)
        summary = audit.apply_changes(vehicle, values)
        if summary:
            audit.record(uow, "update", "vehicle", vehicle_id, summary)
        with constraint_errors():
            uow.commit()
        return to_record(vehicle, warning)


def get_vehicle(uow: UnitOfWork, vehicle_id: int) -> VehicleRecord:
    with uow:
        vehicle = require(uow.vehicles.get(vehicle_id), "Vehicle", vehicle_id)
        return to_record(vehicle, check_vin(vehicle.vin).warning)


def vehicles_of_customer(uow: UnitOfWork, customer_id: int) -> list[VehicleRecord]:
    with uow:
        return [to_record(v) for v in uow.vehicles.of_customer(customer_id)]


def delete_vehicle(uow: UnitOfWork, vehicle_id: int) -> None:
    with uow.writing():
        require_permission(uow, Action.DELETE_RECORDS)
        vehicle = require(uow.vehicles.get(vehicle_id), "Vehicle", vehicle_id)
        if uow.vehicles.has_tickets(vehicle_id):
            raise DeleteRefused(
                f"The vehicle {vehicle.vin} has service tickets on file; deleting it would "
                "erase its service history. Keep it on file."
            )
        uow.vehicles.delete(vehicle)
        audit.record(uow, "delete", "vehicle", vehicle_id, vehicle.vin)
        with constraint_errors():
            uow.commit()


def list_vehicles(uow: UnitOfWork, query: ListQuery) -> Page[VehicleRow]:
    return paged(uow, lambda u, q: u.vehicles.page(q), query, lambda r: VehicleRow(*r))
