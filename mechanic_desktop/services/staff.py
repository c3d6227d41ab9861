"""Staff accounts: the first administrator, management by admins, own password changes.

Accounts are deactivated, never deleted: the audit trail and stock ledger point at them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from argon2 import PasswordHasher
from sqlalchemy import func, select
from sqlalchemy.orm import object_session

from mechanic_desktop.db.models import Mechanic, StaffUser
from mechanic_desktop.db.repositories import STAFF, fetch_page
from mechanic_desktop.db.types import server_now
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.errors import PermissionDenied, ValidationError
from mechanic_desktop.domain.permissions import Action
from mechanic_desktop.domain.records import ListQuery, Page
from mechanic_desktop.domain.staff import Actor, Role
from mechanic_desktop.domain.validation import check_name
from mechanic_desktop.services import audit
from mechanic_desktop.services.auth import (
    _check_current_password,
    hash_new_password,
    to_actor,
)
from mechanic_desktop.services.common import (
    FieldErrors,
    check_version,
    constraint_errors,
    require,
)
from mechanic_desktop.services.hashing import DEFAULT_HASHER
from mechanic_desktop.services.permissions import current_actor
from mechanic_desktop.services.permissions import require as require_permission

_USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,59}")


@dataclass(frozen=True, slots=True)
class StaffData:
    username: str
    full_name: str
    role: Role | str
    mechanic_id: int | None = None


@dataclass(frozen=True, slots=True)
class StaffRow:
    id: int
    username: str
    full_name: str
    role: Role
    active: bool
    locked: bool
    mechanic_id: int | None
    #: The linked mechanic's name ("" when the account is not a mechanic's).
    mechanic_name: str = ""
    version: int = 1


def _validate(uow: UnitOfWork, data: StaffData, current: StaffUser | None) -> dict[str, object]:
    errors = FieldErrors()
    username = data.username.strip().casefold()
    if not _USERNAME.fullmatch(username):
        errors.add(
            "username",
            "User name: 2-60 letters, digits, dots, dashes or underscores, starting with a "
            "letter or digit.",
        )
    else:
        other = uow.session.scalar(select(StaffUser).where(StaffUser.username == username))
        if other is not None and (current is None or other.id != current.id):
            errors.add("username", f"The user name '{username}' is taken.")
    full_name, message = check_name(data.full_name, "Full name")
    errors.add("full_name", message)
    try:
        role = Role(data.role)
    except ValueError:
        errors.add("role", "Choose a role.")
        role = Role.WRITER
    mechanic_id = data.mechanic_id
    if role is Role.MECHANIC:
        if mechanic_id is None or uow.session.get(Mechanic, mechanic_id) is None:
            errors.add("mechanic_id", "A mechanic's account must be linked to a mechanic.")
    else:
        mechanic_id = None
    errors.raise_if_any()
    return {
        "username": username,
        "full_name": full_name,
        "role": role.value,
        "mechanic_id": mechanic_id,
    }


def _row(user: StaffUser, now_locked: bool = False) -> StaffRow:
    session = object_session(user)
    mechanic = (session.get(Mechanic, user.mechanic_id)
                if session is not None and user.mechanic_id is not None else None)
    return StaffRow(
        user.id,
        user.username,
        user.full_name,
        Role(user.role),
        user.active,
        now_locked,
        user.mechanic_id,
        mechanic.name if mechanic is not None else "",
        user.version,
    )


def _add_account(
    uow: UnitOfWork,
    data: StaffData,
    password: str,
    confirm: str,
    hasher: PasswordHasher,
    *,
    first: bool,
) -> StaffUser:
    """Validate, hash and store a new account with its audit row (caller commits)."""
    values = _validate(uow, data, None)
    user = StaffUser(
        **values,
        must_change_password=not first,
        password_hash=hash_new_password(
            password, confirm, hasher, str(values["username"]), str(values["full_name"])
        ),
    )
    with constraint_errors():
        uow.session.add(user)
        uow.flush()
    summary = "first administrator" if first else f"{user.username} as {Role(user.role).label}"
    audit.record(uow, "create", "staff", user.id, summary, staff_user_id=user.id if first else None)
    return user


def create_first_admin(
    uow: UnitOfWork,
    data: StaffData,
    password: str,
    confirm: str,
    hasher: PasswordHasher = DEFAULT_HASHER,
) -> Actor:
    """The first account of a new database: only possible while there is none."""
    with uow.writing():
        if uow.session.scalar(select(func.count()).select_from(StaffUser)):
            raise PermissionDenied("This database already has staff accounts; sign in instead.")
        admin = StaffData(data.username, data.full_name, Role.ADMIN)
        user = _add_account(uow, admin, password, confirm, hasher, first=True)
        uow.commit()
        return to_actor(user)


def create_staff(
    uow: UnitOfWork,
    data: StaffData,
    password: str,
    confirm: str,
    hasher: PasswordHasher = DEFAULT_HASHER,
) -> StaffRow:
    """A new account; the person must choose their own password at first sign-in."""
    with uow.writing():
        require_permission(uow, Action.MANAGE_STAFF)
        user = _add_account(uow, data, password, confirm, hasher, first=False)
        uow.commit()
        return _row(user)


def update_staff(
    uow: UnitOfWork, user_id: int, data: StaffData, expected_version: int
) -> StaffRow:
    """Save the editor's fields; refused when the account changed since it was read (so
    a stale editor cannot undo a promotion or demotion made meanwhile)."""
    with uow.writing():
        _lock_admins(uow)
        require_permission(uow, Action.MANAGE_STAFF)
        user = require(
            uow.session.get(StaffUser, user_id, with_for_update=True), "Staff account", user_id
        )
        check_version(uow, "staff", user, expected_version, f"The account '{user.username}'")
        values = _validate(uow, data, user)
        if user.role == Role.ADMIN and values["role"] != Role.ADMIN:
            _keep_one_admin(uow, user)
        summary = audit.apply_changes(user, values)
        if summary:
            user.version += 1
            audit.record(
                uow,
                "permission change" if "role" in summary else "update",
                "staff",
                user.id,
                summary,
            )
        with constraint_errors():
            uow.commit()
        return _row(user)


def _lock_admins(uow: UnitOfWork) -> None:
    """Lock every active administrator's row, in id order, before an account change that
    could remove one (PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers).

    Two administrators demoting each other at once then run one after the other: the
    second re-reads its own account after the wait (``require``), finds itself demoted,
    and is refused, so the shop always keeps an active administrator.
    """
    uow.session.execute(
        select(StaffUser.id)
        .where(StaffUser.role == Role.ADMIN.value, StaffUser.active.is_(True))
        .order_by(StaffUser.id)
        .with_for_update()
    ).all()


def _keep_one_admin(uow: UnitOfWork, user: StaffUser) -> None:
    admins = uow.session.scalar(
        select(func.count())
        .select_from(StaffUser)
        .where(
            StaffUser.role == Role.ADMIN.value,
            StaffUser.active.is_(True),
            StaffUser.id != user.id,
        )
    )
    if not admins:
        raise ValidationError.single(
            "role", "This is the last active administrator; make someone else one first."
        )


def set_staff_active(uow: UnitOfWork, user_id: int, active: bool) -> StaffRow:
    with uow.writing():
        _lock_admins(uow)
        require_permission(uow, Action.MANAGE_STAFF)
        user = require(uow.session.get(StaffUser, user_id), "Staff account", user_id)
        if not active and user.role == Role.ADMIN.value:
            _keep_one_admin(uow, user)
        if user.active != active:
            user.active = active
            user.version += 1
            audit.record(
                uow, "activate" if active else "deactivate", "staff", user.id, user.username
            )
        uow.commit()
        return _row(user)


def reset_password(
    uow: UnitOfWork,
    user_id: int,
    password: str,
    confirm: str,
    hasher: PasswordHasher = DEFAULT_HASHER,
) -> StaffRow:
    """An admin sets a temporary password; the user must change it at next sign-in."""
    with uow.writing():
        require_permission(uow, Action.MANAGE_STAFF)
        user = require(uow.session.get(StaffUser, user_id), "Staff account", user_id)
        user.password_hash = hash_new_password(
            password, confirm, hasher, user.username, user.full_name
        )
        user.must_change_password = True
        user.failed_logins = 0
        user.locked_until = None
        audit.record(uow, "reset password", "staff", user.id, user.username)
        uow.commit()
        return _row(user)


def unlock(uow: UnitOfWork, user_id: int) -> StaffRow:
    with uow.writing():
        require_permission(uow, Action.MANAGE_STAFF)
        user = require(uow.session.get(StaffUser, user_id), "Staff account", user_id)
        user.failed_logins = 0
        user.locked_until = None
        audit.record(uow, "unlock", "staff", user.id, user.username)
        uow.commit()
        return _row(user)


def change_own_password(
    uow: UnitOfWork,
    old: str,
    new: str,
    confirm: str,
    hasher: PasswordHasher = DEFAULT_HASHER,
) -> None:
    """The signed-in user replaces their password; the old one is required, and
    checked as a sign-in is (counted, locked, audited)."""
    if uow.actor is None:
        raise PermissionDenied("Sign in first.")
    with uow.writing():
        actor = current_actor(uow)  # a deactivated account changes nothing
        assert actor is not None
        user = require(
            uow.session.get(StaffUser, actor.id, with_for_update=True), "Staff account", actor.id
        )
        _check_current_password(uow, user, old, hasher=hasher)
        if new == old:
            raise ValidationError.single(
                "password", "Choose a password different from the old one."
            )
        user.password_hash = hash_new_password(new, confirm, hasher, user.username, user.full_name)
        user.must_change_password = False
        audit.record(uow, "change password", "staff", user.id, user.username)
        uow.commit()


def get_staff(uow: UnitOfWork, user_id: int) -> StaffRow:
    """One account as the staff list shows it (an editor's Reload)."""
    with uow:
        require_permission(uow, Action.MANAGE_STAFF)
        user = require(uow.session.get(StaffUser, user_id), "Staff account", user_id)
        now = server_now(uow.session)
        return _row(user, user.locked_until is not None and user.locked_until > now)


def list_staff(uow: UnitOfWork, query: ListQuery | None = None) -> Page[StaffRow]:
    """Accounts with their linked mechanic's name, searched (user name, full name or role),
    filtered and sorted in the database; by user name when no query is given."""
    query = query or ListQuery(sort="username", limit=1000)
    with uow:
        require_permission(uow, Action.MANAGE_STAFF)
        rows, cursor = fetch_page(uow.session, STAFF, query)
        now = server_now(uow.session)
        return Page(
            tuple(
                StaffRow(id_, username, full_name, Role(role), active,
                         locked_until is not None and locked_until > now, mechanic_id, name,
                         version)
                for id_, username, full_name, role, active, locked_until, mechanic_id, name,
                version in rows
            ),
            cursor,
        )

