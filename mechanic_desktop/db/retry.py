"""Retrying writes that lost a race, and only those.

A serialization failure (SQLSTATE 40001) or deadlock (40P01) means PostgreSQL rolled the
transaction back: nothing was committed, so running the whole operation again is safe.
Anything else — above all a connection lost during COMMIT, where the outcome is unknown —
is never retried, so no write is applied twice.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError

T = TypeVar("T")

RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})
ATTEMPTS = 4


def is_retryable(exc: BaseException) -> bool:
    """True when the database certainly rolled back because of a conflict."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        orig = current.orig if isinstance(current, DBAPIError) else current
        if getattr(orig, "sqlstate", None) in RETRYABLE_SQLSTATES:
            return True
        current = current.__cause__ or current.__context__
    return False


def with_retries(
    operation: Callable[[], T],
    attempts: int = ATTEMPTS,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run ``operation``; on a retryable conflict run it again, up to ``attempts`` times,
    with a short randomised pause so the two desks do not collide again."""
    for attempt in range(1, attempts + 1):
        try:
            return operation()
        except Exception as exc:
            if attempt == attempts or not is_retryable(exc):
                raise
            sleep(random.uniform(0.01, 0.05) * 2**attempt)
    raise AssertionError("unreachable")
