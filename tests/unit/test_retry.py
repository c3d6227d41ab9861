"""Conflict retries on a real PostgreSQL: a deadlock is retried, other errors are not."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from mechanic_desktop.db.retry import is_retryable, with_retries
from mechanic_desktop.db.unit_of_work import UnitOfWork
from tests.conftest import empty_tables
from tests.unit import factories


def test_non_conflict_errors_are_not_retried() -> None:
    calls: list[int] = []

    def fails() -> None:
        calls.append(1)
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        with_retries(fails, sleep=lambda _s: None)
    assert calls == [1]


def test_serialization_failures_are_retried_then_succeed(pg_engine: Engine) -> None:
    """Two serializable transactions write skew; the loser is retried and then commits."""
    empty_tables(pg_engine)
    factories.customer(UnitOfWork(pg_engine))
    barrier = threading.Barrier(2)
    attempts: list[str] = []
    errors: list[BaseException] = []

    def desk(name: str) -> None:
        first = [True]

        def operation() -> None:
            attempts.append(name)
            serializable = pg_engine.execution_options(isolation_level="SERIALIZABLE")
            with serializable.connect() as conn, conn.begin():
                total = conn.execute(text("SELECT count(*) FROM customers")).scalar()
                if first[0]:
                    first[0] = False
                    barrier.wait(timeout=5)
                conn.execute(text("UPDATE customers SET notes = :n"), {"n": f"{name} saw {total}"})

        try:
            with_retries(operation, sleep=lambda _s: None)
        except BaseException as exc:  # collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=desk, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    assert len(attempts) == 3  # one desk had to run again


def test_integrity_errors_are_not_conflicts(uow: UnitOfWork) -> None:
    with uow, pytest.raises(IntegrityError) as caught:
        uow.session.execute(text("INSERT INTO parts (sku) VALUES (NULL)"))
    assert not is_retryable(caught.value)
    assert isinstance(caught.value, DBAPIError)
