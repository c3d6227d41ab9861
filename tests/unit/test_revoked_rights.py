"""Rights are re-read at every checked call: an account deactivated or demoted while
signed in can do nothing more with the actor it signed in as, and two administrators
demoting each other at once never leave the shop without one."""

from __future__ import annotations

import contextlib
import threading
from typing import Any

import pytest
from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session

from mechanic_desktop.db.models import StaffUser
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.errors import DomainError, RightsRevoked, ValidationError
from mechanic_desktop.domain.records import ListQuery
from mechanic_desktop.domain.staff import Actor, Role
from mechanic_desktop.services import customers, staff
from tests.conftest import empty_tables
from tests.unit.test_auth import FLOOR, GOOD


def two_admins(engine: Engine) -> tuple[Actor, Actor]:
    """Two administrators, each with their own desk's actor."""
    system = UnitOfWork(engine)
    boss = staff.create_first_admin(system, staff.StaffData("boss", "Pat Owner", "admin"),
                                    GOOD, GOOD, FLOOR)
    system.actor = boss
    row = staff.create_staff(system, staff.StaffData("deputy", "Dee Puty", "admin"),
                             GOOD, GOOD, FLOOR)
    return boss, Actor(row.id, row.username, row.full_name, Role.ADMIN)


def _active_admins(engine: Engine) -> int:
    with Session(engine) as session:
        return session.scalar(
            select(func.count()).select_from(StaffUser).where(
                StaffUser.role == "admin", StaffUser.active.is_(True))
        ) or 0


def test_a_deactivated_administrator_can_do_nothing_more(engine: Engine) -> None:
    boss, deputy = two_admins(engine)
    boss_desk = UnitOfWork(engine, actor=boss, require_actor=True)
    deputy_desk = UnitOfWork(engine, actor=deputy, require_actor=True)
    staff.set_staff_active(boss_desk, deputy.id, False)

    with pytest.raises(RightsRevoked, match="'deputy' was deactivated by an administrator"):
        staff.set_staff_active(deputy_desk, deputy.id, True)  # re-activate themselves
    with pytest.raises(RightsRevoked):
        staff.create_staff(deputy_desk, staff.StaffData("mole", "Mo Le", "admin"),
                           GOOD, GOOD, FLOOR)
    with pytest.raises(RightsRevoked):
        customers.create_customer(deputy_desk, customers.CustomerData("Anyone"))
    with pytest.raises(RightsRevoked):
        staff.list_staff(deputy_desk)  # a restricted read too
    with pytest.raises(RightsRevoked):
        staff.change_own_password(deputy_desk, GOOD, GOOD + "?", GOOD + "?", FLOOR)
    rows = staff.list_staff(boss_desk).rows
    assert [(r.username, r.active) for r in rows] == [("boss", True), ("deputy", False)]
    assert customers.count_customers(boss_desk) == 0


def test_a_demoted_administrator_keeps_no_admin_rights(engine: Engine) -> None:
    boss, deputy = two_admins(engine)
    boss_desk = UnitOfWork(engine, actor=boss, require_actor=True)
    deputy_desk = UnitOfWork(engine, actor=deputy, require_actor=True)
    row = staff.get_staff(boss_desk, deputy.id)
    staff.update_staff(boss_desk, deputy.id, staff.StaffData("deputy", "Dee Puty", "writer"),
                       row.version)

    with pytest.raises(RightsRevoked, match="from Administrator to Service writer"):
        staff.create_staff(deputy_desk, staff.StaffData("mole", "Mo Le", "admin"),
                           GOOD, GOOD, FLOOR)
    with pytest.raises(RightsRevoked):  # even what a service writer may do: sign in again
        customers.create_customer(deputy_desk, customers.CustomerData("Anyone"))
    assert [r.username for r in staff.list_staff(boss_desk).rows] == ["boss", "deputy"]
    # Signed in again with the new role, the account does what a writer does.
    writer_desk = UnitOfWork(engine, actor=Actor(deputy.id, "deputy", "Dee Puty", Role.WRITER),
                             require_actor=True)
    customers.create_customer(writer_desk, customers.CustomerData("Anyone"))
    assert customers.list_customers(writer_desk, ListQuery()).rows[0].name == "Anyone"


def test_two_administrators_demoting_each_other_keep_one_postgresql(pg_engine: Engine) -> None:
    """Both desks read "another admin is left" before either commits, unless the second
    waits for the first (the admins' rows are locked): then it finds itself demoted."""
    empty_tables(pg_engine)
    boss, deputy = two_admins(pg_engine)
    versions = {u.id: staff.get_staff(UnitOfWork(pg_engine, actor=boss), u.id).version
                for u in (boss, deputy)}
    both_checked = threading.Barrier(2)

    def hold_after_the_count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        # Give the other desk every chance to count the administrators too.
        if "count(*)" in statement and "staff_users" in statement:
            # A broken barrier: the other desk is waiting for our lock, as it should.
            with contextlib.suppress(threading.BrokenBarrierError):
                both_checked.wait(timeout=2)

    event.listen(pg_engine, "after_cursor_execute", hold_after_the_count)
    outcomes: dict[str, BaseException | None] = {}

    def demote(me: Actor, other: Actor) -> None:
        desk = UnitOfWork(pg_engine, actor=me, require_actor=True)
        try:
            staff.update_staff(desk, other.id,
                               staff.StaffData(other.username, other.full_name, "writer"),
                               versions[other.id])
            outcomes[me.username] = None
        except DomainError as exc:
            outcomes[me.username] = exc

    try:
        desks = [threading.Thread(target=demote, args=(boss, deputy)),
                 threading.Thread(target=demote, args=(deputy, boss))]
        for desk in desks:
            desk.start()
        for desk in desks:
            desk.join(timeout=30)
    finally:
        event.remove(pg_engine, "after_cursor_execute", hold_after_the_count)
    assert _active_admins(pg_engine) == 1
    refused = [exc for exc in outcomes.values() if exc is not None]
    assert len(outcomes) == 2 and len(refused) == 1
    assert isinstance(refused[0], RightsRevoked | ValidationError)


def test_the_last_administrator_cannot_be_demoted_on_sqlite_either(engine: Engine) -> None:
    boss, deputy = two_admins(engine)
    boss_desk = UnitOfWork(engine, actor=boss, require_actor=True)
    deputy_desk = UnitOfWork(engine, actor=deputy, require_actor=True)
    staff.update_staff(boss_desk, deputy.id, staff.StaffData("deputy", "Dee Puty", "writer"),
                       staff.get_staff(boss_desk, deputy.id).version)
    with pytest.raises(RightsRevoked):
        staff.update_staff(deputy_desk, boss.id, staff.StaffData("boss", "Pat Owner", "writer"),
                           staff.get_staff(boss_desk, boss.id).version)
    assert _active_admins(engine) == 1
