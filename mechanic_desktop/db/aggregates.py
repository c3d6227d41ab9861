"""Aggregates written differently on SQLite and PostgreSQL, compiled per dialect.

``joined_text`` gathers a group's text values into one string (``string_agg`` on
PostgreSQL, ``group_concat`` on SQLite), separated by the ASCII unit separator, which
no typed name holds (control characters are refused on input). Neither backend
promises an order without an ORDER BY inside the aggregate, which SQLite before 3.44
lacks, so callers split the string with :func:`split_joined` and sort in Python. A list
page uses it as a correlated subquery to bring each row's names in the page's own
query instead of a second round trip.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

SEPARATOR = "\x1f"


class joined_text(FunctionElement[str]):
    """The group's values of one text expression, joined by :data:`SEPARATOR`
    (NULL for an empty group)."""

    type = String()
    inherit_cache = True
    name = "joined_text"


@compiles(joined_text, "postgresql")
def _string_agg(element: joined_text, compiler: SQLCompiler, **kw: Any) -> str:
    return f"string_agg({compiler.process(element.clauses, **kw)}, chr(31))"


@compiles(joined_text)
def _group_concat(element: joined_text, compiler: SQLCompiler, **kw: Any) -> str:
    return f"group_concat({compiler.process(element.clauses, **kw)}, char(31))"


def split_joined(value: str | None) -> list[str]:
    """The values ``joined_text`` gathered, each once."""
    return list(dict.fromkeys(value.split(SEPARATOR))) if value else []
