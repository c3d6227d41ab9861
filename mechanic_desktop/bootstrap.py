"""The one place where configuration becomes an engine, a unit of work and services.

Nothing else builds engines; the UI receives the ``AppContext`` and hands its unit of
work to service calls it runs on the DB worker.

The unit of work (and with it the ORM, every model and the repositories, a third of the
app's start-up) is made when first asked for: the app asks on its DB worker, after the
sign-in window has shown.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError

from mechanic_desktop.db.engine import (
    check_connection,
    describe,
    make_engine,
    parse_url,
    quick_connection,
)
from mechanic_desktop.db.local_files import DatabaseLock, lock_database, network_share_reason
from mechanic_desktop.db.migrations import upgrade
from mechanic_desktop.domain.errors import DatabaseUnavailable

if TYPE_CHECKING:
    from mechanic_desktop.db.unit_of_work import SessionGuard, UnitOfWork


@dataclass
class AppContext:
    url: URL
    engine: Engine
    #: The unit of work if already made; else ``uow`` makes it on first use.
    made_uow: UnitOfWork | None = None
    backup: Path | None = None
    #: Held while the app has a SQLite file open: one running app per file.
    lock: DatabaseLock | None = None
    guard: SessionGuard | None = None
    require_actor: bool = False
    _making: threading.Lock = field(default_factory=threading.Lock, repr=False,
                                    compare=False)

    @property
    def uow(self) -> UnitOfWork:
        """The unit of work, made (importing the ORM and the models) on first use, from
        whichever thread asks first."""
        with self._making:
            if self.made_uow is None:
                from mechanic_desktop.db.unit_of_work import UnitOfWork

                self.made_uow = UnitOfWork(self.engine, guard=self.guard,
                                           require_actor=self.require_actor)
            return self.made_uow

    @property
    def description(self) -> str:
        return describe(self.url)

    def has_staff(self) -> bool:
        """Whether any account exists yet (else the first run creates one): one plain
        query, so the first window can be chosen before the ORM is loaded."""
        with quick_connection(self.engine) as conn:
            return conn.execute(text("SELECT 1 FROM staff_users LIMIT 1")).first() is not None

    def close(self) -> None:
        self.engine.dispose()
        if self.lock is not None:
            self.lock.release()


def forbid_main_thread() -> None:
    """Session guard for the GUI: a query on the GUI thread is a bug, so fail loudly."""
    if threading.current_thread() is threading.main_thread():
        raise RuntimeError("database work on the GUI thread; run it on the DB worker")


def connect(
    url: str,
    *,
    guard: SessionGuard | None = None,
    migrate: bool = True,
    require_actor: bool = False,
    lock: bool = True,
) -> AppContext:
    """Open the database at ``url``, upgrading its schema first when asked.

    A SQLite file is locked for this process (one running app per file; see
    ``db.local_files``); ``lock=False`` is for a harness that starts the app itself
    beside its own connection (the benchmarks). Raises ``DatabaseUnavailable`` with one
    sentence when the database cannot be used (``DatabaseInUse`` when another copy has it).
    """
    parsed = parse_url(url)
    held = None
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        file = Path(parsed.database).expanduser().resolve()
        reason = network_share_reason(parsed.database)
        if reason is not None:
            raise DatabaseUnavailable(reason)
        try:
            file.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseUnavailable(
                f"Cannot create the folder {file.parent} for the database: {exc.strerror}."
            ) from exc
        if lock:  # before migrating: a second copy must not upgrade it under the first
            held = lock_database(file)
    engine = make_engine(parsed)
    try:
        check_connection(engine)
        backup = _upgrade(engine) if migrate else None
    except BaseException:
        engine.dispose()
        if held is not None:
            held.release()
        raise
    return AppContext(parsed, engine, None, backup, held, guard, require_actor)


def _upgrade(engine: Engine) -> Path | None:
    """Migrate at start-up; the desks' own server account may not (least privilege), and
    is told who can instead of failing with the server's raw error."""
    try:
        return upgrade(engine)
    except DBAPIError as exc:
        low = str(exc.orig).lower()
        if "permission denied" in low or "must be owner" in low:
            raise DatabaseUnavailable(
                f"{describe(engine.url)} needs its schema created or upgraded for this "
                f"version, and the server user '{engine.url.username}' may not change "
                "tables. In the connection dialog, enter the database owner's user name and "
                "password, Test, then Upgrade; the desks keep their own account.") from exc
        raise
