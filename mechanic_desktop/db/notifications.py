"""Live updates between workstations on PostgreSQL: NOTIFY on commit, LISTEN in a thread.

Every committed write sends one ``pg_notify`` on ``CHANNEL`` with the transaction's
change log (``domain.changes.Changes.payload``: entity → ids) and who wrote it, sent
with its COMMIT in one exchange with the server (db/pg_connection.py).
NOTIFY is transactional, so a rolled-back write tells nobody.
Each running app listens on a dedicated connection in a background thread (no polling:
it blocks in the socket until a notification or its reconnect timer) and hands the
changes to a callback; the UI turns them into refreshes of the affected rows.
Notifications are not replayed after a reconnect, so ``on_reconnect`` tells the app to
re-query what it shows. SQLite (one workstation) needs none of this.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import event, text
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session, sessionmaker

from mechanic_desktop.db import change_log
from mechanic_desktop.db.engine import KEEPALIVES
from mechanic_desktop.domain.changes import Payload

if TYPE_CHECKING:  # psycopg is imported only when a listener runs (start-up time)
    import psycopg

log = logging.getLogger(__name__)

CHANNEL = "mechanic_changes"


def _send(session: Session) -> None:
    log = change_log.pending(session)
    if not log:
        return
    note: dict[str, Any] = {"changed": log.changes().payload(),
                            "by": session.info.get("actor_name")}
    origin = session.info.get("origin")
    if origin:
        note["origin"] = origin  # lets the writing app skip its own notification
    message = json.dumps(note, separators=(",", ":"))
    raw = session.connection().connection.dbapi_connection
    # db/pg_connection.py's connections send it with the COMMIT (a round trip fewer).
    stage = getattr(raw, "stage_notify", None)
    if stage is not None and not session.in_nested_transaction():
        stage(CHANNEL, message)
    else:
        session.execute(
            text("SELECT pg_notify(:channel, :message)"), {"channel": CHANNEL, "message": message}
        )


def _flush_and_send(session: Session) -> None:
    session.flush()  # before_commit runs before the final flush; collect it first
    _send(session)


def install(factory: sessionmaker[Session]) -> None:
    """Make every session from ``factory`` announce its change log at COMMIT (the log
    itself is kept by db/change_log.py, installed on every backend)."""
    event.listen(factory, "before_commit", _flush_and_send)


def _conninfo(url: URL) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


class ChangeListener:
    """LISTENs on its own connection in a daemon thread; reconnects with back-off."""

    def __init__(
        self,
        url: URL,
        on_change: Callable[[Payload, str | None], None],
        on_state: Callable[[bool], None] | None = None,
        on_reconnect: Callable[[], None] | None = None,
        wake_every: float = 30.0,
        ignore_origin: str | None = None,
    ) -> None:
        self._conninfo = _conninfo(url)
        self._on_change = on_change
        self._on_state = on_state or (lambda _up: None)
        self._on_reconnect = on_reconnect or (lambda: None)
        self._wake_every = wake_every
        #: Notifications tagged with this origin (this app's own writes) are skipped.
        self._ignore_origin = ignore_origin
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="db-listener", daemon=True)
        self._conn: psycopg.Connection[Any] | None = None
        self.reconnects = 0

    def start(self) -> None:
        self._thread.start()

    def wait_ready(self, timeout: float = 5.0) -> bool:
        """True once LISTEN is in place (tests wait for it before writing)."""
        return self._ready.wait(timeout)

    def stop(self) -> None:
        """Stop listening; a wake-up notification ends the thread's wait at once."""
        import psycopg

        self._stop.set()
        if self._conn is not None:
            try:
                with psycopg.connect(self._conninfo, autocommit=True, connect_timeout=3) as conn:
                    conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, '{"wake":true}'))
            except psycopg.Error:
                pass
        self._thread.join(timeout=5)

    def _run(self) -> None:
        import psycopg

        delay = 0.5
        first = True
        while not self._stop.is_set():
            try:
                with psycopg.connect(
                    self._conninfo,
                    autocommit=True,
                    connect_timeout=10,
                    application_name="mechanic-desktop-listener",
                    **cast(dict[str, Any], KEEPALIVES),  # an idle LISTEN outlives NAT
                ) as conn:
                    self._conn = conn
                    conn.execute(f"LISTEN {CHANNEL}")
                    self._ready.set()
                    self._on_state(True)
                    if not first:
                        self.reconnects += 1
                        self._on_reconnect()
                    first, delay = False, 0.5
                    self._listen(conn)
            except psycopg.Error as exc:
                if self._stop.is_set():
                    break
                log.info("change listener lost its connection: %s", exc)
                self._ready.clear()
                self._on_state(False)
                self._stop.wait(delay)
                delay = min(delay * 2, 15.0)
            finally:
                self._conn = None

    def _listen(self, conn: psycopg.Connection[Any]) -> None:
        while not self._stop.is_set():
            for note in conn.notifies(timeout=self._wake_every, stop_after=None):
                if self._stop.is_set():
                    return
                try:
                    data = json.loads(note.payload)
                    changed = data.get("changed")
                    if self._ignore_origin and data.get("origin") == self._ignore_origin:
                        continue
                    if changed:
                        self._on_change(changed, data.get("by"))
                except (ValueError, AttributeError):
                    log.warning("ignored a malformed change notification")
            conn.execute("SELECT 1")  # a quiet server: prove the connection still lives
