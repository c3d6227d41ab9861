"""Testing a connection says precisely what stands in the way, against a real server."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from alembic import command
from alembic.script import ScriptDirectory
from psycopg import sql
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from mechanic_desktop.db import probe as probe_module
from mechanic_desktop.db.engine import make_engine
from mechanic_desktop.db.migrations import alembic_config
from mechanic_desktop.db.probe import (
    ProbeKind,
    classify_error,
    create_database,
    probe,
    upgrade_schema,
)
from mechanic_desktop.domain.errors import DatabaseUnavailable
from tests import pgserver


@pytest.fixture
def scratch(pg_admin_url: str) -> Iterator[tuple[str, str]]:
    """A database name (not created) and its URL; dropped afterwards."""
    name = f"mechanic_probe_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    head, _, _ = pg_admin_url.rpartition("/")
    yield name, f"{head}/{name}".replace("postgresql://", "postgresql+psycopg://", 1)
    pgserver.drop_database(pg_admin_url, name)


def test_ready_database(pg_engine: Engine) -> None:
    result = probe(pg_engine.url)
    assert result.kind is ProbeKind.OK and result.usable
    assert result.sentence.endswith("a shop database, ready.")
    assert result.server_version is not None and result.server_version >= 130000


def test_nothing_listens_on_the_port(pg_engine: Engine) -> None:
    result = probe(pg_engine.url.set(port=1))
    assert result.kind is ProbeKind.UNREACHABLE
    assert result.sentence == (
        f"No database server answers at {pg_engine.url.host}:1; check that it is running "
        "and reachable.")


def test_missing_database(pg_engine: Engine) -> None:
    result = probe(pg_engine.url.set(database="no_such_shop"))
    assert result.kind is ProbeKind.NO_DATABASE
    assert result.sentence == (
        f"The server at {pg_engine.url.host} has no database named 'no_such_shop'.")


def test_unknown_user(pg_engine: Engine) -> None:
    result = probe(pg_engine.url.set(username="nobody_here"))
    host = pg_engine.url.host
    if pgserver.asks_for_password(pg_engine.url):  # it does not say whether the user exists
        assert result.kind is ProbeKind.AUTH
        assert result.sentence == f"The server at {host} refused the user name or password."
        return
    assert result.kind is ProbeKind.NO_USER
    assert result.sentence == f"The server at {host} has no user named 'nobody_here'."


def test_wrong_password_is_named() -> None:
    # The test server trusts every local connection, so the driver's refusal is replayed.
    url = make_url("postgresql+psycopg://shop:bad@db.example/shop")
    error = psycopg.OperationalError(
        'connection to server at "db.example", port 5432 failed: FATAL:  password '
        'authentication failed for user "shop"')
    result = classify_error(error, url)
    assert result.kind is ProbeKind.AUTH
    assert result.sentence == "The server at db.example refused the user name or password."


def test_server_too_old(pg_engine: Engine) -> None:
    result = probe(pg_engine.url, min_server_version=990000)
    assert result.kind is ProbeKind.SERVER_TOO_OLD
    assert "Mechanic Desktop needs PostgreSQL 99 or newer." in result.sentence


def test_schema_newer_than_the_app(scratch: tuple[str, str], pg_admin_url: str) -> None:
    _name, url = scratch
    create_database(url)
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    finally:
        engine.dispose()
    result = probe(url)
    assert result.kind is ProbeKind.SCHEMA_NEW
    assert result.sentence.endswith("update this app to use it.")


def test_schema_older_than_the_app_then_upgraded(
    scratch: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    name, url = scratch
    pgserver.create_database(url.replace("+psycopg", "").rsplit("/", 1)[0] + "/postgres",
                             name)
    scripts = ScriptDirectory.from_config(alembic_config())
    base = next(s.revision for s in scripts.walk_revisions() if s.down_revision is None)
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            command.upgrade(alembic_config(conn), base)
    finally:
        engine.dispose()
    if base == scripts.get_current_head():  # one migration only: pretend a newer head
        monkeypatch.setattr(probe_module, "_revisions", lambda: ("9999", {base, "9999"}))
        assert probe(url).kind is ProbeKind.SCHEMA_OLD
        return
    result = probe(url)
    assert result.kind is ProbeKind.SCHEMA_OLD
    assert f"schema {base}" in result.sentence
    assert upgrade_schema(url).kind is ProbeKind.OK


def test_create_database_then_it_is_ready(scratch: tuple[str, str]) -> None:
    _name, url = scratch
    assert probe(url).kind is ProbeKind.NO_DATABASE
    assert create_database(url).kind is ProbeKind.OK


def test_create_database_without_the_right(
    scratch: tuple[str, str], pg_admin_url: str
) -> None:
    _name, url = scratch
    role = f"clerk_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        # The admin's password (NULL when the server trusts us): the URL below carries it.
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN NOCREATEDB PASSWORD {}").format(
            sql.Identifier(role), sql.Literal(make_url(pg_admin_url).password)))
    try:
        with pytest.raises(DatabaseUnavailable, match=f"'{role}' may not create databases"):
            create_database(make_url(url).set(username=role))
    finally:
        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            conn.execute(f'DROP ROLE "{role}"')


def test_empty_and_foreign_databases(scratch: tuple[str, str], pg_admin_url: str) -> None:
    name, url = scratch
    pgserver.create_database(pg_admin_url, name)
    assert probe(url).kind is ProbeKind.EMPTY
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE invoices (id int)"))
    finally:
        engine.dispose()
    assert probe(url).kind is ProbeKind.FOREIGN


def test_sqlite_cases(tmp_path: Path) -> None:
    assert probe(f"sqlite:///{tmp_path / 'new.sqlite3'}").kind is ProbeKind.EMPTY
    assert probe(f"sqlite:///{tmp_path / 'missing' / 'x.sqlite3'}").kind is ProbeKind.OTHER
    assert probe("mysql://root@localhost/shop").kind is ProbeKind.BAD_URL


def test_network_share_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(probe_module, "network_share_reason",
                        lambda path: f"{path} is on a network share (cifs at /mnt/shop).")
    result = probe("sqlite:////mnt/shop/shop.sqlite3")
    assert result.kind is ProbeKind.NETWORK_SHARE
    assert "network share" in result.sentence
