"""Alembic environment: migrations run on the app's own engine (passed in by
``mechanic_desktop.db.migrations``) or, from the ``alembic`` command line, on the URL
in ``MECHANIC_DATABASE_URL`` / the default local database."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import Connection, Engine

from mechanic_desktop.db.models import Base

config = context.config
target_metadata = Base.metadata


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Backend-specific structures: indexes for one backend only (models.only_on, e.g.
    PostgreSQL's trigram indexes), and SQLite's FTS5 search tables (``*_fts``, migrations
    0001 and 0007, and their ``*_fts_*`` shadow tables), which live outside the models."""
    if type_ == "index" and not reflected and obj.info.get("only_on"):
        return bool(context.get_bind().dialect.name == obj.info["only_on"])
    name = name or ""
    return not (type_ == "table" and reflected and (name.endswith("_fts") or "_fts_" in name))


def run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        include_object=include_object,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if isinstance(connectable, Connection):
        run_on(connectable)
        return
    if isinstance(connectable, Engine):  # pytest-alembic hands an engine
        with connectable.connect() as conn:
            run_on(conn)
            conn.commit()
        return
    from mechanic_desktop.config import database_url
    from mechanic_desktop.db.engine import make_engine

    engine = make_engine(database_url(None))
    with engine.connect() as conn:
        run_on(conn)
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("Offline (--sql) migrations are not supported; run them on a database.")
run_migrations_online()
