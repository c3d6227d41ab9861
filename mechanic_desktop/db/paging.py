"""Keyset pagination: a page is 'the next N rows after this sort key', never OFFSET.

Every list orders by a stable key that ends in the primary key, so the cursor of the last
row seen picks up exactly where the page ended, however far down the table it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, SQLColumnExpression, literal, tuple_


@dataclass(frozen=True, slots=True)
class SortKey:
    """Columns to order by, the last being the primary key, all in one direction."""

    columns: tuple[SQLColumnExpression[Any], ...]
    descending: bool = False

    def order_by(self) -> list[ColumnElement[Any]]:
        return [c.desc() if self.descending else c.asc() for c in self.columns]

    def after(self, cursor: Sequence[Any]) -> ColumnElement[bool]:
        """Rows strictly after ``cursor`` in this order (row-value comparison)."""
        if len(cursor) != len(self.columns):
            raise ValueError("cursor does not match the sort key")
        if len(self.columns) == 1:
            column = self.columns[0]
            condition: ColumnElement[bool] = (
                column < cursor[0] if self.descending else column > cursor[0]
            )
            return condition
        left = tuple_(*self.columns)
        # Each cursor value is bound with its column's type: a bare tuple_ binds generic
        # NUMERIC/DATETIME, skipping the column's own conversion (Money is whole cents on
        # SQLite, so 50.00 would be compared as 50 with 5000 and pages would repeat).
        right = tuple_(
            *(
                literal(value, type_=cast("ColumnElement[Any]", c).type)
                for c, value in zip(self.columns, cursor, strict=True)
            )
        )
        return left < right if self.descending else left > right


def keyset_page(
    stmt: Select[*tuple[Any, ...]], key: SortKey, cursor: Sequence[Any] | None, limit: int
) -> Select[*tuple[Any, ...]]:
    """Limit ``stmt`` to the page after ``cursor`` in ``key`` order (one row extra, to
    know whether another page follows)."""
    if cursor is not None:
        stmt = stmt.where(key.after(cursor))
    return stmt.order_by(*key.order_by()).limit(limit + 1)


def starts_with(column: SQLColumnExpression[str], prefix: str) -> ColumnElement[bool]:
    """``column`` starts with ``prefix``, as a range over the column's b-tree.

    Search keys sort by code point on both backends (SQLite's binary collation, "C" on
    PostgreSQL), so every string starting with ``prefix`` lies in
    ``[prefix, prefix + U+10FFFF)``. A range needs no LIKE (which SQLite cannot serve
    from an index), treats ``%`` and ``_`` literally, and lets PostgreSQL combine two
    ranges in one bitmap instead of walking an index in order.
    """
    return (column >= prefix) & (column < prefix + "\U0010ffff")


def word_starts_with(column: SQLColumnExpression[str], prefix: str) -> ColumnElement[bool]:
    """Some word of ``column`` starts with ``prefix``: the SQL form of
    :func:`~mechanic_desktop.domain.validation.name_part_matches`, for search keys (words
    are separated by single spaces). For small tables (mechanics): the second half is a
    LIKE no index serves."""
    return starts_with(column, prefix) | contains(column, " " + prefix)


def contains(column: SQLColumnExpression[str], fragment: str) -> ColumnElement[bool]:
    """``column`` contains ``fragment`` literally (trigram index on PostgreSQL)."""
    return column.contains(fragment, autoescape=True)
