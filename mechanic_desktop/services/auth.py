"""Signing in: argon2id hashes, a password policy, and lockout stored in the database.

Lockout is per account and survives restarts and other workstations: after
``FREE_FAILURES`` consecutive failures the account locks for 30 s, doubling with each
further failure up to 15 minutes. While locked, attempts are refused without checking
the password, so at most a dozen or so guesses an hour are ever evaluated.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select

from mechanic_desktop.db.models import StaffUser
from mechanic_desktop.db.types import utcnow
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.errors import AccountLocked, LoginFailed, ValidationError
from mechanic_desktop.domain.staff import Actor, Role
from mechanic_desktop.services import audit

MIN_PASSWORD = 10
MAX_PASSWORD = 128
FREE_FAILURES = 5
FIRST_LOCK = timedelta(seconds=30)
LONGEST_LOCK = timedelta(minutes=15)
WRONG = "Wrong user name or password."

Clock = Callable[[], datetime]

#: argon2-cffi's default profile: argon2id, 64 MiB, t=3, p=4 (above OWASP's floor).
DEFAULT_HASHER = PasswordHasher()
_DUMMY_HASH: str | None = None


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
        return hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def login(
    uow: UnitOfWork,
    username: str,
    password: str,
    *,
    clock: Clock = utcnow,
    hasher: PasswordHasher = DEFAULT_HASHER,
) -> SignIn:
    """Check a sign-in; failures are counted and locks stored before the error is raised."""
    global _DUMMY_HASH  # noqa: PLW0603 - a lazily made constant
    name = username.strip().casefold()
    now = clock()
    with uow.writing():
        user = uow.session.scalar(select(StaffUser).where(StaffUser.username == name))
        if user is None or not user.active:
            # Spend the same time as a real check so a wrong name is not told apart.
            _DUMMY_HASH = _DUMMY_HASH or hasher.hash("not the password")
            _verify(hasher, _DUMMY_HASH, password)
            audit.record(
                uow,
                "login failed",
                "staff",
                user.id if user else None,
                f"user name {name!r}" + (" (inactive)" if user else ""),
            )
            uow.commit()
            raise LoginFailed(
                WRONG
                if user is None
                else f"The account '{name}' is deactivated; ask an administrator."
            )
        if user.locked_until is not None and user.locked_until > now:
            raise AccountLocked(_locked_message(user.locked_until, now), user.locked_until)
        if not _verify(hasher, user.password_hash, password):
            user.failed_logins += 1
            lock = lock_duration(user.failed_logins)
            audit.record(
                uow,
                "login failed",
                "staff",
                user.id,
                f"{user.failed_logins} consecutive failures",
                staff_user_id=user.id,
            )
            if lock is not None:
                user.locked_until = now + lock
                audit.record(
                    uow,
                    "lockout",
                    "staff",
                    user.id,
                    f"locked for {int(lock.total_seconds())} s",
                    staff_user_id=user.id,
                )
            uow.commit()
            if lock is not None:
                raise AccountLocked(_locked_message(now + lock, now), now + lock)
            raise LoginFailed(WRONG)
        if hasher.check_needs_rehash(user.password_hash):
            user.password_hash = hasher.hash(password)
        user.failed_logins = 0
        user.locked_until = None
        user.last_login_at = now
        audit.record(uow, "login", "staff", user.id, "", staff_user_id=user.id)
        uow.commit()
        return SignIn(to_actor(user), user.must_change_password)


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
