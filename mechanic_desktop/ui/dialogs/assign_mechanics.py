"""Assign mechanics: tick who works on the ticket from the active crew (searchable, with
each one's current open-ticket load), untick to take them off, and book hours each.

The list is paged on the DB worker like every table; the ticks live in the dialog, so
a new search keeps them. One ``assign_mechanics`` call saves the whole choice.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QDoubleSpinBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from mechanic_desktop.domain.errors import ValidationError
from mechanic_desktop.domain.permissions import Action
from mechanic_desktop.domain.records import MechanicLineRecord, MechanicRow, TicketDetail
from mechanic_desktop.domain.totals import MAX_MINUTES, MINUTES_STEP, hours_text, labor_line
from mechanic_desktop.services import mechanics, workflow
from mechanic_desktop.services.runner import Operation, UnitOfWork
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.dialogs.form import button
from mechanic_desktop.ui.dialogs.styles import ERROR_STYLE, NOTE_STYLE
from mechanic_desktop.ui.dialogs.work_common import TicketLinesDialog
from mechanic_desktop.ui.models.columns import RIGHT, Column, TableSpec, money
from mechanic_desktop.ui.models.lines import CheckablePagedModel
from mechanic_desktop.ui.permission_gate import reason

MAX_HOURS = MAX_MINUTES / 60
HOURS_STEP = MINUTES_STEP / 60

CREW: TableSpec[MechanicRow] = TableSpec(
    entity="mechanic",
    columns=(
        Column("Mechanic", lambda r: r.name, "name", 190),
        Column("Rate", lambda r: money(r.hourly_rate), "rate", 75, RIGHT),
        Column("Open tickets", lambda r: f"{r.open_tickets:,}", None, 95, RIGHT,
               tooltip=lambda r: f"{r.name} is on {r.open_tickets} open or in-progress "
               "ticket(s)"),
    ),
    row_id=lambda r: r.id,
    default_sort="name",
)


@dataclass
class Choice:
    """A mechanic ticked for the ticket: the rate the line will carry, and the time."""

    mechanic_id: int
    name: str
    rate: Decimal
    minutes: int

    @property
    def amount(self) -> Decimal:
        return labor_line(self.minutes, self.rate)


def to_minutes(hours: float) -> int:
    """Hours from the spin box as whole minutes, snapped to the nearest quarter hour."""
    quarters = round(hours * 60 / MINUTES_STEP)
    return max(0, min(MAX_MINUTES, quarters * MINUTES_STEP))


class AssignedRow(QWidget):
    """One ticked mechanic: hours, what they cost, and a way to take them off."""

    def __init__(self, dialog: AssignMechanicsDialog, choice: Choice) -> None:
        super().__init__(dialog.assigned_host)
        self.choice = choice
        mid = choice.mechanic_id
        self.setObjectName(f"assignRow{mid}")
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 4, 0, 4)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(2)
        self.name = QLabel(choice.name, self)
        self.name.setObjectName(f"assignName{mid}")
        font = self.name.font()
        font.setBold(True)
        self.name.setFont(font)
        grid.addWidget(self.name, 0, 0, 1, 2)
        self.remove = button(self, "Remove", f"assignRemove{mid}")
        self.remove.setAccessibleName(f"Remove {choice.name}")
        self.remove.setToolTip(f"Take {choice.name} off this ticket")
        self.remove.clicked.connect(lambda: dialog.set_chosen_row(mid, False))
        grid.addWidget(self.remove, 0, 2)
        self.hours = QDoubleSpinBox(self)
        self.hours.setObjectName(f"assignHours{mid}")
        self.hours.setAccessibleName(f"Hours for {choice.name}")
        self.hours.setToolTip("Hours in quarter hours (0.25 = 15 minutes)")
        self.hours.setRange(0, MAX_HOURS)
        self.hours.setSingleStep(HOURS_STEP)
        self.hours.setDecimals(2)
        self.hours.setSuffix(" h")
        self.hours.setCorrectionMode(QAbstractSpinBox.CorrectionMode.CorrectToNearestValue)
        self.hours.setValue(choice.minutes / 60)
        self.hours.setMinimumWidth(100)
        self.hours.valueChanged.connect(lambda value: dialog.hours_changed(mid, value))
        self.hours.editingFinished.connect(self._snap)
        grid.addWidget(self.hours, 1, 0)
        self.amount = QLabel(self)
        self.amount.setObjectName(f"assignAmount{mid}")
        self.amount.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        grid.addWidget(self.amount, 1, 1, 1, 2)
        self.error = QLabel(self)
        self.error.setObjectName(f"assignError{mid}")
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        self.error.hide()
        grid.addWidget(self.error, 2, 0, 1, 3)
        grid.setColumnStretch(1, 1)
        # A mechanic booking their hours sees no rate (theirs is their pay).
        self.amount.setVisible(reason(dialog.ui, Action.VIEW_PAY_RATES) is None)
        self.show_amount()

    def _snap(self) -> None:
        minutes = to_minutes(self.hours.value())
        if abs(self.hours.value() * 60 - minutes) > 1e-6:
            self.hours.setValue(minutes / 60)

    def show_amount(self) -> None:
        c = self.choice
        self.amount.setText(f"× {money(c.rate)}/h = {money(c.amount)}")

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.setVisible(bool(message))


class AssignMechanicsDialog(TicketLinesDialog):
    """The crew list (left, ticks) and the ticket's mechanics with hours (right)."""

    def __init__(
        self,
        ui: UiContext,
        ticket_id: int,
        detail: TicketDetail | None = None,
        parent: QWidget | None = None,
        number_prefix: str = "",
        job_id: int | None = None,
    ) -> None:
        super().__init__(ui, "assign", "Assign mechanics to ticket", ticket_id, detail, parent,
                         number_prefix, job_id)
        self.setMinimumSize(860, 500)
        self.chosen: dict[int, Choice] = {}
        self.rows: dict[int, AssignedRow] = {}
        self._before: set[int] = set()
        self.model = CheckablePagedModel(
            CREW, mechanics.list_mechanics, ui.worker,
            lambda row: row.id in self.chosen, self._toggled, self,
        )
        self.model.set_filter("active_only", True)  # inactive mechanics take no new work
        columns = QHBoxLayout()
        columns.addLayout(self._crew_side(), 1)
        columns.addWidget(self._assigned_side(), 1)
        self.extra.addLayout(columns, 1)
        self.set_save_text("&Save")
        self.start(detail)
        self.model.start()

    # -- building ----------------------------------------------------------------------

    def _crew_side(self) -> QVBoxLayout:
        side = self.pick_side(
            self.model, CREW.columns, search_hint="Search mechanics by name…",
            search_name="Search mechanics", table_name="assignMechanicList",
            table_accessible="Active mechanics", stretch=0, note_name="assignCrewNote",
            empty=("No active mechanic matches “{search}”.",
                   "No active mechanics yet: add them on the Mechanics page."))
        self.table.setToolTip("Tick a mechanic to assign them (Space or Return toggles)")
        self.crew_note = self.pick_note
        self.picks_shown()
        side.addWidget(self.crew_note)
        return side

    def _assigned_side(self) -> QGroupBox:
        box = QGroupBox("On this ticket", self)
        box.setObjectName("assignChosenBox")
        layout = QVBoxLayout(box)
        scroll = QScrollArea(box)
        scroll.setObjectName("assignChosenScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.assigned_host = QWidget(scroll)
        self.assigned_layout = QVBoxLayout(self.assigned_host)
        self.assigned_layout.setContentsMargins(0, 0, 4, 0)
        self.nobody = QLabel("Nobody yet: tick mechanics on the left.", self.assigned_host)
        self.nobody.setObjectName("assignNobody")
        self.nobody.setStyleSheet(NOTE_STYLE)
        self.nobody.setWordWrap(True)
        self.assigned_layout.addWidget(self.nobody)
        self.assigned_layout.addStretch(1)
        scroll.setWidget(self.assigned_host)
        layout.addWidget(scroll, 1)
        total = QHBoxLayout()
        self.hours_total = QLabel(box)
        self.hours_total.setObjectName("assignHoursTotal")
        total.addWidget(self.hours_total, 1)
        self.labor_total = QLabel(box)
        self.labor_total.setObjectName("assignLaborTotal")
        self.labor_total.setAccessibleName("Labour total")
        font = self.labor_total.font()
        font.setBold(True)
        self.labor_total.setFont(font)
        self.labor_total.setVisible(reason(self.ui, Action.VIEW_PAY_RATES) is None)
        total.addWidget(self.labor_total)
        layout.addLayout(total)
        return box

    # -- the choice --------------------------------------------------------------------

    def _lines(self) -> list[tuple[int, MechanicLineRecord]]:
        """The mechanics on this dialog's job (labour nobody is assigned to is not
        theirs to tick), with their ids."""
        job = self.job_record()
        lines = job.mechanics if job is not None else ()
        return [(m.mechanic_id, m) for m in lines if m.mechanic_id is not None]

    def _set_detail(self, detail: TicketDetail, keep_picks: bool = False) -> None:
        super()._set_detail(detail, keep_picks)
        self._before = {mechanic_id for mechanic_id, _ in self._lines()}
        if keep_picks:
            # A reload after another desk's change: keep the user's ticks and hours, but
            # take the rates the lines now carry.
            for mechanic_id, line in self._lines():
                if mechanic_id in self.chosen:
                    self.chosen[mechanic_id].rate = line.hourly_rate
        else:
            ticked = set(self.chosen)
            self.chosen = {
                mechanic_id: Choice(mechanic_id, m.name, m.hourly_rate, m.minutes)
                for mechanic_id, m in self._lines()
            }
            for mechanic_id in ticked | set(self.chosen):
                self.model.row_changed(mechanic_id)
        self._rebuild()

    def _toggled(self, row: Any, ticked: bool) -> None:
        if not isinstance(row, MechanicRow):
            return
        if ticked and row.id not in self.chosen:
            rate = row.hourly_rate if row.hourly_rate is not None else Decimal(0)
            if self.detail is not None:  # a mechanic already on the ticket keeps their rate
                rate = next((m.hourly_rate for _, m in self._lines()
                             if m.mechanic_id == row.id), rate)
            self.chosen[row.id] = Choice(row.id, row.name, rate, 0)
        elif not ticked:
            self.chosen.pop(row.id, None)
        self.mark_changed()
        self._rebuild()
        row_widget = self.rows.get(row.id)
        if ticked and row_widget is not None:
            row_widget.hours.setFocus()
            row_widget.hours.selectAll()

    def set_chosen_row(self, mechanic_id: int, ticked: bool) -> None:
        """Take a mechanic off (the Remove button), even one no longer in the list."""
        if not ticked:
            self.chosen.pop(mechanic_id, None)
            self.mark_changed()
            self._rebuild()
            self.model.row_changed(mechanic_id)

    def hours_changed(self, mechanic_id: int, hours: float) -> None:
        choice = self.chosen.get(mechanic_id)
        if choice is None:
            return
        choice.minutes = to_minutes(hours)
        row = self.rows.get(mechanic_id)
        if row is not None and row.hours.hasFocus():  # typed, not filled in on loading
            self.mark_changed()
        if row is not None:
            row.show_amount()
            row.show_error("")
        self._show_totals()

    def _rebuild(self) -> None:
        for mid, widget in list(self.rows.items()):
            if widget.choice is not self.chosen.get(mid):  # taken off, or reloaded
                del self.rows[mid]
                self.assigned_layout.removeWidget(widget)
                widget.deleteLater()
        for mid, choice in sorted(self.chosen.items(), key=lambda kv: kv[1].name.lower()):
            if mid in self.rows:
                self.rows[mid].show_amount()  # a reload may have brought another rate
            else:
                widget = AssignedRow(self, choice)
                self.rows[mid] = widget
                self.assigned_layout.insertWidget(self.assigned_layout.count() - 1, widget)
        self.nobody.setVisible(not self.chosen)
        self._show_totals()

    def _show_totals(self) -> None:
        minutes = sum(c.minutes for c in self.chosen.values())
        labor = sum((c.amount for c in self.chosen.values()), Decimal("0.00"))
        people = len(self.chosen)
        self.hours_total.setText(
            f"{people} mechanic{'s' if people != 1 else ''}, {hours_text(minutes)} h")
        self.labor_total.setText(f"Labour {money(labor)}")

    def pick(self, index: QModelIndex) -> None:
        self.model.toggle_row(index.row())

    def picks_shown(self) -> None:
        self.crew_note.setText("Tick who works on this ticket; untick to take them off.")

    # -- saving ------------------------------------------------------------------------

    def show_errors(self, error: BaseException) -> None:
        """Messages about one mechanic go under their row; the rest to the banner."""
        for widget in self.rows.values():
            widget.show_error("")
        if isinstance(error, ValidationError):
            for key, message in error.fields.items():
                _, _, raw = key.partition(":")
                row = self.rows.get(int(raw)) if raw.isdecimal() else None
                if row is not None:
                    row.show_error(message)
        super().show_errors(error)

    def job(self) -> Operation[TicketDetail]:
        ticket_id, version = self.ticket_id, self.version
        job = self.job_record()
        job_id = job.id if job is not None else None
        minutes = {mid: c.minutes for mid, c in self.chosen.items()}
        assert version is not None  # Save is enabled only once the detail is loaded

        def run(uow: UnitOfWork) -> TicketDetail:
            return workflow.assign_mechanics(uow, ticket_id, minutes, version, job_id)

        return run
