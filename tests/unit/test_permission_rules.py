"""The role check's own steps, called directly: the account re-read in the caller's
transaction (with the shop settings row), a second check reusing it, the exact refusals
of a deactivated or demoted account, and a mechanic link changed since sign-in."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, literal, select, update
from sqlalchemy.orm import Session

from mechanic_desktop.db.models import Mechanic, ShopSettings, StaffUser
from mechanic_desktop.db.repositories import NO_SETTINGS_ROW, SETTINGS_ROW
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.errors import PermissionDenied, RightsRevoked
from mechanic_desktop.domain.permissions import Action
from mechanic_desktop.domain.staff import Actor, Role
from mechanic_desktop.services import permissions, shop
from mechanic_desktop.services.permissions import _ACCOUNT_ROW


def _mechanic(engine: Engine, name: str) -> int:
    with Session(engine) as session:
        row = Mechanic(name=name, name_key=name.lower())
        session.add(row)
        session.commit()
        return row.id


def _account(engine: Engine, username: str, role: Role, mechanic_id: int | None = None,
             full_name: str = "") -> Actor:
    """A staff account written straight into the table (no password hashing: cheap)."""
    with Session(engine) as session:
        row = StaffUser(username=username, full_name=full_name or f"Staff {username}",
                        password_hash="-", role=role.value, mechanic_id=mechanic_id)
        session.add(row)
        session.commit()
        return Actor(row.id, username, row.full_name, role, mechanic_id)


def _change(engine: Engine, actor: Actor, **values: object) -> None:
    """What an administrator at another desk does to the account meanwhile."""
    with Session(engine) as session:
        session.execute(update(StaffUser).where(StaffUser.id == actor.id).values(**values))
        session.commit()


def _saved_settings(engine: Engine, name: str) -> None:
    uow = UnitOfWork(engine)
    with uow.writing():
        shop.settings_in(uow, create=True)
        uow.session.execute(update(ShopSettings).values(name=name))
        uow.commit()


# --- account_statement, hold_account --------------------------------------------------


def test_the_account_is_read_with_the_shops_settings_row(engine: Engine) -> None:
    _saved_settings(engine, "Acme Garage")
    pat = _account(engine, "pat", Role.WRITER)
    with Session(engine) as session:
        rows = list(session.execute(*permissions.account_statement(pat.id)))
        assert len(rows) == 1
        assert tuple(rows[0][:4]) == (pat.id, "writer", True, None)
        assert isinstance(rows[0][4], ShopSettings)
        assert (rows[0][4].id, rows[0][4].name) == (1, "Acme Garage")


def test_the_settings_read_with_the_account_serve_the_rest_of_the_transaction(
    engine: Engine,
) -> None:
    _saved_settings(engine, "Acme Garage")
    pat = _account(engine, "pat", Role.WRITER)
    uow = UnitOfWork(engine, actor=pat)
    with uow:
        assert permissions.current_actor(uow) is pat
        assert uow.session.info[_ACCOUNT_ROW] == (pat.id, "writer", True, None)
        assert NO_SETTINGS_ROW not in uow.session.info
        assert uow.session.info[SETTINGS_ROW].name == "Acme Garage"
        assert shop.settings_in(uow, create=False).name == "Acme Garage"


def test_holding_no_rows_holds_no_account_and_no_settings(uow: UnitOfWork) -> None:
    with uow:
        permissions.hold_account(uow, [])
        assert _ACCOUNT_ROW in uow.session.info
        assert uow.session.info[_ACCOUNT_ROW] is None
        assert SETTINGS_ROW not in uow.session.info
        assert NO_SETTINGS_ROW not in uow.session.info


# --- account_pending, require_reading ----------------------------------------------


def test_the_account_is_pending_until_this_transaction_has_read_it(engine: Engine) -> None:
    pat = _account(engine, "pat", Role.WRITER)
    kim = _account(engine, "kim", Role.ADMIN)
    uow = UnitOfWork(engine, actor=pat)
    with uow:
        pending = permissions.account_pending(uow)
        assert pending is not None
        assert tuple(uow.session.execute(*pending).one()[:4]) == (pat.id, "writer", True, None)
        permissions.hold_account(uow, list(uow.session.execute(*pending)))
        assert permissions.account_pending(uow) is None  # read: a second check reuses it
        uow.actor = kim  # another account's row held: kim's is still to be read
        again = permissions.account_pending(uow)
        assert again is not None
        assert tuple(uow.session.execute(*again).one()[:4]) == (kim.id, "admin", True, None)
    uow.actor = None
    with uow:
        assert permissions.account_pending(uow) is None  # the program's own work


def test_require_reading_returns_the_callers_rows_and_holds_the_account(
    engine: Engine,
) -> None:
    pat = _account(engine, "pat", Role.WRITER)
    uow = UnitOfWork(engine, actor=pat)
    with uow:
        actor, rows = permissions.require_reading(
            uow, Action.EDIT_TICKETS, [select(literal(1)), select(literal("two"))])
        assert actor is pat
        assert [[tuple(r) for r in found] for found in rows] == [[(1,)], [("two",)]]
        assert uow.session.info[_ACCOUNT_ROW] == (pat.id, "writer", True, None)
        actor, rows = permissions.require_reading(uow, Action.EDIT_TICKETS,
                                                  [select(literal(3))])
        assert actor is pat and [[tuple(r) for r in found] for found in rows] == [[(3,)]]


# --- current_actor, require ------------------------------------------------------------


def test_a_deactivated_account_is_refused_in_these_words(engine: Engine) -> None:
    pat = _account(engine, "pat", Role.WRITER)
    _change(engine, pat, active=False)
    uow = UnitOfWork(engine, actor=pat)
    with uow, pytest.raises(RightsRevoked) as refused:
        permissions.current_actor(uow)
    assert str(refused.value) == (
        "The account 'pat' was deactivated by an administrator after you signed in; "
        "nothing was saved. Mechanic Desktop locks until someone signs in.")


def test_a_demoted_account_is_refused_in_these_words(engine: Engine) -> None:
    pat = _account(engine, "pat", Role.ADMIN)
    _change(engine, pat, role="mechanic")
    uow = UnitOfWork(engine, actor=pat)
    with uow, pytest.raises(RightsRevoked) as refused:
        permissions.current_actor(uow)
    assert str(refused.value) == (
        "An administrator changed the role of 'pat' from Administrator to Mechanic after "
        "you signed in; nothing was saved. Sign in again to continue with the new role.")


def test_a_mechanic_link_changed_since_sign_in_is_the_one_the_database_holds(
    engine: Engine,
) -> None:
    first, second = _mechanic(engine, "Sam Wrench"), _mechanic(engine, "Kim Spanner")
    sam = _account(engine, "sam", Role.MECHANIC, first, full_name="Sam W.")
    uow = UnitOfWork(engine, actor=sam)
    with uow:
        assert permissions.current_actor(uow) is sam  # unchanged: the same actor
    _change(engine, sam, mechanic_id=second)
    with uow:
        assert permissions.current_actor(uow) == Actor(
            sam.id, "sam", "Sam W.", Role.MECHANIC, second)
    _change(engine, sam, mechanic_id=None)
    with uow:
        assert permissions.current_actor(uow) == Actor(sam.id, "sam", "Sam W.",
                                                       Role.MECHANIC, None)


def test_require_outside_a_transaction_reads_the_account_in_one_of_its_own(
    engine: Engine,
) -> None:
    pat = _account(engine, "pat", Role.WRITER)
    uow = UnitOfWork(engine, actor=pat)
    assert permissions.require(uow, Action.EDIT_TICKETS) is pat
    _change(engine, pat, active=False)
    with pytest.raises(RightsRevoked, match=r"^The account 'pat' was deactivated"):
        permissions.require(uow, Action.EDIT_TICKETS)


def test_a_refused_action_says_which_role_may_not_do_what(engine: Engine) -> None:
    pat = _account(engine, "pat", Role.WRITER)
    uow = UnitOfWork(engine, actor=pat)
    with uow, pytest.raises(PermissionDenied) as refused:
        permissions.require(uow, Action.VIEW_AUDIT)
    assert str(refused.value) == (
        "Service writers cannot read the audit trail; ask an administrator.")
    nobody = UnitOfWork(engine, require_actor=True)
    with pytest.raises(PermissionDenied) as refused:
        permissions.require(nobody, Action.VIEW_AUDIT)
    assert str(refused.value) == "Sign in to read the audit trail."
