"""Test fixtures: every service test runs on SQLite and on a real PostgreSQL.

Each test session makes its own databases (a SQLite file, a PostgreSQL database named
for the run), migrates them once with the app's own migrations, empties the tables
before each test, and drops them at the end. The SQLite file is a copy of one migrated
once per process: `make mutants` runs a test session per mutant in forked children, and
migrating each time cost more than most tests. Under CI=true a missing PostgreSQL fails
the run instead of skipping.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings
from sqlalchemy import Engine, text

from mechanic_desktop.db.engine import make_engine
from mechanic_desktop.db.migrations import upgrade
from mechanic_desktop.db.models import Base
from mechanic_desktop.db.unit_of_work import UnitOfWork
from tests import pgserver

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# Under `make mutants` each mutant reruns the tests that reach it: property tests draw
# fewer examples, the same ones every time (a mutant's verdict must not depend on luck),
# with no deadline (two mutants share a busy machine), and leave no example database.
settings.register_profile(
    "mutants", max_examples=10, derandomize=True, deadline=None, database=None
)
if os.environ.get("MUTANT_UNDER_TEST"):
    settings.load_profile("mutants")
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


_migrated_sqlite: list[Path] = []


def migrated_sqlite_file() -> Path:
    """A SQLite file migrated to HEAD by the app's migrations, made once per process (and
    inherited by forked children); copy it, never open it."""
    if not _migrated_sqlite:
        folder = Path(tempfile.mkdtemp(prefix="mechanic-migrated-"))
        atexit.register(_remove_if_mine, folder, os.getpid())
        engine = make_engine(f"sqlite:///{folder / 'shop.sqlite3'}")
        upgrade(engine)
        engine.dispose()  # the last connection to close folds the WAL into the file
        _migrated_sqlite.append(folder / "shop.sqlite3")
    return _migrated_sqlite[0]


def _remove_if_mine(folder: Path, owner: int) -> None:
    if os.getpid() == owner:  # a forked child exiting must not take the parent's copy
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def sqlite_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    path = tmp_path_factory.mktemp("sqlite") / "shop.sqlite3"
    shutil.copyfile(migrated_sqlite_file(), path)
    engine = make_engine(f"sqlite:///{path}")
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
