"""The PostgreSQL driver connection the pool hands out: psycopg's, sending a write's
change notification in the same exchange with the server as its COMMIT.

db/notifications.py stages the transaction's ``pg_notify`` just before COMMIT; the
connection's ``commit()`` then sends ``SELECT pg_notify(...); COMMIT`` as one simple
query (a parameterless query may hold several statements) instead of two exchanges,
a round trip fewer per write across a network (issue 19). Both are inside the same
transaction, so a COMMIT that fails announces nothing, as before; a rollback drops the
staged notification.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql
from psycopg.pq import TransactionStatus


class NotifyingConnection(psycopg.Connection[Any]):
    """A psycopg connection whose COMMIT carries the staged NOTIFY."""

    staged: str | None = None

    def stage_notify(self, channel: str, message: str) -> None:
        """NOTIFY ``channel`` with ``message`` at the next COMMIT (the last one staged)."""
        self.staged = sql.SQL("SELECT pg_notify({}, {})").format(
            sql.Literal(channel), sql.Literal(message)).as_string(self)

    def commit(self) -> None:
        staged, self.staged = self.staged, None
        if staged is None or self.info.transaction_status != TransactionStatus.INTRANS:
            super().commit()
            return
        self.execute(f"{staged}; COMMIT".encode())

    def rollback(self) -> None:
        self.staged = None
        super().rollback()


def connect(*args: Any, **kwargs: Any) -> NotifyingConnection:
    """What the engine's ``do_connect`` hook opens instead of ``psycopg.connect``."""
    return NotifyingConnection.connect(*args, **kwargs)
