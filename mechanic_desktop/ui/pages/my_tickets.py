"""My tickets: a mechanic's own queue — open and in-progress tickets assigned to them.

It is the tickets page with its filters fixed, so whatever the tickets page offers on a
row (opening it, the workflow dialogs) works here too."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

from mechanic_desktop.domain.changes import Changes
from mechanic_desktop.domain.status import ACTIVE_STATUSES
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.pages.list_page import ListPage
from mechanic_desktop.ui.pages.tickets import TicketsPage

#: No mechanic has this id: an account without a mechanic link sees an empty queue.
NOBODY = -1


class MyTicketsPage(TicketsPage):
    key = "mytickets"
    search_hint = "Ticket number, customer name or plate…"

    def __init__(self, ui: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(ui, parent)
        self.setObjectName("myticketsPage")
        self.setAccessibleName("My tickets")
        actor = ui.actor
        mechanic_id = actor.mechanic_id if actor is not None else None
        self.model.set_filter("mechanic_id", mechanic_id if mechanic_id is not None else NOBODY)
        self.model.set_filter("status", [s.value for s in ACTIVE_STATUSES])

    def add_filters(self) -> None:
        """The tickets page's filters exist (its code may read them) but stay hidden:
        this queue is always "mine, still open"."""
        super().add_filters()
        for i in range(self.filters.count()):
            item = self.filters.itemAt(i)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()
        note = QLabel("Open and in-progress tickets assigned to you", self)
        note.setObjectName("myticketsNote")
        note.setStyleSheet("color: palette(mid);")
        self.filters.addWidget(note)

    def start(self) -> None:
        ListPage.start(self)

    def load_mechanics(self) -> None:
        """No mechanic filter to fill."""

    def on_changed(self, changes: Changes) -> None:
        ListPage.on_changed(self, changes)

    def empty_text(self) -> str:
        if self.model.query.search:
            return super().empty_text()
        return ("No open tickets are assigned to you.\n"
                "New work appears here as soon as the front desk assigns it.")
