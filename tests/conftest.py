"""Test fixtures: every service test runs on SQLite and on a real PostgreSQL.

Each test session makes its own databases (a SQLite file, a PostgreSQL database named
for the run), migrates them once with the app's own migrations, empties the tables
before each test, and drops them at the end. Under CI=true a missing PostgreSQL fails
the run instead of skipping.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from mechanic_desktop.db.engine import make_engine
from mechanic_desktop.db.migrations import upgrade
from mechanic_desktop.db.models import Base
from mechanic_desktop.db.unit_of_work import UnitOfWork
from tests import pgserver

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(scope="session")
def pg_admin_url() -> Iterator[str]:
    server, reason = pgserver.find_server()
    if server is None:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required under CI: {reason}")
        pytest.skip(f"PostgreSQL tests skipped: {reason}")
    yield server.url
    if server.stop is not None:
        server.stop()


@pytest.fixture(scope="session")
def pg_engine(pg_admin_url: str) -> Iterator[Engine]:
    name = f"mechanic_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    url = pgserver.create_database(pg_admin_url, name)
    engine = make_engine(url)
    upgrade(engine)
    yield engine
    engine.dispose()
    pgserver.drop_database(pg_admin_url, name)


@pytest.fixture(scope="session")
def sqlite_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    path = tmp_path_factory.mktemp("sqlite") / "shop.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    yield engine
    engine.dispose()


def empty_tables(engine: Engine) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(text(f"DELETE FROM {table}"))


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest) -> Engine:
    """A migrated, empty database on each backend in turn."""
    db: Engine = request.getfixturevalue(
        f"{'pg' if request.param == 'postgresql' else 'sqlite'}_engine"
    )
    empty_tables(db)
    return db


@pytest.fixture
def uow(engine: Engine) -> UnitOfWork:
    return UnitOfWork(engine)


# pytest-alembic's built-in tests (single head, upgrade, model definitions match the
# migrations, up/down consistency) run on a fresh, empty database of each backend.
@pytest.fixture
def alembic_config() -> object:
    from mechanic_desktop.db.migrations import alembic_config as make_config

    return make_config()


@pytest.fixture(params=BACKENDS)
def alembic_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('alembic') / 'a.sqlite3'}")
        yield engine
        engine.dispose()
        return
    admin: str = request.getfixturevalue("pg_admin_url")
    name = f"mechanic_alembic_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    engine = make_engine(pgserver.create_database(admin, name))
    yield engine
    engine.dispose()
    pgserver.drop_database(admin, name)
