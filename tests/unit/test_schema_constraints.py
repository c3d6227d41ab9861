"""The migrated database has exactly the model's CHECK and UNIQUE constraints, on both
backends.

pytest-alembic's model/migration comparison (test_migrations.py) covers tables, columns,
indexes and foreign keys but not CHECK constraints, so a CHECK dropped from (or added to)
the model without a migration would go unnoticed. Here the model is laid out by
``create_all`` in a scratch database of the same backend and both are read back through
the database's own catalogue: each server renders both sides' expressions the same way
(PostgreSQL rewrites ``name <> ''`` as ``(name)::text <> ''::text`` for both), so
expressions are compared too, not only names.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import CheckConstraint, Engine, inspect, text

from mechanic_desktop.db.engine import make_engine
from mechanic_desktop.db.models import Base
from tests import pgserver

Constraints = dict[str, dict[str, str]]


def _constraints(engine: Engine) -> Constraints:
    """``{"table.check": {name: expression}, "table.unique": {name: columns}}`` for every
    table of the model, as the database reports them."""
    found: Constraints = {}
    inspector = inspect(engine)
    for table in Base.metadata.sorted_tables:
        found[f"{table.name}.check"] = {
            str(c["name"]): re.sub(r"\s+", " ", str(c["sqltext"])).strip()
            for c in inspector.get_check_constraints(table.name)
        }
        found[f"{table.name}.unique"] = {
            str(u["name"]): ", ".join(u["column_names"])
            for u in inspector.get_unique_constraints(table.name)
        }
    return found


@pytest.fixture
def model_engine(
    engine: Engine, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Engine]:
    """A scratch database of ``engine``'s backend, laid out from the model alone."""
    if engine.dialect.name == "sqlite":
        scratch = make_engine(f"sqlite:///{tmp_path / 'model.sqlite3'}")
        drop = None
    else:
        admin: str = request.getfixturevalue("pg_admin_url")
        name = f"mechanic_model_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        scratch = make_engine(pgserver.create_database(admin, name))
        drop = (admin, name)
        with scratch.begin() as conn:
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    Base.metadata.create_all(scratch)
    yield scratch
    scratch.dispose()
    if drop is not None:
        pgserver.drop_database(*drop)


def test_migrated_constraints_are_the_models(engine: Engine, model_engine: Engine) -> None:
    """``engine`` is migrated by the app's own migrations (tests/conftest.py)."""
    expected = _constraints(model_engine)
    # Not vacuous: the catalogue really reports the model's constraints on this backend.
    assert "ck_parts_on_hand_nonneg" in expected["parts.check"]
    assert expected["ticket_parts.unique"] == {
        "uq_ticket_parts_job_id": "job_id, part_id, ordered"
    }
    declared = {
        f"{table.name}.check": {str(c.name) for c in table.constraints
                                if isinstance(c, CheckConstraint)}
        for table in Base.metadata.sorted_tables
    }
    assert {k: set(v) for k, v in expected.items() if k.endswith(".check")} == declared
    actual = _constraints(engine)
    differences = {
        key: {
            "only in the model": sorted(expected[key].items() - actual[key].items()),
            "only in the migrations": sorted(actual[key].items() - expected[key].items()),
        }
        for key in expected
        if expected[key] != actual[key]
    }
    assert differences == {}
