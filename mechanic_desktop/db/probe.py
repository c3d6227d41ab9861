"""Try a connection before using it, and say precisely what stands in the way.

The connection dialog runs ``probe`` off the GUI thread: each outcome has a kind (so the
dialog can offer the fitting next step — create the database, upgrade its schema) and
one sentence for the person at the desk. ``create_database`` and ``upgrade_schema`` are
those next steps. No Qt here.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from sqlalchemy import Engine, inspect, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError

from mechanic_desktop.db.engine import (
    describe,
    explain_connection_error,
    known_connection_problem,
    make_engine,
    parse_url,
)
from mechanic_desktop.db.local_files import check_sqlite_file, network_share_reason
from mechanic_desktop.db.migrations import alembic_config, current_revision, upgrade
from mechanic_desktop.domain.errors import DatabaseUnavailable

#: PostgreSQL 13 is the oldest server the app's SQL (and its migrations) are tested on.
MIN_SERVER_VERSION = 130000


class ProbeKind(StrEnum):
    OK = "ok"
    EMPTY = "empty"  # reachable, no tables yet: opening it creates the schema
    SCHEMA_OLD = "schema_old"
    SCHEMA_NEW = "schema_new"
    FOREIGN = "foreign"  # tables, but not ours
    SERVER_TOO_OLD = "server_too_old"
    UNREACHABLE = "unreachable"
    HOST_UNKNOWN = "host_unknown"
    AUTH = "auth"
    NO_USER = "no_user"
    NO_DATABASE = "no_database"
    BAD_URL = "bad_url"
    NETWORK_SHARE = "network_share"
    OTHER = "other"


USABLE = frozenset({ProbeKind.OK, ProbeKind.EMPTY})

#: The desks' own server account may not change tables (least privilege, see README).
NOT_OWNER = ("The server user '{user}' may not create or change the shop's tables. Use "
             "the database owner's account for this step (the desks keep their own).")


@dataclass(frozen=True)
class ProbeResult:
    kind: ProbeKind
    sentence: str
    server_version: int | None = None
    revision: str | None = None

    @property
    def usable(self) -> bool:
        """The app can open this database as it is (an empty one gets its schema)."""
        return self.kind in USABLE


def _revisions() -> tuple[str, set[str]]:
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(alembic_config())
    head = scripts.get_current_head()
    assert head is not None
    return head, {s.revision for s in scripts.walk_revisions()}


#: The tables every Mechanic Desktop database has had since its first schema (0001).
SHOP_TABLES = frozenset({
    "customers", "vehicles", "mechanics", "parts", "service_tickets", "ticket_mechanics",
    "ticket_parts", "stock_movements", "staff_users", "audit_log", "shop_settings",
})


def check_shop_file(path: Path) -> str | None:
    """Why the SQLite file ``path`` cannot stand in for the shop's data, or None.

    It must be a sound SQLite file whose schema revision this app knows (an older one
    is upgraded when it is opened) and that holds the shop's tables: any other SQLite
    file would open empty and offer the first-administrator screen to whoever is there.
    """
    problem = check_sqlite_file(path)
    if problem is not None:
        return problem
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        tables = {name for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        row = (conn.execute("SELECT version_num FROM alembic_version").fetchone()
               if "alembic_version" in tables else None)
    except sqlite3.DatabaseError as exc:
        return f"{path.name} is not a usable database ({exc})."
    finally:
        conn.close()
    if row is None:
        return f"{path.name} is not a Mechanic Desktop database (it has no schema revision)."
    revision = str(row[0])
    head, known = _revisions()
    if revision not in known:
        return (f"{path.name} was made by a newer Mechanic Desktop (schema {revision}; this "
                f"version knows up to {head}); update this app to restore it.")
    missing = sorted(SHOP_TABLES - tables)
    if missing:
        return (f"{path.name} is not a whole Mechanic Desktop database: it has no "
                f"{', '.join(missing)} table{'s' if len(missing) > 1 else ''}.")
    return None


def classify_error(exc: BaseException, url: URL) -> ProbeResult:
    """The kind and sentence for a failed connection attempt."""
    low = str(getattr(exc, "orig", exc) or exc).lower()
    sentence = known_connection_problem(exc, url) or explain_connection_error(exc, url)
    if "password authentication failed" in low or "no password supplied" in low:
        kind = ProbeKind.AUTH
    elif "does not exist" in low and "database" in low:
        kind = ProbeKind.NO_DATABASE
    elif "role" in low and "does not exist" in low:
        kind = ProbeKind.NO_USER
    elif ("could not translate host name" in low or "name or service not known" in low
          or "nodename nor servname" in low):
        kind = ProbeKind.HOST_UNKNOWN
    elif "connection refused" in low or "timeout" in low or "timed out" in low:
        kind = ProbeKind.UNREACHABLE
    else:
        kind = ProbeKind.OTHER
        if "permission denied" in low or "must be owner" in low:
            sentence = NOT_OWNER.format(user=url.username or "this user")
    return ProbeResult(kind, sentence)


def probe(url: str | URL, *, min_server_version: int = MIN_SERVER_VERSION) -> ProbeResult:
    """Connect once to ``url`` and report whether this app can use the database there."""
    try:
        parsed = parse_url(url)
    except DatabaseUnavailable as exc:
        return ProbeResult(ProbeKind.BAD_URL, str(exc))
    where = describe(parsed)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        assert parsed.database is not None
        reason = network_share_reason(parsed.database)
        if reason is not None:
            return ProbeResult(ProbeKind.NETWORK_SHARE, reason)
        path = Path(parsed.database).expanduser()
        if not path.exists():
            if not path.parent.exists():
                return ProbeResult(ProbeKind.OTHER,
                                   f"The folder {path.parent} does not exist.")
            return ProbeResult(ProbeKind.EMPTY,
                               f"{where} does not exist yet; it will be created.")
    engine = make_engine(parsed)
    try:
        return _inspect(engine, where, min_server_version)
    except (DBAPIError, sqlite3.Error, OSError) as exc:
        return classify_error(exc, parsed)
    finally:
        engine.dispose()


def _inspect(engine: Engine, where: str, min_server_version: int) -> ProbeResult:
    with engine.connect() as conn:
        version: int | None = None
        if engine.dialect.name == "postgresql":
            version = int(conn.execute(text("SHOW server_version_num")).scalar_one())
            if version < min_server_version:
                shown = f"{version // 10000}.{version % 10000}"
                need = min_server_version // 10000
                return ProbeResult(
                    ProbeKind.SERVER_TOO_OLD,
                    f"The server runs PostgreSQL {shown}; Mechanic Desktop needs "
                    f"PostgreSQL {need} or newer.", version)
        revision = current_revision(conn)
        tables = inspect(conn).get_table_names() if revision is None else []
    if revision is None:
        if tables:
            return ProbeResult(
                ProbeKind.FOREIGN,
                f"{where} already holds other tables ({len(tables)}); it is not a "
                "Mechanic Desktop database. Choose an empty or a shop database.", version)
        return ProbeResult(
            ProbeKind.EMPTY,
            f"Connected to {where}. It is empty; the shop's tables are created when it is "
            "opened.", version)
    head, known = _revisions()
    if revision == head:
        return ProbeResult(ProbeKind.OK, f"Connected to {where}: a shop database, ready.",
                           version, revision)
    if revision in known:
        return ProbeResult(
            ProbeKind.SCHEMA_OLD,
            f"{where} was set up by an older Mechanic Desktop (schema {revision}; this "
            f"version needs {head}); its schema must be upgraded before use.",
            version, revision)
    return ProbeResult(
        ProbeKind.SCHEMA_NEW,
        f"{where} was upgraded by a newer Mechanic Desktop (schema {revision}); "
        "update this app to use it.", version, revision)


def create_database(url: str | URL) -> ProbeResult:
    """CREATE DATABASE on the server (through its maintenance database ``postgres``),
    then give it the shop's schema. Needs a user with the right to create databases."""
    import psycopg
    from psycopg import sql

    parsed = parse_url(url)
    name = parsed.database
    if parsed.get_backend_name() != "postgresql" or not name:
        raise DatabaseUnavailable("Only a PostgreSQL server database can be created here.")
    maintenance = parsed.set(drivername="postgresql", database="postgres")
    try:
        with psycopg.connect(maintenance.render_as_string(hide_password=False),
                             autocommit=True, connect_timeout=10) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.errors.InsufficientPrivilege:
        raise DatabaseUnavailable(
            f"The user '{parsed.username}' may not create databases on "
            f"{parsed.host or 'localhost'}; ask the server's administrator.") from None
    except psycopg.errors.DuplicateDatabase:
        pass  # someone else just made it: use it
    except psycopg.Error as exc:
        raise DatabaseUnavailable(classify_error(exc, maintenance).sentence) from exc
    return upgrade_schema(parsed)


def upgrade_schema(url: str | URL) -> ProbeResult:
    """Bring the database's schema to this app's (an administrator's step)."""
    parsed = parse_url(url)
    engine = make_engine(parsed)
    try:
        upgrade(engine)
    except (DBAPIError, sqlite3.Error, OSError) as exc:
        raise DatabaseUnavailable(classify_error(exc, parsed).sentence) from exc
    finally:
        engine.dispose()
    return probe(parsed)
