"""The one place where configuration becomes an engine, a unit of work and services.

Nothing else builds engines; the UI receives the ``AppContext`` and hands its unit of
work to service calls it runs on the DB worker.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import URL

from mechanic_desktop.db.engine import check_connection, describe, make_engine, parse_url
from mechanic_desktop.db.local_files import network_share_reason
from mechanic_desktop.db.migrations import upgrade
from mechanic_desktop.db.unit_of_work import SessionGuard, UnitOfWork
from mechanic_desktop.domain.errors import DatabaseUnavailable


@dataclass
class AppContext:
    url: URL
    engine: Engine
    uow: UnitOfWork
    backup: Path | None = None

    @property
    def description(self) -> str:
        return describe(self.url)

    def close(self) -> None:
        self.engine.dispose()


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
) -> AppContext:
    """Open the database at ``url``, upgrading its schema first when asked.

    Raises ``DatabaseUnavailable`` with one sentence when the database cannot be used.
    """
    parsed = parse_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        folder = Path(parsed.database).expanduser().resolve().parent
        reason = network_share_reason(parsed.database)
        if reason is not None:
            raise DatabaseUnavailable(reason)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseUnavailable(
                f"Cannot create the folder {folder} for the database: {exc.strerror}."
            ) from exc
    engine = make_engine(parsed)
    try:
        check_connection(engine)
        backup = upgrade(engine) if migrate else None
    except Exception:
        engine.dispose()
        raise
    uow = UnitOfWork(engine, guard=guard, require_actor=require_actor)
    return AppContext(parsed, engine, uow, backup)
