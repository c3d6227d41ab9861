"""A read-only table model for one report: its columns come from
``services.reports.Column`` (the same ones the CSV export writes), its rows are the
report's already-aggregated rows (a few hundred at most), swapped in whole."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from mechanic_desktop.domain.formatting import format_value
from mechanic_desktop.services.reports import Column
from mechanic_desktop.ui.models.columns import LEFT, RIGHT, cell_data, header_data
from mechanic_desktop.ui.models.columns import Column as ViewColumn

AnyIndex = QModelIndex | QPersistentModelIndex
_NUMERIC = frozenset({"int", "money", "hours", "days"})


def display(value: object, kind: str) -> str:
    """A report value as the table shows it (money with separators, hours, days)."""
    return format_value(value, kind, grouped=True)


def _shown(column: Column) -> ViewColumn[Any]:
    """A report column as a table column: numbers right-aligned, long text in a tooltip."""

    def text(row: Any) -> str:
        return display(column.value(row), column.kind)

    def tooltip(row: Any) -> str | None:
        shown = text(row)
        return shown if column.kind == "text" and len(shown) > 30 else None

    return ViewColumn(column.header, text,
                      align=RIGHT if column.kind in _NUMERIC else LEFT, tooltip=tooltip)


class ReportTableModel(QAbstractTableModel):
    """Rows of one report; ``loaded_once``/``loading`` say whether they are current."""

    def __init__(self, columns: Sequence[Column], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.columns = tuple(columns)
        #: The same columns as the tables' ``Column``: shown through ``cell_data``.
        self.shown = tuple(_shown(c) for c in self.columns)
        self.rows: tuple[Any, ...] = ()
        self.loaded_once = False
        self.loading = False

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self.rows = tuple(rows)
        self.loaded_once = True
        self.loading = False
        self.endResetModel()

    def row_at(self, row: int) -> Any | None:
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        return header_data(self.shown, section, orientation, role)

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                | Qt.ItemFlag.ItemNeverHasChildren)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self.rows)
                                       and 0 <= index.column() < len(self.columns)):
            return None
        return cell_data(self.shown[index.column()], self.rows[index.row()], role)
