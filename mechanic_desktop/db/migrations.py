"""Bring a database's schema up to the app's, safely.

A SQLite file is copied with the online backup API before any upgrade; a database that
a newer app has upgraded is refused instead of being damaged by an older one.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, inspect, text

from mechanic_desktop.db.engine import quick_connection
from mechanic_desktop.db.local_files import backup_sqlite
from mechanic_desktop.domain.errors import SchemaTooNew

if TYPE_CHECKING:
    from alembic.config import Config

#: The newest revision in alembic/versions (a test keeps it true). Start-up compares
#: the database with it and imports Alembic (~0.1 s) only when there is work to do.
HEAD = "0023"


def alembic_dir() -> Path:
    """``alembic/`` beside the package in a checkout, or inside the frozen bundle."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "alembic"
    return Path(__file__).resolve().parents[2] / "alembic"


def alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(alembic_dir()))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(connection: Connection) -> str | None:
    """The database's schema revision, read with plain SQL (None for an empty database)."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(engine: Engine) -> Path | None:
    """Upgrade to the app's schema; return the backup made first (SQLite only), if any."""
    with quick_connection(engine) as conn:
        current = current_revision(conn)
    if current == HEAD:
        return None
    from alembic import command
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(alembic_config())
    head = scripts.get_current_head()
    if current is not None and current not in {s.revision for s in scripts.walk_revisions()}:
        raise SchemaTooNew(
            "This database was upgraded by a newer version of Mechanic Desktop; "
            "install the newest version to open it."
        )
    backup = None
    database = engine.url.database
    if engine.dialect.name == "sqlite" and current is not None and database:
        path = Path(database)
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        backup = backup_sqlite(path, path.with_name(f"{path.name}.{stamp}.before-{head}.bak"))
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "head")
    return backup
