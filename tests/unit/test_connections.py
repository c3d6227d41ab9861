"""Opening databases: one clear sentence for each way it can fail; schema upgrades."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import Engine, make_url, text

from mechanic_desktop import config
from mechanic_desktop.bootstrap import connect
from mechanic_desktop.db.engine import describe, make_engine, parse_url
from mechanic_desktop.db.local_files import backup_sqlite
from mechanic_desktop.db.migrations import head_revision, upgrade
from mechanic_desktop.domain.errors import DatabaseUnavailable, SchemaTooNew
from tests import pgserver


def test_new_sqlite_file_is_created_and_migrated(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "shop.sqlite3"
    context = connect(f"sqlite:///{path}")
    try:
        with context.engine.connect() as conn:
            version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        assert version == head_revision()
        assert context.description == str(path)
    finally:
        context.close()


@pytest.mark.parametrize("folder", ["Shop #2", "50% off?", "a%20b", "Café"])
def test_the_default_file_opens_in_any_folder_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, folder: str
) -> None:
    """The user data folder (or a folder chosen for the file) may hold #, ? or %."""
    monkeypatch.delenv(config.ENV_URL, raising=False)
    path = tmp_path / folder / "shop.sqlite3"
    monkeypatch.setattr(config, "default_database_path", lambda: path)
    context = connect(config.database_url(None))
    try:
        assert context.description == str(path)
    finally:
        context.close()
    assert path.is_file()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", "'not a url' is not a database URL"),
        ("mysql://root@localhost/shop", "'mysql' databases are not supported"),
    ],
)
def test_bad_urls(url: str, message: str) -> None:
    with pytest.raises(DatabaseUnavailable, match=message):
        connect(url)


def test_sqlite_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "shop.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(DatabaseUnavailable, match="not a usable database file"):
        connect(f"sqlite:///{path}")


def test_unreachable_server() -> None:
    port = pgserver._free_port()
    with pytest.raises(
        DatabaseUnavailable, match=f"No database server answers at 127.0.0.1:{port}"
    ):
        connect(f"postgresql://postgres@127.0.0.1:{port}/shop")


def test_missing_database(pg_admin_url: str) -> None:
    url = pg_admin_url.rsplit("/", 1)[0] + "/no_such_shop_db"
    with pytest.raises(DatabaseUnavailable, match="has no database named 'no_such_shop_db'"):
        connect(url)


def test_missing_user(pg_admin_url: str) -> None:
    # Swap the user name itself (the CI's URL is postgres:postgres@, a plain replace of
    # "postgres@" would change the password instead).
    url = make_url(pg_admin_url).set(username="nobody_here").render_as_string(
        hide_password=False
    )
    with pytest.raises(
        DatabaseUnavailable, match=r"(has no user named 'nobody_here'|refused the user name)"
    ):
        connect(url)


def test_status_bar_description_hides_password() -> None:
    url = parse_url("postgresql://sam:secret@db.shop.lan:5433/shop")
    assert describe(url) == "shop on db.shop.lan:5433"
    assert url.drivername == "postgresql+psycopg"


def test_database_newer_than_the_app_is_refused(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'ffffffffffff'"))
    try:
        with pytest.raises(SchemaTooNew, match="newer version of Mechanic Desktop"):
            upgrade(engine)
    finally:
        with engine.begin() as conn:
            conn.execute(
                text("UPDATE alembic_version SET version_num = :v"), {"v": head_revision()}
            )


def test_sqlite_backup_is_a_consistent_copy(tmp_path: Path) -> None:
    path = tmp_path / "shop.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO parts (sku, name, name_key, unit_price, unit_cost, "
                "quantity_on_hand, reorder_level, version, created_at, updated_at) "
                "VALUES ('A', 'A', 'a', 100, 50, 3, 0, 1, '2026-01-01', '2026-01-01')"
            )
        )
    engine.dispose()
    copy = backup_sqlite(path)
    with sqlite3.connect(copy) as conn:
        assert conn.execute("SELECT sku, quantity_on_hand FROM parts").fetchall() == [("A", 3)]
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
