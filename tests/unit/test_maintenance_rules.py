"""services/maintenance's rules, each asserted exactly and cheaply: where the data lives,
who may, how the workstation and a database are named in the audit trail, every refusal's
message, and what a backup, a restore and an upgrade of a SQLite file write there.

Each test works on a copy of the once-migrated SQLite file (tests/conftest.py) or on an
engine that never connects (a server URL: the refusals come before any connection), so
the mutation run (docs/mutation.md) judges the module's mutants by them.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, select

from mechanic_desktop.db import local_files
from mechanic_desktop.db.engine import make_engine
from mechanic_desktop.db.models import AuditEntry
from mechanic_desktop.db.probe import _revisions
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.errors import MaintenanceRefused, PermissionDenied
from mechanic_desktop.domain.permissions import Action
from mechanic_desktop.domain.staff import Actor, Role
from mechanic_desktop.services import maintenance
from mechanic_desktop.services.maintenance import Location
from tests.conftest import migrated_sqlite_file
from tests.unit import workflow_factories as wf

SERVER = "postgresql+psycopg://bob:secret@127.0.0.1:1/shop"  # nothing listens on port 1
BOSS = Actor(1, "boss", "Bo Ss", Role.ADMIN, None)


@pytest.fixture
def host(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(maintenance.socket, "gethostname", lambda: "bench-3")
    return "bench-3"


@pytest.fixture
def shop_file(tmp_path: Path) -> Iterator[tuple[Path, Engine]]:
    """A shop's SQLite file (a copy of the migrated one) and its engine."""
    path = tmp_path / "shop.sqlite3"
    shutil.copyfile(migrated_sqlite_file(), path)
    engine = make_engine(f"sqlite:///{path}")
    yield path, engine
    engine.dispose()


def _audit(engine: Engine, action: str) -> list[tuple[int | None, str, str, int | None, str]]:
    with engine.connect() as conn:
        return [(r.staff_user_id, r.action, r.entity, r.entity_id, r.summary)
                for r in conn.execute(select(AuditEntry).where(AuditEntry.action == action)
                                      .order_by(AuditEntry.id))]


# --- where the data lives, who may, how things are named ----------------------------------


def test_where_the_data_lives(tmp_path: Path) -> None:
    def where(url: str) -> Location:
        return maintenance.location(UnitOfWork(create_engine(url)))

    file = tmp_path / "garage.sqlite3"
    assert where(f"sqlite:///{file}") == Location(
        str(file), file, f"sqlite:///{file}", "garage")
    assert where("sqlite://") == Location("in-memory database", None, "sqlite://", "shop")
    assert where("sqlite:///") == Location("in-memory database", None, "sqlite:///", "shop")
    assert where("sqlite:///:memory:") == Location(
        ":memory:", None, "sqlite:///%3Amemory%3A", ":memory:")
    assert where(SERVER) == Location("shop on 127.0.0.1:1", None, SERVER, "shop")


def test_who_may_offer_each_step() -> None:
    engine = create_engine("sqlite://")
    assert maintenance.may(None, Action.BACK_UP) is True
    assert maintenance.may(UnitOfWork(engine), Action.BACK_UP) is True
    assert maintenance.may(UnitOfWork(engine, require_actor=True), Action.BACK_UP) is False
    writer = Actor(2, "wes", "Wes Desk", Role.WRITER, None)
    assert maintenance.may(UnitOfWork(engine, actor=writer), Action.BACK_UP) is False
    assert maintenance.may(UnitOfWork(engine, actor=BOSS), Action.BACK_UP) is True


def test_the_audit_names_the_workstation_and_who(
    host: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    signed_in = UnitOfWork(create_engine("sqlite://"), actor=BOSS)
    assert maintenance._who(signed_in) == "by boss at bench-3"
    assert maintenance._who(None) == "before sign-in, at bench-3"
    assert maintenance._who(UnitOfWork(create_engine("sqlite://"))) == (
        "before sign-in, at bench-3")
    monkeypatch.setattr(maintenance.socket, "gethostname", lambda: "")
    assert maintenance._who(None) == "before sign-in, at this workstation"


def test_the_audit_names_the_database_never_the_password() -> None:
    assert maintenance._target(SERVER) == "shop on 127.0.0.1:1 as bob"
    assert maintenance._target("postgresql://db.example:5433/shop") == (
        "shop on db.example:5433")
    assert maintenance._target("sqlite:///garage.sqlite3") == "garage.sqlite3"
    assert maintenance._target("mysql://bob@db.example/shop") == "a database"


# --- refusals --------------------------------------------------------------------------


def test_a_server_is_not_backed_up_or_restored_here(tmp_path: Path) -> None:
    server = UnitOfWork(create_engine(SERVER))
    for step, doing in ((maintenance.back_up, "backing up"),
                        (maintenance.restore, "restoring")):
        with pytest.raises(MaintenanceRefused) as refused:
            step(server, tmp_path / "copy.sqlite3")
        assert str(refused.value) == (
            f"The shop's data is on a shared server; {doing} is done there with the "
            "server's own tools (pg_dump / pg_restore), after every desk has closed "
            "Mechanic Desktop.")
    assert list(tmp_path.iterdir()) == []


def test_pg_dump_is_refused_where_it_cannot_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(MaintenanceRefused) as refused:
        maintenance.dump_server(UnitOfWork(create_engine("sqlite://")), tmp_path / "x.dump")
    assert str(refused.value) == ("pg_dump copies a shared server's database; a file on "
                                  "this computer is backed up with Back up….")
    monkeypatch.setattr(maintenance, "pg_dump_available", lambda: None)
    server = UnitOfWork(create_engine(SERVER))
    with pytest.raises(MaintenanceRefused) as refused:
        maintenance.dump_server(server, tmp_path / "x.dump")
    assert str(refused.value) == ("pg_dump is not installed on this computer; install the "
                                  "PostgreSQL client tools to make a copy from here.")
    false = shutil.which("false")
    assert false is not None
    with pytest.raises(RuntimeError) as failed:  # the program given is run, found or not
        maintenance.dump_server(server, tmp_path / "x.dump", pg_dump=false)
    assert str(failed.value) == "pg_dump could not back up the database: pg_dump failed"


def test_setting_up_a_server_is_refused_before_connecting(shop_file: tuple[Path, Engine]) -> None:
    with pytest.raises(MaintenanceRefused) as refused:
        maintenance.set_up_server(None, "sqlite:///garage.sqlite3", "desk")
    assert str(refused.value) == "Roles exist only on a PostgreSQL server."
    with pytest.raises(MaintenanceRefused) as refused:
        maintenance.set_up_server(None, "postgresql://desk@127.0.0.1:1/shop", "desk")
    assert str(refused.value) == ("The desks' role must not be the owner: that is the "
                                  "point of having two.")
    _, engine = shop_file
    writer = UnitOfWork(engine, actor=wf.actor(engine, "wes", "Wes Desk", Role.WRITER))
    with pytest.raises(PermissionDenied) as denied:
        maintenance.set_up_server(writer, "sqlite:///garage.sqlite3", "desk")  # asked first
    assert str(denied.value) == ("Service writers cannot upgrade a database's schema; ask an "
                                 "administrator.")


# --- a SQLite file ---------------------------------------------------------------------


def test_a_backup_is_audited_with_its_size(
    shop_file: tuple[Path, Engine], tmp_path: Path
) -> None:
    path, engine = shop_file
    uow = UnitOfWork(engine)
    with pytest.raises(MaintenanceRefused) as refused:
        maintenance.back_up(uow, path)
    assert str(refused.value) == ("A backup cannot replace the database itself; choose "
                                  "another file name.")
    pages: list[tuple[int, int]] = []
    saved = maintenance.back_up(uow, tmp_path / "monday.sqlite3",
                                progress=lambda done, total: pages.append((done, total)))
    assert saved == tmp_path / "monday.sqlite3"
    assert pages and pages[-1][0] == pages[-1][1] > 0
    size = f"{saved.stat().st_size / 1e6:.1f}"
    assert _audit(engine, "backup") == [
        (None, "backup", "database", None, f"copied shop.sqlite3 to {saved} ({size} MB)")]


def test_the_database_in_use_is_not_restored_over_itself(
    shop_file: tuple[Path, Engine],
) -> None:
    path, engine = shop_file
    with pytest.raises(MaintenanceRefused) as refused:
        maintenance.restore(UnitOfWork(engine), path)
    assert str(refused.value) == "That is the database in use, not a backup of it."


def test_a_restore_is_refused_while_the_file_is_open_elsewhere(
    shop_file: tuple[Path, Engine], tmp_path: Path
) -> None:
    path, engine = shop_file
    copy = local_files.backup_sqlite(path, tmp_path / "monday.sqlite3")
    other = sqlite3.connect(path)  # another program has the file open
    try:
        other.execute("PRAGMA journal_mode=WAL")
        other.execute("SELECT count(*) FROM customers").fetchall()
        with pytest.raises(MaintenanceRefused) as refused:
            maintenance.restore(UnitOfWork(engine), copy)
    finally:
        other.close()
    assert str(refused.value) == (
        "shop.sqlite3 is open in another program (another copy of Mechanic Desktop, or a "
        "tool reading the file); close it first: restoring now would lose what it has not "
        "written yet.")


def test_a_restore_is_audited_in_the_restored_data(
    shop_file: tuple[Path, Engine], tmp_path: Path, host: str
) -> None:
    path, engine = shop_file
    boss = wf.actor(engine, "boss", "Bo Ss", Role.ADMIN)
    copy = local_files.backup_sqlite(path, tmp_path / "monday.sqlite3")  # boss and all
    kept = maintenance.restore(UnitOfWork(engine, actor=boss), copy)
    assert _audit(engine, "restore") == [
        (boss.id, "restore", "database", None,
         f"restored from {copy}; the data before is kept in {kept} (by boss at bench-3)")]


def test_an_upgrade_is_audited_in_the_database_upgraded(
    shop_file: tuple[Path, Engine], host: str
) -> None:
    path, engine = shop_file
    head = _revisions()[0]
    boss = UnitOfWork(engine, actor=wf.actor(engine, "boss", "Bo Ss", Role.ADMIN))
    result = maintenance.upgrade_shop_schema(boss, f"sqlite:///{path}")
    assert (result.kind, result.revision) == (maintenance.ProbeKind.OK, head)
    assert _audit(engine, "upgrade schema") == [  # no account id: it names another database
        (None, "upgrade schema", "database", None,
         f"upgraded {path} from schema {head} to {head} (by boss at bench-3)")]
