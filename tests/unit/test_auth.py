"""Sign-in, password policy, lockout and staff management, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from argon2.low_level import Type
from sqlalchemy import Engine, String, Text, select

from mechanic_desktop.db.models import AuditEntry, Base, SignInThrottle, StaffUser
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.errors import (
    AccountLocked,
    LoginFailed,
    NotFound,
    PermissionDenied,
    StaleRecord,
    ValidationError,
)
from mechanic_desktop.domain.records import ListQuery
from mechanic_desktop.domain.staff import Actor, Role
from mechanic_desktop.services import auth, mechanics, staff
from mechanic_desktop.services.staff import StaffData

#: OWASP's floor (19 MiB, t=2, p=1): as strong as production needs, quicker in tests.
FLOOR = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
GOOD = "tyre-Pressure-Gauge-77"
#: For the many refused attempts of the throttle tests (the dummy check uses it).
CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def admin_uow(uow: UnitOfWork) -> UnitOfWork:
    uow.actor = staff.create_first_admin(
        uow, StaffData("Boss", "Pat Owner", Role.ADMIN), GOOD, GOOD, hasher=FLOOR
    )
    return uow


def test_first_admin_only_once(uow: UnitOfWork) -> None:
    assert auth.needs_first_admin(uow)
    actor = staff.create_first_admin(
        uow, StaffData("Boss", "Pat Owner", "admin"), GOOD, GOOD, FLOOR
    )
    assert (actor.username, actor.role) == ("boss", Role.ADMIN)
    assert not auth.needs_first_admin(uow)
    with pytest.raises(PermissionDenied, match="already has staff accounts"):
        staff.create_first_admin(uow, StaffData("eve", "Eve", "admin"), GOOD, GOOD, FLOOR)


@pytest.mark.parametrize(
    ("password", "confirm", "message"),
    [
        ("short", "short", "Use at least 10 characters."),
        ("x" * 129, "x" * 129, "Use at most 128 characters."),
        ("password123", "password123", "This is a very common password."),
        ("qwertyuiop", "qwertyuiop", "This is a top-100 common password."),
        ("zxcvbnmasdfgh", "zxcvbnmasdfgh", "This is similar to a commonly used password."),
        (GOOD, GOOD + "!", "The two passwords differ."),
    ],
)
def test_password_policy(uow: UnitOfWork, password: str, confirm: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        staff.create_first_admin(uow, StaffData("boss", "Pat", "admin"), password, confirm, FLOOR)
    assert caught.value.fields["password"].startswith(message)


def test_long_passwords_are_not_truncated(admin_uow: UnitOfWork) -> None:
    long = "".join(f"{w}-{i}" for i, w in enumerate(["Brake", "Rotor", "Caliper", "Hose"] * 9))[
        :126
    ]
    staff.change_own_password(admin_uow, GOOD, long, long, FLOOR)
    with pytest.raises(LoginFailed):
        auth.login(admin_uow, "boss", long[:-1], hasher=FLOOR)
    assert auth.login(admin_uow, "boss", long, hasher=FLOOR).actor.username == "boss"


def test_wrong_user_and_wrong_password_read_the_same(admin_uow: UnitOfWork) -> None:
    with pytest.raises(LoginFailed) as unknown:
        auth.login(admin_uow, "nobody", GOOD, hasher=FLOOR)
    with pytest.raises(LoginFailed) as wrong:
        auth.login(admin_uow, "boss", "wrong password!", hasher=FLOOR)
    assert str(unknown.value) == str(wrong.value) == "Wrong user name or password."


def test_lockout_schedule_and_admin_unlock(admin_uow: UnitOfWork) -> None:
    clock = Clock()
    for _ in range(4):
        with pytest.raises(LoginFailed) as caught:
            auth.login(admin_uow, "boss", "wrong password!", clock=clock, hasher=FLOOR)
        assert not isinstance(caught.value, AccountLocked)
    with pytest.raises(AccountLocked, match="Try again in 30 seconds"):
        auth.login(admin_uow, "boss", "wrong password!", clock=clock, hasher=FLOOR)
    clock.advance(29)
    with pytest.raises(AccountLocked, match="Try again in 1 seconds"):
        auth.login(admin_uow, "boss", GOOD, clock=clock, hasher=FLOOR)  # even the right one
    for expected in (60, 120, 240, 480, 900, 900):
        clock.advance(expected * 2)
        with pytest.raises(AccountLocked) as locked:
            auth.login(admin_uow, "boss", "wrong password!", clock=clock, hasher=FLOOR)
        assert locked.value.until == clock.now + timedelta(seconds=expected)
    boss = admin_uow.actor
    assert boss is not None
    staff.unlock(admin_uow, boss.id)
    assert auth.login(admin_uow, "boss", GOOD, clock=clock, hasher=FLOOR).actor.id == boss.id
    with admin_uow:
        user = admin_uow.session.get(StaffUser, boss.id)
        assert user is not None and (user.failed_logins, user.locked_until) == (0, None)
        actions = admin_uow.session.scalars(select(AuditEntry.action)).all()
    assert {"login failed", "lockout", "unlock", "login"} <= set(actions)


def test_a_successful_sign_in_clears_the_failure_count(admin_uow: UnitOfWork) -> None:
    """4 failures, a success, then 1 failure: the account stays open (a count that a
    success forgot to reset would lock it at the fifth failure overall)."""
    clock = Clock()
    for _ in range(4):
        with pytest.raises(LoginFailed) as caught:
            auth.login(admin_uow, "boss", "wrong password!", clock=clock, hasher=FLOOR)
        assert not isinstance(caught.value, AccountLocked)
    assert _failures(admin_uow) == 4
    assert auth.login(admin_uow, "boss", GOOD, clock=clock, hasher=FLOOR).actor.username == "boss"
    assert _failures(admin_uow) == 0
    with pytest.raises(LoginFailed) as caught:
        auth.login(admin_uow, "boss", "wrong password!", clock=clock, hasher=FLOOR)
    assert not isinstance(caught.value, AccountLocked)
    assert str(caught.value) == "Wrong user name or password."
    assert _failures(admin_uow) == 1
    assert auth.login(admin_uow, "boss", GOOD, clock=clock, hasher=FLOOR).actor.username == "boss"


def test_lock_message_counts_seconds_then_whole_minutes(admin_uow: UnitOfWork) -> None:
    """Under two minutes the wait is in seconds, from two minutes on in minutes rounded
    up, so nobody is told to come back before the lock ends."""
    clock = Clock()
    for _ in range(5):
        with pytest.raises(LoginFailed):
            auth.login(admin_uow, "boss", "wrong password!", clock=clock, hasher=FLOOR)
    clock.advance(31)  # the 30 s lock is over; the next failure locks for 60 s
    with pytest.raises(AccountLocked, match=r"Try again in 60 seconds \("):
        auth.login(admin_uow, "boss", "wrong password!", clock=clock, hasher=FLOOR)
    clock.advance(61)  # the next failure locks for 120 s
    with pytest.raises(AccountLocked, match=r"Try again in 2 minutes \("):
        auth.login(admin_uow, "boss", "wrong password!", clock=clock, hasher=FLOOR)
    clock.advance(1.5)
    with pytest.raises(AccountLocked, match=r"Try again in 119 seconds \("):
        auth.login(admin_uow, "boss", GOOD, clock=clock, hasher=FLOOR)
    clock.advance(120)  # the next failure locks for 240 s: 4 minutes, not 3 or 5
    with pytest.raises(AccountLocked, match=r"Try again in 4 minutes \("):
        auth.login(admin_uow, "boss", "wrong password!", clock=clock, hasher=FLOOR)
    clock.advance(59)  # 181 s left: rounded up to 4 minutes
    with pytest.raises(AccountLocked, match=r"Try again in 4 minutes \("):
        auth.login(admin_uow, "boss", GOOD, clock=clock, hasher=FLOOR)


def test_no_more_than_a_dozen_guesses_an_hour(admin_uow: UnitOfWork) -> None:
    """An attacker trying every 10 seconds for an hour gets few guesses even evaluated."""
    clock = Clock()
    refused_unchecked = 0
    for _ in range(360):
        with pytest.raises(LoginFailed) as caught:
            auth.login(admin_uow, "boss", "guess-guess-guess", clock=clock, hasher=CHEAP)
        if isinstance(caught.value, AccountLocked) and caught.value.until != clock.now + (
            auth.lock_duration(_failures(admin_uow)) or timedelta(0)
        ):
            refused_unchecked += 1
        clock.advance(10)
    evaluated = _failures(admin_uow)
    assert evaluated + refused_unchecked == 360
    assert evaluated == auth.MAX_GUESSES_FIRST_HOUR


def _failures(uow: UnitOfWork) -> int:
    with uow:
        user = uow.session.scalar(select(StaffUser).where(StaffUser.username == "boss"))
        assert user is not None
        return user.failed_logins


def test_rehash_on_login_upgrades_weak_hashes(admin_uow: UnitOfWork) -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
    boss = admin_uow.actor
    assert boss is not None
    with admin_uow.writing():
        user = admin_uow.session.get(StaffUser, boss.id)
        assert user is not None
        user.password_hash = weak.hash(GOOD)
        admin_uow.commit()
    auth.login(admin_uow, "boss", GOOD, hasher=FLOOR)
    with admin_uow:
        user = admin_uow.session.get(StaffUser, boss.id)
        assert user is not None
        assert not FLOOR.check_needs_rehash(user.password_hash)
        assert user.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")


def test_default_hasher_is_argon2id_above_the_owasp_floor() -> None:
    params = auth.DEFAULT_HASHER
    assert params.type is Type.ID
    assert params.memory_cost >= 19 * 1024 and params.time_cost >= 2 and params.parallelism >= 1


def test_staff_management(admin_uow: UnitOfWork) -> None:
    sam = mechanics.create_mechanic(admin_uow, mechanics.MechanicData("Sam Wrench"))
    with pytest.raises(ValidationError) as caught:
        staff.create_staff(admin_uow, StaffData("sam", "Sam", Role.MECHANIC), GOOD, GOOD, FLOOR)
    assert caught.value.fields == {
        "mechanic_id": "A mechanic's account must be linked to a mechanic."
    }
    row = staff.create_staff(
        admin_uow, StaffData("Sam", "Sam Wrench", "mechanic", sam.id), GOOD, GOOD, FLOOR
    )
    signed = auth.login(admin_uow, "sam", GOOD, hasher=FLOOR)
    assert signed.must_change_password and signed.actor.mechanic_id == sam.id
    with pytest.raises(ValidationError, match="taken"):
        staff.create_staff(admin_uow, StaffData("SAM", "Other", "writer"), GOOD, GOOD, FLOOR)
    staff.set_staff_active(admin_uow, row.id, False)
    with pytest.raises(LoginFailed) as deactivated:  # right password, same answer as wrong
        auth.login(admin_uow, "sam", GOOD, hasher=FLOOR)
    assert str(deactivated.value) == auth.WRONG
    assert staff.get_staff(admin_uow, row.id) == next(
        r for r in staff.list_staff(admin_uow).rows if r.id == row.id
    )
    assert staff.get_staff(admin_uow, row.id).active is False
    with pytest.raises(NotFound):
        staff.get_staff(admin_uow, row.id + 1000)
    boss = admin_uow.actor
    assert boss is not None
    with pytest.raises(ValidationError, match="last active administrator"):
        staff.update_staff(admin_uow, boss.id, StaffData("boss", "Pat Owner", "writer"),
                           staff.get_staff(admin_uow, boss.id).version)


def test_staff_are_found_by_any_name_part(admin_uow: UnitOfWork) -> None:
    """As mechanics are: "wrench" finds Sam Wrench, "la cruz" finds María de la Cruz."""
    for username, name, role in (("sam", "Sam Wrench", "writer"),
                                 ("mdlc", "María de la Cruz", "writer"),
                                 ("kim", "Kim Samwell", "admin")):
        staff.create_staff(admin_uow, StaffData(username, name, role), GOOD, GOOD, FLOOR)

    def found(text: str) -> list[str]:
        return [r.username for r in staff.list_staff(admin_uow, ListQuery(search=text)).rows]

    assert found("wrench") == ["sam"]
    assert found("  CRUZ ") == ["mdlc"]
    assert found("la cruz") == ["mdlc"]
    assert found("sam") == ["kim", "sam"]  # Samwell's surname, Sam's first name
    assert found("rench") == []  # a word's start, not any substring
    assert found("administrator") == ["boss", "kim"]
    assert found("owner") == ["boss"]
    assert len(found("")) == 4


def test_reset_password_forces_a_change(admin_uow: UnitOfWork) -> None:
    row = staff.create_staff(
        admin_uow, StaffData("desk", "Front Desk", "writer"), GOOD, GOOD, FLOOR
    )
    temporary = "Temporary-Rotor-42"
    staff.reset_password(admin_uow, row.id, temporary, temporary, FLOOR)
    signed = auth.login(admin_uow, "desk", temporary, hasher=FLOOR)
    assert signed.must_change_password
    admin_uow.actor = signed.actor
    with pytest.raises(ValidationError, match="current password is wrong"):
        staff.change_own_password(admin_uow, "not it at all", GOOD + "x", GOOD + "x", FLOOR)
    staff.change_own_password(admin_uow, temporary, GOOD + "x", GOOD + "x", FLOOR)
    assert not auth.login(admin_uow, "desk", GOOD + "x", hasher=FLOOR).must_change_password


def test_no_plain_password_anywhere_in_the_database(admin_uow: UnitOfWork, engine: Engine) -> None:
    staff.create_staff(admin_uow, StaffData("desk", "Front Desk", "writer"), GOOD, GOOD, FLOOR)
    with pytest.raises(LoginFailed):
        auth.login(admin_uow, "desk", "wrong-but-secret-1", hasher=FLOOR)
    found = []
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for column in table.columns:
                if isinstance(column.type, String | Text):
                    for (value,) in conn.execute(select(column)):
                        if value and (GOOD in value or "wrong-but-secret-1" in value):
                            found.append(f"{table.name}.{column.name}")
    assert found == []


def test_staff_list_searches_sorts_and_names_mechanics_in_the_database(
    admin_uow: UnitOfWork,
) -> None:
    """The staff list is one SQL query: search by user name, full name or role label,
    the linked mechanic's name joined, sorted and narrowed to ids in the database."""
    sam = mechanics.create_mechanic(
        admin_uow, mechanics.MechanicData("Sam Spanner", hourly_rate="40"))
    writer = staff.create_staff(admin_uow, StaffData("kim", "Kim Counter", Role.WRITER),
                                GOOD, GOOD, FLOOR)
    wrench = staff.create_staff(
        admin_uow, StaffData("sam", "Sam Spanner", Role.MECHANIC, sam.id), GOOD, GOOD, FLOOR)

    def names(**query: object) -> list[tuple[str, str]]:
        page = staff.list_staff(admin_uow, ListQuery(**query))  # type: ignore[arg-type]
        return [(r.username, r.mechanic_name) for r in page.rows]

    assert names(sort="username") == [("boss", ""), ("kim", ""), ("sam", "Sam Spanner")]
    assert names(sort="username", descending=True)[0] == ("sam", "Sam Spanner")
    assert names(search="writer") == [("kim", "")]  # the role's label, not its code
    assert names(search="COUNT") == [("kim", "")]
    assert names(search="administ") == [("boss", "")]
    assert names(search="50%") == []  # a literal %, not a wildcard
    assert names(ids=frozenset({writer.id, wrench.id})) == [("kim", ""), ("sam", "Sam Spanner")]
    assert staff.get_staff(admin_uow, wrench.id).mechanic_name == "Sam Spanner"


# --- the lockout arithmetic, the audit trail of sign-ins, and the staff rules -------------


@pytest.fixture
def cheap_admin(uow: UnitOfWork) -> UnitOfWork:
    """As ``admin_uow``, every hash made and checked at the cheapest cost (these tests
    check counts and messages, not the hash)."""
    uow.actor = staff.create_first_admin(
        uow, StaffData("Boss", "Pat Owner", Role.ADMIN), GOOD, GOOD, hasher=CHEAP
    )
    return uow


@pytest.mark.parametrize(("failures", "seconds"), [
    (0, None), (1, None), (4, None), (5, 30), (6, 60), (7, 120), (8, 240), (9, 480),
    (10, 900), (11, 900), (40, 900),
])
def test_lock_duration_doubles_from_the_fifth_failure_up_to_15_minutes(
    failures: int, seconds: int | None
) -> None:
    lock = auth.lock_duration(failures)
    assert (None if lock is None else lock.total_seconds()) == seconds


@pytest.mark.parametrize(("left", "wait"), [
    (0.2, "1 seconds"), (1, "1 seconds"), (1.2, "2 seconds"), (119, "119 seconds"),
    (119.5, "2 minutes"), (120, "2 minutes"), (121, "3 minutes"), (900, "15 minutes"),
])
def test_the_lock_message_never_says_come_back_too_soon(left: float, wait: str) -> None:
    now = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    assert auth._locked_message(now + timedelta(seconds=left), now) == (
        f"Too many failed sign-ins: this account is locked. Try again in {wait} "
        "(or ask an administrator to unlock it).")


def test_an_unknown_name_is_counted_in_a_short_hash() -> None:
    key = auth.name_key("boss")
    assert len(key) == 5 and int(key, 16) >= 0
    assert auth.name_key("boss") == key != auth.name_key("bos")


def _audit(uow: UnitOfWork, *actions: str) -> list[tuple[str, int | None, str, int | None]]:
    with uow:
        query = select(AuditEntry.action, AuditEntry.entity_id, AuditEntry.summary,
                       AuditEntry.staff_user_id).where(AuditEntry.entity == "staff")
        if actions:
            query = query.where(AuditEntry.action.in_(actions))
        return [tuple(r) for r in uow.session.execute(query.order_by(AuditEntry.id))]  # type: ignore[misc]


def test_sign_in_attempts_are_audited_with_why_and_the_count(cheap_admin: UnitOfWork) -> None:
    """Unknown, wrong and deactivated read the same to the person typing; the trail
    (no actor, the account aimed at) says which, how many in a row, and the lock."""
    clock = Clock()
    boss = cheap_admin.actor
    assert boss is not None
    desk = staff.create_staff(cheap_admin, StaffData("desk", "Front Desk", "writer"),
                              GOOD, GOOD, CHEAP)
    staff.set_staff_active(cheap_admin, desk.id, False)
    for name in ("nobody", "desk", "boss", "boss", "boss", "boss"):
        with pytest.raises(LoginFailed):
            auth.login(cheap_admin, name, "wrong password!", clock=clock, hasher=CHEAP)
    with pytest.raises(AccountLocked) as locked:
        auth.login(cheap_admin, " BOSS ", "wrong password!", clock=clock, hasher=CHEAP)
    assert locked.value.until == clock.now + timedelta(seconds=30)
    clock.advance(10)
    with pytest.raises(AccountLocked):
        auth.login(cheap_admin, "boss", GOOD, clock=clock, hasher=CHEAP)
    assert _audit(cheap_admin, "login failed", "lockout", "login refused") == [
        ("login failed", None, "unknown user name; 1 in a row", None),
        ("login failed", desk.id, "account deactivated; 1 in a row", None),
        ("login failed", boss.id, "wrong password; 1 in a row", None),
        ("login failed", boss.id, "wrong password; 2 in a row", None),
        ("login failed", boss.id, "wrong password; 3 in a row", None),
        ("login failed", boss.id, "wrong password; 4 in a row", None),
        ("login failed", boss.id, "wrong password; 5 in a row", None),
        ("lockout", boss.id, "locked until 09:00:30 UTC", None),
        ("login refused", boss.id, "account locked, password not checked", None),
    ]
    assert _failures(cheap_admin) == 5  # a refused attempt is not counted
    clock.advance(21)
    signed = auth.login(cheap_admin, "Boss", GOOD, clock=clock, hasher=CHEAP)
    assert (signed.actor, signed.must_change_password) == (boss, False)
    with cheap_admin:
        user = cheap_admin.session.get(StaffUser, boss.id)
        assert user is not None
        assert (user.failed_logins, user.locked_until) == (0, None)
        assert user.last_login_at == clock.now
    assert _audit(cheap_admin, "login")[-1] == ("login", boss.id, "", boss.id)


def test_an_unknown_name_locks_as_an_account_would(uow: UnitOfWork) -> None:
    clock = Clock()
    for _ in range(4):
        with pytest.raises(LoginFailed) as caught:
            auth.login(uow, "ghost", "guess-guess-guess", clock=clock, hasher=CHEAP)
        assert not isinstance(caught.value, AccountLocked)
    with pytest.raises(AccountLocked) as locked:
        auth.login(uow, "Ghost", "guess-guess-guess", clock=clock, hasher=CHEAP)
    assert locked.value.until == clock.now + timedelta(seconds=30)
    clock.advance(29)
    with pytest.raises(AccountLocked, match="Try again in 1 seconds"):
        auth.login(uow, "ghost", "guess-guess-guess", clock=clock, hasher=CHEAP)
    with pytest.raises(LoginFailed) as other:  # another name has its own counter
        auth.login(uow, "phantom", "guess-guess-guess", clock=clock, hasher=CHEAP)
    assert not isinstance(other.value, AccountLocked)
    with uow:
        rows = uow.session.execute(
            select(SignInThrottle.name_key, SignInThrottle.failed_logins)).all()
    assert sorted(tuple(r) for r in rows) == sorted(
        [(auth.name_key("ghost"), 5), (auth.name_key("phantom"), 1)])


def test_the_current_password_is_checked_as_a_sign_in_is(cheap_admin: UnitOfWork) -> None:
    boss = cheap_admin.actor
    assert boss is not None
    for count in range(1, 5):
        with pytest.raises(ValidationError) as wrong:
            staff.change_own_password(cheap_admin, "not it at all", GOOD + "x", GOOD + "x", CHEAP)
        assert wrong.value.fields == {"old_password": "The current password is wrong."}
        assert _failures(cheap_admin) == count
    with pytest.raises(AccountLocked, match="Try again in 30 seconds"):
        staff.change_own_password(cheap_admin, "not it at all", GOOD + "x", GOOD + "x", CHEAP)
    with pytest.raises(AccountLocked):  # even the right one, while locked
        staff.change_own_password(cheap_admin, GOOD, GOOD + "x", GOOD + "x", CHEAP)
    assert staff.get_staff(cheap_admin, boss.id).locked
    assert next(r for r in staff.list_staff(cheap_admin).rows if r.id == boss.id).locked
    trail = _audit(cheap_admin, "password check failed", "lockout", "password check refused")
    assert [(a, s) for a, _i, s, _u in trail] == [
        ("password check failed", f"wrong current password; {n} in a row") for n in range(1, 6)
    ] + [("lockout", trail[5][2]), ("password check refused", "account locked")]
    assert trail[5][2].startswith("locked until ") and trail[5][2].endswith(" UTC")
    assert {i for _a, i, _s, _u in trail} == {boss.id}
    staff.unlock(cheap_admin, boss.id)
    assert not staff.get_staff(cheap_admin, boss.id).locked
    with pytest.raises(ValidationError) as same:
        staff.change_own_password(cheap_admin, GOOD, GOOD, GOOD, CHEAP)
    assert same.value.fields == {"password": "Choose a password different from the old one."}
    assert _failures(cheap_admin) == 0  # the right current password cleared the count
    with pytest.raises(ValidationError):
        staff.change_own_password(cheap_admin, "not it at all", GOOD + "x", GOOD + "x", CHEAP)
    staff.change_own_password(cheap_admin, GOOD, GOOD + "x", GOOD + "x", CHEAP)
    assert _failures(cheap_admin) == 0  # the right current password cleared the count
    assert not auth.login(cheap_admin, "boss", GOOD + "x", hasher=CHEAP).must_change_password
    assert _audit(cheap_admin, "change password")[-1] == ("change password", boss.id, "boss",
                                                       boss.id)
    cheap_admin.actor = None
    with pytest.raises(PermissionDenied, match=r"^Sign in first\.$"):
        staff.change_own_password(cheap_admin, GOOD + "x", GOOD, GOOD, CHEAP)


@pytest.mark.parametrize(("username", "taken_as"), [
    ("ab", "ab"), ("  Ab.C_d-9 ", "ab.c_d-9"), ("9" + "x" * 59, "9" + "x" * 59),
])
def test_user_names_that_will_do(cheap_admin: UnitOfWork, username: str, taken_as: str) -> None:
    row = staff.create_staff(cheap_admin, StaffData(username, "Front Desk", "writer", 7),
                             GOOD, GOOD, CHEAP)
    assert row == staff.StaffRow(row.id, taken_as, "Front Desk", Role.WRITER, True, False,
                                 None, "", 1)
    boss = cheap_admin.actor
    assert boss is not None
    assert _audit(cheap_admin)[-1] == ("create", row.id, f"{taken_as} as Service writer",
                                       boss.id)
    # A new account's password was chosen by the administrator: its owner must change it.
    assert auth.login(cheap_admin, taken_as, GOOD, hasher=CHEAP).must_change_password


def test_the_first_administrator_chose_their_own_password(uow: UnitOfWork) -> None:
    actor = staff.create_first_admin(uow, StaffData(" Boss ", "Pat Owner", "writer"),
                                     GOOD, GOOD, CHEAP)
    assert (actor.username, actor.full_name, actor.role, actor.mechanic_id) == (
        "boss", "Pat Owner", Role.ADMIN, None)
    assert _audit(uow) == [("create", actor.id, "first administrator", actor.id)]
    assert not auth.login(uow, "boss", GOOD, hasher=CHEAP).must_change_password
    with pytest.raises(PermissionDenied) as again:
        staff.create_first_admin(uow, StaffData("eve", "Eve", "admin"), GOOD, GOOD, CHEAP)
    assert str(again.value) == "This database already has staff accounts; sign in instead."


def test_a_mechanics_account_shows_the_mechanic(cheap_admin: UnitOfWork) -> None:
    sam = mechanics.create_mechanic(cheap_admin, mechanics.MechanicData("Sam Wrench"))
    row = staff.create_staff(cheap_admin, StaffData("sam", "Sam W", "mechanic", sam.id),
                             GOOD, GOOD, CHEAP)
    assert (row.mechanic_id, row.mechanic_name) == (sam.id, "Sam Wrench")
    assert staff.list_staff(cheap_admin).rows[1] == row == staff.get_staff(cheap_admin, row.id)
    signed = auth.login(cheap_admin, "sam", GOOD, hasher=CHEAP)
    assert (signed.actor.mechanic_id, signed.actor.role) == (sam.id, Role.MECHANIC)
    assert [r.username for r in staff.list_staff(cheap_admin).rows] == ["boss", "sam"]


USERNAME_RULE = ("User name: 2-60 letters, digits, dots, dashes or underscores, starting with "
                 "a letter or digit.")


@pytest.mark.parametrize(("data", "fields"), [
    (StaffData("a", "Front Desk", "writer"), {"username": USERNAME_RULE}),
    (StaffData("x" * 61, "Front Desk", "writer"), {"username": USERNAME_RULE}),
    (StaffData("-desk", "Front Desk", "writer"), {"username": USERNAME_RULE}),
    (StaffData("front desk", "Front Desk", "writer"), {"username": USERNAME_RULE}),
    (StaffData("BOSS", "Front Desk", "writer"), {"username": "The user name 'boss' is taken."}),
    (StaffData("desk", " ", "writer"), {"full_name": "Full name is required."}),
    (StaffData("desk", "Front Desk", "owner"), {"role": "Choose a role."}),
    (StaffData("desk", "Front Desk", "mechanic", 999_999),
     {"mechanic_id": "A mechanic's account must be linked to a mechanic."}),
    (StaffData("a", "", "nobody"), {"username": USERNAME_RULE,
                                    "full_name": "Full name is required.",
                                    "role": "Choose a role."}),
])
def test_staff_accounts_refused_with_their_reasons(
    cheap_admin: UnitOfWork, data: StaffData, fields: dict[str, str]
) -> None:
    with pytest.raises(ValidationError) as caught:
        staff.create_staff(cheap_admin, data, GOOD, GOOD, CHEAP)
    assert caught.value.fields == fields
    assert [r.username for r in staff.list_staff(cheap_admin).rows] == ["boss"]


def test_staff_changes_are_audited_and_versioned(cheap_admin: UnitOfWork) -> None:
    boss = cheap_admin.actor
    assert boss is not None
    sam = mechanics.create_mechanic(cheap_admin, mechanics.MechanicData("Sam Wrench"))
    row = staff.create_staff(cheap_admin, StaffData("sam", "Sam Wrench", "mechanic", sam.id),
                             GOOD, GOOD, CHEAP)
    assert (row.role, row.mechanic_id, row.mechanic_name, row.active, row.locked,
            row.version) == (Role.MECHANIC, sam.id, "Sam Wrench", True, False, 1)
    same = staff.update_staff(cheap_admin, row.id, StaffData("sam", "Sam Wrench", "mechanic",
                                                            sam.id), row.version)
    assert same == row  # nothing changed: no new version, no audit row
    renamed = staff.update_staff(cheap_admin, row.id, StaffData("Sam", "Samuel Wrench",
                                                               "mechanic", sam.id), row.version)
    assert (renamed.full_name, renamed.version) == ("Samuel Wrench", 2)
    # A writer is linked to no mechanic, whatever the form sent.
    writer = staff.update_staff(cheap_admin, row.id, StaffData("sam", "Samuel Wrench", "writer",
                                                              sam.id), renamed.version)
    assert (writer.role, writer.mechanic_id, writer.mechanic_name, writer.version) == (
        Role.WRITER, None, "", 3)
    with pytest.raises(StaleRecord):
        staff.update_staff(cheap_admin, row.id, StaffData("sam", "Sam", "admin"), renamed.version)
    promoted = staff.update_staff(cheap_admin, row.id, StaffData("sam", "Samuel Wrench",
                                                                "admin"), writer.version)
    # Two administrators: either may now be made a writer, not both.
    demoted = staff.update_staff(cheap_admin, boss.id, StaffData("boss", "Pat Owner", "writer"),
                                 staff.get_staff(cheap_admin, boss.id).version)
    assert demoted.role is Role.WRITER
    cheap_admin.actor = Actor(promoted.id, "sam", "Samuel Wrench", Role.ADMIN)
    with pytest.raises(ValidationError, match="last active administrator"):
        staff.set_staff_active(cheap_admin, promoted.id, False)
    off = staff.set_staff_active(cheap_admin, boss.id, False)
    assert (off.active, off.version) == (False, demoted.version + 1)
    assert staff.set_staff_active(cheap_admin, boss.id, False) == off  # already: no change
    on = staff.set_staff_active(cheap_admin, boss.id, True)
    assert (on.active, on.version) == (True, off.version + 1)
    staff.reset_password(cheap_admin, row.id, "Temporary-Rotor-42", "Temporary-Rotor-42", CHEAP)
    staff.unlock(cheap_admin, row.id)
    trail = [(a, i, s) for a, i, s, _u in _audit(cheap_admin)]
    assert trail[0] == ("create", boss.id, "first administrator")
    assert _audit(cheap_admin)[0][3] == boss.id
    assert trail[1:] == [
        ("create", row.id, "sam as Mechanic"),
        ("update", row.id, trail[2][2]),
        ("permission change", row.id, trail[3][2]),
        ("permission change", row.id, trail[4][2]),
        ("permission change", boss.id, trail[5][2]),
        ("deactivate", boss.id, "boss"),
        ("activate", boss.id, "boss"),
        ("reset password", row.id, "sam"),
        ("unlock", row.id, "sam"),
    ]
    assert "Samuel Wrench" in trail[2][2] and "writer" in trail[3][2].casefold()


def test_only_a_temporary_password_must_be_changed(cheap_admin: UnitOfWork) -> None:
    clock = Clock()
    row = staff.create_staff(cheap_admin, StaffData("desk", "Front Desk", "writer"),
                             GOOD, GOOD, CHEAP)
    for _ in range(5):
        with pytest.raises(LoginFailed):
            auth.login(cheap_admin, "desk", "wrong password!", clock=clock, hasher=CHEAP)
    assert staff.get_staff(cheap_admin, row.id).locked is False  # the test clock, not the server's
    staff.reset_password(cheap_admin, row.id, "Temporary-Rotor-42", "Temporary-Rotor-42", CHEAP)
    with cheap_admin:
        user = cheap_admin.session.get(StaffUser, row.id)
        assert user is not None and (user.failed_logins, user.locked_until) == (0, None)
    signed = auth.login(cheap_admin, "desk", "Temporary-Rotor-42", clock=clock, hasher=CHEAP)
    assert signed.must_change_password  # the reset also cleared the lock
    with cheap_admin:
        user = cheap_admin.session.get(StaffUser, row.id)
        assert user is not None and (user.failed_logins, user.locked_until) == (0, None)


def test_a_password_made_of_the_persons_own_names_is_refused(cheap_admin: UnitOfWork) -> None:
    """zxcvbn is told the user name (and full name): "Kowalczykowa1" is a fine password
    for anyone but the account named kowalczykowa."""
    weak = ("This password is too easy to guess. Add another word or two. Uncommon words "
            "are better.")
    assert auth.password_problem("Kowalczykowa1") is None
    assert auth.password_problem("Kowalczykowa1", "", "kowalczykowa") == weak
    ann = StaffData("Kowalczykowa", "Ann Smith", "writer")
    with pytest.raises(ValidationError) as caught:
        staff.create_staff(cheap_admin, ann, "Kowalczykowa1", "Kowalczykowa1", CHEAP)
    assert caught.value.fields == {"password": weak}
    row = staff.create_staff(cheap_admin, ann, GOOD, GOOD, CHEAP)
    with pytest.raises(ValidationError, match="too easy to guess"):
        staff.reset_password(cheap_admin, row.id, "Kowalczykowa1", "Kowalczykowa1", CHEAP)
    cheap_admin.actor = auth.login(cheap_admin, "kowalczykowa", GOOD, hasher=CHEAP).actor
    with pytest.raises(ValidationError, match="too easy to guess"):
        staff.change_own_password(cheap_admin, GOOD, "Kowalczykowa1", "Kowalczykowa1", CHEAP)
    assert auth.login(cheap_admin, "kowalczykowa", GOOD, hasher=CHEAP).must_change_password


@pytest.mark.parametrize(("password", "problem"), [
    ("x" * 9, "Use at least 10 characters."),
    ("Qz7#vR2!kL", None),
    ("Qz7#vR2!kL" * 12 + "Qz7#vR2!", None),
    ("Qz7#vR2!kL" * 12 + "Qz7#vR2!k", "Use at most 128 characters."),
])
def test_password_length_limits(password: str, problem: str | None) -> None:
    assert auth.password_problem(password) == problem


@pytest.mark.parametrize(("password", "hints", "problem"), [
    ("qwertyuiop", (), "This is a top-100 common password. Add another word or two. "
                       "Uncommon words are better."),
    ("abcabcabcabc", (), 'Repeats like "abcabcabc" are only slightly harder to guess than '
                         '"abc". Add another word or two. Uncommon words are better.'),
    ("Kowalczykowa1", ("", "kowalczykowa"), "This password is too easy to guess. Add "
                                             "another word or two. Uncommon words are better."),
    ("Boss-1234567", (), None),  # "similar to a common password", yet fair (score 2)
    ("Kowalczykowa1", ("ann",), None),
])
def test_what_the_password_policy_says(
    password: str, hints: tuple[str, ...], problem: str | None
) -> None:
    assert auth.password_problem(password, *hints) == problem


@pytest.mark.parametrize(("password", "confirm", "hints", "problem"), [
    (GOOD, GOOD + "!", (), "The two passwords differ."),
    ("short", "other", (), "Use at least 10 characters."),  # the policy first
    ("Kowalczykowa1", "Kowalczykowa1", ("kowalczykowa", "Ann Smith"),
     "This password is too easy to guess. Add another word or two. Uncommon words are "
     "better."),
])
def test_a_new_password_is_refused_before_it_is_hashed(
    password: str, confirm: str, hints: tuple[str, ...], problem: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        auth.hash_new_password(password, confirm, CHEAP, *hints)
    assert caught.value.fields == {"password": problem}


def test_a_new_password_is_hashed_to_verify() -> None:
    stored = auth.hash_new_password(GOOD, GOOD, CHEAP, "boss", "Pat Owner")
    assert CHEAP.verify(stored, GOOD) and GOOD not in stored


def test_an_unknown_names_counter_keeps_its_key_across_versions() -> None:
    """Counters are stored under this key: a new version must find the old rows."""
    assert auth.name_key("boss") == "e070b"
    assert len(auth.name_key("\udc80")) == 5  # a lone surrogate is counted, not a crash


def test_a_lock_ends_on_the_second_and_a_refusal_says_until_when(uow: UnitOfWork) -> None:
    clock = Clock()
    for _ in range(5):
        with pytest.raises(LoginFailed):
            auth.login(uow, "ghost", "guess-guess-guess", clock=clock, hasher=CHEAP)
    clock.advance(10)
    with pytest.raises(AccountLocked) as refused:
        auth.login(uow, "ghost", "guess-guess-guess", clock=clock, hasher=CHEAP)
    assert refused.value.until == clock.now + timedelta(seconds=20)
    clock.advance(20)  # the lock's last instant has passed: checked (and counted) again
    with pytest.raises(AccountLocked) as again:
        auth.login(uow, "ghost", "guess-guess-guess", clock=clock, hasher=CHEAP)
    assert again.value.until == clock.now + timedelta(seconds=60)


def test_editing_an_account_refuses_what_creating_one_would(cheap_admin: UnitOfWork) -> None:
    desk = staff.create_staff(cheap_admin, StaffData("desk", "Front Desk", "writer"),
                              GOOD, GOOD, CHEAP)
    for data, fields in (
        (StaffData("a", "Front Desk", "writer"), {"username": USERNAME_RULE}),
        (StaffData("BOSS", "Front Desk", "writer"),
         {"username": "The user name 'boss' is taken."}),
        (StaffData("desk", " ", "writer"), {"full_name": "Full name is required."}),
        (StaffData("desk", "Front Desk", "owner"), {"role": "Choose a role."}),
        (StaffData("desk", "Front Desk", "mechanic"),
         {"mechanic_id": "A mechanic's account must be linked to a mechanic."}),
        (StaffData("desk", "Front Desk", "mechanic", 999_999),
         {"mechanic_id": "A mechanic's account must be linked to a mechanic."}),
    ):
        with pytest.raises(ValidationError) as caught:
            staff.update_staff(cheap_admin, desk.id, data, desk.version)
        assert caught.value.fields == fields
    assert staff.get_staff(cheap_admin, desk.id) == desk
    boss = cheap_admin.actor
    assert boss is not None
    with pytest.raises(ValidationError) as last:
        staff.update_staff(cheap_admin, boss.id, StaffData("boss", "Pat Owner", "writer"), 1)
    assert last.value.fields == {
        "role": "This is the last active administrator; make someone else one first."}
    with pytest.raises(ValidationError) as off:
        staff.set_staff_active(cheap_admin, boss.id, False)
    assert off.value.fields == last.value.fields
    with pytest.raises(NotFound, match=r"^Staff account #999999 no longer exists"):
        staff.update_staff(cheap_admin, 999_999, StaffData("x1", "X", "writer"), 1)
    for call in (staff.get_staff, staff.unlock, lambda u, i: staff.set_staff_active(u, i, True),
                 lambda u, i: staff.reset_password(u, i, GOOD, GOOD, CHEAP)):
        with pytest.raises(NotFound, match=r"^Staff account #999999 no longer exists"):
            call(cheap_admin, 999_999)
