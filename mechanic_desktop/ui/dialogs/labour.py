"""Labour nobody is assigned to yet: add it to a job (what, how long; billed at the
shop's labour rate), or give such a line to a mechanic, who then books their hours on
it. Both carry the ticket version the editor read; a stale save keeps what was typed
and takes the fresh version, as the job editor does."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QAbstractSpinBox, QComboBox, QDoubleSpinBox, QLabel, QWidget

from mechanic_desktop.domain.errors import StaleRecord
from mechanic_desktop.domain.jobs import MAX_TITLE
from mechanic_desktop.domain.money import money_text
from mechanic_desktop.domain.records import JobRecord, ListQuery, MechanicLineRecord, TicketDetail
from mechanic_desktop.domain.totals import MAX_MINUTES, hours_text, labor_line
from mechanic_desktop.services import jobs, mechanics, workflow
from mechanic_desktop.services.runner import Operation, UnitOfWork
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.dialogs import checks
from mechanic_desktop.ui.dialogs.assign_mechanics import to_minutes
from mechanic_desktop.ui.dialogs.form import EditorDialog, line_edit
from mechanic_desktop.ui.dialogs.styles import NOTE_STYLE
from mechanic_desktop.ui.operations import alive


class _TicketWrite(EditorDialog):
    """A dialog whose save writes to one ticket at the version it was opened with."""

    def __init__(self, ui: UiContext, prefix: str, title: str, ticket_id: int, version: int,
                 parent: QWidget | None) -> None:
        super().__init__(ui, prefix, title, parent)
        self.ticket_id = ticket_id
        self.version = version

    def on_stale(self, error: StaleRecord) -> None:
        ticket_id = self.ticket_id
        self.ui.worker.read(lambda uow: workflow.get_ticket_detail(uow, ticket_id),
                            alive(self, self._fresh), alive(self, self.show_errors))

    def _fresh(self, detail: Any) -> None:
        if isinstance(detail, TicketDetail):
            self.version = detail.ticket.version
            self._set_banner("Another desk changed this ticket meanwhile. What you entered "
                             "is kept: press Save again to apply it.")


class AddLabourDialog(_TicketWrite):
    """What the labour is and how long it takes, on one job."""

    def __init__(self, ui: UiContext, ticket_id: int, version: int, job: JobRecord,
                 rate: Any, parent: QWidget | None = None) -> None:
        super().__init__(ui, "labour", f"Add labour to “{job.title}”", ticket_id, version,
                         parent)
        self.job_id = job.id
        self.rate = rate
        self.operation = line_edit(self, "", "e.g. Replace front pads and rotors", MAX_TITLE)
        self.add_field("operation", "&Labour:", self.operation,
                       checks.required_text(self.operation, "Say what the labour is."))
        self.hours = QDoubleSpinBox(self)
        self.hours.setRange(0, MAX_MINUTES / 60)
        self.hours.setSingleStep(0.25)
        self.hours.setDecimals(2)
        self.hours.setSuffix(" h")
        self.hours.setCorrectionMode(QAbstractSpinBox.CorrectionMode.CorrectToNearestValue)
        self.hours.setValue(1.0)
        self.add_field("hours", "&Hours:", self.hours)
        self.price = QLabel(self)
        self.price.setObjectName("labourPrice")
        self.price.setStyleSheet(NOTE_STYLE)
        self.form.addRow("", self.price)
        self.hours.valueChanged.connect(self._priced)
        self.save_button.setText("&Add labour")
        self._priced()
        self.revalidate()

    def _priced(self) -> None:
        minutes = to_minutes(self.hours.value())
        self.price.setText(f"{hours_text(minutes)} h at the shop's labour rate of "
                           f"{money_text(self.rate)} = {money_text(labor_line(minutes, self.rate))}"
                           " (until a mechanic is given it)")

    def job(self) -> Operation[TicketDetail]:
        ticket_id, job_id, version = self.ticket_id, self.job_id, self.version
        text, minutes = self.operation.text(), to_minutes(self.hours.value())
        return lambda uow: jobs.add_labour(uow, ticket_id, job_id, text, minutes, version)


class GiveLabourDialog(_TicketWrite):
    """Which active mechanic does a labour line nobody has yet."""

    def __init__(self, ui: UiContext, ticket_id: int, version: int, line: MechanicLineRecord,
                 parent: QWidget | None = None) -> None:
        what = line.operation or "this labour"
        super().__init__(ui, "giveLabour", f"Who does “{what}”?", ticket_id, version, parent)
        self.line_id = line.line_id
        self.mechanic = QComboBox(self)
        self.add_field("mechanic", "&Mechanic:", self.mechanic,
                       lambda: None if self.mechanic.currentData() else "Choose a mechanic.")
        note = QLabel(f"{hours_text(line.minutes)} h at {money_text(line.hourly_rate)}: the "
                      "price the customer was shown stays.", self)
        note.setStyleSheet(NOTE_STYLE)
        self.form.addRow("", note)
        self.save_button.setText("&Give")
        self.revalidate()
        ui.worker.read(
            lambda uow: mechanics.list_mechanics(
                uow, ListQuery(filters={"active_only": True}, limit=500)).rows,
            alive(self, self._mechanics), alive(self, self.show_errors))

    def _mechanics(self, rows: Any) -> None:
        for row in rows:
            self.mechanic.addItem(row.name, row.id)
        self.revalidate()

    def job(self) -> Operation[TicketDetail]:
        line_id, version = self.line_id, self.version
        mechanic_id = int(self.mechanic.currentData())

        def run(uow: UnitOfWork) -> TicketDetail:
            return jobs.assign_labour(uow, line_id, mechanic_id, version)

        return run
