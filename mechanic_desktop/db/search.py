"""Search inside fields, over the database's own indexes.

Two kinds of match, each served by an index on both backends:

- **a word starting with** a term ("coll" finds "Mary Collier", "brake" finds "Moog Brake
  pad set, front"): on PostgreSQL the term inside (``LIKE``, over a ``pg_trgm`` GIN
  index) checked by the regular expression ``\\m`` (a word starts here); SQLite's FTS5
  word tokens (``unicode61``) with a prefix query.
  A word starts after any character that is not a letter or digit on both.
- **a fragment anywhere** of three characters or more ("5519" in a phone number, "7XH"
  in a VIN): ``LIKE '%…%'`` over a ``pg_trgm`` GIN index; an FTS5 ``trigram`` table on
  SQLite.

The SQLite FTS5 tables use their base table as content (``content=…``) and are kept in
step by triggers, so every write, ORM or Core, updates them in its own transaction
(migrations 0001 for VINs, 0007 for the rest). Wildcards (``%``, ``_``) and FTS5 or
regular-expression syntax in what is typed stay literal.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Select,
    SQLColumnExpression,
    func,
    literal_column,
    select,
    table,
)
from sqlalchemy.orm import Session

from mechanic_desktop.db.paging import contains

#: The shortest fragment a trigram index can look up.
MIN_FRAGMENT = 3


def is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def _fts_rowids(fts_table: str, query: str) -> Select[Any]:
    """Row ids an FTS5 table answers for ``query`` (a bound parameter, never SQL)."""
    return (
        select(literal_column("rowid"))
        .select_from(table(fts_table))
        .where(literal_column(fts_table).op("MATCH")(query))
    )


def _fts_string(text: str) -> str:
    """``text`` as one FTS5 string: any syntax in it is literal."""
    return '"' + text.replace('"', '""') + '"'


def _id_in(id_column: SQLColumnExpression[int], rowids: Select[Any]) -> ColumnElement[bool]:
    return cast("ColumnElement[int]", id_column).in_(rowids)


def has_word(term: str) -> bool:
    """Whether ``term`` holds a letter or digit (a word index has nothing else)."""
    return any(c.isalnum() for c in term)


def word_prefix(
    session: Session,
    column: SQLColumnExpression[str],
    id_column: SQLColumnExpression[int],
    fts_table: str,
    term: str,
    *,
    any_case: bool = False,
    scan_over: int | None = None,
) -> ColumnElement[bool] | None:
    """Some word of ``column`` starts with ``term`` (None if ``term`` has no letter or
    digit). ``term`` is already in the column's case unless ``any_case``.

    ``scan_over``: on SQLite, when more rows than this match (a common word of ticket
    descriptions), the list walks its own sort index and checks each row against the
    matches, instead of fetching every match and sorting them all for one page.
    PostgreSQL's planner makes that choice itself from its statistics."""
    if not has_word(term):
        return None
    if is_sqlite(session):
        rowids = _word_rowids(fts_table, term)
        target = id_column
        if scan_over is not None:
            seen = session.scalar(
                select(func.count()).select_from(rowids.limit(scan_over + 1).subquery())
            )
            if (seen or 0) > scan_over:
                # Not the bare key, so SQLite cannot drive the query from the matches.
                target = cast("ColumnElement[int]", id_column) + 0
        found = _id_in(target, rowids)
        # The tokenizer drops punctuation ("a%" is the token "a"): the column must then
        # hold the term as typed too.
        return found if term.isalnum() else found & contains(column, term)
    pattern = "\\m" + "".join(c if c.isalnum() else "\\" + c for c in term)
    if len(term) < MIN_FRAGMENT:  # too short for LIKE's trigrams: the regex's own
        result: ColumnElement[bool] = column.op("~*" if any_case else "~")(pattern)
        return result
    # pg_trgm reads a regular expression's trigrams by building its automaton, once
    # when the query is planned and again when it runs: 2.0-3.5 ms of planning alone
    # for "\melizabeth". LIKE's trigrams are the term's own letters. So the term
    # inside the column (LIKE, from the index; every word starting with it holds it)
    # finds the rows, and the regex checks each on an expression no index is on
    # (``column || ''``), which the planner leaves alone. Customers named "elizabeth":
    # 2.7 + 6.9 ms (plan + run) -> 0.3 + 3.8; tickets' descriptions, 2.4 -> 0.3 ms.
    inside = column.icontains(term, autoescape=True) if any_case else contains(column, term)
    unindexed = column.concat("").self_group()
    return inside & unindexed.op("~*" if any_case else "~")(pattern)


def _word_rowids(fts_table: str, term: str) -> Select[Any]:
    """A phrase whose last token is a prefix: "o'b" is the token "o" then one starting
    with "b", as the tokenizer splits "o'brien"."""
    return _fts_rowids(fts_table, _fts_string(term) + "*")


def _fragment_rowids(fts_table: str, fts_column: str, text: str) -> Select[Any]:
    return _fts_rowids(fts_table, f"{{{fts_column}}} : {_fts_string(text)}")


def word_prefix_rowids(session: Session, fts_table: str, term: str) -> Select[Any] | None:
    """On SQLite, the ids of the rows :func:`word_prefix` finds, read from the FTS5
    table alone (its rowids are the rows' ids); None where the rows themselves must be
    read: on PostgreSQL, and for a term with punctuation (checked against the column)."""
    if not is_sqlite(session) or not term.isalnum():
        return None
    return _word_rowids(fts_table, term)


def fragment_rowids(
    session: Session, fts_table: str, fts_column: str, text: str
) -> Select[Any] | None:
    """On SQLite, the ids of the rows :func:`fragment` finds, from the FTS5 table
    alone; None on PostgreSQL or when ``text`` is too short to look up."""
    if not is_sqlite(session) or len(text) < MIN_FRAGMENT:
        return None
    return _fragment_rowids(fts_table, fts_column, text)


def fragment(
    session: Session,
    column: SQLColumnExpression[str],
    id_column: SQLColumnExpression[int],
    fts_table: str,
    fts_column: str,
    text: str,
) -> ColumnElement[bool] | None:
    """``column`` contains ``text`` anywhere (None when ``text`` is too short for a
    trigram index: the caller's other conditions decide)."""
    if len(text) < MIN_FRAGMENT:
        return None
    if is_sqlite(session):
        return _id_in(id_column, _fragment_rowids(fts_table, fts_column, text))
    return contains(column, text)
