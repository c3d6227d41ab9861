"""services/maintenance: each step checked against its role in the service (not only a
disabled menu item) and audited; one running app per SQLite file; a restore accepts
only a Mechanic Desktop database and refuses while another process has the file open."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.engine import make_url

from mechanic_desktop import bootstrap
from mechanic_desktop.db.engine import describe, make_engine
from mechanic_desktop.db.local_files import pg_dump_available
from mechanic_desktop.db.models import AuditEntry, Customer
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.errors import DatabaseInUse, MaintenanceRefused, PermissionDenied
from mechanic_desktop.domain.permissions import Action
from mechanic_desktop.domain.staff import Actor, Role
from mechanic_desktop.services import csv_export, customers, maintenance, mechanics, staff
from tests import pgserver
from tests.unit.test_auth import FLOOR, GOOD


def _actor(uow: UnitOfWork, role: Role, username: str = "boss") -> Actor:
    """A real account of ``role`` (audit rows point at it; services re-read its role)."""
    mechanic_id = None
    if role is Role.MECHANIC:
        mechanic_id = mechanics.create_mechanic(uow, mechanics.MechanicData("Bo Ss")).id
    row = staff.create_staff(uow, staff.StaffData(username, "Bo Ss", role, mechanic_id),
                             GOOD, GOOD, FLOOR)
    return Actor(row.id, username, "Bo Ss", role, mechanic_id)


def _audit(engine: Engine, action: str) -> list[tuple[int | None, str]]:
    with engine.connect() as conn:
        return [(r.staff_user_id, r.summary) for r in conn.execute(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id))]


def _customers(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(Customer)).scalar_one())


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[bootstrap.AppContext]:
    """A shop in its own SQLite file, opened as the app opens it (and locked so)."""
    context = bootstrap.connect(f"sqlite:///{tmp_path / 'shop.sqlite3'}")
    yield context
    context.close()


# -- who may -------------------------------------------------------------------------------

Step = Callable[[UnitOfWork, Path], object]
STEPS: dict[str, Step] = {
    "back up": lambda u, tmp: maintenance.back_up(u, tmp / "copy.sqlite3"),
    "restore": lambda u, tmp: maintenance.restore(u, tmp / "copy.sqlite3"),
    "pg_dump": lambda u, tmp: maintenance.dump_server(u, tmp / "copy.dump"),
    "test a connection": lambda u, tmp: maintenance.probe_connection(u, u.engine.url),
    "create the database": lambda u, tmp: maintenance.create_shop_database(u, u.engine.url),
    "upgrade the schema": lambda u, tmp: maintenance.upgrade_shop_schema(u, u.engine.url),
}


@pytest.mark.parametrize("role", [Role.WRITER, Role.MECHANIC])
@pytest.mark.parametrize("step", list(STEPS))
def test_maintenance_is_refused_by_the_service_to_other_roles(
    uow: UnitOfWork, tmp_path: Path, role: Role, step: str
) -> None:
    uow.actor = _actor(uow, role)
    with uow:
        before = uow.session.scalar(select(func.count()).select_from(AuditEntry))
    with pytest.raises(PermissionDenied, match=role.label):
        STEPS[step](uow, tmp_path)
    assert list(tmp_path.iterdir()) == []  # nothing was written
    with uow:  # nothing audited either: the account's creation is all there is
        assert uow.session.scalar(select(func.count()).select_from(AuditEntry)) == before


@pytest.mark.parametrize("step", ["back up", "restore", "pg_dump", "test a connection",
                                  "upgrade the schema"])
def test_the_apps_unit_of_work_refuses_maintenance_for_nobody(
    engine: Engine, tmp_path: Path, step: str
) -> None:
    with pytest.raises(PermissionDenied, match="Sign in"):
        STEPS[step](UnitOfWork(engine, require_actor=True), tmp_path)


def test_each_step_has_its_own_action_for_administrators_only() -> None:
    from mechanic_desktop.domain.permissions import allowed

    steps = (Action.BACK_UP, Action.RESTORE_BACKUP, Action.DUMP_DATABASE,
             Action.TEST_CONNECTION, Action.CREATE_DATABASE, Action.UPGRADE_SCHEMA)
    assert len(set(steps)) == 6
    for action in steps:
        assert [r for r in Role if allowed(r, action)] == [Role.ADMIN]
    assert maintenance.may(None, Action.CREATE_DATABASE)  # before sign-in: the server decides


# -- back up and restore (SQLite) ------------------------------------------------------


def test_backup_and_restore_are_audited_and_round_trip(
    shop: bootstrap.AppContext, tmp_path: Path
) -> None:
    uow = shop.uow
    uow.actor = _actor(uow, Role.ADMIN)
    customers.create_customer(uow, customers.CustomerData("Ada Lovelace"))
    copy = maintenance.back_up(uow, tmp_path / "monday.sqlite3")
    [(who, summary)] = _audit(shop.engine, "backup")
    assert who == uow.actor.id and "monday.sqlite3" in summary

    customers.create_customer(uow, customers.CustomerData("Bob Builder"))
    kept = maintenance.restore(uow, copy)
    assert _customers(shop.engine) == 1 and kept.exists()
    [(who, summary)] = _audit(shop.engine, "restore")
    assert who == uow.actor.id  # same account in the restored data
    assert "monday.sqlite3" in summary and str(kept) in summary and "boss" in summary


def test_a_backup_cannot_overwrite_the_database(shop: bootstrap.AppContext) -> None:
    uow = shop.uow
    assert shop.url.database is not None
    with pytest.raises(MaintenanceRefused, match="another file name"):
        maintenance.back_up(uow, Path(shop.url.database))


def _foreign(path: Path, revision: str | None, tables: tuple[str, ...] = ("notes",)) -> Path:
    conn = sqlite3.connect(path)
    for table in tables:
        conn.execute(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY)")
    if revision is not None:
        conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32))")
        conn.execute("INSERT INTO alembic_version VALUES (?)", (revision,))
    conn.commit()
    conn.close()
    return path


@pytest.mark.parametrize(("revision", "tables", "says"), [
    (None, ("notes",), "not a Mechanic Desktop database"),
    ("0003", ("customers", "notes"), "not a whole Mechanic Desktop database"),
    ("9999", ("customers",), "made by a newer Mechanic Desktop"),
])
def test_restore_accepts_only_a_mechanic_desktop_database(
    shop: bootstrap.AppContext, tmp_path: Path, revision: str | None,
    tables: tuple[str, ...], says: str,
) -> None:
    """An arbitrary SQLite file would reopen empty and offer the first-administrator
    screen to whoever is at the desk."""
    uow = shop.uow
    uow.actor = _actor(uow, Role.ADMIN)
    customers.create_customer(uow, customers.CustomerData("Ada Lovelace"))
    other = _foreign(tmp_path / "other.sqlite3", revision, tables)
    with pytest.raises(MaintenanceRefused, match=says):
        maintenance.restore(uow, other)
    assert _customers(shop.engine) == 1
    assert not list(tmp_path.glob("shop-before-restore-*"))


HOLD = textwrap.dedent("""
    import sqlite3, sys, time
    conn = sqlite3.connect(sys.argv[1])
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("SELECT count(*) FROM customers").fetchall()
    print("open", flush=True)
    sys.stdin.readline()
""")


def test_restore_refuses_while_another_process_has_the_file_open(
    shop: bootstrap.AppContext, tmp_path: Path
) -> None:
    uow = shop.uow
    uow.actor = _actor(uow, Role.ADMIN)
    copy = maintenance.back_up(uow, tmp_path / "copy.sqlite3")
    customers.create_customer(uow, customers.CustomerData("Ada Lovelace"))
    assert shop.url.database is not None
    other = subprocess.Popen([sys.executable, "-c", HOLD, shop.url.database],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert other.stdout is not None and other.stdout.readline().strip() == "open"
        with pytest.raises(MaintenanceRefused, match="open in another program"):
            maintenance.restore(uow, copy)
        assert _customers(shop.engine) == 1
        assert not _audit(shop.engine, "restore")
    finally:
        other.communicate("\n", timeout=30)
    maintenance.restore(uow, copy)  # once it is closed, the restore goes ahead
    assert _customers(shop.engine) == 0


OPEN_APP = textwrap.dedent("""
    import sys
    from mechanic_desktop import bootstrap
    from mechanic_desktop.domain.errors import DatabaseInUse
    try:
        bootstrap.connect(sys.argv[1]).close()
    except DatabaseInUse as exc:
        print(exc)
        sys.exit(3)
    print("opened")
""")


def test_one_running_app_per_sqlite_file(shop: bootstrap.AppContext, tmp_path: Path) -> None:
    import os

    url = f"sqlite:///{tmp_path / 'shop.sqlite3'}"
    second = subprocess.run([sys.executable, "-c", OPEN_APP, url], capture_output=True,
                            text=True, timeout=120, check=False)
    assert second.returncode == 3, second.stderr
    assert "already running with shop.sqlite3" in second.stdout
    assert f"process {os.getpid()}" in second.stdout
    with pytest.raises(DatabaseInUse):  # within this process too
        bootstrap.connect(url)
    shop.close()
    third = subprocess.run([sys.executable, "-c", OPEN_APP, url], capture_output=True,
                           text=True, timeout=120, check=False)
    assert third.stdout.strip() == "opened", third.stderr


# -- a shared server -----------------------------------------------------------------------


@pytest.mark.skipif(pg_dump_available() is None, reason="pg_dump is not installed")
def test_pg_dump_is_audited(pg_engine: Engine, tmp_path: Path) -> None:
    from tests.conftest import empty_tables

    empty_tables(pg_engine)
    uow = UnitOfWork(pg_engine)
    uow.actor = _actor(uow, Role.ADMIN)
    saved = maintenance.dump_server(uow, tmp_path / "shop.dump")
    assert saved.stat().st_size > 0
    size = f"{saved.stat().st_size / 1e6:.1f}"
    assert _audit(pg_engine, "pg_dump") == [
        (uow.actor.id, f"saved {describe(pg_engine.url)} to {saved} ({size} MB)")]


def test_connection_steps_are_audited(uow: UnitOfWork) -> None:
    uow.actor = _actor(uow, Role.ADMIN)
    result = maintenance.probe_connection(uow, uow.engine.url)
    assert result.usable
    [(who, summary)] = _audit(uow.engine, "connection test")
    assert who == uow.actor.id and summary.endswith(": ok") and "***" not in summary
    maintenance.probe_connection(None, uow.engine.url)  # before sign-in: no row to write
    assert len(_audit(uow.engine, "connection test")) == 1
    maintenance.upgrade_shop_schema(uow, uow.engine.url)
    [(who, summary)] = _audit(uow.engine, "upgrade schema")
    assert who is None and "by boss at" in summary


def test_creating_a_database_is_audited_in_it(pg_admin_url: str) -> None:
    import uuid

    name = f"mechanic_create_{uuid.uuid4().hex[:8]}"
    url = str(make_url(pg_admin_url).set(drivername="postgresql+psycopg", database=name)
              .render_as_string(hide_password=False))
    try:
        assert maintenance.create_shop_database(None, url).kind is maintenance.ProbeKind.OK
        engine = make_engine(url)
        try:
            [(who, summary)] = _audit(engine, "create database")
            assert who is None and "before sign-in" in summary
        finally:
            engine.dispose()
    finally:
        pgserver.drop_database(pg_admin_url, name)



def test_creating_a_postgresql_database_names_who_created_it(
    pg_admin_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Signed in (to the shop open at this desk), the row in the new database names the
    administrator and the workstation."""
    import shutil
    import uuid

    from mechanic_desktop.db.engine import describe, parse_url
    from tests.conftest import migrated_sqlite_file
    from tests.unit import workflow_factories as wf

    monkeypatch.setattr(maintenance.socket, "gethostname", lambda: "bench-3")
    shop = tmp_path / "shop.sqlite3"
    shutil.copyfile(migrated_sqlite_file(), shop)
    here = make_engine(f"sqlite:///{shop}")
    name = f"mechanic_create_{uuid.uuid4().hex[:8]}"
    url = str(make_url(pg_admin_url).set(drivername="postgresql+psycopg", database=name)
              .render_as_string(hide_password=False))
    parsed = parse_url(url)
    try:
        boss = UnitOfWork(here, actor=wf.actor(here, "boss", "Bo Ss", Role.ADMIN))
        assert maintenance.create_shop_database(boss, url).kind is maintenance.ProbeKind.OK
        engine = make_engine(url)
        try:
            assert _audit(engine, "create database") == [
                (None, f"created {describe(parsed)} as {parsed.username} "
                       "(by boss at bench-3)")]
        finally:
            engine.dispose()
    finally:
        here.dispose()
        pgserver.drop_database(pg_admin_url, name)

# -- CSV export ------------------------------------------------------------------------


def test_a_csv_export_is_audited(uow: UnitOfWork, tmp_path: Path) -> None:
    from mechanic_desktop.domain.records import ListQuery

    uow.actor = _actor(uow, Role.WRITER)
    customers.create_customer(uow, customers.CustomerData("Ada Lovelace"))
    target = tmp_path / "customers.csv"
    rows = csv_export.export_file(uow, "customers", target, lambda out: csv_export.write_list(
        out, lambda q: customers.list_customers(uow, q), ListQuery(), [("Name", lambda r: r.name)]))
    assert rows == 1 and target.exists()
    [(who, summary)] = _audit(uow.engine, "export")
    assert who == uow.actor.id and summary == f"1 rows to {target}"
    with uow.engine.connect() as conn:
        assert conn.execute(text("SELECT entity FROM audit_log WHERE action = 'export'")
                            ).scalar_one() == "customers"
