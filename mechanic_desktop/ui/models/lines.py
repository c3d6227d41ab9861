"""Small in-memory table models: a ticket's lines and a dialog's basket (a handful of
rows the caller already holds), and a paged list whose first column can be ticked.

Like the paged model they are given columns and callbacks, never services.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, Qt

from mechanic_desktop.ui.models.columns import Column, TableSpec, cell_data, header_data
from mechanic_desktop.ui.models.paged_model import (
    ROW_ID_ROLE,
    AnyIndex,
    FetchPage,
    PagedTableModel,
)
from mechanic_desktop.ui.operations import DbWorker


class LinesModel(QAbstractTableModel):
    """Rows the caller holds in full (a ticket has tens of lines, not thousands), shown
    through the same ``Column`` descriptions the paged tables use."""

    def __init__(
        self,
        columns: Sequence[Column[Any]],
        row_id: Callable[[Any], int],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.columns = tuple(columns)
        self._row_id = row_id
        self._rows: list[Any] = []

    @property
    def rows(self) -> tuple[Any, ...]:
        return tuple(self._rows)

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> Any | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of_id(self, row_id: int) -> int:
        return next((i for i, r in enumerate(self._rows) if self._row_id(r) == row_id), -1)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        return header_data(self.columns, section, orientation, role)

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                | Qt.ItemFlag.ItemNeverHasChildren)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        if not 0 <= index.column() < len(self.columns):
            return None
        item = self._rows[index.row()]
        if role == ROW_ID_ROLE:
            return self._row_id(item)
        return cell_data(self.columns[index.column()], item, role)


class CheckablePagedModel(PagedTableModel):
    """A paged list whose first column carries a tick box: ``is_checked(row)`` says
    whether it is ticked and ``on_toggle(row, ticked)`` hears the user change it (the
    dialog keeps the choices, so they survive a new search)."""

    def __init__(
        self,
        spec: TableSpec[Any],
        fetch_page: FetchPage,
        worker: DbWorker,
        is_checked: Callable[[Any], bool],
        on_toggle: Callable[[Any, bool], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(spec, fetch_page, worker, parent)
        self._is_checked = is_checked
        self._on_toggle = on_toggle

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        flags = super().flags(index)
        if index.isValid() and index.column() == 0 and self.row_at(index.row()) is not None:
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        return flags

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.CheckStateRole:
            item = self.row_at(index.row()) if index.isValid() else None
            if item is None or index.column() != 0:
                return None
            return Qt.CheckState.Checked if self._is_checked(item) else Qt.CheckState.Unchecked
        return super().data(index, role)

    def setData(self, index: AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        item = self.row_at(index.row()) if index.isValid() else None
        if role != Qt.ItemDataRole.CheckStateRole or item is None or index.column() != 0:
            return False
        state = value if isinstance(value, Qt.CheckState) else Qt.CheckState(int(value))
        self._on_toggle(item, state == Qt.CheckState.Checked)
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.CheckStateRole])
        return True

    def toggle_row(self, row: int) -> None:
        """Flip a row's tick (Return or double-click on it)."""
        item = self.row_at(row)
        if item is not None:
            ticked = self._is_checked(item)
            self.setData(self.index(row, 0),
                         Qt.CheckState.Unchecked if ticked else Qt.CheckState.Checked,
                         Qt.ItemDataRole.CheckStateRole)

    def row_changed(self, row_id: int) -> None:
        """Repaint a row's tick after the dialog changed its choices elsewhere."""
        row = self.row_of_id(row_id)
        if row >= 0:
            index = self.index(row, 0)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.CheckStateRole])
