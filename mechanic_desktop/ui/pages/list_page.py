"""What every area page has: a search box, quick filters, a lazily paged table, an empty
state that says what to do, and New / Edit / Delete that open the area's dialogs."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QByteArray, QEvent, QObject, QSettings, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from mechanic_desktop.domain.changes import Changes
from mechanic_desktop.domain.errors import DeleteRefused, DomainError
from mechanic_desktop.services.runner import Operation
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.item_views import activate_on_return, read_only_table
from mechanic_desktop.ui.models.columns import TableSpec
from mechanic_desktop.ui.models.paged_model import FetchPage, PagedTableModel
from mechanic_desktop.ui.operations import alive

Key = QKeySequence.StandardKey


def keys(key: QKeySequence.StandardKey) -> str:
    """A standard shortcut as this platform writes it (Ctrl+N here, ⌘N on a Mac)."""
    return QKeySequence(key).toString(QKeySequence.SequenceFormat.NativeText)


class ListPage(QWidget):
    """One area: subclasses supply the table spec, filters, dialogs and delete call."""

    #: The text for the status bar's row count changed.
    status_changed = Signal(str)
    #: Something went wrong that the user should read (status bar).
    message = Signal(str)
    selection_changed = Signal()

    key = "page"
    singular = "row"
    plural = "rows"
    search_hint = "Search…"
    #: Entities whose changes this page shows (``Changes.touches``).
    watches: frozenset[str] = frozenset()
    #: Whether rows of this area may be deleted from the table at all.
    can_delete = True

    def __init__(
        self, ui: UiContext, spec: TableSpec[Any], fetch: FetchPage, parent: QWidget | None
    ) -> None:
        super().__init__(parent)
        self.ui = ui
        self.setObjectName(f"{self.key}Page")
        self.setAccessibleName(self.plural.capitalize())
        self.dialog: QDialog | None = None
        self._keep_id: int | None = None
        self.model = PagedTableModel(spec, fetch, ui.worker, self)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 4)
        bar = QHBoxLayout()
        self.search = QLineEdit(self)
        self.search.setObjectName(f"{self.key}Search")
        self.search.setAccessibleName(f"Search {self.plural}")
        self.search.setPlaceholderText(self.search_hint)
        self.search.setToolTip(f"Search {self.plural} as you type ({keys(Key.Find)})")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(320)
        self.search.textChanged.connect(self.model.set_search)
        self.search.returnPressed.connect(self._search_entered)
        bar.addWidget(self.search, 2)
        self.filters = QHBoxLayout()
        bar.addLayout(self.filters)
        bar.addStretch(1)
        layout.addLayout(bar)

        self.table = self._make_table(spec)
        layout.addWidget(self.table, 1)
        self.empty = QLabel(self.table.viewport())
        self.empty.setObjectName(f"{self.key}EmptyState")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setStyleSheet("color: palette(mid); font-size: 11pt;")
        self.empty.hide()
        self.table.viewport().installEventFilter(self)
        self.search.installEventFilter(self)  # Down goes from the search into the list

        self.model.page_loaded.connect(self._page_loaded)
        self.model.modelReset.connect(self._update_status)
        self.model.failed.connect(self._failed)
        self.add_filters()

    def _make_table(self, spec: TableSpec[Any]) -> QTableView:
        table = read_only_table(self, self.model, f"{self.key}Table",
                                f"{self.plural.capitalize()} table",
                                [c.width for c in spec.columns], row_padding=10)
        table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSortIndicator(
            spec.column_of_sort(spec.default_sort),
            Qt.SortOrder.DescendingOrder if spec.default_descending
            else Qt.SortOrder.AscendingOrder,
        )
        table.setSortingEnabled(True)
        header.sortIndicatorChanged.connect(self._sort_clicked)
        table.activated.connect(lambda _index: self.edit_selected())
        activate_on_return(table)
        table.selectionModel().selectionChanged.connect(lambda *_: self.selection_changed.emit())
        return table

    # -- hooks for each area -----------------------------------------------------------

    def add_filters(self) -> None:
        """Put the area's quick filters into ``self.filters``."""

    def make_dialog(self, record: Any | None) -> QDialog:
        raise NotImplementedError

    def load_record(self, row_id: int) -> Operation[Any]:
        """The read that gives the editor its record."""
        raise NotImplementedError

    def delete_job(self, row: Any) -> Operation[Any]:
        raise NotImplementedError

    def describe(self, row: Any) -> str:
        """How a row is named in the delete question."""
        return str(getattr(row, "name", ""))

    def delete_refused(self, row: Any, error: DeleteRefused) -> None:
        self.ui.prompts.inform(self, f"Cannot delete this {self.singular}", str(error))

    # -- life cycle --------------------------------------------------------------------

    def start(self) -> None:
        self.model.start()

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def refresh(self) -> None:
        if self._keep_id is None:  # a just-saved record's id wins over the selection
            self._keep_id = self.selected_id()
        self.model.refresh()

    def on_changed(self, changes: Changes) -> None:
        """Re-read what a write changed of what this page shows, and no more.

        A change naming rows of the page's own entity re-reads those rows only
        (``PagedTableModel.refresh_rows``, which itself re-reads the window when the
        rows may have moved); what the same change says about other entities is the
        same write's side effect on those rows (a ticket's mechanics, its parts), which
        that re-read shows. A change that names no rows of this entity (it came from
        another watched entity, such as a customer renamed under the tickets page) or
        may concern every row (``all_of``: a bulk write, a reconnect) re-reads the
        whole loaded window.
        """
        if not any(changes.touches(entity) for entity in self.watches):
            return
        if self._keep_id is None:  # reselected by id if the model re-reads its window
            self._keep_id = self.selected_id()
        if changes.all_of & self.watches or not self.model.refresh_changed(changes):
            self.refresh()

    def save_state(self, settings: QSettings) -> None:
        settings.setValue(f"pages/{self.key}/header", self.table.horizontalHeader().saveState())

    def restore_state(self, settings: QSettings) -> None:
        state = settings.value(f"pages/{self.key}/header")
        header = self.table.horizontalHeader()
        if isinstance(state, QByteArray | bytes) and header.restoreState(QByteArray(state)):
            self.model.sort(header.sortIndicatorSection(), header.sortIndicatorOrder())
            self._sort_clicked(header.sortIndicatorSection(), header.sortIndicatorOrder())

    # -- selection and actions ---------------------------------------------------------

    def selected_row(self) -> Any | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def selected_id(self) -> int | None:
        row = self.selected_row()
        return None if row is None else self.model.spec.row_id(row)

    def select_id(self, row_id: int) -> bool:
        row = self.model.row_of_id(row_id)
        if row < 0:
            return False
        self.table.selectRow(row)
        self.table.scrollTo(self.model.index(row, 0))
        return True

    def new_record(self) -> None:
        self._open(None)

    def edit_selected(self) -> None:
        row_id = self.selected_id()
        if row_id is None:
            return
        self.ui.worker.read(
            self.load_record(row_id), alive(self, self._open),
            alive(self, lambda error: self._failed(str(error))),
        )

    def _open(self, record: Any | None) -> None:
        self._present(self._track(self.make_dialog(record)))

    def _present(self, dialog: QDialog) -> None:
        """Show an editor: window-modal by default (a short form, finished or dropped
        before going on). A page whose editors stay open beside the list overrides it."""
        dialog.open()

    def _track(self, dialog: QDialog) -> QDialog:
        """Follow an editor's saves, and the editor it continues in (a new ticket saved by
        its first line opens its full editor itself)."""
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        saved = getattr(dialog, "saved", None)
        if saved is not None:
            saved.connect(self._saved)
        continued = getattr(dialog, "continued", None)
        if continued is not None:
            continued.connect(self._track)
        self.dialog = dialog
        return dialog

    def _saved(self, record: Any) -> None:
        record_id = getattr(record, "id", None)
        self._keep_id = record_id
        hidden = bool(self.search.text()) or not self.model.complete  # may not be listed
        if isinstance(record_id, int) and self.model.row_of_id(record_id) < 0 and hidden:
            self._show_new(record)

    def found_by(self, record: Any) -> str | None:
        """What to search for so the list shows ``record`` (a name by default)."""
        name = getattr(record, "name", None)
        return name if isinstance(name, str) and name else None

    def _show_new(self, record: Any) -> None:
        """A record just added may sit outside the current search or the rows loaded so
        far: search for it, so it is listed and selected where the user looks."""
        text = self.found_by(record)
        if text is None:
            return
        self.search.blockSignals(True)
        self.search.setText(text)
        self.search.blockSignals(False)
        self.model.set_search_now(text)

    def delete_selected(self) -> None:
        row = self.selected_row()
        if row is None:
            return
        question = f"Delete {self.singular} {self.describe(row)}? This cannot be undone."
        if not self.ui.prompts.confirm(self, f"Delete {self.singular}", question, "Delete"):
            return
        self.ui.worker.write(
            self.delete_job(row),
            alive(self, lambda _r: self.message.emit(f"Deleted {self.describe(row)}.")),
            alive(self, lambda error: self._delete_failed(row, error)),
        )

    def _delete_failed(self, row: Any, error: BaseException) -> None:
        if isinstance(error, DeleteRefused):
            self.delete_refused(row, error)
        elif isinstance(error, DomainError):
            self.ui.prompts.inform(self, f"Cannot delete this {self.singular}", str(error))
        else:
            self._failed(str(error))

    # -- feedback ----------------------------------------------------------------------

    def _search_entered(self) -> None:
        self.model.set_search_now(self.search.text())
        self.table.setFocus()
        if self.model.rowCount() and self.selected_row() is None:
            self.table.selectRow(0)

    def _sort_clicked(self, section: int, order: Qt.SortOrder) -> None:
        """Columns the database cannot sort by keep the indicator where it was."""
        spec = self.model.spec
        if 0 <= section < len(spec.columns) and spec.columns[section].sort_key is None:
            header = self.table.horizontalHeader()
            current = spec.column_of_sort(self.model.query.sort)
            wanted = (Qt.SortOrder.DescendingOrder if self.model.query.descending
                      else Qt.SortOrder.AscendingOrder)
            header.blockSignals(True)
            header.setSortIndicator(current, wanted)
            header.blockSignals(False)
            header.viewport().update()

    def _page_loaded(self, _count: int) -> None:
        if self._keep_id is not None:
            keep, self._keep_id = self._keep_id, None
            if self.selected_id() != keep:
                self.select_id(keep)
        self._update_status()

    def _failed(self, text: str) -> None:
        self.message.emit(text)
        self._update_status()

    def status_text(self) -> str:
        if not self.model.loaded_once:
            return f"Loading {self.plural}…"
        n = self.model.loaded_rows
        noun = self.singular if n == 1 else self.plural
        if self.model.complete:
            return f"{n:,} {noun}"
        return f"{n:,} {noun} loaded, more below"

    def empty_text(self) -> str:
        query = self.model.query
        if query.search:
            return (f"No {self.plural} match “{query.search}”.\n"
                    "Check the spelling, or clear the search to see them all.")
        if query.filters:
            return f"No {self.plural} match the filters.\nClear the filters to see them all."
        return (f"No {self.plural} yet.\n"
                f"Press {keys(Key.New)} or click New to add the first {self.singular}.")

    def _update_status(self) -> None:
        empty = self.model.loaded_once and self.model.loaded_rows == 0
        if empty:
            self.empty.setText(self.empty_text())
            self._place_empty()
        self.empty.setVisible(empty)
        self.status_changed.emit(self.status_text())

    def _place_empty(self) -> None:
        viewport = self.table.viewport()
        self.empty.setGeometry(16, 16, max(0, viewport.width() - 32),
                               max(0, min(viewport.height() - 32, 160)))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.table.viewport() and event.type() == QEvent.Type.Resize:
            self._place_empty()
        if (watched is self.search and isinstance(event, QKeyEvent)
                and event.type() == QEvent.Type.KeyPress
                and event.key() in (Qt.Key.Key_Down, Qt.Key.Key_PageDown)):
            self._into_list()
            return True
        return super().eventFilter(watched, event)

    def _into_list(self) -> None:
        """From the search box into the list, on the selected row (else the first), so
        Return opens it: find, arrow, open, with no mouse."""
        self.table.setFocus()
        if self.model.rowCount() and self.selected_row() is None:
            self.table.selectRow(0)
