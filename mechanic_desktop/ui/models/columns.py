"""Declarative column descriptions: what a table shows, how it sorts, how wide it starts;
and the one reading of a column for each Qt role that every table model answers with."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon

Row = TypeVar("Row")

LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
CENTER = Qt.AlignmentFlag.AlignCenter


@dataclass(frozen=True)
class Column(Generic[Row]):
    """One column: header, the text of a cell, and the server-side sort key (if any)."""

    header: str
    text: Callable[[Row], str]
    #: ``ListQuery.sort`` value for this column; None means the column cannot be sorted.
    sort_key: str | None = None
    width: int = 120
    align: Qt.AlignmentFlag = LEFT
    tooltip: Callable[[Row], str | None] | None = None
    foreground: Callable[[Row], QColor | None] | None = None
    icon: Callable[[Row], QIcon | None] | None = None


def cell_data(column: Column[Any], item: Any, role: int) -> Any:
    """What ``column`` shows of ``item`` for a Qt item ``role`` (None: nothing)."""
    if role == Qt.ItemDataRole.DisplayRole:
        return column.text(item)
    if role == Qt.ItemDataRole.TextAlignmentRole:
        return int(column.align)
    if role == Qt.ItemDataRole.ToolTipRole and column.tooltip is not None:
        return column.tooltip(item)
    if role == Qt.ItemDataRole.ForegroundRole and column.foreground is not None:
        return column.foreground(item)
    if role == Qt.ItemDataRole.DecorationRole and column.icon is not None:
        return column.icon(item)
    return None


def header_data(
    columns: Sequence[Column[Any]], section: int, orientation: Qt.Orientation, role: int
) -> Any:
    """A column header's text and alignment (rows have no headers)."""
    if orientation == Qt.Orientation.Horizontal and 0 <= section < len(columns):
        if role == Qt.ItemDataRole.DisplayRole:
            return columns[section].header
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(columns[section].align)
    return None


@dataclass(frozen=True)
class TableSpec(Generic[Row]):
    """Everything a paged model needs to know about one area's rows."""

    entity: str
    columns: tuple[Column[Row], ...]
    row_id: Callable[[Row], int]
    default_sort: str
    default_descending: bool = False
    #: Background for a whole row (e.g. low stock), or None.
    background: Callable[[Row], QColor | None] | None = None

    def column_of_sort(self, sort_key: str) -> int:
        for i, column in enumerate(self.columns):
            if column.sort_key == sort_key:
                return i
        return -1


def money(value: Decimal | None) -> str:
    return "" if value is None else f"{value:,.2f}"


def when(value: datetime | None) -> str:
    """Dates in local time, short: the table has no room for seconds."""
    if value is None:
        return ""
    local = value.astimezone() if value.tzinfo else value
    return local.strftime("%Y-%m-%d %H:%M")


def day(value: datetime | None) -> str:
    if value is None:
        return ""
    local = value.astimezone() if value.tzinfo else value
    return local.strftime("%Y-%m-%d")


def count(value: int) -> str:
    return f"{value:,}" if value else ""


def attr(name: str) -> Callable[[Any], str]:
    """Cell text from a plain attribute (None shows as empty)."""

    def get(row: Any) -> str:
        value = getattr(row, name)
        return "" if value is None else str(value)

    return get
