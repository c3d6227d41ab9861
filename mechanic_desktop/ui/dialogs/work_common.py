"""What the ticket-work dialogs share: compact tables, and a base for dialogs that change
one ticket's lines with the version they were opened with."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractItemModel, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from mechanic_desktop.domain.errors import StaleRecord
from mechanic_desktop.domain.records import TicketDetail
from mechanic_desktop.services import workflow
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.dialogs.form import EditorDialog
from mechanic_desktop.ui.models.columns import Column
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
    table = QTableView(parent)
    table.setObjectName(name)
    table.setAccessibleName(accessible)
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setShowGrid(False)
    table.setWordWrap(False)
    table.setTextElideMode(Qt.TextElideMode.ElideRight)
    rows = table.verticalHeader()
    rows.hide()
    rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    rows.setDefaultSectionSize(table.fontMetrics().height() + 8)
    header = table.horizontalHeader()
    header.setHighlightSections(False)
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    header.setStretchLastSection(False)
    for i, column in enumerate(columns):
        table.setColumnWidth(i, column.width)
    header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return table


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
    ) -> None:
        super().__init__(ui, prefix, title, parent)
        self.ticket_id = ticket_id
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
        self.setWindowTitle(f"{self.base_title} {self.label}")
        if not detail.editable:
            self._set_banner(
                f"Ticket {self.label} is {detail.ticket.status.replace('_', ' ')}: "
                "its lines can no longer change.")
        self.revalidate()

    def form_ready(self) -> bool:
        return self.detail is not None and self.detail.editable

    def set_save_text(self, text: str) -> None:
        self.save_button.setText(text)
        self.save_button.setAccessibleName(text.replace("&", ""))

    def _failed(self, error: BaseException) -> None:
        super()._failed(error)
        if isinstance(error, StaleRecord):
            self.reload()
