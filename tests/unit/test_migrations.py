"""Migrations on both backends: pytest-alembic's checks (one head, upgrade from empty,
models == migrations, every step down and up again) plus data surviving an upgrade."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from pytest_alembic import tests as alembic_checks
from pytest_alembic.runner import MigrationContext
from sqlalchemy import Engine, inspect, select, text

from mechanic_desktop.db.engine import make_engine
from mechanic_desktop.db.local_files import check_sqlite_file
from mechanic_desktop.db.migrations import HEAD, alembic_config, current_revision, upgrade
from mechanic_desktop.db.models import Base
from mechanic_desktop.db.seed import SeedPlan, seed
from tests import pgserver

CHECKS: list[Callable[[MigrationContext], None]] = [
    alembic_checks.test_single_head_revision,
    alembic_checks.test_upgrade,
    alembic_checks.test_model_definitions_match_ddl,
    alembic_checks.test_up_down_consistency,
]


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__.removeprefix("test_"))
def test_migrations(
    check: Callable[[MigrationContext], None], alembic_runner: MigrationContext
) -> None:
    check(alembic_runner)


def test_start_up_head_constant_matches_the_migrations() -> None:
    """migrations.HEAD lets start-up skip importing Alembic; it must name the real head."""
    from mechanic_desktop.db.migrations import HEAD, head_revision

    assert head_revision() == HEAD


def _columns(engine: Engine) -> dict[str, list[str]]:
    """Each shop table's columns as the database has them (an older revision has fewer)."""
    tables = inspect(engine)
    return {
        t.name: [c["name"] for c in tables.get_columns(t.name)]
        for t in Base.metadata.sorted_tables
        if tables.has_table(t.name)  # an older revision may lack a table too
    }


def _table_digest(
    engine: Engine, columns: dict[str, list[str]]
) -> dict[str, tuple[int, str]]:
    with engine.connect() as conn:
        return {
            t.name: (
                len(rows := sorted(
                    map(tuple, conn.execute(select(*(t.c[c] for c in columns[t.name]))).all()),
                    key=repr,
                )),
                hashlib.sha256(repr(rows).encode()).hexdigest(),
            )
            for t in Base.metadata.sorted_tables
            if t.name in columns
        }


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_every_past_revision_upgrades_with_its_data_intact(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """A shop's database at each older revision, full of realistic rows, upgrades to head
    with every row intact (SQLite: after a backup copy is made)."""
    from alembic import command
    from alembic.script import ScriptDirectory

    revisions = [
        s.revision
        for s in reversed(list(ScriptDirectory.from_config(alembic_config()).walk_revisions()))
    ]
    for past in revisions[:-1]:
        if backend == "sqlite":
            url = f"sqlite:///{tmp_path / f'at-{past}.sqlite3'}"
        else:
            admin = request.getfixturevalue("pg_admin_url")
            name = f"mechanic_past_{past}_{os.getpid()}"
            url = pgserver.create_database(admin, name)
            request.addfinalizer(lambda a=admin, n=name: pgserver.drop_database(a, n))
        engine = make_engine(url)
        with engine.begin() as conn:
            command.upgrade(alembic_config(conn), past)
        seed(engine, SeedPlan(customers=40, tickets=120, mechanics=4, parts=30, random_seed=3))
        old_columns = _columns(engine)
        before = _table_digest(engine, old_columns)
        backup = upgrade(engine)
        with engine.connect() as conn:
            assert current_revision(conn) == HEAD
        assert _table_digest(engine, old_columns) == before
        with engine.connect() as conn:  # rows from before a record had a version: 1
            for table in ("customers", "vehicles", "mechanics", "staff_users"):
                versions = set(conn.scalars(select(Base.metadata.tables[table].c.version)))
                assert versions <= {1}, table
        assert before["service_tickets"][0] == 120
        if backend == "sqlite":
            assert backup is not None and backup.exists()
            assert check_sqlite_file(backup) is None
        else:
            assert backup is None
        engine.dispose()


def test_columns_searched_anywhere_keep_finer_statistics(pg_engine: Engine) -> None:
    """0019: PostgreSQL samples 1,000 values of each column a list matches by trigram, so
    a rare phone fragment is not taken for 2,000 customers (a walk of every name)."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config()).get_revision("0019")
    columns = script.module.COLUMNS
    with pg_engine.connect() as conn:
        found = {(table, column): target for table, column, target in conn.execute(text(
            "SELECT attrelid::regclass::text, attname, attstattarget FROM pg_attribute"
            " WHERE attrelid IN ('customers'::regclass, 'vehicles'::regclass,"
            " 'parts'::regclass) AND attnum > 0"))}
    searched = {(t, c) for t, cs in columns.items() for c in cs}
    assert searched >= {("customers", "phone_digits"), ("vehicles", "plate")}
    assert {key: found[key] for key in searched} == dict.fromkeys(searched, 1000)
    assert found[("customers", "surname_key")] in (-1, None)  # others as the server's


def test_tickets_by_date_carry_their_customer_on_postgresql(pg_engine: Engine) -> None:
    """0020: the index a name search walks holds each ticket's customer, so the walk
    need not read the table for it."""
    with pg_engine.connect() as conn:
        definition = conn.scalar(text(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_service_tickets_opened_at_id'"))
    assert definition is not None
    assert definition.endswith("(opened_at, id) INCLUDE (customer_id)")


def test_tickets_by_date_carry_their_customer_on_sqlite(sqlite_engine: Engine) -> None:
    """0022: SQLite's index a name search walks ends with each ticket's customer, so
    the walk reads the index alone (before, every ticket walked was looked up in the
    table for its customer: "charl" 12.9 -> 6.2 ms at 1M tickets)."""
    with sqlite_engine.connect() as conn:
        plan = " ".join(str(row[3]) for row in conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT id FROM service_tickets WHERE customer_id + 0 IN"
            " (1, 2) ORDER BY opened_at DESC, id DESC LIMIT 5"))
    assert "COVERING INDEX ix_service_tickets_opened_at_id" in plan


def test_a_customers_tickets_by_date_end_with_their_id_on_postgresql(
        pg_engine: Engine) -> None:
    """0023: the index of a customer's tickets by date ends with the id, so a search
    gathering a few hundred customers' tickets to sort them reads the index alone
    (before, every ticket from the table: "collier" 9.8 -> 6.4 ms at 1M tickets). The
    definition, not a plan: on a test database's few rows the planner may as well walk
    the date index, which holds the customer too (0020)."""
    with pg_engine.connect() as conn:
        definition = conn.scalar(text(
            "SELECT indexdef FROM pg_indexes"
            " WHERE indexname = 'ix_service_tickets_customer_id_opened_at'"))
    assert definition is not None
    assert definition.endswith("(customer_id, opened_at, id)")


def test_surnames_are_looked_up_from_their_index_on_postgresql(pg_engine: Engine) -> None:
    """0021: the surname's index holds the id, so a ticket search's look-up of the
    customers whose surname starts with a word reads the index alone."""
    with pg_engine.connect() as conn:
        definition = conn.scalar(text(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_customers_surname_key'"))
    assert definition is not None
    assert definition.endswith("(surname_key) INCLUDE (id)")
