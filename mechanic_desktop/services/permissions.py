"""Role checks every service makes before it acts.

The actor captured at sign-in is only who claims to be at the keyboard: an
administrator may have deactivated or demoted the account since. So ``require`` runs
inside the caller's transaction and re-reads the account's role and active flag (one
primary-key read); a changed account is refused with ``RightsRevoked`` and the app locks
its windows back to sign-in.

Over a network each read is a round trip, so that read also brings the shop settings row
(nearly every write prices or labels something with it; ``settings_in`` then finds it in
the session), and a second check in the same transaction reuses the first one's row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from mechanic_desktop.db import pipeline
from mechanic_desktop.db.models import ShopSettings, StaffUser
from mechanic_desktop.db.prepared import Bound, prepared
from mechanic_desktop.db.repositories import hold_settings
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.errors import PermissionDenied, RightsRevoked
from mechanic_desktop.domain.permissions import Action, allowed, refusal
from mechanic_desktop.domain.staff import Actor, Role

#: ``session.info`` key: the account row this transaction read (id, role, active,
#: mechanic id); the settings row read with it is held under ``SETTINGS_ROW``.
_ACCOUNT_ROW = "permissions.account_row"


@prepared("actor_id")
def account_statement(actor_id: Any) -> Any:
    """The account's id, role, active flag and mechanic, with the shop settings row."""
    return (select(StaffUser.id, StaffUser.role, StaffUser.active, StaffUser.mechanic_id,
                   ShopSettings)
            .select_from(StaffUser)
            .outerjoin(ShopSettings, ShopSettings.id == 1)
            .where(StaffUser.id == actor_id))


def hold_account(uow: UnitOfWork, rows: Sequence[Any]) -> None:
    """Keep the rows of ``account_statement`` for this transaction's checks."""
    found = rows[0] if rows else None
    if found is not None:
        hold_settings(uow.session, found[4])  # held: the session keeps it while referenced
    uow.session.info[_ACCOUNT_ROW] = None if found is None else tuple(found[:4])


def account_pending(uow: UnitOfWork) -> Bound | None:
    """``account_statement`` of the signed-in account when this transaction has not
    read it yet (a caller sends it with its own first reads), else None."""
    actor = uow.actor
    if actor is None:
        return None
    row = uow.session.info.get(_ACCOUNT_ROW)
    return account_statement(actor.id) if row is None or row[0] != actor.id else None


def require_reading(
    uow: UnitOfWork, action: Action, statements: Sequence[Any]
) -> tuple[Actor | None, list[list[Any]]]:
    """``require`` with the caller's first reads (``statements``, their rows returned)
    sent in the same exchange with the server (db/pipeline.py): one round trip."""
    account = account_pending(uow) if uow.in_transaction else None
    rows = pipeline.run(uow.session, [*statements, *([account] if account is not None else [])])
    if account is not None:
        hold_account(uow, rows.pop())
    return require(uow, action), rows


def current_actor(uow: UnitOfWork) -> Actor | None:
    """The signed-in account as the database has it now, inside the open transaction;
    None for the program's own work (nobody signed in, and none required).

    Raises RightsRevoked when the account is gone, deactivated, or holds another role
    than it signed in with (its window was built for that role: it signs in again).
    """
    actor = uow.actor
    if actor is None:
        return None
    session = uow.session
    row = session.info.get(_ACCOUNT_ROW)
    if row is None or row[0] != actor.id:
        hold_account(uow, list(session.execute(*account_statement(actor.id))))
        row = session.info[_ACCOUNT_ROW]
    if row is None or not row[2]:
        raise RightsRevoked(
            f"The account '{actor.username}' was deactivated by an administrator after you "
            "signed in; nothing was saved. Mechanic Desktop locks until someone signs in."
        )
    _, role_value, _, mechanic_id = row
    role = Role(role_value)
    if role is not actor.role:
        raise RightsRevoked(
            f"An administrator changed the role of '{actor.username}' from "
            f"{actor.role.label} to {role.label} after you signed in; nothing was saved. "
            "Sign in again to continue with the new role."
        )
    if mechanic_id != actor.mechanic_id:
        return Actor(actor.id, actor.username, actor.full_name, role, mechanic_id)
    return actor


def require(uow: UnitOfWork, action: Action) -> Actor | None:
    """Raise PermissionDenied unless the signed-in account, as it is now, may do
    ``action``; return that account (None: the program's own work).

    Call it inside the service's ``with uow`` block, so the check and the work share one
    transaction; outside one (work that is not a transaction of this database, e.g. a
    backup) it reads the account in a short transaction of its own. Work with no actor
    is the program's own (migrations, seeding, tests of rules); the app itself always
    signs someone in before it shows a window.
    """
    if uow.actor is None:
        if uow.require_actor:
            raise PermissionDenied(f"Sign in to {action.value}.")
        return None
    if uow.in_transaction:
        actor = current_actor(uow)
    else:
        with uow:
            actor = current_actor(uow)
    assert actor is not None
    if allowed(actor.role, action):
        return actor
    raise PermissionDenied(refusal(actor.role, action))
