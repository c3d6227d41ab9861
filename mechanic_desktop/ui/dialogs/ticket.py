"""Ticket editor: pick the customer (searching as you type), one of their vehicles (or
add one), describe the work, promise a time, record the odometer.

A saved ticket also shows its work (ticket_work.TicketWorkPanel): mechanics, parts,
totals, status buttons and printing, each saved at once with the version the dialog
holds. When another desk changed the ticket first, the dialog reloads what it shows
but keeps whatever the user had typed and not yet saved, for them to apply again.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from mechanic_desktop.domain.errors import StaleRecord, ValidationError
from mechanic_desktop.domain.formatting import phone_text
from mechanic_desktop.domain.records import (
    CustomerRow,
    ListQuery,
    Page,
    TicketDetail,
    TicketRecord,
    VehicleRecord,
)
from mechanic_desktop.domain.status import TicketStatus
from mechanic_desktop.services import customers, tickets, vehicles
from mechanic_desktop.services.runner import Operation, UnitOfWork
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.dates import EARLIEST, DateTimeField, from_local, to_local
from mechanic_desktop.ui.dialogs import checks
from mechanic_desktop.ui.dialogs.form import EditorDialog, button, line_edit
from mechanic_desktop.ui.dialogs.recommendations_box import RecommendationsBox
from mechanic_desktop.ui.dialogs.styles import BASE_STYLE, note_label
from mechanic_desktop.ui.dialogs.ticket_work import TicketWorkPanel
from mechanic_desktop.ui.dialogs.vehicle import VehicleDialog
from mechanic_desktop.ui.models.tables import status_label
from mechanic_desktop.ui.operations import alive
from mechanic_desktop.ui.vehicle_combo import VehicleCombo

PICKER_LIMIT = 20
SEARCH_DELAY_MS = 150



#: How a text box of a finished ticket is drawn (read-only, and looking it).
READ_ONLY_STYLE = "background: palette(window);"


class TicketDialog(EditorDialog):
    #: A new ticket saved by its first line carries on in this (full) editor.
    continued = Signal(object)

    def __init__(
        self, ui: UiContext, record: TicketRecord | None = None, parent: QWidget | None = None,
        *, for_customer: tuple[int, str] | None = None,
    ) -> None:
        """``for_customer`` (id, name): a new ticket opened from that customer's record,
        with them chosen (and their vehicle, when they have just one)."""
        super().__init__(
            ui, "ticket", "New ticket" if record is None else f"Ticket {record.number}", parent
        )
        self.setMinimumSize(700, 560)
        self.existing = record
        self.customer_id: int | None = record.customer_id if record else None
        self.vehicle_dialog: VehicleDialog | None = None
        self._search_generation = 0
        self._wanted_vehicle: int | None = record.vehicle_id if record else None
        self.work: TicketWorkPanel | None = None
        #: The form's values as last read from the database (what "unsaved" is against).
        self._baseline: dict[str, object] = {}
        self._keep_banner = False

        self.status = QLabel(status_label(record.status) if record else "Open (new ticket)", self)
        if record is None:
            self.add_field("status", "Status:", self.status)
        else:
            self.work = TicketWorkPanel(ui, record.id, self)
            self.add_field("status", "Status:", self._status_row(self.work))
        self.add_field("customer_id", "&Customer:", self._customer_picker())
        self.add_field("vehicle_id", "&Vehicle:", self._vehicle_picker())
        self.description = QPlainTextEdit(record.description if record else "", self)
        self.description.setTabChangesFocus(True)
        self.description.setPlaceholderText("The customer's concern or the work requested")
        self.description.setFixedHeight(self.fontMetrics().lineSpacing() * 4 + 12)
        self.add_field(
            "description", "&Description:", self.description,
            checks.required_text(
                self.description, "Describe the customer's concern or the work requested."
            ),
        )
        self.add_field("promised_at", "Pro&mised:", self._promised_picker(record))
        self.odometer = line_edit(
            self, str(record.odometer_in) if record and record.odometer_in is not None else "",
            "miles on arrival", 9,
        )
        self.add_field("odometer_in", "&Odometer in:", self.odometer,
                       checks.whole(self.odometer, "Odometer"))
        self.recommended = RecommendationsBox(ui, self)
        if self.work is None:
            self.recommended.wanted.connect(lambda job_id: self._save_then_work("recommended",
                                                                                job_id))
            self.vehicle.currentIndexChanged.connect(
                lambda _i: self.recommended.set_vehicle(self.vehicle.currentData()))
            self.extra.addWidget(self.recommended)
            self.extra.addWidget(self._lines_placeholder())
            self.extra.addStretch(1)
        else:
            self.recommended.attach(self.work)
            self._add_work(self.work)

        self._focus_past_customer = False
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._search_customers)
        self.customer_search.textEdited.connect(lambda _t: self._search_timer.start())
        if record is not None:
            self._show_customer(record.customer_id, record.customer_name, record.vehicle_id)
            self._baseline = self._form_values()
        elif for_customer is not None:
            self._show_customer(*for_customer, None)
            #: The customer is chosen: once their vehicles are listed, the focus goes on
            #: to the vehicle (several) or the concern (one).
            self._focus_past_customer = True
        else:
            self._search_customers()
        self.revalidate()
        if self.work is not None:
            self.work.load()

    # -- building ----------------------------------------------------------------------

    def _customer_picker(self) -> QWidget:
        box = QWidget(self)
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        self.customer_search = line_edit(box, "", "Type a name, surname, phone or e-mail…")
        self.customer_search.setObjectName("ticketCustomerSearch")
        self.customer_search.setAccessibleName("Find customer")
        layout.addWidget(self.customer_search)
        self.customer_list = QListWidget(box)
        self.customer_list.setObjectName("ticketCustomerList")
        self.customer_list.setAccessibleName("Matching customers")
        self.customer_list.setFixedHeight(self.fontMetrics().lineSpacing() * 5 + 14)
        self.customer_list.currentItemChanged.connect(lambda *_: self._customer_chosen())
        layout.addWidget(self.customer_list)
        return box

    def _vehicle_picker(self) -> QWidget:
        box = QWidget(self)
        layout = QHBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        self.vehicle = VehicleCombo(box)
        self.vehicle.setObjectName("ticketVehicleCombo")
        self.vehicle.setAccessibleName("Vehicle")
        self.vehicle.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.vehicle.setPlaceholderText("Choose the customer first")
        self.vehicle.currentIndexChanged.connect(lambda _i: self.revalidate())
        self.vehicle.currentIndexChanged.connect(lambda _i: self._offer_last_reading())
        self._last_readings: dict[int, int | None] = {}
        # The box may be narrower than "year make model (plate) · VIN": it shortens the
        # description, never the VIN, and the whole of it is one hover away.
        self.vehicle.currentTextChanged.connect(self.vehicle.setToolTip)
        layout.addWidget(self.vehicle, 1)
        self.add_vehicle_button = button(box, "Add ve&hicle…", "ticketAddVehicle")
        self.add_vehicle_button.clicked.connect(self.add_vehicle)
        # Tab goes from the vehicle straight on to the concern: typed there after a Tab,
        # its first space pressed this button (Alt+H or a click still do).
        self.add_vehicle_button.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        layout.addWidget(self.add_vehicle_button)
        return box

    def _promised_picker(self, record: TicketRecord | None) -> QWidget:
        box = QWidget(self)
        layout = QHBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        self.promised_on = QCheckBox("Promised for", box)
        self.promised_on.setObjectName("ticketPromisedOn")
        self.promised_on.setAccessibleName("Promise a time")
        self.promised = DateTimeField(box)
        self.promised.setObjectName("ticketPromisedAt")
        self.promised.setAccessibleName("Promised time")
        self.promised.setCalendarPopup(True)
        self.promised.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.promised.setMinimumDate(EARLIEST)
        when = record.promised_at if record and record.promised_at else None
        default = datetime.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
        self.promised.setDateTime(to_local(when or default.astimezone()))
        self.promised_on.setChecked(when is not None)
        self.promised.setEnabled(when is not None)
        self.promised_on.toggled.connect(self.promised.setEnabled)
        layout.addWidget(self.promised_on)
        layout.addWidget(self.promised, 1)
        return box

    def _lines_placeholder(self) -> QGroupBox:
        """A new ticket has no lines yet: its first mechanic or part saves it."""
        box = QGroupBox("Mechanics and parts", self)
        box.setObjectName("ticketLinesPlaceholder")
        layout = QVBoxLayout(box)
        note = note_label(box)
        note.setText("Assign mechanics or add parts: the ticket is saved first, then "
                     "opens with its lines, status and printing.")
        layout.addWidget(note)
        row = QHBoxLayout()
        self.first_assign_button = button(box, "&Assign mechanics…", "ticketFirstAssign")
        self.first_assign_button.clicked.connect(lambda: self._save_then_work("assign"))
        self.first_parts_button = button(box, "Add pa&rts…", "ticketFirstParts")
        self.first_parts_button.clicked.connect(lambda: self._save_then_work("parts"))
        row.addWidget(self.first_assign_button)
        row.addWidget(self.first_parts_button)
        row.addStretch(1)
        layout.addLayout(row)
        return box

    def _save_then_work(self, action: str, job_id: int = 0) -> None:
        """Save the new ticket, then carry on in its full editor with the chosen
        dialog open (or the recommended job ``job_id`` added): the user never saves,
        closes and reopens to add its first line."""
        what = {"assign": "assign mechanics", "parts": "add parts"}.get(
            action, "add the recommended job")
        self.save_first(lambda record: self._continue_as(record, action, job_id), what)

    def saved_in_place(self, record: Any) -> None:
        """The full editor takes over (``_continue_as``): this one only keeps the id."""
        self.existing = record

    def _continue_as(self, record: TicketRecord, action: str, job_id: int = 0) -> None:
        successor = TicketDialog(self.ui, record, self.parentWidget())
        successor.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        work = successor.work
        assert work is not None
        opener = {"assign": work.assign_mechanics, "parts": work.add_parts}.get(
            action, lambda: successor.recommended.add_when_offered(job_id))

        def first_load(_detail: object) -> None:
            work.loaded.disconnect(first_load)
            opener()

        work.loaded.connect(first_load)
        self.continued.emit(successor)
        successor.setWindowModality(self.windowModality())  # as modal as this one was
        successor.show()
        self.accept()

    def _status_row(self, work: TicketWorkPanel) -> QWidget:
        """The status text with the buttons that move it on, side by side."""
        box = QWidget(self)
        layout = QHBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        self.status.setObjectName("ticketStatusText")
        self.status.setAccessibleName("Status")
        font = self.status.font()
        font.setBold(True)
        self.status.setFont(font)
        self.status.setMinimumWidth(self.fontMetrics().horizontalAdvance("In progress") + 16)
        layout.addWidget(self.status)
        layout.addWidget(work.status_box, 1)
        return box

    def _add_work(self, work: TicketWorkPanel) -> None:
        """Two columns (the form left, the work right) and print buttons beside Close,
        so a ticket with its lines fits a 1280×800 screen."""
        self.setMinimumSize(1120, 640)
        layout = self.layout_
        index = layout.indexOf(self.form)
        layout.takeAt(index)
        left = QVBoxLayout()
        left.addLayout(self.form)
        left.addWidget(self.recommended)
        left.addStretch(1)
        columns = QHBoxLayout()
        columns.setSpacing(16)
        columns.addLayout(left, 5)
        columns.addWidget(work, 6)
        layout.insertLayout(index, columns, 1)
        layout.setStretchFactor(self.extra, 0)
        layout.removeWidget(self.buttons)
        bottom = QHBoxLayout()
        bottom.addWidget(work.print_row)
        bottom.addStretch(1)
        bottom.addWidget(self.buttons)
        layout.addLayout(bottom)
        close = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        # "Done", not "Close": "Closed" is a status of the ticket, and the dialog's button
        # must not read like the action that invoices it.
        close.setText("Done")
        close.setAccessibleName("Done")
        close.setToolTip("Leave the ticket editor (mechanics, parts and status are already "
                         "saved)")
        self.save_button.setToolTip("Save the customer, vehicle, description and dates")
        work.loaded.connect(self._detail_loaded)
        work.problem.connect(self._problem)
        work.stale.connect(self._stale)

    def form_ready(self) -> bool:
        active = self.existing is None or TicketStatus(self.existing.status).is_active
        return (active and self.customer_id is not None
                and self.vehicle.currentData() is not None)

    # -- the saved ticket's work -------------------------------------------------------

    def _form_values(self) -> dict[str, object]:
        promised = (self.promised.dateTime().toString("yyyy-MM-dd HH:mm")
                    if self.promised_on.isChecked() else "")
        return {"description": self.description.toPlainText(),
                "odometer_in": self.odometer.text().strip(), "promised_at": promised}

    def unsaved_fields(self) -> list[str]:
        """Form fields the user changed since they were last read from the database."""
        current = self._form_values()
        return [name for name, value in current.items() if self._baseline.get(name) != value]

    def _merge_form(self, record: TicketRecord, keep_typing: bool = True) -> None:
        """Show the database's values, except where the user has typed something new
        (unless ``keep_typing`` is off: Reload was pressed)."""
        unsaved = set(self.unsaved_fields()) if keep_typing else set()
        if "description" not in unsaved:
            self.description.setPlainText(record.description)
        if "odometer_in" not in unsaved:
            self.odometer.setText("" if record.odometer_in is None else str(record.odometer_in))
        if "promised_at" not in unsaved:
            self.promised_on.setChecked(record.promised_at is not None)
            if record.promised_at is not None:
                self.promised.setDateTime(to_local(record.promised_at))
        odometer = "" if record.odometer_in is None else str(record.odometer_in)
        promised = (to_local(record.promised_at).toString("yyyy-MM-dd HH:mm")
                    if record.promised_at is not None else "")
        self._baseline = {"description": record.description, "odometer_in": odometer,
                          "promised_at": promised}

    def _detail_loaded(self, detail: TicketDetail) -> None:
        record = detail.ticket
        self.existing = record
        self.status.setText(status_label(record.status))
        if self.work is not None:
            self.setWindowTitle(f"Ticket {self.work.label()}")
            self.setAccessibleName(self.windowTitle())
        self._merge_form(record)
        self._set_editable(detail.editable)
        if self._keep_banner:
            self._keep_banner = False
        else:
            self._set_banner("")
        self.revalidate()

    def apply_record(self, record: TicketRecord) -> None:
        """Reload: the ticket as it is now replaces the form, customer and vehicle
        included; the work panel re-reads status, lines and totals."""
        super().apply_record(record)
        self._merge_form(record, keep_typing=False)
        self._show_customer(record.customer_id, record.customer_name, record.vehicle_id)
        if self.work is not None:
            self.work.load()

    def _set_editable(self, editable: bool) -> None:
        """Completed, closed and cancelled tickets are read-only until reopened, and look
        it: their text boxes take the window's colour instead of an input's white."""
        read_only = "" if editable else READ_ONLY_STYLE
        for box in (self.description, self.odometer):
            box.setReadOnly(not editable)
            box.setProperty(BASE_STYLE, read_only)
            box.setStyleSheet(read_only)
        # A text box paints its viewport from the palette's Base, not the style sheet.
        palette = self.description.palette()
        palette.setColor(QPalette.ColorRole.Base, self.palette().color(
            QPalette.ColorRole.Base if editable else QPalette.ColorRole.Window))
        self.description.setPalette(palette)
        self.save_button.setToolTip(
            "Save the customer, vehicle, description and dates" if editable
            else "A finished ticket is read-only: Reopen it to change it")
        for widget in (self.customer_search, self.customer_list, self.vehicle,
                       self.add_vehicle_button, self.promised_on):
            widget.setEnabled(editable)
        self.promised.setEnabled(editable and self.promised_on.isChecked())

    def _problem(self, text: str) -> None:
        self._set_banner(text)
        self._fit_height()

    def _stale(self, text: str) -> None:
        kept = self.unsaved_fields()
        if kept:
            text += " What you typed here was kept: check it and press Save."
        self._keep_banner = True
        self._set_banner(text)
        self._fit_height()

    def on_stale(self, error: StaleRecord) -> None:
        if self.work is not None:
            self._stale(str(error))
            self.work.load()

    # -- customer and vehicle ----------------------------------------------------------

    def _search_customers(self) -> None:
        self._search_generation += 1
        generation = self._search_generation
        query = ListQuery(search=self.customer_search.text().strip(), limit=PICKER_LIMIT)
        self.ui.worker.read(
            lambda uow: customers.list_customers(uow, query),
            alive(self, lambda page: self._fill_customers(generation, page)),
            alive(self, self.show_errors),
        )

    def _fill_customers(self, generation: int, page: Page[CustomerRow]) -> None:
        if generation != self._search_generation:
            return
        chosen = self.customer_id
        self.customer_list.blockSignals(True)
        self.customer_list.clear()
        for row in page.rows:
            text = f"{row.name}   {phone_text(row.phone)}" if row.phone else row.name
            item = QListWidgetItem(text, self.customer_list)
            item.setData(Qt.ItemDataRole.UserRole, row.id)
            if row.id == chosen:
                self.customer_list.setCurrentItem(item)
        self.customer_list.blockSignals(False)
        if len(page.rows) == 1 and chosen != page.rows[0].id:
            self.customer_list.setCurrentRow(0)

    def _show_customer(self, customer_id: int, name: str, vehicle_id: int | None) -> None:
        """Pick the customer and (once listed) the vehicle: the ticket's as read, or the
        customer a new ticket was opened from (their only vehicle, if one)."""
        self._search_generation += 1  # a search still running must not replace them
        self.customer_id = customer_id
        self._wanted_vehicle = vehicle_id
        self.customer_search.setText(name)
        self.customer_list.blockSignals(True)
        self.customer_list.clear()
        item = QListWidgetItem(name, self.customer_list)
        item.setData(Qt.ItemDataRole.UserRole, customer_id)
        self.customer_list.setCurrentItem(item)
        self.customer_list.blockSignals(False)
        self.load_vehicles()

    def _customer_chosen(self) -> None:
        item = self.customer_list.currentItem()
        customer_id = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        if customer_id == self.customer_id:
            return
        self.customer_id = customer_id
        self._wanted_vehicle = None
        self.mark_changed()
        self.load_vehicles()

    def load_vehicles(self) -> None:
        self.vehicle.clear()
        self.revalidate()
        customer_id = self.customer_id
        if customer_id is None:
            self.vehicle.setPlaceholderText("Choose the customer first")
            return
        self.vehicle.setPlaceholderText("Loading…")
        self.ui.worker.read(
            lambda uow: vehicles.vehicles_of_customer(uow, customer_id),
            alive(self, lambda records: self._fill_vehicles(customer_id, records)),
            alive(self, self.show_errors),
        )

    def _fill_vehicles(self, customer_id: int, records: list[VehicleRecord]) -> None:
        if customer_id != self.customer_id:
            return
        self.vehicle.clear()
        self.vehicle.setPlaceholderText(
            "Choose the vehicle" if records else "No vehicles on file: add one"
        )
        self._last_readings = {record.id: record.odometer for record in records}
        for record in records:
            self.vehicle.addItem(f"{record.title} · {record.vin}", record.id)
        wanted = self._wanted_vehicle
        if wanted is not None:
            self.vehicle.setCurrentIndex(self.vehicle.findData(wanted))
        elif len(records) == 1:
            self.vehicle.setCurrentIndex(0)
        else:
            self.vehicle.setCurrentIndex(-1)
        self.revalidate()
        if self._focus_past_customer:
            self._focus_past_customer = False
            focused = self.focusWidget()
            if focused is None or focused is self.customer_search:
                target = self.vehicle if self.vehicle.currentIndex() < 0 else self.description
                target.setFocus(Qt.FocusReason.OtherFocusReason)

    def _offer_last_reading(self) -> None:
        """The odometer field shows the chosen vehicle's last reading (it cannot go below
        it), so the clerk sees at once whether the number they are about to type fits."""
        last = self._last_readings.get(self.vehicle.currentData())
        self.odometer.setPlaceholderText(
            f"last reading {last:,} — miles on arrival" if last is not None
            else "miles on arrival")

    def add_vehicle(self) -> None:
        if self.customer_id is None:
            self.show_errors_for("customer_id", "Choose the customer first.")
            return
        dialog = VehicleDialog(self.ui, self.customer_id, None, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(self._vehicle_added)
        self.vehicle_dialog = dialog
        dialog.open()

    def _vehicle_added(self, record: VehicleRecord) -> None:
        self._wanted_vehicle = record.id
        self.load_vehicles()

    def show_errors_for(self, name: str, message: str) -> None:
        self.show_errors(ValidationError.single(name, message))

    # -- saving ------------------------------------------------------------------------

    def job(self) -> Operation[Any]:
        promised = (
            from_local(self.promised.dateTime())
            if self.promised_on.isChecked()
            else None
        )
        data = tickets.TicketData(
            customer_id=int(self.customer_id or 0),
            vehicle_id=int(self.vehicle.currentData() or 0),
            description=self.description.toPlainText(),
            promised_at=promised,
            odometer_in=self.odometer.text().strip() or None,
        )
        existing = self.existing

        def run(uow: UnitOfWork) -> TicketRecord:
            if existing is None:
                return tickets.create_ticket(uow, data)
            return tickets.update_ticket(uow, existing.id, data, existing.version)

        return run
