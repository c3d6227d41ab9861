"""The PostgreSQL driver connection the pool hands out: psycopg's, sending a write's
change notification in the same exchange with the server as its COMMIT.

db/notifications.py stages the transaction's ``pg_notify`` just before COMMIT; the
connection's ``commit()`` then sends ``SELECT pg_notify(...); COMMIT`` as one simple
query (a parameterless query may hold several statements) instead of two exchanges,
a round trip fewer per write across a network (issue 19). Both are inside the same
transaction, so a COMMIT that fails announces nothing, as before; a rollback drops the
staged notification. A write whose answer nobody waits for (the audit row of a ticket
write, db/pipeline.py's ``stage_insert``) goes the same way, just before the NOTIFY.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import IsolationLevel, sql
from psycopg.pq import TransactionStatus


class NotifyingConnection(psycopg.Connection[Any]):
    """A psycopg connection whose COMMIT carries the staged NOTIFY (and staged writes)."""

    staged: str | None = None
    #: INSERTs that need no answer, sent with the COMMIT before the NOTIFY.
    staged_writes: list[str] | None = None
    #: db/pipeline.py's pipeline under way on this connection, if any.
    pipeline_state: Any = None

    def stage_notify(self, channel: str, message: str) -> None:
        """NOTIFY ``channel`` with ``message`` at the next COMMIT (the last one staged)."""
        self.staged = sql.SQL("SELECT pg_notify({}, {})").format(
            sql.Literal(channel), sql.Literal(message)).as_string(self)

    def stage_insert(self, table: str, values: dict[str, Any]) -> None:
        """INSERT ``values`` (already in the driver's types) into ``table`` with the next
        COMMIT, in the same exchange: a write whose answer nobody waits for. The values
        are quoted by psycopg itself (``ClientCursor.mogrify``)."""
        query = sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(
            sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, values)),
            sql.SQL(", ").join(sql.Placeholder(name) for name in values))
        text = psycopg.ClientCursor(self).mogrify(query, values)
        self.staged_writes = [*(self.staged_writes or []), text]

    #: This transaction's BEGIN went out with db/pipeline.py's first reads: psycopg runs
    #: it as in autocommit (sending no BEGIN of its own) until it ends.
    begun_in_pipeline: bool = False

    def begin_with_pipeline(self) -> str | None:
        """Let the pipeline about to start carry its own BEGIN, in the same exchange:
        psycopg would send BEGIN and wait for its answer first (a round trip of its
        own across a network). From an idle connection outside autocommit: the BEGIN
        (with the connection's transaction settings, as psycopg writes it) the caller
        sends first in its pipeline; None when there is none to send."""
        if self.autocommit or self.info.transaction_status != TransactionStatus.IDLE:
            return None
        words = ["BEGIN"]
        if self.isolation_level is not None:
            level = IsolationLevel(self.isolation_level).name.replace("_", " ")
            words += ["ISOLATION LEVEL", level]
        if self.read_only is not None:
            words.append("READ ONLY" if self.read_only else "READ WRITE")
        if self.deferrable is not None:
            words.append("DEFERRABLE" if self.deferrable else "NOT DEFERRABLE")
        self.autocommit = True
        self.begun_in_pipeline = True
        return " ".join(words)

    def settle(self) -> None:
        """Once the transaction a pipeline began has ended (or never began),
        transactions are psycopg's again."""
        if self.begun_in_pipeline and self.info.transaction_status == TransactionStatus.IDLE:
            self.begun_in_pipeline = False
            self.autocommit = False

    def commit(self) -> None:
        try:
            self._commit_with_staged()
        finally:
            self.settle()

    def _commit_with_staged(self) -> None:
        staged, self.staged = self.staged, None
        writes, self.staged_writes = self.staged_writes or [], None
        sent = [*writes, *([staged] if staged is not None else [])]
        if not sent or self.info.transaction_status != TransactionStatus.INTRANS:
            super().commit()
            return
        # One simple query: a failing statement aborts the rest, COMMIT included, and the
        # transaction is rolled back (nothing of it kept, nothing announced).
        self.execute("; ".join([*sent, "COMMIT"]).encode())

    def rollback(self) -> None:
        self.staged = None
        self.staged_writes = None
        try:
            super().rollback()
        finally:
            self.settle()


def connect(*args: Any, **kwargs: Any) -> NotifyingConnection:
    """What the engine's ``do_connect`` hook opens instead of ``psycopg.connect``."""
    return NotifyingConnection.connect(*args, **kwargs)
