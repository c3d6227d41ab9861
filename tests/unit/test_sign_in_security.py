"""Sign-in under attack, on both backends: desks guessing at once are all counted, locks
follow the database server's clock, unknown, wrong, deactivated and locked names answer
alike, the audit trail never repeats an unknown name, and changing a password cannot be
used to try passwords without limit."""

from __future__ import annotations

import contextlib
import multiprocessing
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, func, select

from mechanic_desktop.db import types as db_types
from mechanic_desktop.db.engine import make_engine
from mechanic_desktop.db.models import AuditEntry, StaffUser
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.errors import (
    AccountLocked,
    DatabaseUnavailable,
    LoginFailed,
    ValidationError,
)
from mechanic_desktop.domain.records import ListQuery
from mechanic_desktop.domain.staff import Role
from mechanic_desktop.services import audit, auth, staff
from mechanic_desktop.services.staff import StaffData
from tests.unit.test_auth import CHEAP, FLOOR, GOOD, Clock

PROCESSES = 4
#: Virtual seconds per step of the shared clock, and real seconds between steps.
STEP, PAUSE = 15, 0.04


@pytest.fixture
def admin_uow(uow: UnitOfWork) -> UnitOfWork:
    uow.actor = staff.create_first_admin(
        uow, StaffData("Boss", "Pat Owner", Role.ADMIN), GOOD, GOOD, hasher=FLOOR
    )
    return uow


def _row(uow: UnitOfWork, username: str) -> StaffUser:
    with uow:
        user = uow.session.scalar(select(StaffUser).where(StaffUser.username == username))
        assert user is not None
        uow.session.expunge(user)  # keeps its loaded values past the rollback
        return user


def _audit(uow: UnitOfWork) -> list[AuditEntry]:
    with uow:
        rows = list(uow.session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
        uow.session.expunge_all()
        return rows


# -- item 5: several desks at once ------------------------------------------------------


def _guess_until_stopped(url: str, now: Any, stop: Any, who: int) -> None:
    """One desk: wrong passwords as fast as it can, on the shared virtual clock."""
    engine = make_engine(url)
    uow = UnitOfWork(engine)
    attempt = 0
    try:
        while not stop.value:
            attempt += 1
            # DatabaseUnavailable: SQLite's queue for the write lock timed out (busy).
            with contextlib.suppress(LoginFailed, DatabaseUnavailable):
                auth.login(
                    uow, "boss", f"desk-{who}-guess-{attempt}",
                    clock=lambda: datetime.fromtimestamp(now.value, UTC), hasher=CHEAP,
                )
    finally:
        engine.dispose()


def test_desks_guessing_at_once_get_at_most_a_dozen_guesses_an_hour(
    admin_uow: UnitOfWork, engine: Engine
) -> None:
    """Four processes guess one account's password for an hour of virtual time: every
    evaluated guess is counted (none lost to a race) and no more than the documented
    number are evaluated."""
    boss = _row(admin_uow, "boss")
    url = engine.url.render_as_string(hide_password=False)
    ctx = multiprocessing.get_context("fork")
    start = datetime(2026, 11, 24, 9, 0, tzinfo=UTC).timestamp()
    now = ctx.Value("d", start)
    stop = ctx.Value("b", False)
    engine.dispose()  # the children must not share the parent's pooled connections
    desks = [ctx.Process(target=_guess_until_stopped, args=(url, now, stop, i))
             for i in range(PROCESSES)]
    for desk in desks:
        desk.start()
    try:
        for step in range(3600 // STEP):
            time.sleep(PAUSE)
            now.value = start + (step + 1) * STEP
    finally:
        stop.value = True
        for desk in desks:
            desk.join(60)
    assert all(desk.exitcode == 0 for desk in desks)
    with admin_uow:
        evaluated = admin_uow.session.scalar(
            select(func.count()).select_from(AuditEntry).where(
                AuditEntry.action == "login failed", AuditEntry.entity_id == boss.id)
        )
    assert _row(admin_uow, "boss").failed_logins == evaluated
    assert 5 < evaluated <= auth.MAX_GUESSES_FIRST_HOUR


def test_the_lock_follows_the_servers_clock_not_the_workstations(
    admin_uow: UnitOfWork, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A desk whose clock is an hour slow locks the account; a desk with the right time
    must still find it locked (a lock stamped with the slow clock ended an hour ago)."""
    real = datetime

    class SlowClock(real):
        @classmethod
        def now(cls, tz: Any = None) -> Any:
            return real.now(tz) - timedelta(hours=1)

    monkeypatch.setattr(db_types, "datetime", SlowClock)
    for _ in range(auth.FREE_FAILURES):
        with pytest.raises(LoginFailed):
            auth.login(admin_uow, "boss", "wrong password!", hasher=FLOOR)
    monkeypatch.undo()
    with pytest.raises(AccountLocked):
        auth.login(admin_uow, "boss", GOOD, hasher=FLOOR)
    assert _row(admin_uow, "boss").failed_logins == auth.FREE_FAILURES
    locked_until = _row(admin_uow, "boss").locked_until
    assert locked_until is not None and locked_until > datetime.now(UTC)


# -- items 7 and 10: the audit trail -----------------------------------------------------


def test_failed_sign_ins_are_audited_under_the_workstation_without_the_name(
    admin_uow: UnitOfWork,
) -> None:
    secret = "my-Real-Password-1"  # typed into the user-name box by mistake
    with pytest.raises(LoginFailed):
        auth.login(admin_uow, secret, secret, hasher=FLOOR)
    with pytest.raises(LoginFailed):
        auth.login(admin_uow, "boss", "wrong password!", hasher=FLOOR)
    rows = [r for r in _audit(admin_uow) if r.action == "login failed"]
    assert [(r.staff_user_id, r.workstation, r.summary) for r in rows] == [
        (None, audit.WORKSTATION, "unknown user name; 1 in a row"),
        (None, audit.WORKSTATION, "wrong password; 1 in a row"),
    ]
    assert rows[1].entity_id == _row(admin_uow, "boss").id
    assert all(secret not in f"{r.summary} {r.entity_id}" for r in _audit(admin_uow))
    shown = [r for r in audit.list_audit(admin_uow, ListQuery()).rows
             if r.action == "login failed"]
    assert {r.who for r in shown} == {f"computer {audit.WORKSTATION}"}


def test_attempts_on_a_locked_account_are_audited(admin_uow: UnitOfWork) -> None:
    clock = Clock()
    for _ in range(auth.FREE_FAILURES):
        with pytest.raises(LoginFailed):
            auth.login(admin_uow, "boss", "wrong password!", clock=clock, hasher=FLOOR)
    with pytest.raises(AccountLocked):
        auth.login(admin_uow, "boss", GOOD, clock=clock, hasher=FLOOR)
    last = _audit(admin_uow)[-1]
    assert (last.action, last.staff_user_id, last.entity_id, last.summary) == (
        "login refused", None, _row(admin_uow, "boss").id,
        "account locked, password not checked")


# -- item 8: the current-password check of "Change password" ------------------------------


def test_the_current_password_check_is_counted_locked_and_audited(
    admin_uow: UnitOfWork,
) -> None:
    for attempt in range(1, auth.FREE_FAILURES):
        with pytest.raises(ValidationError, match="current password is wrong"):
            staff.change_own_password(admin_uow, f"guess {attempt}", GOOD + "x", GOOD + "x",
                                      FLOOR)
    with pytest.raises(AccountLocked):
        staff.change_own_password(admin_uow, "guess 5", GOOD + "x", GOOD + "x", FLOOR)
    with pytest.raises(AccountLocked):  # even the right one, while locked
        staff.change_own_password(admin_uow, GOOD, GOOD + "x", GOOD + "x", FLOOR)
    with pytest.raises(AccountLocked):  # and the sign-in shares the lock
        auth.login(admin_uow, "boss", GOOD, hasher=FLOOR)
    actions = [r.action for r in _audit(admin_uow)]
    assert actions.count("password check failed") == auth.FREE_FAILURES
    assert "password check refused" in actions and "lockout" in actions
    assert _row(admin_uow, "boss").failed_logins == auth.FREE_FAILURES


# -- item 9: nothing tells names apart ----------------------------------------------------


class CountingHasher(PasswordHasher):
    """FLOOR's profile; counts the password checks and the cost of the hashes checked."""

    def __init__(self) -> None:
        super().__init__(time_cost=2, memory_cost=19 * 1024, parallelism=1)
        self.checked: list[str] = []

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        text = hash.decode() if isinstance(hash, bytes) else hash
        self.checked.append(text.split("$")[3])  # "m=...,t=...,p=..."
        return super().verify(hash, password)


def _answer(uow: UnitOfWork, name: str, password: str, hasher: PasswordHasher,
            clock: Callable[[], datetime]) -> tuple[str, float]:
    started = time.perf_counter()
    with pytest.raises(LoginFailed) as caught:
        auth.login(uow, name, password, clock=clock, hasher=hasher)
    return str(caught.value), time.perf_counter() - started


def test_unknown_wrong_deactivated_and_locked_answer_alike(admin_uow: UnitOfWork) -> None:
    for username in ("desk", "gone"):
        staff.create_staff(admin_uow, StaffData(username, username.title(), "writer"), GOOD,
                           GOOD, FLOOR)
    staff.set_staff_active(admin_uow, _row(admin_uow, "gone").id, False)
    clock = Clock()
    hasher = CountingHasher()
    answers: dict[str, list[str]] = {}
    times: dict[str, list[float]] = {}
    for name, password in (("nobody", GOOD), ("desk", "wrong password!"), ("gone", GOOD)):
        for _ in range(auth.FREE_FAILURES + 2):  # the last ones are refused while locked
            said, took = _answer(admin_uow, name, password, hasher, clock)
            answers.setdefault(name, []).append(said)
            times.setdefault(name, []).append(took)
    # Same words in the same order: four wrongs, then the lock of the same length.
    assert answers["nobody"] == answers["desk"] == answers["gone"]
    assert answers["desk"][0] == auth.WRONG and "locked" in answers["desk"][-1]
    # One password check of the same cost every time, whatever the case.
    assert len(hasher.checked) == 3 * (auth.FREE_FAILURES + 2)
    assert set(hasher.checked) == {"m=19456,t=2,p=1"}
    # And roughly the same time (loose: the machine is shared).
    medians = {name: statistics.median(t) for name, t in times.items()}
    locked = statistics.median(t for ts in times.values() for t in ts[-2:])
    assert min([*medians.values(), locked]) > 0.4 * max([*medians.values(), locked])


def test_a_broken_character_in_the_sign_in_boxes_is_a_wrong_password(
    admin_uow: UnitOfWork,
) -> None:
    for name, password in (("bo\ud800ss", GOOD), ("boss", "wrong\ud800password")):
        with pytest.raises(LoginFailed, match=auth.WRONG):
            auth.login(admin_uow, name, password, hasher=FLOOR)
