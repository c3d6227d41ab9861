"""Tickets page (the default): every repair order, newest first, filterable by status
and mechanic; the selected ticket can be moved along its lifecycle, given mechanics or
parts straight from the list (toolbar or right-click), without opening it.

Tickets are never deleted (that would erase history): cancelling takes their place.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QLabel,
    QMenu,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from mechanic_desktop.domain.changes import Changes
from mechanic_desktop.domain.errors import DomainError, StaleRecord
from mechanic_desktop.domain.permissions import Action
from mechanic_desktop.domain.records import (
    ListQuery,
    MechanicRow,
    Page,
    ShopSettingsRecord,
    TicketDetail,
    TicketRow,
)
from mechanic_desktop.domain.status import ACTIVE_STATUSES, TicketStatus
from mechanic_desktop.services import mechanics, shop, tickets, workflow
from mechanic_desktop.services.runner import Operation
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.dialogs.ticket_status import (
    STATUS_TIPS,
    STATUS_VERBS,
    ReasonDialog,
    ask_reopen_reason,
    confirm_cancel,
    moved_text,
    reopen_job,
    reopened_text,
    status_job,
)
from mechanic_desktop.ui.models.tables import TICKETS
from mechanic_desktop.ui.operations import alive
from mechanic_desktop.ui.pages.list_page import ListPage

#: Status filter choices: label → statuses (empty: all).
STATUS_CHOICES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("All statuses", ()),
    ("Active (open or in progress)", tuple(s.value for s in ACTIVE_STATUSES)),
    *((s.label, (s.value,)) for s in TicketStatus),
)
MECHANIC_CHOICES_LIMIT = 200
#: Opened-date filter choices: label → how far back (None: any time; 0: today;
#: "month"/"year": since the first of this month/year), in local time.
OPENED_CHOICES: tuple[tuple[str, int | str | None], ...] = (
    ("Any time", None),
    ("Today", 0),
    ("Last 7 days", 7),
    ("This month", "month"),
    ("Last 30 days", 30),
    ("This year", "year"),
)


def opened_since(span: int | str | None, now: datetime | None = None) -> datetime | None:
    """The start of an opened-date choice, as an aware UTC time (None: no limit)."""
    if span is None:
        return None
    local = (now or datetime.now().astimezone()).replace(hour=0, minute=0, second=0,
                                                         microsecond=0)
    if span == "month":
        start = local.replace(day=1)
    elif span == "year":
        start = local.replace(month=1, day=1)
    else:
        start = local - timedelta(days=int(span))
    return start.astimezone(UTC)


def name_tool_button(bar: QToolBar, action: QAction) -> None:
    """Give a toolbar's button for ``action`` the action's name, for tests and screen
    readers."""
    widget = bar.widgetForAction(action)
    if widget is not None:
        widget.setObjectName(action.objectName().replace("Action", "Button"))
        widget.setAccessibleName(action.text().replace("&", "").rstrip("…"))


class TicketsPage(ListPage):
    key = "tickets"
    singular = "ticket"
    plural = "tickets"
    search_hint = "Ticket number, customer name or plate…"
    watches = frozenset({"ticket", "customer", "vehicle", "mechanic"})
    can_delete = False

    def __init__(self, ui: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(ui, TICKETS, tickets.list_tickets, parent)
        self.settings: ShopSettingsRecord | None = None
        self.reason_dialog: ReasonDialog | None = None
        #: The open ticket editors by ticket id (see ``_open``).
        self._editors: dict[int, QDialog] = {}
        self._make_ticket_actions()
        self.selection_changed.connect(self.update_ticket_actions)
        self.model.page_loaded.connect(lambda _n: self.update_ticket_actions())
        self.model.dataChanged.connect(lambda *_: self.update_ticket_actions())
        self.update_ticket_actions()

    # -- actions on the selected ticket ------------------------------------------------

    def _make_ticket_actions(self) -> None:
        """A toolbar under the search row, and the same actions on right-click."""
        bar = QToolBar("Selected ticket", self)
        bar.setObjectName(f"{self.key}Actions")
        bar.setAccessibleName("Actions on the selected ticket")
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.status_menu = QMenu("Change status", self)
        self.status_menu.setObjectName(f"{self.key}StatusMenu")
        self.status_button = QToolButton(self)
        self.status_button.setObjectName(f"{self.key}StatusButton")
        self.status_button.setAccessibleName("Change status")
        self.status_button.setText("Change status")
        self.status_button.setToolTip("Move the selected ticket along: start, complete, "
                                      "close, cancel or reopen it")
        self.status_button.setMenu(self.status_menu)
        self.status_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        bar.addWidget(self.status_button)
        self.assign_action = QAction("Assign &mechanics…", self)
        self.assign_action.setObjectName(f"{self.key}AssignAction")
        self.assign_action.setToolTip("Choose who works on the selected ticket, and their hours")
        self.assign_action.triggered.connect(lambda _c=False: self.assign_mechanics())
        self.add_parts_action = QAction("Add &parts…", self)
        self.add_parts_action.setObjectName(f"{self.key}AddPartsAction")
        self.add_parts_action.setToolTip("Take parts from stock onto the selected ticket")
        self.add_parts_action.triggered.connect(lambda _c=False: self.add_parts())
        bar.addSeparator()
        for action in (self.assign_action, self.add_parts_action):
            bar.addAction(action)
            name_tool_button(bar, action)
        self.hint = QLabel(self)
        self.hint.setObjectName(f"{self.key}SelectionHint")
        self.hint.setStyleSheet("color: palette(mid); padding-left: 12px;")
        bar.addWidget(self.hint)
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)  # ListPage's: search row, then the table
        layout.insertWidget(1, bar)
        self.ticket_bar = bar
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)

    def selected_ticket(self) -> TicketRow | None:
        row = self.selected_row()
        return row if isinstance(row, TicketRow) else None

    def label(self, number: int) -> str:
        """A ticket number as the shop prints it (RO-42), once the settings are known."""
        return self.settings.ticket_label(number) if self.settings else f"#{number}"

    def status_actions(self, row: TicketRow, menu: QMenu) -> list[QAction]:
        """Exactly the moves the lifecycle allows from the row's status, then Reopen."""
        made = []
        for status in workflow.allowed_next_statuses(row.status):
            action = QAction(STATUS_VERBS[status], menu)
            action.setObjectName(f"{self.key}Status{status.value}")
            action.setToolTip(STATUS_TIPS[status])
            action.setEnabled(self.ui.can(
                Action.EDIT_TICKETS if status is TicketStatus.CANCELLED else Action.SET_STATUS))
            action.triggered.connect(lambda _c=False, s=status: self.change_status(s))
            made.append(action)
        if TicketStatus(row.status) in (TicketStatus.COMPLETED, TicketStatus.CLOSED):
            action = QAction("Reopen…", menu)
            action.setObjectName(f"{self.key}Reopen")
            action.setEnabled(self.ui.can(Action.REOPEN_TICKETS))
            action.triggered.connect(lambda _c=False: self.reopen())
            made.append(action)
        return made

    def update_ticket_actions(self) -> None:
        row = self.selected_ticket()
        self.status_menu.clear()
        if row is not None:
            for action in self.status_actions(row, self.status_menu):
                self.status_menu.addAction(action)
        active = row is not None and TicketStatus(row.status).is_active
        self.status_button.setEnabled(bool(self.status_menu.actions()))
        self.assign_action.setEnabled(active and (self.ui.can(Action.ASSIGN_WORK)
                                                  or self.ui.can(Action.LOG_HOURS)))
        self.add_parts_action.setEnabled(active and self.ui.can(Action.ASSIGN_WORK))
        if row is None:
            self.hint.setText("Select a ticket to act on it.")
        elif not active:
            self.hint.setText(f"Ticket {self.label(row.number)} is "
                              f"{TicketStatus(row.status).label.lower()}: its lines are "
                              "read-only.")
        else:
            self.hint.setText("")

    def _context_menu(self, pos: QPoint) -> None:
        index = self.table.indexAt(pos)
        if not index.isValid() or self.model.row_at(index.row()) is None:
            return
        self.table.selectRow(index.row())
        row = self.selected_ticket()
        if row is None:
            return
        menu = QMenu(self)
        menu.setObjectName(f"{self.key}ContextMenu")
        open_action = menu.addAction("&Open…")
        open_action.triggered.connect(lambda _c=False: self.edit_selected())
        menu.addSeparator()
        for action in self.status_actions(row, menu):
            menu.addAction(action)
        menu.addSeparator()
        menu.addAction(self.assign_action)
        menu.addAction(self.add_parts_action)
        self.context_menu = menu
        menu.popup(self.table.viewport().mapToGlobal(pos))

    def change_status(self, status: TicketStatus) -> None:
        row = self.selected_ticket()
        if row is None:
            return
        label = self.label(row.number)
        if status is TicketStatus.CANCELLED and not confirm_cancel(
                self.ui, self, label, customer=row.customer_name):
            return
        self._ticket_write(status_job(row.id, status, seen_status=row.status),
                           moved_text(status, label), f"Cannot change ticket {label}")

    def reopen(self) -> None:
        row = self.selected_ticket()
        if row is None:
            return
        label, ticket_id, seen = self.label(row.number), row.id, row.status

        def reopen(reason: str) -> None:
            self._ticket_write(reopen_job(ticket_id, reason, seen_status=seen),
                               reopened_text(label), f"Cannot reopen ticket {label}")

        self.reason_dialog = ask_reopen_reason(self, label, reopen)

    def _ticket_write(self, run: Operation[TicketDetail], done: str, refused: str) -> None:
        self.ui.worker.write(
            run, alive(self, lambda _d: self.message.emit(done)),
            alive(self, lambda error: self._refused(refused, error)),
        )

    def _refused(self, title: str, error: BaseException) -> None:
        if isinstance(error, StaleRecord):
            self.refresh()
        if isinstance(error, DomainError):
            self.ui.prompts.inform(self, title, str(error))
        else:
            self.message.emit(f"{title}: {error}")

    def assign_mechanics(self) -> None:
        row = self.selected_ticket()
        if row is None or not TicketStatus(row.status).is_active:
            return
        from mechanic_desktop.ui.dialogs.assign_mechanics import AssignMechanicsDialog

        self._open_work(AssignMechanicsDialog(self.ui, row.id, None, self.window(),
                                              self._prefix()))

    def add_parts(self) -> None:
        row = self.selected_ticket()
        if row is None or not TicketStatus(row.status).is_active:
            return
        from mechanic_desktop.ui.dialogs.add_parts import AddPartsDialog

        self._open_work(AddPartsDialog(self.ui, row.id, None, self.window(), self._prefix()))

    def _prefix(self) -> str:
        return self.settings.ticket_prefix if self.settings else "#"

    def _open_work(self, dialog: QDialog) -> None:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = dialog
        dialog.open()

    def load_settings(self) -> None:
        self.ui.worker.read(shop.get_settings, alive(self, self._settings_read),
                            alive(self, lambda error: self.message.emit(str(error))))

    def _settings_read(self, settings: ShopSettingsRecord) -> None:
        self.settings = settings
        self.update_ticket_actions()

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
        self.opened_filter = QComboBox(self)
        self.opened_filter.setObjectName("ticketsOpenedFilter")
        self.opened_filter.setAccessibleName("Opened date filter")
        for label, _days in OPENED_CHOICES:
            self.opened_filter.addItem(label)
        self.opened_filter.currentIndexChanged.connect(
            lambda i: self.model.set_filter("opened_from", opened_since(OPENED_CHOICES[i][1]))
        )
        for caption, widget in (("&Status:", self.status_filter),
                                ("&Opened:", self.opened_filter),
                                ("Mec&hanic:", self.mechanic_filter)):
            buddy = QLabel(caption, self)
            buddy.setBuddy(widget)
            self.filters.addWidget(buddy)
            self.filters.addWidget(widget)

    def start(self) -> None:
        super().start()
        self.load_mechanics()
        if self.settings is None:
            self.load_settings()

    def load_mechanics(self) -> None:
        query = ListQuery(filters={"active_only": True}, limit=MECHANIC_CHOICES_LIMIT)
        self.ui.worker.read(
            lambda uow: mechanics.list_mechanics(uow, query), alive(self, self._fill_mechanics),
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
        if changes.touches("settings"):
            self.load_settings()

    def found_by(self, record: Any) -> str | None:
        return f"#{record.number}"

    def make_dialog(self, record: Any | None) -> QDialog:
        from mechanic_desktop.ui.dialogs.ticket import TicketDialog

        return TicketDialog(self.ui, record, self.window())

    def _open(self, record: Any | None) -> None:
        """A ticket already open in an editor comes to the front instead of opening
        twice (two editors of one ticket would only refuse each other's saves)."""
        ticket_id = getattr(record, "id", None)
        editor = self._editors.get(ticket_id) if isinstance(ticket_id, int) else None
        if editor is None:
            super()._open(record)
            return
        editor.showNormal()
        editor.raise_()
        editor.activateWindow()

    def _present(self, dialog: QDialog) -> None:
        """A ticket editor stays open beside the main window, not over it: a service
        writer with a customer at the counter receives a delivery, looks up another
        ticket or takes a call while the repair order is still on screen."""
        self._follow(dialog)
        dialog.setWindowModality(Qt.WindowModality.NonModal)
        dialog.show()

    def _follow(self, dialog: QDialog) -> None:
        """Remember which ticket ``dialog`` edits (and the full editor a new ticket
        continues in), forgetting it when the editor closes."""
        ticket_id = getattr(getattr(dialog, "existing", None), "id", None)
        if ticket_id is not None:
            self._editors[ticket_id] = dialog
            dialog.destroyed.connect(lambda *_: self._editors.pop(ticket_id, None))
        continued = getattr(dialog, "continued", None)
        if continued is not None:
            continued.connect(self._follow)

    def load_record(self, row_id: int) -> Operation[Any]:
        return lambda uow: tickets.get_ticket(uow, row_id)

    def describe(self, row: Any) -> str:
        return self.label(row.number)
