"""CSV export's small rules, without a database: what a cell reads as, which text is
neutralised, that a list export starts from the first row whatever page the table was
on, and how the file is written (beside the target under a hidden temporary name, UTF-8
with a BOM, moved into place only when finished)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

import pytest

from mechanic_desktop.domain.records import ListQuery, Page
from mechanic_desktop.services import csv_export
from mechanic_desktop.services.reports import Column


def test_numbers_are_plain_and_text_is_neutralised_whatever_the_column() -> None:
    assert csv_export.cell(Decimal("1234.5"), "money") == "1234.50"  # no separator
    assert csv_export.cell(12345, "int") == "12345"
    assert csv_export.cell(Decimal("-5.00"), "money") == "-5.00"  # a number stays one
    assert csv_export.cell("=SUM(A1)") == "'=SUM(A1)"
    assert csv_export.cell("@cmd", "money") == "'@cmd"  # text, even in a money column
    assert csv_export.cell(None, "money") == ""


def test_numbers_written_with_separators_are_not_taken_for_formulas() -> None:
    assert csv_export.safe_text("-1,234.50") == "-1,234.50"
    assert csv_export.safe_text("+1,000") == "+1,000"
    assert csv_export.safe_text("-1,2x") == "'-1,2x"


@dataclass
class Row:
    name: str | None
    total: Decimal


def test_a_report_formats_each_column_by_its_kind() -> None:
    columns = [Column("name", lambda r: r.name), Column("total", lambda r: r.total, "money")]
    out = io.StringIO()
    assert csv_export.write_report(out, columns, [Row("Oil", Decimal("7.5"))]) == 1
    assert list(csv.reader(io.StringIO(out.getvalue()))) == [["name", "total"],
                                                             ["Oil", "7.50"]]


def test_a_missing_value_is_an_empty_cell() -> None:
    def fetch(query: ListQuery) -> Page[Any]:
        return Page((Row(None, Decimal("1")), Row("=x", Decimal("2"))), None)

    out = io.StringIO()
    csv_export.write_list(out, fetch, ListQuery(), [("name", lambda r: r.name)])
    assert out.getvalue().splitlines() == ["name", '""', "'=x"]


def test_the_export_starts_at_the_first_row_whatever_page_the_table_shows() -> None:
    asked: list[object] = []

    def fetch(query: ListQuery) -> Page[Any]:
        asked.append(query.cursor)
        return Page((Row("a", Decimal("1")),), None)

    on_page_three = ListQuery(cursor=("Smith", 41), limit=50)
    pages = list(csv_export.iter_pages(fetch, on_page_three, page_size=10))
    assert asked == [None] and len(pages) == 1


def test_the_file_is_written_beside_the_target_and_moved_into_place(tmp_path: Path) -> None:
    target = tmp_path / "tickets.csv"
    seen: list[str] = []

    def write(out: TextIO) -> int:
        seen.extend(sorted(p.name for p in tmp_path.iterdir()))
        out.write("name\r\nAda\r\n")
        return 1

    assert csv_export.to_file(target, write) == 1
    [temporary] = seen
    assert temporary.startswith(".tickets.csv.") and temporary.endswith(".part")
    assert [p.name for p in tmp_path.iterdir()] == ["tickets.csv"]
    assert target.read_bytes() == b"\xef\xbb\xbfname\r\nAda\r\n"  # BOM, line ends kept


def test_a_failed_write_leaves_nothing_behind(tmp_path: Path) -> None:
    def write(out: TextIO) -> int:
        out.write("half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        csv_export.to_file(tmp_path / "x.csv", write)
    assert list(tmp_path.iterdir()) == []
