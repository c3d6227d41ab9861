"""Count the round trips a piece of work makes to the database server.

Over a network every statement waits for its answer, so how many a user action makes
decides its speed far more than the SQL does (issue 19). ``RoundTrips`` hooks an engine's
events and lists, in order, each exchange with the server:

- each statement (``before_cursor_execute``: one Parse/Bind/Execute/Sync exchange);
- ``BEGIN``, which psycopg sends on its own before a transaction's first statement;
- ``COMMIT`` and ``ROLLBACK`` of a transaction that ran a statement (ending an idle
  connection's transaction costs nothing: psycopg sends nothing then), with what
  db/pg_connection.py sends in the same exchange (staged INSERTs, the NOTIFY);
- the pool's liveness ping (``ping`` here, counted by db/engine.py's checkout check);
- a pipeline's sync (db/pipeline.py): the statements sent together, one exchange, listed
  as ``PIPELINE[n]: first | second | …`` (``BEGIN`` first when it opened the
  transaction); the Session's later executions answered from it cost nothing.

Statements and pipeline syncs are counted, so the figures stay honest either way.

The benchmarks print the list per user action; tests/unit/test_round_trips.py holds the
hot actions to their budget with it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, event

#: ``engine.pool`` info key where db/engine.py's checkout check reports its pings.
PING_LISTENERS = "round_trip_ping_listeners"
#: Attribute of the driver's connection holding db/pipeline.py's pipeline under way (its
#: ``serves(statement, parameters)``: whether a statement costs no exchange of its own).
PIPELINE_STATE = "pipeline_state"
#: ``engine.pool`` info key where db/pipeline.py reports its syncs.
PIPELINE_LISTENERS = "round_trip_pipeline_listeners"


def _short(statement: str, width: int = 110) -> str:
    text = " ".join(statement.split())
    return text if len(text) <= width else text[: width - 1] + "…"


@dataclass
class RoundTrips:
    """The exchanges counted while ``counting`` is active, in order."""

    engine: Engine
    statements: list[str] = field(default_factory=list)
    _open: set[int] = field(default_factory=set)

    @property
    def count(self) -> int:
        return len(self.statements)

    def clear(self) -> None:
        self.statements.clear()

    # -- engine events -----------------------------------------------------------------

    def _begin(self, conn: Any) -> None:
        if self.engine.dialect.name == "postgresql" and not _autocommit(conn):
            self._open.add(id(conn))

    def _before(self, conn: Any, _cursor: Any, statement: str, parameters: Any,
                *_: Any) -> None:
        state = getattr(_dbapi(conn), PIPELINE_STATE, None)
        if state is not None and state.serves(statement, parameters):
            return  # sent (or answered) with its pipeline: counted at the sync
        if id(conn) in self._open:  # psycopg sends BEGIN just before the first statement
            self._open.discard(id(conn))
            if _dbapi_idle(conn):
                self.statements.append("BEGIN")
        self.statements.append(_short(statement))

    def _end(self, word: str) -> Any:
        def ended(conn: Any) -> None:
            begun_lazily = id(conn) in self._open
            self._open.discard(id(conn))
            if not begun_lazily and _in_transaction(conn):
                raw = _dbapi(conn)
                sent = [] if word != "COMMIT" else [
                    _short(w, 60) for w in getattr(raw, "staged_writes", None) or []]
                if word == "COMMIT" and getattr(raw, "staged", None):
                    sent.append("SELECT pg_notify(…)")
                self.statements.append("; ".join([*sent, word]))

        return ended

    def _ping(self) -> None:
        self.statements.append("ping")

    def _pipeline(self, conn: Any, statements: list[str]) -> None:
        if conn.engine is not self.engine:
            return
        sent = [_short(s, 60) for s in statements]
        if id(conn) in self._open:
            self._open.discard(id(conn))
            if _dbapi_idle(conn):
                sent.insert(0, "BEGIN")
        self.statements.append(f"PIPELINE[{len(sent)}]: " + " | ".join(sent))

    @contextmanager
    def counting(self) -> Iterator[RoundTrips]:
        """Count while the block runs (the list is kept afterwards)."""
        hooks: list[tuple[str, Any]] = [
            ("begin", self._begin),
            ("before_cursor_execute", self._before),
            ("commit", self._end("COMMIT")),
            ("rollback", self._end("ROLLBACK")),
        ]
        for name, fn in hooks:
            event.listen(self.engine, name, fn)
        pool = self.engine.pool
        pings: list[Any] = pool.__dict__.setdefault(PING_LISTENERS, [])
        pings.append(self._ping)
        pipelines: list[Any] = pool.__dict__.setdefault(PIPELINE_LISTENERS, [])
        pipelines.append(self._pipeline)

        def checkout(*_: Any) -> None:
            if getattr(pool, "_pre_ping", False):  # SQLAlchemy's ping at every checkout
                self._ping()

        event.listen(pool, "checkout", checkout)
        try:
            yield self
        finally:
            event.remove(pool, "checkout", checkout)
            pings.remove(self._ping)
            pipelines.remove(self._pipeline)
            for name, fn in hooks:
                event.remove(self.engine, name, fn)


def _dbapi(conn: Any) -> Any:
    try:
        return conn.connection.dbapi_connection
    except Exception:  # closed or invalidated: nothing will be sent
        return None


def _autocommit(conn: Any) -> bool:
    return bool(getattr(_dbapi(conn), "autocommit", False))


def _dbapi_idle(conn: Any) -> bool:
    """Whether the driver has no transaction open yet (so it sends BEGIN first)."""
    raw = _dbapi(conn)
    status = getattr(getattr(raw, "info", None), "transaction_status", None)
    return status is None or int(status) == 0  # psycopg's TransactionStatus.IDLE


def _in_transaction(conn: Any) -> bool:
    """Whether ending the transaction costs an exchange (psycopg skips an idle one)."""
    raw = _dbapi(conn)
    if raw is None:
        return False
    status = getattr(getattr(raw, "info", None), "transaction_status", None)
    if status is None:  # SQLite: no network, count what SQLAlchemy asked for
        return True
    return int(status) != 0


def ping_happened(engine: Engine) -> None:
    """Tell the active counters of ``engine`` that the pool pinged a connection."""
    for listener in list(engine.pool.__dict__.get(PING_LISTENERS, [])):
        listener()


def pipeline_sent(conn: Any, statements: list[str]) -> None:
    """Tell the active counters of ``conn``'s engine that ``statements`` are about to go
    to the server together, in one exchange."""
    for listener in list(conn.engine.pool.__dict__.get(PIPELINE_LISTENERS, [])):
        listener(conn, statements)
