"""The audit trail's own rules, called directly: what a row records (its actor, its
summary, an id taken ahead on PostgreSQL), how a change summary shows values and which
fields it leaves out, and the trail's paging."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from mechanic_desktop.db.engine import make_engine
from mechanic_desktop.db.models import AuditEntry, StaffUser
from mechanic_desktop.db.repositories import AUDIT_ID, audit_id_statement
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.records import ListQuery
from mechanic_desktop.domain.staff import Actor, Role
from mechanic_desktop.services import audit
from tests.conftest import migrated_sqlite_file


def _account(engine: Engine, username: str, role: Role = Role.ADMIN) -> Actor:
    """A staff account written straight into the table (no password hashing: cheap)."""
    with Session(engine) as session:
        row = StaffUser(username=username, full_name=f"Staff {username}",
                        password_hash="-", role=role.value)
        session.add(row)
        session.commit()
        return Actor(row.id, username, row.full_name, role)


def _entries(uow: UnitOfWork) -> list[tuple[Any, ...]]:
    with uow:
        return [tuple(r) for r in uow.session.execute(
            select(AuditEntry.id, AuditEntry.staff_user_id, AuditEntry.action,
                   AuditEntry.entity, AuditEntry.entity_id, AuditEntry.summary)
            .order_by(AuditEntry.id))]


# --- show_value, change_line, shown_field, apply_changes --------------------------------


def test_a_value_is_shown_whole_up_to_60_characters_then_cut_to_60() -> None:
    assert audit.show_value(None) == "—"
    assert audit.show_value("") == "—"
    assert audit.show_value(0) == "'0'"
    assert audit.show_value("a" * 60) == repr("a" * 60)
    assert audit.show_value("b" * 61) == repr("b" * 57 + "...")
    assert len(audit.show_value("b" * 61)) == 62  # 60 characters and the quotes
    assert audit.show_value("c" * 59 + "de") == "'" + "c" * 57 + "...'"
    assert audit.change_line("name", None, "x" * 61) == f"name: — → '{'x' * 57}...'"


def test_search_keys_phone_digits_and_hidden_fields_are_left_out_of_summaries() -> None:
    assert audit.shown_field("name")
    assert audit.shown_field("phone")
    assert not audit.shown_field("name_key")
    assert not audit.shown_field("phone_digits")
    assert not audit.shown_field("pay", frozenset({"pay"}))
    assert audit.shown_field("name", frozenset({"pay"}))
    assert audit.shown_field("key")  # only a suffix "_key" marks a search key


def test_apply_changes_sets_every_changed_field_and_writes_only_the_shown_ones() -> None:
    obj = SimpleNamespace(name="Sam", pin="1234", name_key="sam", rate=5)
    summary = audit.apply_changes(
        obj, {"name": "Kim", "pin": "9999", "name_key": "kim", "rate": 5}, frozenset({"pin"})
    )
    assert summary == "name: 'Sam' → 'Kim'"
    assert (obj.name, obj.pin, obj.name_key, obj.rate) == ("Kim", "9999", "kim", 5)
    assert audit.apply_changes(obj, {"name": "Kim"}) == ""


# --- record ---------------------------------------------------------------------------


def test_a_row_without_a_summary_records_an_empty_one(uow: UnitOfWork) -> None:
    with uow.writing():
        audit.record(uow, "create", "part", 7)
        uow.commit()
    assert _entries(uow)[0][1:] == (None, "create", "part", 7, "")


def test_an_anonymous_row_names_no_account_even_when_one_is_given(
    uow: UnitOfWork, engine: Engine
) -> None:
    """A failed sign-in names the account typed at: the row must not read as its owner's."""
    boss, kim = _account(engine, "boss"), _account(engine, "kim")
    uow.actor = boss
    with uow.writing():
        audit.record(uow, "sign-in failed", "staff", kim.id, "wrong password",
                     kim.id, anonymous=True)
        audit.record(uow, "update", "staff", kim.id, "by id", kim.id)
        audit.record(uow, "update", "staff", kim.id, "by actor")
        uow.commit()
    assert [e[1:] for e in _entries(uow)] == [
        (None, "sign-in failed", "staff", kim.id, "wrong password"),
        (kim.id, "update", "staff", kim.id, "by id"),  # named: not the actor
        (boss.id, "update", "staff", kim.id, "by actor"),
    ]


def test_a_summary_is_cut_at_2000_characters(uow: UnitOfWork) -> None:
    with uow.writing():
        audit.record(uow, "update", "part", 1, "x" * 2001)
        uow.commit()
    assert _entries(uow)[0][5] == "x" * 2000


def test_an_id_taken_ahead_is_the_rows_id_and_used_once(uow: UnitOfWork) -> None:
    """The row gets the id taken ahead (``take_audit_id``), staged with the COMMIT on
    PostgreSQL, an ORM row where the connection cannot stage it (SQLite)."""
    with uow.writing():
        audit.take_audit_id(uow, [("4242",)])
        assert uow.session.info[AUDIT_ID] == 4242
        audit.record(uow, "update", "part", 1, "first")
        assert AUDIT_ID not in uow.session.info
        audit.record(uow, "update", "part", 2, "second")
        uow.commit()
    rows = {r[5]: r for r in _entries(uow)}
    assert rows["first"] == (4242, None, "update", "part", 1, "first")
    assert rows["second"][0] != 4242 and rows["second"][4] == 2
    with uow:
        at = uow.session.scalar(select(AuditEntry.at).where(AuditEntry.id == 4242))
        assert at is not None


def test_take_audit_id_keeps_the_first_rows_first_column_and_nothing_for_no_rows(
    uow: UnitOfWork,
) -> None:
    with uow:
        audit.take_audit_id(uow, None)
        audit.take_audit_id(uow, [])
        assert AUDIT_ID not in uow.session.info
        audit.take_audit_id(uow, [(17,)])
        assert uow.session.info[AUDIT_ID] == 17
        assert type(uow.session.info[AUDIT_ID]) is int


def _fake_uow(dialect: str, info: dict[str, Any]) -> UnitOfWork:
    """``audit_id_pending`` reads only the dialect's name and the session's info."""
    return cast(UnitOfWork, SimpleNamespace(dialect=dialect, session=SimpleNamespace(info=info)))


def test_the_audit_id_is_taken_ahead_on_a_server_only_and_only_once() -> None:
    pending = audit.audit_id_pending(_fake_uow("postgresql", {}))
    assert pending is not None
    assert str(pending.statement) == str(audit_id_statement().statement)
    assert audit.audit_id_pending(_fake_uow("postgresql", {AUDIT_ID: 5})) is None
    assert audit.audit_id_pending(_fake_uow("sqlite", {})) is None
    assert audit.audit_id_pending(_fake_uow("sqlite", {AUDIT_ID: 5})) is None


class _StagingConnection(sqlite3.Connection):
    """SQLite's driver connection with the PostgreSQL one's ``stage_insert``
    (db/pg_connection.py): the INSERT is sent with the next COMMIT."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.staged: list[tuple[str, dict[str, Any]]] = []

    def stage_insert(self, table: str, values: dict[str, Any]) -> None:
        self.staged.append((table, dict(values)))

    def commit(self) -> None:
        for table, values in self.staged:
            self.execute(f"INSERT INTO {table} ({', '.join(values)}) "
                         f"VALUES ({', '.join('?' * len(values))})", list(values.values()))
        self.staged.clear()
        super().commit()


@pytest.fixture
def staging_engine(tmp_path: Path) -> Iterator[Engine]:
    path = tmp_path / "staging.sqlite3"
    shutil.copyfile(migrated_sqlite_file(), path)
    engine = make_engine("sqlite://", creator=lambda: sqlite3.connect(
        path, factory=_StagingConnection))
    yield engine
    engine.dispose()


def test_an_id_taken_ahead_goes_with_the_commit_and_is_named_in_the_changes(
    staging_engine: Engine,
) -> None:
    uow = UnitOfWork(staging_engine)
    with uow.writing():
        audit.take_audit_id(uow, [(31,)])
        audit.record(uow, "delete", "part", 9, "PAD-1 Brake pad")
        raw = cast(_StagingConnection, uow.session.connection().connection.dbapi_connection)
        assert [(t, v["id"], v["summary"]) for t, v in raw.staged] == [
            ("audit_log", 31, "PAD-1 Brake pad")]
        assert not uow.session.new  # staged, not an ORM row
        uow.commit()
    assert uow.take_changes().entities == {"audit": frozenset({31})}
    rows = _entries(uow)
    assert rows == [(31, None, "delete", "part", 9, "PAD-1 Brake pad")]
    with uow:
        entry = uow.session.get(AuditEntry, 31)
        assert entry is not None and entry.at is not None
        assert entry.workstation == audit.WORKSTATION


# --- list_audit -----------------------------------------------------------------------


def test_the_trail_pages_with_a_cursor_to_its_end(uow: UnitOfWork) -> None:
    with uow.writing():
        for n in range(3):
            audit.record(uow, "update", "part", n, f"change {n}")
        uow.commit()
    first = audit.list_audit(uow, ListQuery(limit=2))
    assert [(r.who, r.entity_id, r.summary) for r in first.rows] == [
        ("computer " + audit.WORKSTATION, 0, "change 0"),
        ("computer " + audit.WORKSTATION, 1, "change 1"),
    ]
    assert first.next_cursor is not None
    rest = audit.list_audit(uow, ListQuery(limit=2, cursor=first.next_cursor))
    assert [r.summary for r in rest.rows] == ["change 2"]
    assert rest.next_cursor is None
