"""Looking after the database itself: back up, restore, ``pg_dump``, and the connection
dialog's three steps (test a connection, create the shop database, upgrade a schema).

Each is one function here, checked against its own ``Action`` (domain/permissions.py)
and audited, so dialogs call it like any other service; the low-level work stays in
``db/`` (local_files, probe, migrations).

Who may do what:

- **Back up, restore, pg_dump**: an administrator, signed in. A backup or a dump is a
  copy of every password hash; a restore replaces every desk's data.
- **Test a connection, create the shop database, upgrade a schema**: an administrator
  when someone is signed in (changing where the data lives is theirs to decide). Before
  anyone has signed in — the sign-in screen, a database that cannot be opened at
  start-up, a new shop with no account yet — there is no role to check, and the caller
  passes ``uow=None``: then these steps are open to whoever is at the desk, because they
  reach only the server and the credentials typed into the dialog, and the server decides.
  Creating a database or changing its tables needs the owner's server account, which
  the desks' own account is not (README, "A shared PostgreSQL server"); a SQLite file is
  upgraded at start-up by whoever opens it anyway.

What is audited, and where:

- a backup and a ``pg_dump`` in the shop's database, under the administrator;
- a restore in the *restored* data (that is the trail the shop goes on using), under the
  same user name if that account exists there; the replaced file, kept aside, still
  holds everything before it;
- a connection test in the open shop database when someone is signed in (which server
  and user were tried, and the outcome; never the password); before sign-in there is no
  shop database to write to;
- creating and upgrading in the database created or upgraded (the row names the
  signed-in user and the workstation: account ids belong to the database signed in to,
  not to that one).
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, insert, select
from sqlalchemy.engine import URL

from mechanic_desktop.db import local_files, probe, roles
from mechanic_desktop.db.engine import describe, make_engine, parse_url
from mechanic_desktop.db.local_files import network_share_reason, pg_dump_available
from mechanic_desktop.db.migrations import upgrade
from mechanic_desktop.db.models import AuditEntry, StaffUser
from mechanic_desktop.db.probe import ProbeKind, ProbeResult
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.errors import DatabaseInUse, DomainError, MaintenanceRefused
from mechanic_desktop.domain.permissions import Action, allowed
from mechanic_desktop.services import audit
from mechanic_desktop.services.permissions import require

__all__ = [
    "Location",
    "ProbeKind",
    "ProbeResult",
    "SignedIn",
    "back_up",
    "create_shop_database",
    "dump_server",
    "location",
    "may",
    "network_share_reason",
    "pg_dump_available",
    "probe_connection",
    "restore",
    "set_up_server",
    "upgrade_shop_schema",
]

#: The open shop's unit of work while someone is signed in; None before sign-in.
SignedIn = UnitOfWork | None
#: ``progress(pages done, pages in all)`` while a SQLite file is copied.
Progress = Callable[[int, int], None]
ENTITY = "database"


@dataclass(frozen=True)
class Location:
    """Where the open shop's data lives, as the File menu needs it."""

    description: str  # for people: a file path, or "shop on server:5432"
    file: Path | None  # the SQLite file; None for a server (or an in-memory database)
    url: str  # to reopen the same database after a restore (holds the password)
    database: str  # the server database's or the file's name


def location(uow: UnitOfWork) -> Location:
    url = uow.engine.url
    file = None
    if uow.dialect == "sqlite" and url.database not in (None, "", ":memory:"):
        assert url.database is not None
        file = Path(url.database)
    return Location(describe(url), file, url.render_as_string(hide_password=False),
                    file.stem if file is not None else (url.database or "shop"))


def may(uow: UnitOfWork | None, action: Action) -> bool:
    """Whether to offer ``action`` (the same rule as the functions below apply)."""
    if uow is None:
        return True  # before sign-in: see the module's docstring
    if uow.actor is None:
        return not uow.require_actor
    return allowed(uow.actor.role, action)


def _require_signed_in_or_none(uow: UnitOfWork | None, action: Action) -> None:
    if uow is not None:
        require(uow, action)


def _audit(uow: UnitOfWork, action: str, summary: str) -> None:
    with uow.writing():
        audit.record(uow, action, ENTITY, None, summary)
        uow.commit()


def _who(uow: UnitOfWork | None) -> str:
    actor = uow.actor if uow is not None else None
    where = socket.gethostname() or "this workstation"
    if actor is None:
        return f"before sign-in, at {where}"
    return f"by {actor.username} at {where}"


# -- the open database: backups, dumps, restore ----------------------------------------


def _sqlite_file(uow: UnitOfWork, what: str) -> Path:
    file = location(uow).file
    if file is None:
        raise MaintenanceRefused(
            f"The shop's data is on a shared server; {what} is done there with the "
            "server's own tools (pg_dump / pg_restore), after every desk has closed "
            "Mechanic Desktop.")
    return file


def back_up(uow: UnitOfWork, target: Path, progress: Progress | None = None) -> Path:
    """Copy the open SQLite file to ``target`` (online backup API) and audit it."""
    require(uow, Action.BACK_UP)
    database = _sqlite_file(uow, "backing up")
    if target.resolve() == database.resolve():
        raise MaintenanceRefused("A backup cannot replace the database itself; choose "
                                 "another file name.")
    saved = local_files.backup_sqlite(database, target, progress=progress)
    _audit(uow, "backup", f"copied {database.name} to {saved} "
                          f"({saved.stat().st_size / 1e6:.1f} MB)")
    return saved


def dump_server(uow: UnitOfWork, target: Path, pg_dump: str | None = None) -> Path:
    """Save a copy of the shared database with ``pg_dump`` and audit it."""
    require(uow, Action.DUMP_DATABASE)
    if uow.dialect != "postgresql":
        raise MaintenanceRefused("pg_dump copies a shared server's database; a file on "
                                 "this computer is backed up with Back up….")
    program = pg_dump or pg_dump_available()
    if program is None:
        raise MaintenanceRefused("pg_dump is not installed on this computer; install the "
                                 "PostgreSQL client tools to make a copy from here.")
    saved = local_files.run_pg_dump(uow.engine.url, target, program)
    _audit(uow, "pg_dump", f"saved {describe(uow.engine.url)} to {saved} "
                           f"({saved.stat().st_size / 1e6:.1f} MB)")
    return saved


def restore(uow: UnitOfWork, source: Path) -> Path:
    """Replace the open SQLite file by the backup ``source``; return where the data as
    it was is kept.

    Runs on the DB worker (nothing else uses the database meanwhile): the engine's
    connections are closed first, and the restore is refused while another process has
    the file open, or when ``source`` is not a Mechanic Desktop database. The restored
    data is brought to this version's schema and the restore audited in it; the caller
    then reopens the database (every window shows data that no longer exists).
    """
    require(uow, Action.RESTORE_BACKUP)
    database = _sqlite_file(uow, "restoring")
    if source.resolve() == database.resolve():
        raise MaintenanceRefused("That is the database in use, not a backup of it.")
    problem = probe.check_shop_file(source)
    if problem is not None:
        raise MaintenanceRefused(problem)
    engine = uow.engine
    engine.dispose()  # close the pooled connections so the file can be replaced
    try:
        kept = local_files.restore_sqlite(source, database)
    except DatabaseInUse as exc:
        raise MaintenanceRefused(str(exc)) from None
    finally:
        engine.dispose()
    upgrade(engine)
    _audit_restored(uow, engine, f"restored from {source}; the data before is kept in "
                                 f"{kept} ({_who(uow)})")
    return kept


def _audit_restored(uow: UnitOfWork, engine: Engine, summary: str) -> None:
    """The restore's row, in the restored data: under the same user name when that
    account exists there (ids of the replaced data mean nothing in it)."""
    actor = uow.actor
    with engine.begin() as conn:
        staff_id = None
        if actor is not None:
            staff_id = conn.execute(select(StaffUser.id).where(
                StaffUser.username == actor.username)).scalar()
        conn.execute(insert(AuditEntry).values(
            staff_user_id=staff_id, action="restore", entity=ENTITY, entity_id=None,
            summary=summary[:audit.MAX_SUMMARY]))


# -- another database: the connection dialog's steps -------------------------------------


def _target(url: str | URL) -> str:
    try:
        parsed = parse_url(url)
    except DomainError:  # a URL the probe itself describes
        return "a database"
    where = describe(parsed)
    return f"{where} as {parsed.username}" if parsed.username else where


def probe_connection(uow: UnitOfWork | None, url: str | URL) -> ProbeResult:
    """Connect once and say whether the app can use the database at ``url``."""
    _require_signed_in_or_none(uow, Action.TEST_CONNECTION)
    result = probe.probe(url)
    if uow is not None and uow.actor is not None:
        _audit(uow, "connection test", f"{_target(url)}: {result.kind.value}")
    return result


def create_shop_database(uow: UnitOfWork | None, url: str | URL) -> ProbeResult:
    """CREATE DATABASE on the server and give it the shop's schema (the owner's step)."""
    _require_signed_in_or_none(uow, Action.CREATE_DATABASE)
    result = probe.create_database(url)
    _audit_there(url, "create database", f"created {_target(url)} ({_who(uow)})")
    return result


def upgrade_shop_schema(uow: UnitOfWork | None, url: str | URL) -> ProbeResult:
    """Bring the database at ``url`` to this version's schema (the owner's step)."""
    _require_signed_in_or_none(uow, Action.UPGRADE_SCHEMA)
    before = probe.probe(url).revision
    result = probe.upgrade_schema(url)
    _audit_there(url, "upgrade schema",
                 f"upgraded {_target(url)} from schema {before or 'none'} to "
                 f"{result.revision or '?'} ({_who(uow)})")
    return result


def _audit_there(url: str | URL, action: str, summary: str) -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(insert(AuditEntry).values(
                staff_user_id=None, action=action, entity=ENTITY, entity_id=None,
                summary=summary[:audit.MAX_SUMMARY]))
    finally:
        engine.dispose()


def set_up_server(uow: UnitOfWork | None, owner_url: str | URL, desk_role: str) -> ProbeResult:
    """The shared server's set-up, as the database owner: the shop's schema (created or
    upgraded), then the desks' role given exactly its rights (``db/roles``). Safe to run
    again after an upgrade."""
    _require_signed_in_or_none(uow, Action.UPGRADE_SCHEMA)
    parsed = parse_url(owner_url)
    if parsed.get_backend_name() != "postgresql":
        raise MaintenanceRefused("Roles exist only on a PostgreSQL server.")
    if desk_role == parsed.username:
        raise MaintenanceRefused("The desks' role must not be the owner: that is the "
                                 "point of having two.")
    result = upgrade_shop_schema(uow, parsed)
    engine = make_engine(parsed)
    try:
        with engine.begin() as conn:
            roles.grant_desk_role(conn, desk_role)
            conn.execute(insert(AuditEntry).values(
                staff_user_id=None, action="grant desk role", entity=ENTITY, entity_id=None,
                summary=f"{desk_role} may use {describe(parsed)} ({_who(uow)})"))
    finally:
        engine.dispose()
    return result
