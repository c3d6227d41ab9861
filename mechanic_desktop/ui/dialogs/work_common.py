"""What the ticket-work dialogs share: compact tables, and a base for dialogs that change
one ticket's lines with the version they were opened with, whose left half is a searched
list to pick from (parts in stock, the crew)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, Signal
from PySide6.QtWidgets import QLabel, QTableView, QVBoxLayout, QWidget

from mechanic_desktop.domain.errors import StaleRecord
from mechanic_desktop.domain.records import JobRecord, TicketDetail
from mechanic_desktop.services import workflow
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.dialogs.form import EditorDialog, line_edit
from mechanic_desktop.ui.dialogs.styles import NOTE_STYLE
from mechanic_desktop.ui.item_views import activate_on_return, down_enters, read_only_table
from mechanic_desktop.ui.models.columns import Column
from mechanic_desktop.ui.models.paged_model import PagedTableModel
from mechanic_desktop.ui.operations import alive


def compact_table(
    parent: QWidget,
    model: QAbstractItemModel,
    columns: tuple[Column[Any], ...],
    name: str,
    accessible: str,
    stretch: int,
) -> QTableView:
    """A read-only, row-selecting table sized by its columns; ``stretch`` takes the
    spare width (the name column, so numbers stay right-aligned at the edge)."""
    return read_only_table(parent, model, name, accessible, [c.width for c in columns],
                           stretch=stretch)


class TicketLinesDialog(EditorDialog):
    """Base of the Assign mechanics and Add parts dialogs.

    Opened from the ticket editor it is handed the editor's ``TicketDetail`` (so it
    writes with the version the user is looking at); opened from the Tickets page it
    reads the detail itself. Saving emits ``saved(detail)``; when another desk changed
    the ticket first it re-reads the detail, emits ``reloaded(detail)`` and keeps the
    user's choices so they can save again. Reload on the changed-elsewhere notice
    re-reads it too, but shows the ticket's own lines instead of the user's choices.
    """

    reloaded = Signal(object)

    def __init__(
        self,
        ui: UiContext,
        prefix: str,
        title: str,
        ticket_id: int,
        detail: TicketDetail | None,
        parent: QWidget | None,
        number_prefix: str = "",
        job_id: int | None = None,
    ) -> None:
        super().__init__(ui, prefix, title, parent)
        self.ticket_id = ticket_id
        #: The job the lines go on (None: the ticket's first).
        self.job_id = job_id
        self.number_prefix = number_prefix
        self.detail: TicketDetail | None = None
        self.base_title = title

    def start(self, detail: TicketDetail | None) -> None:
        """Show ``detail`` now, or read it first (call at the end of ``__init__``)."""
        if detail is not None:
            self._set_detail(detail)
        else:
            self.reload()

    @property
    def label(self) -> str:
        if self.detail is None:
            return ""
        return f"{self.number_prefix}{self.detail.ticket.number}"

    @property
    def version(self) -> int | None:
        return self.detail.ticket.version if self.detail is not None else None

    def job_record(self) -> JobRecord | None:
        """The job this dialog works on, as the detail shows it."""
        if self.detail is None or not self.detail.jobs:
            return None
        wanted = self.job_id if self.job_id is not None else self.detail.jobs[0].id
        return next((j for j in self.detail.jobs if j.id == wanted), None)

    def reload_record(self) -> None:
        """Reload pressed: the ticket as it is now replaces the user's picks."""
        self.notice.hide()
        self.reload(keep_picks=False)

    def reload(self, keep_picks: bool = True) -> None:
        ticket_id = self.ticket_id
        self.ui.worker.read(
            lambda uow: workflow.get_ticket_detail(uow, ticket_id),
            alive(self, lambda detail: self._reloaded(detail, keep_picks)),
            alive(self, self.show_errors),
        )

    def _reloaded(self, detail: TicketDetail, keep_picks: bool) -> None:
        first = self.detail is None
        self._set_detail(detail, keep_picks and not first)
        if not first:
            self.reloaded.emit(detail)

    def _set_detail(self, detail: TicketDetail, keep_picks: bool = False) -> None:
        """Take a (fresh) detail; subclasses show what it says, or with ``keep_picks``
        keep the user's picks (to save again after another desk's change)."""
        self.detail = detail
        job = self.job_record()
        where = f" · {job.title}" if job is not None and len(detail.jobs) > 1 else ""
        self.setWindowTitle(f"{self.base_title} {self.label}{where}")
        if not detail.editable:
            self._set_banner(
                f"Ticket {self.label} is {detail.ticket.status.replace('_', ' ')}: "
                "its lines can no longer change.")
        self.revalidate()

    def form_ready(self) -> bool:
        return self.detail is not None and self.detail.editable

    # -- the search-and-pick half --------------------------------------------------------

    def pick_side(
        self,
        model: PagedTableModel,
        columns: tuple[Column[Any], ...],
        *,
        search_hint: str,
        search_name: str,
        table_name: str,
        table_accessible: str,
        stretch: int,
        note_name: str,
        empty: tuple[str, str],
    ) -> QVBoxLayout:
        """A search box that narrows ``model`` as the user types (Return goes to the first
        row), the list under it, and ``pick_note``, placed by the caller, which says when
        nothing matches (``empty``: with a search, with "{search}" in it; without one).
        Return or a double-click on a row runs ``pick``; a page arriving, ``picks_shown``.
        """
        side = QVBoxLayout()
        self.search = line_edit(self, "", search_hint)
        self.search.setObjectName(f"{self.prefix}Search")
        self.search.setAccessibleName(search_name)
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(model.set_search)
        self.search.returnPressed.connect(self._search_entered)
        down_enters(self.search, self._into_table)
        side.addWidget(self.search)
        self.table = compact_table(self, model, columns, table_name, table_accessible, stretch)
        self.table.activated.connect(self.pick)
        activate_on_return(self.table, swallow=True)
        side.addWidget(self.table, 1)
        self.pick_note = QLabel(self)
        self.pick_note.setObjectName(note_name)
        self.pick_note.setStyleSheet(NOTE_STYLE)
        self.pick_note.setWordWrap(True)
        self._pick_model, self._empty = model, empty
        model.page_loaded.connect(lambda _n: self._picks_loaded())
        model.failed.connect(self._set_banner)
        return side

    def pick(self, index: QModelIndex) -> None:
        """The user chose the row at ``index`` (Return or double-click)."""

    def picks_shown(self) -> None:
        """Rows are on show: say what to do with them in ``pick_note``."""

    def _picks_loaded(self) -> None:
        model = self._pick_model
        if model.loaded_rows:
            self.picks_shown()
            return
        search = model.query.search
        self.pick_note.setText(self._empty[0].format(search=search) if search
                               else self._empty[1])

    def _search_entered(self) -> None:
        self._pick_model.set_search_now(self.search.text())
        self._into_table()

    def _into_table(self) -> None:
        model = self._pick_model
        self.table.setFocus()
        if model.rowCount() and not self.table.selectionModel().hasSelection():
            self.table.setCurrentIndex(model.index(0, 0))

    def set_save_text(self, text: str) -> None:
        self.save_button.setText(text)
        self.save_button.setAccessibleName(text.replace("&", ""))

    def _failed(self, error: BaseException) -> None:
        super()._failed(error)
        if isinstance(error, StaleRecord):
            self.reload()
