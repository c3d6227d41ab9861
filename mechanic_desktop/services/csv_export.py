"""CSV export: any keyset-paged list streamed page by page, and every report.

A list is read through the same ``fetch(ListQuery) -> Page`` callable its table uses, a
page at a time, so exporting a million tickets never holds more than one page; each page
is its own short read transaction. Progress is reported after every page and a cancel
flag is checked between pages. Files are written to a temporary name and renamed at the
end, so a cancelled or failed export never leaves half a file behind. A finished export
is audited (``export_file``): it takes the shop's data off the premises.
"""

from __future__ import annotations

import csv
import dataclasses
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.formatting import format_value
from mechanic_desktop.domain.records import ListQuery, Page
from mechanic_desktop.services import audit
from mechanic_desktop.services.reports import Column

FetchPage = Callable[[ListQuery], Page[Any]]
#: ``progress(rows_written)``.
Progress = Callable[[int], None]
#: (header, cell text of a row) for list exports.
ListColumn = tuple[str, Callable[[Any], object]]
EXPORT_PAGE = 1000
#: Spreadsheets run cells starting with these as formulas; such text gets a leading '.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class ExportCancelled(Exception):
    """The user cancelled; nothing was written."""


def safe_text(text: str) -> str:
    """Neutralise spreadsheet formula injection, leaving numbers such as -5 alone."""
    if text.startswith(_FORMULA_START):
        try:
            Decimal(text.replace(",", ""))
        except ArithmeticError:
            return "'" + text
    return text


def cell(value: object, kind: str = "text") -> str:
    """A report value as CSV text: plain numbers (no thousands separators), ISO dates;
    text that a spreadsheet would run as a formula is neutralised."""
    text = format_value(value, kind, grouped=False)
    return safe_text(text) if isinstance(value, str) or kind == "text" else text


def _text(value: object) -> str:
    return "" if value is None else safe_text(str(value))


def iter_pages(fetch: FetchPage, query: ListQuery, page_size: int = EXPORT_PAGE
               ) -> Iterator[Sequence[Any]]:
    """Every page of ``query`` in its order, from its first row (keyset cursors)."""
    current = dataclasses.replace(query, cursor=None, limit=page_size)
    while True:
        page = fetch(current)
        if page.rows:
            yield page.rows
        if page.next_cursor is None:
            return
        current = dataclasses.replace(current, cursor=page.next_cursor)


def write_list(
    out: TextIO,
    fetch: FetchPage,
    query: ListQuery,
    columns: Sequence[ListColumn],
    *,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
    page_size: int = EXPORT_PAGE,
) -> int:
    """Write the header and every row of the list; the number of rows written."""
    writer = csv.writer(out)
    writer.writerow([header for header, _ in columns])
    written = 0
    for rows in iter_pages(fetch, query, page_size):
        if cancelled is not None and cancelled():
            raise ExportCancelled
        writer.writerows([_text(text(row)) for _, text in columns] for row in rows)
        written += len(rows)
        if progress is not None:
            progress(written)
    if cancelled is not None and cancelled():
        raise ExportCancelled
    return written


def write_report(out: TextIO, columns: Sequence[Column], rows: Iterable[Any]) -> int:
    """Write a report (its rows are already aggregated: at most a few thousand)."""
    writer = csv.writer(out)
    writer.writerow([c.header for c in columns])
    count = 0
    for row in rows:
        writer.writerow([cell(c.value(row), c.kind) for c in columns])
        count += 1
    return count


def to_file(path: str | Path, write: Callable[[TextIO], int]) -> int:
    """Run ``write`` into a temporary file beside ``path`` and move it into place only
    when it finished (UTF-8 with a BOM, which spreadsheet programs recognise)."""
    target = Path(path)
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as out:
            count = write(out)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return count


def export_file(uow: UnitOfWork, what: str, path: str | Path,
                write: Callable[[TextIO], int]) -> int:
    """``to_file``, then an audit row saying what was exported (a list or a report, by
    its name), how many rows, and to which file."""
    count = to_file(path, write)
    with uow.writing():
        audit.record(uow, "export", what, None, f"{count} rows to {path}")
        uow.commit()
    return count
