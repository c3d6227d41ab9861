"""Audit trail page (administrators): who did what, when, to which record — newest
first, filtered by record type, action, person and date range, paged like every table."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from PySide6.QtWidgets import (
    QBoxLayout,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QWidget,
)

from mechanic_desktop.domain.changes import Changes
from mechanic_desktop.domain.records import Page
from mechanic_desktop.services import audit, staff
from mechanic_desktop.services.audit import AuditRow
from mechanic_desktop.services.staff import StaffRow
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.dates import EARLIEST
from mechanic_desktop.ui.models.columns import Column, TableSpec, when
from mechanic_desktop.ui.operations import alive
from mechanic_desktop.ui.pages.list_page import ListPage

ENTITIES: tuple[tuple[str, str], ...] = (
    ("Customers", "customer"), ("Vehicles", "vehicle"), ("Tickets", "ticket"),
    ("Mechanics", "mechanic"), ("Parts", "part"), ("Staff accounts", "staff"),
    ("Shop settings", "settings"),
)
ACTIONS: tuple[str, ...] = (
    "create", "update", "delete", "status", "mechanics", "parts", "reopen", "login",
    "login failed", "login refused", "lockout", "unlock", "reset password",
    "change password", "password check failed", "password check refused",
    "permission change", "activate", "deactivate",
)
#: The earliest date a filter can name; shown as "Any" (no bound).
NO_DATE = EARLIEST  # shown as no bound


def _record(row: AuditRow) -> str:
    return row.entity if row.entity_id is None else f"{row.entity} #{row.entity_id}"


AUDIT: TableSpec[AuditRow] = TableSpec(
    entity="audit",
    columns=(
        Column("When", lambda r: when(r.at), "at", 140),
        Column("Who", lambda r: r.who, None, 120),
        Column("Action", lambda r: r.action, None, 130),
        Column("Record", _record, None, 130),
        Column("Summary", lambda r: r.summary, None, 500, tooltip=lambda r: r.summary or None),
    ),
    row_id=lambda r: r.id,
    default_sort="at",
    default_descending=True,
)


def local_midnight(day: date) -> datetime:
    """The start of ``day`` on this computer's clock, as an aware time to compare with."""
    return datetime.combine(day, time.min).astimezone()


class AuditPage(ListPage):
    key = "audit"
    singular = "audit entry"
    plural = "audit entries"
    search_hint = "Words in the summary…"
    can_delete = False

    def __init__(self, ui: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(ui, AUDIT, audit.list_audit, parent)

    def add_filters(self) -> None:
        """A second row under the search box: the filters do not fit beside it."""
        row = QHBoxLayout()
        self.entity_filter = self._combo("auditEntityFilter", "Record type filter",
                                         "Any record", ENTITIES)
        self.action_filter = self._combo("auditActionFilter", "Action filter", "Any action",
                                         tuple((a.capitalize(), a) for a in ACTIONS))
        self.who_filter = self._combo("auditWhoFilter", "Person filter", "Anyone", ())
        self.who_filter.setMinimumContentsLength(14)
        self.since_filter = self._date("auditSinceFilter", "From date")
        self.until_filter = self._date("auditUntilFilter", "To date")
        for caption, widget in (("&Record:", self.entity_filter),
                                ("&Action:", self.action_filter),
                                ("&Who:", self.who_filter),
                                ("Fro&m:", self.since_filter),
                                ("&To:", self.until_filter)):
            label = QLabel(caption, self)
            label.setBuddy(widget)
            row.addWidget(label)
            row.addWidget(widget)
            row.addSpacing(6)
        self.clear_button = QPushButton("Clear filters", self)
        self.clear_button.setObjectName("auditClearFilters")
        self.clear_button.setAccessibleName("Clear filters")
        self.clear_button.clicked.connect(self.clear_filters)
        row.addWidget(self.clear_button)
        row.addStretch(1)
        layout = self.layout()
        assert isinstance(layout, QBoxLayout)
        layout.insertLayout(1, row)
        self.entity_filter.currentIndexChanged.connect(
            lambda _i: self.model.set_filter("entity", self.entity_filter.currentData()))
        self.action_filter.currentIndexChanged.connect(
            lambda _i: self.model.set_filter("action", self.action_filter.currentData()))
        self.who_filter.currentIndexChanged.connect(
            lambda _i: self.model.set_filter("staff_user_id", self.who_filter.currentData()))
        self.since_filter.dateChanged.connect(self._dates_changed)
        self.until_filter.dateChanged.connect(self._dates_changed)

    def _combo(self, name: str, accessible: str, anything: str,
               choices: tuple[tuple[str, Any], ...]) -> QComboBox:
        combo = QComboBox(self)
        combo.setObjectName(name)
        combo.setAccessibleName(accessible)
        combo.addItem(anything, None)
        for label, value in choices:
            combo.addItem(label, value)
        return combo

    def _date(self, name: str, accessible: str) -> QDateEdit:
        edit = QDateEdit(self)
        edit.setObjectName(name)
        edit.setAccessibleName(accessible)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        edit.setMinimumDate(NO_DATE)
        edit.setSpecialValueText("Any")  # shown while the date is the minimum: no bound
        edit.setDate(NO_DATE)
        edit.setToolTip("Pick a date; clear it back to “Any” with Clear filters")
        return edit

    def _bound(self, edit: QDateEdit) -> date | None:
        picked = edit.date()
        return None if picked == NO_DATE else date(picked.year(), picked.month(), picked.day())

    def _dates_changed(self, *_: object) -> None:
        since, until = self._bound(self.since_filter), self._bound(self.until_filter)
        self.model.set_filter("since", local_midnight(since) if since else None)
        self.model.set_filter(
            "until", local_midnight(until + timedelta(days=1)) if until else None)

    def clear_filters(self) -> None:
        for combo in (self.entity_filter, self.action_filter, self.who_filter):
            combo.setCurrentIndex(0)
        for edit in (self.since_filter, self.until_filter):
            edit.setDate(NO_DATE)
        self.search.clear()

    # -- life cycle --------------------------------------------------------------------

    def start(self) -> None:
        super().start()
        self.load_people()

    def load_people(self) -> None:
        self.ui.worker.read(staff.list_staff, alive(self, self._fill_people),
                            alive(self, lambda error: self.message.emit(str(error))))

    def _fill_people(self, page: Page[StaffRow]) -> None:
        chosen = self.who_filter.currentData()
        self.who_filter.blockSignals(True)
        self.who_filter.clear()
        self.who_filter.addItem("Anyone", None)
        for row in page.rows:
            self.who_filter.addItem(f"{row.full_name} ({row.username})", row.id)
        index = self.who_filter.findData(chosen) if chosen is not None else 0
        self.who_filter.setCurrentIndex(max(index, 0))
        self.who_filter.blockSignals(False)

    def on_changed(self, changes: Changes) -> None:
        """Every write leaves an audit entry, so any change may add rows here."""
        if changes.entities:
            self.refresh()
        if changes.touches("staff"):
            self.load_people()

    def empty_text(self) -> str:
        query = self.model.query
        if query.search or query.filters:
            return ("No audit entries match.\n"
                    "Widen the date range or clear the filters to see more.")
        return "Nothing has been recorded yet."

    def edit_selected(self) -> None:
        """An entry is read, not edited: its whole summary is in the row's tooltip."""
