"""Customers, vehicles, mechanics and staff accounts refuse a save made from a copy read
before another desk's save, naming who changed the record and when (as tickets, parts
and settings do); nothing of the stale save is written."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from mechanic_desktop.db.models import AuditEntry, Customer
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.errors import LoginFailed, StaleRecord
from mechanic_desktop.domain.staff import Role
from mechanic_desktop.services import auth, customers, mechanics, staff, vehicles
from tests.unit import factories
from tests.unit.test_auth import FLOOR, GOOD
from tests.unit.test_revoked_rights import two_admins


@dataclass(frozen=True)
class Kind:
    """How to make, read and save one kind of record (``save(uow, id, name, version)``)."""

    make: Callable[[UnitOfWork], Any]
    read: Callable[[UnitOfWork, int], Any]
    save: Callable[[UnitOfWork, Any, str, int], Any]
    shown: Callable[[Any], str]
    what: str


def _vehicle_data(record: Any, plate: str) -> vehicles.VehicleData:
    return vehicles.VehicleData(record.customer_id, record.vin, plate=plate)


KINDS = {
    "customer": Kind(
        factories.customer,
        customers.get_customer,
        lambda u, r, text, v: customers.update_customer(
            u, r.id, customers.CustomerData(text), v),
        lambda r: r.name, "Customer THEIRS 1"),  # named as it is now
    "vehicle": Kind(
        lambda u: factories.vehicle(u, factories.customer(u).id),
        vehicles.get_vehicle,
        lambda u, r, text, v: vehicles.update_vehicle(u, r.id, _vehicle_data(r, text), v),
        lambda r: r.plate, f"Vehicle {factories.VINS[0]}"),
    "mechanic": Kind(
        lambda u: mechanics.create_mechanic(u, mechanics.MechanicData("Sam Wrench")),
        mechanics.get_mechanic,
        lambda u, r, text, v: mechanics.update_mechanic(
            u, r.id, mechanics.MechanicData(text, hourly_rate="80"), v),
        lambda r: r.name, "Mechanic THEIRS 1"),
    "staff": Kind(
        lambda u: staff.create_staff(u, staff.StaffData("kim", "Kim Desk", "writer"),
                                     GOOD, GOOD, FLOOR),
        staff.get_staff,
        lambda u, r, text, v: staff.update_staff(
            u, r.id, staff.StaffData("kim", text, "writer"), v),
        lambda r: r.full_name, "The account 'kim'"),
}


def _desks(engine: Engine) -> tuple[UnitOfWork, UnitOfWork]:
    """Two desks signed in as two administrators (Pat at the first, Dee at the second)."""
    pat, dee = two_admins(engine)
    return UnitOfWork(engine, actor=pat), UnitOfWork(engine, actor=dee)


@pytest.mark.parametrize("kind", list(KINDS))
def test_a_stale_save_is_refused_naming_who_and_when(engine: Engine, kind: str) -> None:
    k = KINDS[kind]
    mine, theirs = _desks(engine)
    made = k.make(mine)
    opened = k.read(mine, made.id)  # my editor reads it ...
    saved = k.save(theirs, opened, "THEIRS 1", opened.version)  # ... another desk saves
    assert saved.version == opened.version + 1
    with pytest.raises(StaleRecord) as refused:
        k.save(mine, opened, "MINE 2", opened.version)
    assert re.fullmatch(
        rf"{re.escape(k.what)} was changed at another desk by Dee Puty at "
        r"\d{4}-\d\d-\d\d \d\d:\d\d after you opened it; reload it and apply your changes "
        r"again\.", str(refused.value))
    now = k.read(mine, made.id)
    assert (k.shown(now), now.version) == ("THEIRS 1", saved.version)
    # Reloaded, the same edit saves.
    assert k.shown(k.save(mine, now, "MINE 2", now.version)) == "MINE 2"


def test_a_stale_staff_editor_cannot_undo_a_promotion(engine: Engine) -> None:
    mine, theirs = _desks(engine)
    kim = staff.create_staff(mine, staff.StaffData("kim", "Kim Desk", "writer"),
                             GOOD, GOOD, FLOOR)
    promoted = staff.update_staff(theirs, kim.id, staff.StaffData("kim", "Kim Desk", "admin"),
                                  kim.version)
    with pytest.raises(StaleRecord, match=r"The account 'kim' was changed .* by Dee Puty"):
        staff.update_staff(mine, kim.id, staff.StaffData("kim", "Kim Desk-Smith", "writer"),
                           kim.version)
    assert staff.get_staff(mine, kim.id).role is Role.ADMIN
    # Deactivating moves the version too; signing in does not.
    staff.set_staff_active(theirs, kim.id, False)
    with pytest.raises(StaleRecord):
        staff.update_staff(mine, kim.id, staff.StaffData("kim", "Kim", "admin"),
                           promoted.version)
    staff.set_staff_active(theirs, kim.id, True)
    before = staff.get_staff(mine, kim.id).version
    auth.login(UnitOfWork(engine), "kim", GOOD, hasher=FLOOR)
    with pytest.raises(LoginFailed):
        auth.login(UnitOfWork(engine), "kim", "wrong password", hasher=FLOOR)
    assert staff.get_staff(mine, kim.id).version == before


def test_a_change_the_audit_trail_does_not_explain_is_dated_by_the_row(engine: Engine) -> None:
    """A change with no audit entry within 5 s of the row's update (a script, a restore)
    names nobody and gives the row's time; an entry exactly 5 s off still explains it."""
    mine, _ = _desks(engine)
    made = factories.customer(mine)  # audited as Pat Owner
    with Session(engine) as s:
        audited = s.scalars(select(AuditEntry.at).where(
            AuditEntry.entity == "customer", AuditEntry.entity_id == made.id)).one()
    for offset, by, when in ((timedelta(seconds=5), " by Pat Owner", audited),
                             (timedelta(hours=2), "", audited + timedelta(hours=2))):
        with engine.begin() as conn:
            conn.execute(update(Customer).where(Customer.id == made.id).values(
                version=Customer.version + 1, updated_at=audited + offset))
        with pytest.raises(StaleRecord) as refused:
            customers.update_customer(mine, made.id, customers.CustomerData("Mine"),
                                      made.version)
        at = when.astimezone().strftime("%Y-%m-%d %H:%M")
        assert str(refused.value) == (
            f"Customer {made.name} was changed at another desk{by} at {at} after you opened "
            "it; reload it and apply your changes again.")
