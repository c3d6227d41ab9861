"""Signing in: argon2id hashes, a password policy, and lockout stored in the database.

Lockout is per user name and survives restarts and other workstations: after
``FREE_FAILURES`` consecutive failures the name locks for 30 s, doubling with each
further failure up to 15 minutes, timed by the database server's clock. While locked,
attempts are refused without checking the password, so at most
``MAX_GUESSES_FIRST_HOUR`` guesses are evaluated in any account's first hour under
attack and 4 an hour after that. A name no account has locks the same way, so trying
a name tells nothing about whether it exists.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from mechanic_desktop.db.models import SignInThrottle, StaffUser
from mechanic_desktop.db.types import server_now
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.errors import AccountLocked, LoginFailed, ValidationError
from mechanic_desktop.domain.staff import Actor, Role
from mechanic_desktop.services import audit
from mechanic_desktop.services.hashing import DEFAULT_HASHER
from mechanic_desktop.services.password_policy import MAX_PASSWORD, MIN_PASSWORD

FREE_FAILURES = 5
FIRST_LOCK = timedelta(seconds=30)
LONGEST_LOCK = timedelta(minutes=15)
WRONG = "Wrong user name or password."
#: 5 at once, then one as each lock ends: 30, 60, 120, 240, 480, 900 and 900 s (the
#: 12th guess comes 2730 s in, the 13th only at 3630 s).
MAX_GUESSES_FIRST_HOUR = 12

Clock = Callable[[], datetime]

#: A throw-away hash per hasher profile (see ``_spend_a_check``).
_DUMMY_HASHES: dict[tuple[int, int, int], str] = {}


@dataclass(frozen=True, slots=True)
class SignIn:
    actor: Actor
    must_change_password: bool


def password_problem(password: str, *hints: str) -> str | None:
    """Why a new password is refused, or None: length, then commonness (zxcvbn)."""
    if len(password) < MIN_PASSWORD:
        return f"Use at least {MIN_PASSWORD} characters."
    if len(password) > MAX_PASSWORD:
        return f"Use at most {MAX_PASSWORD} characters."
    from zxcvbn import zxcvbn  # its word lists take a moment to load; only for new passwords

    # zxcvbn rates at most 72 characters; the whole password is still hashed.
    result = zxcvbn(password[:72], user_inputs=[h for h in hints if h])
    if result["score"] < 2:
        warning = result["feedback"]["warning"] or "This password is too easy to guess."
        suggestion = " ".join(result["feedback"]["suggestions"][:1])
        return f"{warning.rstrip('.')}. {suggestion}".strip()
    return None


def lock_duration(failures: int) -> timedelta | None:
    """How long the account locks after its ``failures``-th consecutive failure."""
    if failures < FREE_FAILURES:
        return None
    lock: timedelta = FIRST_LOCK * 2 ** min(failures - FREE_FAILURES, 20)
    return min(lock, LONGEST_LOCK)


def to_actor(user: StaffUser) -> Actor:
    return Actor(user.id, user.username, user.full_name, Role(user.role), user.mechanic_id)


def needs_first_admin(uow: UnitOfWork) -> bool:
    with uow:
        return not uow.session.scalar(select(func.count()).select_from(StaffUser))


def _verify(hasher: PasswordHasher, stored: str, password: str) -> bool:
    try:
        # "surrogatepass": a lone surrogate (pasted from a broken source) is just a
        # wrong password, not a crash.
        return hasher.verify(stored, password.encode("utf-8", "surrogatepass"))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _spend_a_check(hasher: PasswordHasher, password: str) -> None:
    """One password check against a throw-away hash: the time a real one takes, so an
    unknown, deactivated or locked account answers no sooner than a wrong password."""
    profile = (hasher.time_cost, hasher.memory_cost, hasher.parallelism)
    dummy = _DUMMY_HASHES.get(profile)
    if dummy is None:
        dummy = _DUMMY_HASHES[profile] = hasher.hash("not the password")
    _verify(hasher, dummy, password)


class Counted(Protocol):
    """A failed-sign-in counter: a staff account, or a ``SignInThrottle`` row."""

    failed_logins: int
    locked_until: datetime | None


def name_key(name: str) -> str:
    """The short hash an unknown user name is counted under.

    Five hex digits (about a million buckets) are enough to keep names apart, and too
    few to tell which of the many strings with the same key was typed: a password typed
    into the user-name box cannot be recovered from the table.
    """
    salted = b"mechanic-desktop sign-in\0" + name.encode("utf-8", "surrogatepass")
    return hashlib.sha256(salted).hexdigest()[:5]


def _throttle(uow: UnitOfWork, name: str) -> SignInThrottle:
    """The counter of an unknown user name, created if missing and row-locked."""
    key = name_key(name)
    insert = pg_insert if uow.dialect == "postgresql" else sqlite_insert
    uow.session.execute(
        insert(SignInThrottle).values(name_key=key, failed_logins=0).on_conflict_do_nothing()
    )
    return uow.session.scalars(
        select(SignInThrottle).where(SignInThrottle.name_key == key).with_for_update()
    ).one()


def _now(uow: UnitOfWork, clock: Clock | None) -> datetime:
    return clock() if clock is not None else server_now(uow.session)


def _locked(counter: Counted, now: datetime) -> datetime | None:
    until = counter.locked_until
    return until if until is not None and until > now else None


def _count_failure(counter: Counted, now: datetime) -> datetime | None:
    """Add one failure to ``counter`` (row-locked by the caller); the lock's end, if
    this failure locks it."""
    counter.failed_logins += 1
    lock = lock_duration(counter.failed_logins)
    if lock is None:
        return None
    counter.locked_until = now + lock
    return counter.locked_until


def login(
    uow: UnitOfWork,
    username: str,
    password: str,
    *,
    clock: Clock | None = None,
    hasher: PasswordHasher = DEFAULT_HASHER,
) -> SignIn:
    """Check a sign-in; failures are counted and locks stored before the error is raised.

    The account's row (or an unknown name's counter) is locked for the whole check, so
    desks guessing at once queue instead of each counting from the same old number, and
    the lock's times come from the database server's clock (``clock`` only in tests).
    Unknown, wrong, deactivated and locked all give the same answer after one password
    check's time; only the audit trail (administrators') tells them apart, and it never
    repeats a user name no account has (it may be a password typed in the wrong box).
    """
    # A lone surrogate cannot reach the database: it becomes U+FFFD, which no name has.
    name = username.strip().casefold().encode("utf-8", "replace").decode("utf-8")
    with uow.writing():
        user = uow.session.scalar(
            select(StaffUser).where(StaffUser.username == name).with_for_update()
        )
        counter: Counted = user if user is not None else _throttle(uow, name)
        now = _now(uow, clock)
        target = user.id if user is not None else None
        locked = _locked(counter, now)
        if locked is not None or user is None or not user.active:
            _spend_a_check(hasher, password)
            right = False
        else:
            right = _verify(hasher, user.password_hash, password)
        if locked is not None:
            _audit_attempt(uow, "login refused", target, "account locked, password not checked")
            uow.commit()
            raise AccountLocked(_locked_message(locked, now), locked)
        if not right or user is None:
            why = (
                "unknown user name"
                if user is None
                else "account deactivated"
                if not user.active
                else "wrong password"
            )
            until = _count_failure(counter, now)
            _audit_attempt(
                uow, "login failed", target, f"{why}; {counter.failed_logins} in a row"
            )
            if until is not None:
                _audit_attempt(uow, "lockout", target, f"locked until {until:%H:%M:%S} UTC")
            uow.commit()
            if until is not None:
                raise AccountLocked(_locked_message(until, now), until)
            raise LoginFailed(WRONG)
        if hasher.check_needs_rehash(user.password_hash):
            user.password_hash = hasher.hash(password)
        user.failed_logins = 0
        user.locked_until = None
        user.last_login_at = now
        audit.record(uow, "login", "staff", user.id, "", staff_user_id=user.id)
        uow.commit()
        return SignIn(to_actor(user), user.must_change_password)


def _audit_attempt(uow: UnitOfWork, action: str, target: int | None, summary: str) -> None:
    """A sign-in attempt's row: no actor (only the workstation), the account as the
    record it was aimed at, if one has that name."""
    audit.record(uow, action, "staff", target, summary, anonymous=True)


def _check_current_password(
    uow: UnitOfWork,
    user: StaffUser,
    password: str,
    *,
    clock: Clock | None = None,
    hasher: PasswordHasher = DEFAULT_HASHER,
) -> None:
    """Check the signed-in user's current password (to change it) as a sign-in is
    checked: refused while the account is locked, and each wrong one counted and
    audited, so the check cannot be used to try passwords without limit.

    ``user`` must be row-locked in the caller's writing unit of work; on a wrong or
    refused password the failure is committed before the error is raised.
    """
    now = _now(uow, clock)
    locked = _locked(user, now)
    if locked is not None:
        _spend_a_check(hasher, password)
        audit.record(uow, "password check refused", "staff", user.id, "account locked")
        uow.commit()
        raise AccountLocked(_locked_message(locked, now), locked)
    if _verify(hasher, user.password_hash, password):
        user.failed_logins = 0
        user.locked_until = None
        return
    until = _count_failure(user, now)
    audit.record(
        uow, "password check failed", "staff", user.id,
        f"wrong current password; {user.failed_logins} in a row",
    )
    if until is not None:
        audit.record(uow, "lockout", "staff", user.id, f"locked until {until:%H:%M:%S} UTC")
    uow.commit()
    if until is not None:
        raise AccountLocked(_locked_message(until, now), until)
    raise ValidationError.single("old_password", "The current password is wrong.")


def _locked_message(until: datetime, now: datetime) -> str:
    seconds = max(1, int((until - now).total_seconds() + 0.999))
    wait = f"{seconds} seconds" if seconds < 120 else f"{(seconds + 59) // 60} minutes"
    return (
        f"Too many failed sign-ins: this account is locked. Try again in {wait} "
        "(or ask an administrator to unlock it)."
    )


def hash_new_password(password: str, confirm: str, hasher: PasswordHasher, *hints: str) -> str:
    """Validate a new password (policy, both copies equal) and hash it."""
    problem = password_problem(password, *hints)
    if problem is None and password != confirm:
        problem = "The two passwords differ."
    if problem is not None:
        raise ValidationError.single("password", problem)
    return hasher.hash(password)
