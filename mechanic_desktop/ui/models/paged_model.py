"""A lazily paged, server-sorted table model that never holds a whole table.

Pages come from a ``fetch_page(uow, ListQuery) -> Page`` callback run on the DB worker (the
model knows nothing of services, as qutebrowser's completion models are handed their
data sources). Each query change bumps a generation counter so replies to an older
query (the user typed on) are dropped; a "Loading…" row stands in while a page is on
its way (Anki's browser model); ``refresh`` re-reads the window already loaded so the
view keeps its scroll position and selection, and ``refresh_rows`` re-reads only the rows
a write changed (one query narrowed to their ids), falling back to ``refresh`` only when
the answer shows that rows may have moved into, out of or within the loaded window.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from mechanic_desktop.domain.changes import Changes
from mechanic_desktop.domain.records import ListQuery, Page
from mechanic_desktop.ui.models.columns import TableSpec, cell_data, header_data
from mechanic_desktop.ui.operations import DbWorker, alive

if TYPE_CHECKING:
    from mechanic_desktop.services.runner import UnitOfWork

PAGE_SIZE = 200
#: Most rows a refresh re-reads in one query (the services cap a page at 1000).
MAX_WINDOW = 1000
#: More changed ids than this re-read the whole window instead (one query either way).
MAX_TARGETED = 200
SEARCH_DELAY_MS = 150
LOADING_TEXT = "Loading…"

#: Role giving a row's id (for selection by id and for actions on the row).
ROW_ID_ROLE = Qt.ItemDataRole.UserRole + 1

AnyIndex = QModelIndex | QPersistentModelIndex
FetchPage = Callable[["UnitOfWork", ListQuery], Page[Any]]


def _is_empty(value: Any) -> bool:
    return value is None or value is False or value in ("", (), [])


class PagedTableModel(QAbstractTableModel):
    """Rows of one area, fetched ~200 at a time as the view scrolls."""

    #: A page (first, further, or a refresh) has been applied; carries the row count.
    page_loaded = Signal(int)
    #: Fetching failed; carries the sentence to show.
    failed = Signal(str)
    loading_changed = Signal(bool)

    def __init__(
        self,
        spec: TableSpec[Any],
        fetch_page: FetchPage,
        worker: DbWorker,
        parent: QObject | None = None,
        *,
        page_size: int = PAGE_SIZE,
    ) -> None:
        super().__init__(parent)
        self.spec = spec
        self._fetch = fetch_page
        self._worker = worker
        self._page_size = page_size
        self._query = ListQuery(
            sort=spec.default_sort, descending=spec.default_descending, limit=page_size
        )
        self._rows: list[Any] = []
        self._cursor: tuple[Any, ...] | None = None
        self._placeholder = False
        self._loading = False
        self._loaded_once = False
        self._started = False
        self._generation = 0
        #: Bumped whenever rows are inserted, removed or reset: a targeted re-read planned
        #: against an older window cannot be checked against this one.
        self._layout_version = 0
        self._pending_search = ""
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._apply_search)

    # -- what the page asks ------------------------------------------------------------

    @property
    def query(self) -> ListQuery:
        return self._query

    @property
    def loading(self) -> bool:
        return self._loading

    @property
    def loaded_once(self) -> bool:
        """True once the current query's first page has arrived."""
        return self._loaded_once

    @property
    def complete(self) -> bool:
        """Every row of the current query is loaded."""
        return self._loaded_once and self._cursor is None

    @property
    def loaded_rows(self) -> int:
        return len(self._rows)

    @property
    def search_pending(self) -> bool:
        return self._search_timer.isActive()

    def row_at(self, row: int) -> Any | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of_id(self, row_id: int) -> int:
        for i, item in enumerate(self._rows):
            if self.spec.row_id(item) == row_id:
                return i
        return -1

    # -- what the page tells it --------------------------------------------------------

    def start(self) -> None:
        """Fetch the first page (kept separate so settings can set the sort first)."""
        if not self._started:
            self._started = True
            self._reload()

    def set_search(self, text: str) -> None:
        """Search after a short pause, so typing a name runs one query, not one per key."""
        self._pending_search = text
        self._search_timer.start()

    def set_search_now(self, text: str) -> None:
        self._pending_search = text
        self._search_timer.stop()
        self._apply_search()

    def set_filter(self, name: str, value: Any) -> None:
        filters = dict(self._query.filters)
        if _is_empty(value):
            filters.pop(name, None)
        else:
            filters[name] = value
        if filters != self._query.filters:
            self._query = dataclasses.replace(self._query, filters=filters)
            self._restart()

    def set_sort(self, sort_key: str, descending: bool) -> None:
        if (sort_key, descending) != (self._query.sort, self._query.descending):
            self._query = dataclasses.replace(self._query, sort=sort_key, descending=descending)
            self._restart()

    def refresh(self) -> None:
        """Re-read the rows already loaded (after a save), keeping the view where it is."""
        if not self._started:
            return
        if not self._loaded_once:
            self._reload()
            return
        self._drop_placeholder()
        self._generation += 1
        limit = min(max(len(self._rows), self._page_size), MAX_WINDOW)
        self._set_loading(True)
        self._request(dataclasses.replace(self._query, cursor=None, limit=limit), refresh=True)

    def refresh_changed(self, changes: Changes) -> bool:
        """Re-read the rows of this model's entity that ``changes`` names; False (nothing
        done) when it names none or may concern every row of it (``all_of``)."""
        entity = self.spec.entity
        ids = changes.ids(entity)
        if not ids or entity in changes.all_of:
            return False
        self.refresh_rows(ids)
        return True

    def refresh_rows(self, ids: Iterable[int]) -> None:
        """Re-read only the rows with these ids (a write changed them), in one query.

        The query is the current one (search, filters, sort) narrowed to the changed ids
        plus, for each changed row in the window, the loaded rows just before and after
        it, and, if some changed id is not loaded, the last loaded row. Its answer, in the
        list's order, decides (``_apply_rows``):

        - a changed row that is loaded and still answered is replaced where it stands, if
          it still sorts between its two neighbours;
        - a loaded row that is no longer answered (deleted, or no longer matching the
          search or filters) is removed;
        - a changed id that is not loaded and not answered does not belong in this list;
          one answered that sorts after the last loaded row of an incomplete list belongs
          further down and is fetched when the user scrolls there.

        Anything else can move rows in or within the window — a row that now sorts
        elsewhere, an answered id the window lacks (a new row, or one that now matches),
        a change to the last row of an incomplete window (it may now sort past rows not
        loaded yet), more than ``MAX_TARGETED`` ids — and re-reads the window (``refresh``).
        """
        changed = frozenset(ids)
        if not changed:
            return
        if not self._started or not self._loaded_once or len(changed) > MAX_TARGETED:
            self.refresh()
            return
        ask = set(changed)
        positions = {self.spec.row_id(item): i for i, item in enumerate(self._rows)}
        for row_id in changed:
            i = positions.get(row_id)
            if i is None:
                if self._rows:
                    ask.add(self.spec.row_id(self._rows[-1]))
                continue
            for j in (i - 1, i + 1):
                if 0 <= j < len(self._rows):
                    ask.add(self.spec.row_id(self._rows[j]))
        query = dataclasses.replace(self._query, cursor=None, limit=len(ask),
                                    ids=frozenset(ask))
        generation, layout, fetch = self._generation, self._layout_version, self._fetch
        self._worker.read(
            lambda uow: fetch(uow, query),
            alive(self, lambda page: self._on_rows(generation, layout, changed, page)),
            alive(self, lambda error: self._on_error(generation, error)),
        )

    def _on_rows(
        self, generation: int, layout: int, changed: frozenset[int], page: Page[Any]
    ) -> None:
        if generation != self._generation:
            return  # the query changed or the window was re-read since: that answer wins
        if layout != self._layout_version or not self._apply_rows(changed, list(page.rows)):
            self.refresh()
            return
        self.page_loaded.emit(len(self._rows))

    def _apply_rows(self, changed: frozenset[int], answered: list[Any]) -> bool:
        """Patch the window with re-read rows; False when it needs re-reading instead."""
        row_id = self.spec.row_id
        positions = {row_id(item): i for i, item in enumerate(self._rows)}
        order = [row_id(item) for item in answered]
        rank = {rid: k for k, rid in enumerate(order)}
        for rid in changed:
            if rid in positions or rid not in rank:
                continue
            last = row_id(self._rows[-1]) if self._rows else None
            if self.complete or last is None or last not in rank or rank[rid] < rank[last]:
                return False  # it belongs inside the loaded window
        # Rows answered and loaded must stand in the same order as in the window, and
        # every changed row's neighbours must have been asked about with it.
        loaded = [rid for rid in order if rid in positions]
        if loaded != sorted(loaded, key=positions.__getitem__):
            return False
        last_index = len(self._rows) - 1
        for rid in changed & positions.keys():
            i = positions[rid]
            if rid in rank and i == last_index and not self.complete:
                return False  # it may now sort past rows not loaded yet
        gone = sorted((positions[rid] for rid in changed
                       if rid in positions and rid not in rank), reverse=True)
        fresh = {rid: item for rid, item in zip(order, answered, strict=True)
                 if rid in changed and rid in positions}
        for rid, item in fresh.items():
            i = positions[rid]
            self._rows[i] = item
            self.dataChanged.emit(self.index(i, 0), self.index(i, len(self.spec.columns) - 1))
        for i in gone:
            self._layout_version += 1
            self.beginRemoveRows(QModelIndex(), i, i)
            del self._rows[i]
            self.endRemoveRows()
        return True

    # -- Qt model API ------------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid():
            return 0
        return len(self._rows) + (1 if self._placeholder else 0)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.spec.columns)

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        return header_data(self.spec.columns, section, orientation, role)

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        never = Qt.ItemFlag.ItemNeverHasChildren
        if index.row() >= len(self._rows):
            return never  # the loading row cannot be selected
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | never

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.column() >= len(self.spec.columns):
            return None
        row = index.row()
        if row >= len(self._rows):
            return self._placeholder_data(index.column(), role)
        item = self._rows[row]
        if role == ROW_ID_ROLE:
            return self.spec.row_id(item)
        if role == Qt.ItemDataRole.BackgroundRole and self.spec.background is not None:
            return self.spec.background(item)
        return cell_data(self.spec.columns[index.column()], item, role)

    def _placeholder_data(self, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return LOADING_TEXT if column == 0 else ""
        if role == Qt.ItemDataRole.ForegroundRole:
            return QApplication.palette().color(
                QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text
            )
        return None

    def canFetchMore(self, parent: AnyIndex) -> bool:
        return (
            not parent.isValid()
            and self._loaded_once
            and self._cursor is not None
            and not self._loading
        )

    def fetchMore(self, parent: AnyIndex) -> None:
        if not self.canFetchMore(parent):
            return
        self._show_placeholder()
        self._set_loading(True)
        self._request(
            dataclasses.replace(self._query, cursor=self._cursor, limit=self._page_size),
            refresh=False,
        )

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort in the database; columns without a sort key keep the current order."""
        if not 0 <= column < len(self.spec.columns):
            return
        key = self.spec.columns[column].sort_key
        if key is not None:
            self.set_sort(key, order == Qt.SortOrder.DescendingOrder)

    # -- internals ---------------------------------------------------------------------

    def _apply_search(self) -> None:
        text = self._pending_search.strip()
        if text != self._query.search:
            self._query = dataclasses.replace(self._query, search=text)
            self._restart()

    def _restart(self) -> None:
        if self._started:
            self._reload()

    def _reload(self) -> None:
        """Forget the rows and fetch the first page of the current query."""
        self._generation += 1
        self._layout_version += 1
        self.beginResetModel()
        self._rows = []
        self._cursor = None
        self._loaded_once = False
        self._placeholder = True
        self.endResetModel()
        self._set_loading(True)
        self._request(dataclasses.replace(self._query, cursor=None), refresh=False)

    def _request(self, query: ListQuery, *, refresh: bool) -> None:
        generation = self._generation
        fetch = self._fetch
        self._worker.read(
            lambda uow: fetch(uow, query),
            alive(self, lambda page: self._on_page(generation, page, refresh)),
            alive(self, lambda error: self._on_error(generation, error)),
        )

    def _on_page(self, generation: int, page: Page[Any], refresh: bool) -> None:
        if generation != self._generation:
            return  # an answer to a query the user has since changed
        self._drop_placeholder()
        if refresh:
            self._replace_window(list(page.rows))
        elif page.rows:
            first = len(self._rows)
            self._layout_version += 1
            self.beginInsertRows(QModelIndex(), first, first + len(page.rows) - 1)
            self._rows.extend(page.rows)
            self.endInsertRows()
        self._cursor = page.next_cursor
        self._loaded_once = True
        self._set_loading(False)
        self.page_loaded.emit(len(self._rows))

    def _replace_window(self, rows: list[Any]) -> None:
        """Swap in re-read rows with the fewest signals, so views keep scroll position."""
        old, new = len(self._rows), len(rows)
        if old != new:
            self._layout_version += 1
        if new < old:
            self.beginRemoveRows(QModelIndex(), new, old - 1)
            del self._rows[new:]
            self.endRemoveRows()
        shared = min(old, new)
        if shared:
            self._rows[:shared] = rows[:shared]
            last = self.index(shared - 1, len(self.spec.columns) - 1)
            self.dataChanged.emit(self.index(0, 0), last)
        if new > old:
            self.beginInsertRows(QModelIndex(), old, new - 1)
            self._rows.extend(rows[old:])
            self.endInsertRows()

    def _on_error(self, generation: int, error: BaseException) -> None:
        if generation != self._generation:
            return
        self._drop_placeholder()
        self._set_loading(False)
        self.failed.emit(str(error) or type(error).__name__)

    def _show_placeholder(self) -> None:
        if not self._placeholder:
            row = len(self._rows)
            self.beginInsertRows(QModelIndex(), row, row)
            self._placeholder = True
            self.endInsertRows()

    def _drop_placeholder(self) -> None:
        if self._placeholder:
            row = len(self._rows)
            self.beginRemoveRows(QModelIndex(), row, row)
            self._placeholder = False
            self.endRemoveRows()

    def _set_loading(self, loading: bool) -> None:
        if loading != self._loading:
            self._loading = loading
            self.loading_changed.emit(loading)
