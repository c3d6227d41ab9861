"""Tickets page (the default): every repair order, newest first, filterable by status
and mechanic."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QComboBox, QDialog, QLabel, QWidget

from mechanic_desktop.domain.records import ListQuery, MechanicRow, Page
from mechanic_desktop.domain.status import ACTIVE_STATUSES, TicketStatus
from mechanic_desktop.services import mechanics, tickets
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.dialogs.ticket import TicketDialog
from mechanic_desktop.ui.models.tables import TICKETS
from mechanic_desktop.ui.operations import Changes, alive
from mechanic_desktop.ui.pages.list_page import ListPage

#: Status filter choices: label → statuses (empty: all).
STATUS_CHOICES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("All statuses", ()),
    ("Active (open or in progress)", tuple(s.value for s in ACTIVE_STATUSES)),
    *((s.label, (s.value,)) for s in TicketStatus),
)
MECHANIC_CHOICES_LIMIT = 200


class TicketsPage(ListPage):
    key = "tickets"
    singular = "ticket"
    plural = "tickets"
    search_hint = "Ticket number, customer name or plate…"
    watches = frozenset({"ticket", "customer", "vehicle", "mechanic"})
    can_delete = False

    def __init__(self, ui: UiContext, parent: QWidget | None = None) -> None:
        uow = ui.uow
        super().__init__(ui, TICKETS, lambda q: tickets.list_tickets(uow, q), parent)

    def add_filters(self) -> None:
        self.status_filter = QComboBox(self)
        self.status_filter.setObjectName("ticketsStatusFilter")
        self.status_filter.setAccessibleName("Status filter")
        for label, statuses in STATUS_CHOICES:
            self.status_filter.addItem(label, statuses)
        self.status_filter.currentIndexChanged.connect(
            lambda _i: self.model.set_filter("status", self.status_filter.currentData())
        )
        self.mechanic_filter = QComboBox(self)
        self.mechanic_filter.setObjectName("ticketsMechanicFilter")
        self.mechanic_filter.setAccessibleName("Mechanic filter")
        self.mechanic_filter.setMinimumContentsLength(16)
        self.mechanic_filter.addItem("Any mechanic", None)
        self.mechanic_filter.currentIndexChanged.connect(
            lambda _i: self.model.set_filter("mechanic_id", self.mechanic_filter.currentData())
        )
        for caption, widget in (("&Status:", self.status_filter),
                                ("Mec&hanic:", self.mechanic_filter)):
            buddy = QLabel(caption, self)
            buddy.setBuddy(widget)
            self.filters.addWidget(buddy)
            self.filters.addWidget(widget)

    def start(self) -> None:
        super().start()
        self.load_mechanics()

    def load_mechanics(self) -> None:
        uow = self.ui.uow
        query = ListQuery(filters={"active_only": True}, limit=MECHANIC_CHOICES_LIMIT)
        self.ui.worker.read(
            lambda: mechanics.list_mechanics(uow, query), alive(self, self._fill_mechanics),
            alive(self, lambda error: self.message.emit(str(error))),
        )

    def _fill_mechanics(self, page: Page[MechanicRow]) -> None:
        chosen = self.mechanic_filter.currentData()
        self.mechanic_filter.blockSignals(True)
        self.mechanic_filter.clear()
        self.mechanic_filter.addItem("Any mechanic", None)
        for row in page.rows:
            self.mechanic_filter.addItem(row.name, row.id)
        index = self.mechanic_filter.findData(chosen) if chosen is not None else 0
        self.mechanic_filter.setCurrentIndex(max(index, 0))
        self.mechanic_filter.blockSignals(False)
        if index < 0:
            self.model.set_filter("mechanic_id", None)

    def on_changed(self, changes: Changes) -> None:
        super().on_changed(changes)
        if changes.touches("mechanic"):
            self.load_mechanics()

    def make_dialog(self, record: Any | None) -> QDialog:
        return TicketDialog(self.ui, record, self.window())

    def load_record(self, row_id: int) -> Callable[[], Any]:
        uow = self.ui.uow
        return lambda: tickets.get_ticket(uow, row_id)

    def describe(self, row: Any) -> str:
        return f"#{row.number}"
