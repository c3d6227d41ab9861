"""Staff accounts for UI tests, hashed at OWASP's floor (fast, still argon2id)."""

from __future__ import annotations

from argon2 import PasswordHasher

from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.staff import Actor, Role
from mechanic_desktop.services import auth, staff
from mechanic_desktop.services.staff import StaffData, StaffRow

FLOOR = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
GOOD = "tyre-Pressure-Gauge-77"
TEMPORARY = "Spark-plug-gap-0.8mm"
NEW = "Torque-Wrench-Setting-42"


def make_admin(uow: UnitOfWork) -> Actor:
    """The first administrator, Pat Owner (``boss`` / GOOD)."""
    return staff.create_first_admin(uow, StaffData("boss", "Pat Owner", Role.ADMIN), GOOD, GOOD,
                                    FLOOR)


def make_staff(uow: UnitOfWork, admin: Actor, username: str, full_name: str, role: Role,
               mechanic_id: int | None = None) -> StaffRow:
    """An account created by ``admin`` with the TEMPORARY password (must be changed)."""
    uow.actor = admin
    try:
        return staff.create_staff(uow, StaffData(username, full_name, role, mechanic_id),
                                  TEMPORARY, TEMPORARY, FLOOR)
    finally:
        uow.actor = None


def make_signed_in(uow: UnitOfWork, admin: Actor, username: str, full_name: str, role: Role,
                   mechanic_id: int | None = None) -> Actor:
    """An account that has already chosen its own password (NEW)."""
    make_staff(uow, admin, username, full_name, role, mechanic_id)
    actor = auth.login(uow, username, TEMPORARY, hasher=FLOOR).actor
    uow.actor = actor
    try:
        staff.change_own_password(uow, TEMPORARY, NEW, NEW, FLOOR)
    finally:
        uow.actor = None
    return actor
