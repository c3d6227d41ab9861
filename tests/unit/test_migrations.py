"""Migrations on both backends: pytest-alembic's checks (one head, upgrade from empty,
models == migrations, every step down and up again) plus data surviving an upgrade."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pytest_alembic import tests as alembic_checks
from pytest_alembic.runner import MigrationContext

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
