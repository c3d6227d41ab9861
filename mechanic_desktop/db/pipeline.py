"""Several reads in one exchange with a distant PostgreSQL server (issue 19).

Over a network every statement waits one round trip for its answer; the reads a desk
action needs (a ticket, its jobs and lines, its authorisations and billing, the shop's
fee rules...) do not depend on each other, so ``run`` sends them together with psycopg 3's
pipeline mode and waits once. SQLAlchemy still writes the SQL and the ORM still turns the
rows into its objects:

1. SQLAlchemy writes each statement's SQL and parameters as ``Connection.execute``
   would (its compiled cache and execution context; nothing sent, no statement event);
2. those are sent in one pipeline and every result is fetched at its single sync; a
   transaction's BEGIN goes first in the same exchange (db/pg_connection.py's
   ``begin_with_pipeline``: left to itself psycopg would send BEGIN and wait for it);
3. each statement is then executed through the Session as usual, and the hook hands
   SQLAlchemy the cursor already holding its answer instead of sending it again. A
   statement SQLAlchemy writes differently the second time simply goes to the server:
   slower, never wrong.

A failure in the pipeline is raised as SQLAlchemy's own DBAPIError (the unit of work then
explains it and rolls back). SQLite runs the same statements one after another.
``db/round_trips.py`` counts the pipeline's sync as one exchange.
"""

from __future__ import annotations

import weakref
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, Row, Table, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import Executable

from mechanic_desktop.db import round_trips
from mechanic_desktop.db.prepared import Bound

if TYPE_CHECKING:  # the ORM loads after the sign-in window shows (ui.warm_up); the
    # engine installs this module before it, on PostgreSQL
    from sqlalchemy.orm import Session

#: The dialects (one per engine) whose executions the hook below answers for.
_INSTALLED: weakref.WeakSet[Any] = weakref.WeakSet()
#: Attribute of the driver's connection holding the pipeline under way on it.
STATE = round_trips.PIPELINE_STATE


@dataclass
class _State:
    sent: list[tuple[str, Any]] = field(default_factory=list)
    ready: deque[tuple[str, Any, Any]] = field(default_factory=deque)

    def serves(self, statement: str, parameters: Any) -> bool:
        if not self.ready:
            return False
        sql, params, _ = self.ready[0]
        return bool(sql == statement and params == parameters)


def _do_execute(cursor: Any, statement: str, parameters: Any, context: Any) -> bool:
    state: _State | None = getattr(cursor.connection, STATE, None)
    if state is None:
        return False
    if not state.serves(statement, parameters):
        return False  # not what was sent: the driver sends it now
    _, _, ready = state.ready.popleft()
    cursor.close()
    context.cursor = ready  # the answer that came back with the pipeline
    return True


def _as_sent(conn: Connection, statement: Executable, params: dict[str, Any]) -> tuple[str, Any]:
    """The SQL and parameters SQLAlchemy sends for ``statement`` (with the values of its
    bound ``params``) on ``conn``, written as
    ``Connection.execute`` writes them (its compiled cache, its execution context) but
    neither sent nor announced to the engine's statement events: those see each
    statement once, when the Session executes it."""
    core: Any = conn  # SQLAlchemy's own steps of Connection.execute, in its order
    element: Any = statement
    dialect: Any = conn.dialect
    options = element._execution_options.merge_with(core._execution_options)
    compiled, extracted, param_dict, cache_hit = element._compile_w_cache(
        dialect=dialect,
        compiled_cache=options.get("compiled_cache", core.engine._compiled_cache),
        column_keys=sorted(params), for_executemany=False,
        schema_translate_map=options.get("schema_translate_map"),
        linting=dialect.compiler_linting,
    )
    context = dialect.execution_ctx_cls._init_compiled(
        dialect, core, core.connection, options, compiled, [params] if params else [],
        element, extracted,
        cache_hit=cache_hit, param_dict=param_dict,
    )
    try:
        return context.statement, context.parameters[0]
    finally:
        context.cursor.close()


def install(engine: Engine) -> None:
    """Let ``run`` use ``engine`` (db/engine.py does it for every PostgreSQL engine)."""
    event.listen(engine, "do_execute", _do_execute)
    _INSTALLED.add(engine.dialect)


@contextmanager
def _state(raw: Any) -> Iterator[_State]:
    state = _State()
    setattr(raw, STATE, state)
    try:
        yield state
    finally:
        setattr(raw, STATE, None)
        for _, _, cursor in state.ready:
            cursor.close()


def run(session: Session, statements: Sequence[Executable | Bound], *,
        core: bool | Sequence[bool] = False) -> list[list[Row[Any]]]:
    """The rows of each of ``statements`` (ORM entities as the Session loads them; with
    ``core``, plain rows of Core statements, faster for thousands of ids; one flag for
    all, or one per statement), read in one exchange with a PostgreSQL server. A
    statement built once (db/prepared.py) comes with its values as a ``Bound``."""
    if not statements:
        return []
    bound = [(s.statement, s.params or None) if isinstance(s, Bound) else (s, None)
             for s in statements]
    cores = [core] * len(statements) if isinstance(core, bool) else list(core)
    if len(cores) != len(statements):
        raise ValueError("one core flag per statement")

    def each() -> list[list[Row[Any]]]:
        connection = session.connection()
        # ``all()``, not iteration: the driver's fetchall hands over a few thousand ids
        # in one call, where iterating fetched them one by one (10 ms for "smith").
        return [list(connection.execute(s, p).all() if c else session.execute(s, p).all())
                for (s, p), c in zip(bound, cores, strict=True)]

    conn = session.connection()
    if conn.dialect.name != "postgresql" or len(statements) == 1:
        return each()
    session.flush()  # what this transaction changed is written before it is read
    conn = session.connection()
    raw = conn.connection.dbapi_connection
    if raw is None or conn.dialect not in _INSTALLED:
        return each()
    try:
        written = [_as_sent(conn, s, p or {}) for s, p in bound]
    except Exception:  # SQLAlchemy's internals moved: no pipeline, the same rows
        return each()
    with _state(raw) as state:
        state.sent.extend(written)
        round_trips.pipeline_sent(conn, [sql for sql, _ in state.sent])
        cursors: list[Any] = []
        begin_with_pipeline = getattr(raw, "begin_with_pipeline", None)
        begin = begin_with_pipeline() if begin_with_pipeline is not None else None
        begun = begin is not None
        try:
            with raw.pipeline():
                if begin is not None:  # in the same exchange, not one of its own
                    cursors.append(raw.cursor())
                    cursors[-1].execute(begin)
                for sql, params in state.sent:
                    cursor = raw.cursor()
                    cursors.append(cursor)
                    cursor.execute(sql, params)
        except conn.dialect.loaded_dbapi.Error as exc:
            for cursor in cursors:
                cursor.close()
            if begun:
                raw.settle()
            disconnect = conn.dialect.is_disconnect(exc, raw, None)
            if disconnect:
                conn.invalidate(exc)
            raise DBAPIError.instance(
                "; ".join(sql for sql, _ in state.sent), None, exc,
                conn.dialect.loaded_dbapi.Error, connection_invalidated=disconnect,
                dialect=conn.dialect) from exc
        if begun:
            cursors.pop(0).close()
        state.ready.extend((sql, params, cursor)
                           for (sql, params), cursor in zip(state.sent, cursors, strict=True))
        return each()


def stage_insert(session: Session, table: Table, values: dict[str, Any]) -> bool:
    """Send an INSERT of ``values`` into ``table`` with this transaction's COMMIT, in the
    same exchange (db/pg_connection.py), when the connection can: not inside a
    savepoint, which may be rolled back alone. Whether it was staged (if not, the
    caller writes it as usual). Nothing reads it back before COMMIT, and a COMMIT that
    fails rolls it back with the rest."""
    if session.in_nested_transaction():
        return False
    conn = session.connection()
    raw = conn.connection.dbapi_connection
    stage = getattr(raw, "stage_insert", None)
    if stage is None:
        return False
    sent: dict[str, Any] = {}
    for name, value in values.items():
        process = table.c[name].type.bind_processor(conn.dialect)
        sent[name] = process(value) if process is not None else value
    stage(table.name, sent)
    return True
