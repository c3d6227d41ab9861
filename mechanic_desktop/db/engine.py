"""Engines for SQLite (one workstation) and PostgreSQL (a shop's shared server).

This is the only module that builds an engine. Connection problems are translated into
one sentence that says which problem it is, since staff see it in a message box.
"""

from __future__ import annotations

import ipaddress
import re
import select
import sqlite3
import time
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, DisconnectionError, NoSuchModuleError
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

from mechanic_desktop.db.round_trips import ping_happened
from mechanic_desktop.domain.errors import DatabaseUnavailable

SQLITE_BUSY_TIMEOUT_MS = 5000

#: TCP keepalives (libpq settings) for every PostgreSQL connection, the pool's and the
#: change listener's: a router or NAT drops a connection it saw idle for minutes; a probe
#: every 30 s keeps it open, and a dead peer is noticed in about a minute.
KEEPALIVES: dict[str, int] = {
    "keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10, "keepalives_count": 3,
}

#: A pooled PostgreSQL connection idle this long is pinged before it is handed out (a
#: ping is a network round trip per unit of work). One used more recently is pinged only
#: when the server has said something unasked: a server that ends a connection (restart,
#: administrator) sends its reason and closes it, which makes the socket readable; a
#: quiet network drop is left to the keepalives above and to this idle limit.
PING_AFTER_IDLE_S = 20.0


_PORT_IN_URL = re.compile(r"@[^/:@]*:(?P<port>[^/?@]*)(?:[/?]|$)")


def redact(url: str) -> str:
    """``url`` with whatever stands where a password would (``user:***@``): for messages
    about a URL that could not be parsed, so the password is never echoed."""
    at = url.rfind("@")  # a host has no "@"; a password may
    if at < 0:
        return url
    start = url.find("://") + 3 if "://" in url[:at] else 0
    user, colon, _password = url[start:at].partition(":")
    return f"{url[:start]}{user}{':***' if colon else ''}{url[at:]}"


def parse_url(url: str | URL) -> URL:
    """Parse a database URL, naming the problem when it is not one we support (never
    repeating the password in the message)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseUnavailable(
            f"'{redact(str(url))}' is not a database URL; use sqlite:///path/to/shop.db or "
            "postgresql+psycopg://user@host/database."
        ) from None
    except ValueError:  # SQLAlchemy's int() of the port
        found = _PORT_IN_URL.search(str(url))
        port = f" '{found['port']}'" if found else ""
        raise DatabaseUnavailable(
            f"The port{port} in the database URL '{redact(str(url))}' is not a number; "
            "write it as host:5432."
        ) from None
    backend = parsed.get_backend_name()
    if backend == "postgresql" and parsed.drivername != "postgresql+psycopg":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if backend not in ("sqlite", "postgresql"):
        raise DatabaseUnavailable(
            f"'{backend}' databases are not supported; use SQLite or PostgreSQL."
        )
    return parsed


def on_this_machine(host: str | None) -> bool:
    """Whether a PostgreSQL host is this computer (loopback, or a Unix socket folder)."""
    if not host or host.startswith("/") or host.casefold() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def with_default_sslmode(url: URL) -> URL:
    """``url`` with the encryption a connection gets when it names none: ``require`` for
    a server on another machine (the password and the shop's data cross the network),
    ``prefer`` for one on this computer. A named ``sslmode`` (``verify-full``, or
    ``disable`` on a trusted network) is kept."""
    if url.get_backend_name() != "postgresql" or url.query.get("sslmode"):
        return url
    return url.update_query_dict(
        {"sslmode": "prefer" if on_this_machine(url.host) else "require"}
    )


def describe(url: URL) -> str:
    """What the status bar says about where the data lives (never the password)."""
    if url.get_backend_name() == "sqlite":
        return url.database or "in-memory database"
    port = f":{url.port}" if url.port else ""
    return f"{url.database} on {url.host or 'localhost'}{port}"


def _sqlite_on_connect(dbapi_connection: sqlite3.Connection, _: ConnectionPoolEntry) -> None:
    # Let SQLAlchemy, not the driver, decide when transactions start (see _sqlite_on_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_on_begin(conn: Any) -> None:
    # Writers ask for IMMEDIATE so two writers queue on the busy timeout instead of
    # failing half-way when a read lock cannot be upgraded.
    mode = "BEGIN IMMEDIATE" if conn.get_execution_options().get("sqlite_immediate") else "BEGIN"
    conn.exec_driver_sql(mode)


def _spoke_unasked(dbapi: Any) -> bool:
    """Whether an idle connection's socket has something to read (no round trip)."""
    try:
        readable, _, _ = select.select([dbapi.fileno()], [], [], 0)
    except (OSError, ValueError):  # closed already
        return True
    return bool(readable)


def _ping_when_idle(engine: Engine) -> None:
    """Ping a pooled connection before use only when it sat idle (``PING_AFTER_IDLE_S``)."""

    def checkin(_dbapi: Any, record: ConnectionPoolEntry) -> None:
        record.info["idle_since"] = time.monotonic()

    def checkout(dbapi: Any, record: ConnectionPoolEntry, _proxy: PoolProxiedConnection) -> None:
        idle_since = record.info.pop("idle_since", None)
        if idle_since is None:
            return  # just connected
        if time.monotonic() - idle_since < PING_AFTER_IDLE_S and not _spoke_unasked(dbapi):
            return
        ping_happened(engine)
        try:
            engine.dialect.do_ping(dbapi)
        except Exception as exc:  # the pool discards it and connects afresh
            raise DisconnectionError(str(exc)) from exc

    event.listen(engine, "checkin", checkin)
    event.listen(engine, "checkout", checkout)


def _notify_with_commit(engine: Engine) -> None:
    """Open the pool's connections as db/pg_connection.py's, whose COMMIT carries the
    change notification (imported here: psycopg loads only for a PostgreSQL database)."""
    from mechanic_desktop.db import pg_connection

    def do_connect(_dialect: Any, _record: Any, cargs: Any, cparams: Any) -> Any:
        connection = pg_connection.connect(*cargs, **cparams)
        # SQLAlchemy's first look at the server (version, schema, settings) then needs
        # no BEGIN and ROLLBACK of its own; ``connected`` sets transactions back.
        connection.autocommit = True
        return connection

    def connected(dbapi: Any, _record: Any) -> None:
        dbapi.autocommit = False

    event.listen(engine, "do_connect", do_connect)
    event.listen(engine, "connect", connected)
    from mechanic_desktop.db import pipeline

    pipeline.install(engine)  # reads sent together (psycopg's pipeline mode)


def make_engine(url: str | URL, **kwargs: Any) -> Engine:
    """Build the engine for ``url`` with the settings each backend needs."""
    parsed = with_default_sslmode(parse_url(url))
    try:
        if parsed.get_backend_name() == "sqlite":
            engine = create_engine(
                parsed,
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
                **kwargs,
            )
            event.listen(engine, "connect", _sqlite_on_connect)
            event.listen(engine, "begin", _sqlite_on_begin)
        else:
            engine = create_engine(
                parsed,
                pool_size=5,
                # No hstore columns: skip looking the type up at every first connection.
                use_native_hstore=False,
                connect_args={
                    "connect_timeout": 10,
                    "application_name": "mechanic-desktop",
                    # Short OLTP queries: JIT compilation only adds latency to them.
                    # psycopg prepares a statement run 5 times, and the server may then
                    # plan it once for any parameters: a ticket search's page (ids as
                    # one array) went from ~20 ms to 100-170 ms after ten searches of
                    # the day, planned without knowing how many ids. Every execution
                    # is planned for its own parameters (PostgreSQL 12+; 13 is needed).
                    "options": "-c jit=off -c plan_cache_mode=force_custom_plan",
                    **KEEPALIVES,
                },
                **kwargs,
            )
            _ping_when_idle(engine)
            _notify_with_commit(engine)
    except NoSuchModuleError:
        raise DatabaseUnavailable(f"No driver for '{parsed.drivername}' is installed.") from None
    return engine


def explain_connection_error(exc: BaseException, url: URL) -> str:
    """Turn a driver's connection error into one sentence naming the problem."""
    known = known_connection_problem(exc, url)
    if known is not None:
        return known
    message = str(getattr(exc, "orig", exc) or exc)
    first = message.strip().splitlines()[0] if message.strip() else type(exc).__name__
    return f"Cannot connect to {describe(url)}: {first}"


def known_connection_problem(exc: BaseException, url: URL) -> str | None:
    """One sentence for the connection problems we recognise, else None."""
    message = str(getattr(exc, "orig", exc) or exc)
    low = message.lower()
    where = describe(url)
    host = url.host or "localhost"
    if url.get_backend_name() == "sqlite":
        if "unable to open" in low:
            return f"Cannot open the database file {where}: the folder is missing or not writable."
        if "not a database" in low or "malformed" in low:
            return f"{where} is not a usable database file (damaged or not a database)."
        if "disk i/o" in low:
            return f"The disk holding {where} reported an error."
        return None
    if "does not support ssl" in low:
        return (
            f"The server at {host} offers no encrypted (TLS) connection, which this "
            "connection requires (as it does for any server on another machine). Turn on "
            "ssl in the server's postgresql.conf or, only on a network you trust, set SSL "
            "to 'disable'."
        )
    if "root certificate" in low or "certificate verify failed" in low or (
        "server certificate" in low and "does not match" in low
    ):
        return (
            f"The certificate of the server at {host} could not be verified (verify-full "
            "needs the shop's root certificate in ~/.postgresql/root.crt and the server's "
            "name on its certificate)."
        )
    if "password authentication failed" in low or "no password supplied" in low:
        return f"The server at {host} refused the user name or password."
    if "does not exist" in low and "database" in low:
        return f"The server at {host} has no database named '{url.database}'."
    if "role" in low and "does not exist" in low:
        return f"The server at {host} has no user named '{url.username}'."
    if (
        "could not translate host name" in low
        or "name or service not known" in low
        or "nodename nor servname" in low
    ):
        return f"The server name '{host}' cannot be found; check the spelling or the network."
    if "connection refused" in low or "timeout" in low or "timed out" in low:
        return (
            f"No database server answers at {host}:{url.port or 5432}; "
            "check that it is running and reachable."
        )
    if any(
        word in low
        for word in ("terminat", "server closed", "connection is closed", "connection lost",
                     "ssl syscall", "broken pipe", "connection reset")
    ):
        return f"The connection to {where} was lost."
    return None


def quick_connection(engine: Engine) -> Connection:
    """A connection for a single read at start-up: on PostgreSQL outside a transaction
    (no BEGIN and ROLLBACK: two round trips fewer to a distant server)."""
    conn = engine.connect()
    if engine.dialect.name == "postgresql":
        conn.execution_options(isolation_level="AUTOCOMMIT")
    return conn


def check_connection(engine: Engine) -> None:
    """Open one connection and run ``SELECT 1``; raise ``DatabaseUnavailable`` if it fails."""
    try:
        with quick_connection(engine) as conn:
            conn.execute(text("SELECT 1"))
    except (DBAPIError, sqlite3.Error, OSError) as exc:
        raise DatabaseUnavailable(explain_connection_error(exc, engine.url)) from exc
