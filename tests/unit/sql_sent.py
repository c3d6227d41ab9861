"""What SQL a piece of work sends: for tests of how a list or search asks (which
index a condition can use, how many statements, in what shape)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event


@contextmanager
def statements_sent(engine: Engine) -> Iterator[list[str]]:
    """Every statement sent on ``engine`` inside the block, its white space folded."""
    sent: list[str] = []

    def record(_c: Any, _cur: Any, sql: str, *_: Any) -> None:
        sent.append(" ".join(sql.split()))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)
