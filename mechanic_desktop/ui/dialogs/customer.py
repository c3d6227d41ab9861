"""Customer editor: contact details, their vehicles, and their service history."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from mechanic_desktop.domain.formatting import phone_text
from mechanic_desktop.domain.permissions import Action
from mechanic_desktop.domain.records import (
    CustomerRecord,
    ListQuery,
    Page,
    TicketRow,
    VehicleRecord,
)
from mechanic_desktop.services import customers, tickets, vehicles
from mechanic_desktop.services.runner import Operation, UnitOfWork
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.dialogs import checks
from mechanic_desktop.ui.dialogs.form import (
    EditorDialog,
    button,
    line_edit,
    phone_as_typed,
    phone_edit,
)
from mechanic_desktop.ui.dialogs.statement import StatementDialog
from mechanic_desktop.ui.dialogs.styles import note_label
from mechanic_desktop.ui.dialogs.ticket import TicketDialog
from mechanic_desktop.ui.dialogs.vehicle import VehicleDialog
from mechanic_desktop.ui.item_views import activate_on_return
from mechanic_desktop.ui.models.columns import day, money
from mechanic_desktop.ui.models.tables import status_label
from mechanic_desktop.ui.operations import alive
from mechanic_desktop.ui.permission_gate import gate

HISTORY_LIMIT = 100


def history_text(row: TicketRow) -> str:
    return (
        f"{row.label or f'#{row.number}'}   {day(row.opened_at)}   {status_label(row.status)}   "
        f"{row.vehicle_title}   {money(row.total)}"
    )


class CustomerDialog(EditorDialog):
    needs = Action.EDIT_CUSTOMERS

    def __init__(
        self, ui: UiContext, record: CustomerRecord | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(ui, "customer",
                         "New customer" if record is None else self.title_of(record), parent)
        self.setMinimumSize(760, 680)
        self.existing = record
        self.vehicle_dialog: VehicleDialog | None = None
        self.ticket_dialog: TicketDialog | None = None
        r = record
        self.name = line_edit(self, r.name if r else "", "First and last name", 200)
        self.add_field("name", "&Name:", self.name, checks.name(self.name))
        self.email = line_edit(self, (r.email or "") if r else "", "optional", 254)
        self.add_field("email", "&E-mail:", self.email, checks.email(self.email))
        self.phone = phone_edit(self, r.phone if r else "", "e.g. 555-123-4567")
        self.add_field("phone", "&Phone:", self.phone, checks.phone(self.phone),
                       shown=phone_text)
        self.address = QPlainTextEdit(r.address if r else "", self)
        self.address.setTabChangesFocus(True)
        self.address.setFixedHeight(self.fontMetrics().lineSpacing() * 3 + 12)
        self.add_field("address", "A&ddress:", self.address)
        self.notes = QPlainTextEdit(r.notes if r else "", self)
        self.notes.setTabChangesFocus(True)
        self.notes.setFixedHeight(self.fontMetrics().lineSpacing() * 3 + 12)
        self.add_field("notes", "N&otes:", self.notes)

        self.extra.addWidget(self._vehicles_box())
        self.extra.addWidget(self._history_box(), 1)
        self.revalidate()
        if r is not None:
            self.load_vehicles()
            self.load_history()

    @staticmethod
    def title_of(record: CustomerRecord) -> str:
        return record.name

    def _vehicles_box(self) -> QGroupBox:
        box = QGroupBox("Vehicles", self)
        layout = QVBoxLayout(box)
        self.vehicles = QListWidget(box)
        self.vehicles.setObjectName("customerVehicles")
        self.vehicles.setAccessibleName("Vehicles")
        self.vehicles.setFixedHeight(self.fontMetrics().lineSpacing() * 4 + 14)
        self.vehicles.itemDoubleClicked.connect(lambda _item: self.edit_vehicle())
        self.vehicles.currentRowChanged.connect(lambda _row: self._update_buttons())
        layout.addWidget(self.vehicles)
        self.vehicles_note = note_label(box)
        layout.addWidget(self.vehicles_note)
        buttons = QHBoxLayout()
        self.add_vehicle_button = button(box, "&Add vehicle…", "customerAddVehicle")
        self.add_vehicle_button.setToolTip("Add a vehicle of this customer")
        self.add_vehicle_button.clicked.connect(self.add_vehicle)
        gate(self.add_vehicle_button, self.ui, Action.EDIT_CUSTOMERS)
        self.edit_vehicle_button = button(box, "Edit &vehicle…", "customerEditVehicle")
        self.edit_vehicle_button.clicked.connect(self.edit_vehicle)
        buttons.addWidget(self.add_vehicle_button)
        buttons.addWidget(self.edit_vehicle_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        if self.existing is None:
            self.vehicles_note.setText("Add vehicle saves the customer first.")
        self._update_buttons()
        return box

    def _history_box(self) -> QGroupBox:
        box = QGroupBox("Service history (newest first)", self)
        layout = QVBoxLayout(box)
        self.history = QListWidget(box)
        self.history.setObjectName("customerHistory")
        self.history.setAccessibleName("Service history")
        self.history.setToolTip("Double-click a ticket, or press Return, to open it")
        self.history.itemActivated.connect(lambda _item: self.open_history_ticket())
        activate_on_return(self.history, swallow=True)
        layout.addWidget(self.history)
        self.history_note = note_label(box)
        self.history_note.setText(
            "No tickets yet." if self.existing is not None else "New customer: no tickets yet."
        )
        layout.addWidget(self.history_note)
        buttons = QHBoxLayout()
        self.new_ticket_button = button(box, "New &ticket…", "customerNewTicket")
        self.new_ticket_button.setShortcut(QKeySequence("Ctrl+T"))
        self.new_ticket_button.setToolTip("Open a ticket for this customer (Ctrl+T); a new "
                                          "customer is saved first")
        self.new_ticket_button.clicked.connect(self.new_ticket)
        gate(self.new_ticket_button, self.ui, Action.EDIT_TICKETS)
        buttons.addWidget(self.new_ticket_button)
        self.statement_button = button(box, "State&ment…", "customerStatement")
        self.statement_button.setToolTip("Invoices, credit notes and payments with the "
                                          "running balance: print or export it")
        self.statement_button.clicked.connect(self.open_statement)
        gate(self.statement_button, self.ui, Action.VIEW_REPORTS,
             ready=self.existing is not None)
        buttons.addWidget(self.statement_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        return box

    def saved_in_place(self, record: Any) -> None:
        """A new customer saved by Add vehicle / New ticket: now edit them, lists and all."""
        super().saved_in_place(record)
        self.vehicles_note.setText("")
        self.history_note.setText("No tickets yet.")
        gate(self.statement_button, self.ui, Action.VIEW_REPORTS)
        self._update_buttons()
        self.load_vehicles()
        self.load_history()

    # -- tickets -----------------------------------------------------------------------

    def new_ticket(self) -> None:
        """A new ticket with this customer (and their only vehicle) already chosen."""
        if self.existing is None:
            self.save_first(lambda _rec: self.new_ticket(), "open a ticket for them")
            return
        self._show_ticket(TicketDialog(self.ui, None, self,
                                       for_customer=(self.existing.id, self.existing.name)))

    def open_statement(self) -> None:
        """The customer's statement (saved customers only)."""
        if self.existing is None:
            return
        dialog = StatementDialog(self.ui, self.existing.id, self.existing.name, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.statement_dialog = dialog
        dialog.open()

    def open_history_ticket(self) -> None:
        item = self.history.currentItem()
        if item is None:
            return
        ticket_id = int(item.data(Qt.ItemDataRole.UserRole))
        self.ui.worker.read(
            lambda uow: tickets.get_ticket(uow, ticket_id),
            alive(self, lambda record: self._show_ticket(TicketDialog(self.ui, record, self))),
            alive(self, lambda e: self.history_note.setText(str(e))),
        )

    def _show_ticket(self, dialog: TicketDialog) -> None:
        self._track_ticket(dialog).open()

    def _track_ticket(self, dialog: TicketDialog) -> TicketDialog:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(lambda _rec: self.load_history())
        dialog.continued.connect(self._track_ticket)  # its first line opened the full editor
        self.ticket_dialog = dialog
        return dialog

    def _update_buttons(self) -> None:
        self.edit_vehicle_button.setEnabled(
            self.existing is not None and self.vehicles.currentItem() is not None
        )

    # -- loading -----------------------------------------------------------------------

    def load_vehicles(self) -> None:
        if self.existing is None:
            return
        customer_id = self.existing.id
        self.ui.worker.read(
            lambda uow: vehicles.vehicles_of_customer(uow, customer_id),
            alive(self, self._fill_vehicles),
            alive(self, lambda e: self.vehicles_note.setText(str(e))),
        )

    def _fill_vehicles(self, records: list[VehicleRecord]) -> None:
        self.vehicles.clear()
        for record in records:
            item = QListWidgetItem(f"{record.title}   ·   {record.vin}", self.vehicles)
            item.setData(Qt.ItemDataRole.UserRole, record)
        self.vehicles_note.setText(
            "" if records else "No vehicles yet: add one to open tickets for it."
        )
        self.vehicles_note.setVisible(not records)
        self._update_buttons()

    def load_history(self) -> None:
        if self.existing is None:
            return
        query = ListQuery(sort="opened", descending=True, limit=HISTORY_LIMIT,
                          filters={"customer_id": self.existing.id})
        self.ui.worker.read(
            lambda uow: tickets.list_tickets(uow, query),
            alive(self, self._fill_history),
            alive(self, lambda e: self.history_note.setText(str(e))),
        )

    def _fill_history(self, page: Page[TicketRow]) -> None:
        self.history.clear()
        for row in page.rows:
            item = QListWidgetItem(history_text(row), self.history)
            item.setData(Qt.ItemDataRole.UserRole, row.id)
        self.history_note.setVisible(not page.rows)
        if page.next_cursor is not None:
            self.history_note.setText(f"Showing the latest {HISTORY_LIMIT} tickets.")
            self.history_note.show()

    # -- vehicles ----------------------------------------------------------------------

    def add_vehicle(self) -> None:
        if self.existing is None:
            self.save_first(lambda _rec: self.add_vehicle(), "add their vehicles")
            return
        self._open_vehicle(None)

    def edit_vehicle(self) -> None:
        item = self.vehicles.currentItem()
        if self.existing is not None and item is not None:
            self._open_vehicle(item.data(Qt.ItemDataRole.UserRole))

    def _open_vehicle(self, record: VehicleRecord | None) -> None:
        assert self.existing is not None
        dialog = VehicleDialog(self.ui, self.existing.id, record, self)
        dialog.saved.connect(lambda _rec: self.load_vehicles())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.vehicle_dialog = dialog
        dialog.open()

    # -- saving ------------------------------------------------------------------------

    def job(self) -> Operation[Any]:
        data = customers.CustomerData(
            name=self.name.text(), email=self.email.text(),
            phone=phone_as_typed(self.phone, self.existing.phone if self.existing else ""),
            address=self.address.toPlainText(), notes=self.notes.toPlainText(),
        )
        existing = self.existing

        def run(uow: UnitOfWork) -> CustomerRecord:
            if existing is None:
                return customers.create_customer(uow, data)
            return customers.update_customer(uow, existing.id, data, existing.version)

        return run
