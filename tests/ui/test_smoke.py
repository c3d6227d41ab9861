"""``--smoke-test`` from the source checkout (the frozen build runs the same in CI)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text

from mechanic_desktop.db.engine import make_engine
from mechanic_desktop.db.migrations import HEAD
from tests import pgserver

ROOT = Path(__file__).resolve().parents[2]


def test_smoke_test_signs_in_paints_and_exits_zero() -> None:
    env = {k: v for k, v in os.environ.items() if k != "MECHANIC_PASSWORD"}
    done = subprocess.run(
        [sys.executable, "-m", "mechanic_desktop", "--smoke-test"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert any(line.startswith("first page painted after ") for line in lines), lines
    assert lines[-1].startswith("smoke test ok in ")


@pytest.mark.frozen
def test_frozen_bundle_smoke_test() -> None:
    """Runs only where MECHANIC_FROZEN_APP names a built bundle's executable (CI)."""
    app = os.environ.get("MECHANIC_FROZEN_APP")
    if not app:
        pytest.skip("no frozen build given (set MECHANIC_FROZEN_APP; .ci/run does)")
    done = subprocess.run(
        [app, "--smoke-test"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "smoke test ok" in done.stdout


def _check_bundle(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*command, "--check-bundle"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )


def _assert_every_piece_loads(done: subprocess.CompletedProcess[str]) -> None:
    from mechanic_desktop.ui.bundle_check import CHECKS

    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert [line for line in lines if line.startswith("ok ")] == [
        f"ok {piece}" for piece, _check in CHECKS
    ]
    assert lines[-1] == "bundle check ok"


def test_check_bundle_loads_every_lazily_imported_piece() -> None:
    _assert_every_piece_loads(_check_bundle([sys.executable, "-m", "mechanic_desktop"]))


def test_check_bundle_reports_each_missing_piece_and_goes_on(
    qapp: object, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from mechanic_desktop.ui import bundle_check

    def missing(_folder: Path) -> None:
        raise ModuleNotFoundError("No module named 'phonenumbers'")

    monkeypatch.setattr(
        bundle_check,
        "CHECKS",
        [("phone validation", missing), ("e-mail validation", bundle_check._email)],
    )
    assert bundle_check.run_bundle_check() == 1
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "FAILED phone validation: No module named 'phonenumbers'",
        "ok e-mail validation",
        "bundle check: 1 failed",
    ]


@pytest.mark.frozen
def test_frozen_bundle_carries_every_lazily_imported_piece() -> None:
    app = os.environ.get("MECHANIC_FROZEN_APP")
    if not app:
        pytest.skip("no frozen build given (set MECHANIC_FROZEN_APP; .ci/run does)")
    _assert_every_piece_loads(_check_bundle([app]))


@pytest.mark.frozen
def test_frozen_bundle_migrates_and_seeds_a_new_postgresql_database(pg_admin_url: str) -> None:
    """The frozen build's Alembic scripts and psycopg's libpq, against a real server."""
    app = os.environ.get("MECHANIC_FROZEN_APP")
    if not app:
        pytest.skip("no frozen build given (set MECHANIC_FROZEN_APP; .ci/run does)")
    name = f"mechanic_frozen_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    url = pgserver.create_database(pg_admin_url, name)
    try:
        done = subprocess.run(
            [app, "seed", "--customers", "20", "--tickets", "50", "--database-url", url],
            capture_output=True, text=True, timeout=300, check=False,
            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert done.stdout.splitlines()[-1].startswith("Seeded 20 customers")
        engine = make_engine(url)
        try:
            with engine.connect() as conn:
                revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
                tickets = conn.execute(text("SELECT count(*) FROM service_tickets")).scalar()
        finally:
            engine.dispose()
        assert (revision, tickets) == (HEAD, 50)
    finally:
        pgserver.drop_database(pg_admin_url, name)
