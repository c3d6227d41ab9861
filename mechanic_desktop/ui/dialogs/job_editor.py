"""A job's words: its title and the three Cs (the customer's concern, the cause the
mechanic found, the correction made). The service writer writes the title and concern;
a mechanic fills in cause and correction on the jobs they work on (the others are shown
read-only to them, as the service would refuse a change).

A save carries the ticket version the editor read; when another desk saved first, the
dialog keeps what was typed, takes the fresh version and says so: Save again applies it.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QPlainTextEdit, QWidget

from mechanic_desktop.domain.errors import StaleRecord
from mechanic_desktop.domain.jobs import MAX_TITLE
from mechanic_desktop.domain.records import JobRecord, TicketDetail
from mechanic_desktop.services import jobs, workflow
from mechanic_desktop.services.runner import Operation, UnitOfWork
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.dialogs import checks
from mechanic_desktop.ui.dialogs.form import EditorDialog, line_edit
from mechanic_desktop.ui.operations import alive


def _text_box(parent: QWidget, text: str, placeholder: str, lines: int) -> QPlainTextEdit:
    box = QPlainTextEdit(text, parent)
    box.setTabChangesFocus(True)
    box.setPlaceholderText(placeholder)
    box.setFixedHeight(parent.fontMetrics().lineSpacing() * lines + 12)
    return box


class JobDialog(EditorDialog):
    """Add a job to a ticket (``job`` None) or edit one."""

    def __init__(
        self,
        ui: UiContext,
        ticket_id: int,
        version: int,
        job: JobRecord | None = None,
        parent: QWidget | None = None,
        *,
        label: str = "",
        findings_only: bool = False,
    ) -> None:
        title = f"Job on ticket {label}" if job is not None else f"Add a job to ticket {label}"
        super().__init__(ui, "job", title, parent)
        self.ticket_id = ticket_id
        self.version = version
        self.job_id = job.id if job is not None else None
        self.title = line_edit(self, job.title if job else "",
                               "e.g. Front brake pads and rotors", MAX_TITLE)
        self.add_field("title", "&Title:", self.title,
                       checks.required_text(self.title, "Give the job a title."))
        self.concern = _text_box(self, job.concern if job else "",
                                 "What the customer says, in their words", 3)
        self.add_field("concern", "Con&cern:", self.concern)
        self.cause = _text_box(self, job.cause if job else "",
                               "What the mechanic found", 3)
        self.add_field("cause", "Ca&use:", self.cause)
        self.correction = _text_box(self, job.correction if job else "",
                                    "What was done about it", 3)
        self.add_field("correction", "Co&rrection:", self.correction)
        if findings_only:
            for box in (self.title, self.concern):
                box.setReadOnly(True)
                box.setToolTip("The service writer's words: mechanics record the cause "
                               "and correction")
        self.set_save_text("&Add job" if job is None else "&Save")
        self.setMinimumWidth(560)
        self.revalidate()

    def set_save_text(self, text: str) -> None:
        self.save_button.setText(text)
        self.save_button.setAccessibleName(text.replace("&", ""))

    def data(self) -> jobs.JobData:
        return jobs.JobData(self.title.text(), self.concern.toPlainText(),
                            self.cause.toPlainText(), self.correction.toPlainText())

    def job(self) -> Operation[TicketDetail]:
        data, version, ticket_id, job_id = self.data(), self.version, self.ticket_id, self.job_id

        def run(uow: UnitOfWork) -> TicketDetail:
            if job_id is None:
                return jobs.add_job(uow, ticket_id, data, version)
            return jobs.update_job(uow, job_id, data, version)

        return run

    def on_stale(self, error: StaleRecord) -> None:
        """Keep the typing; take the ticket's version as it is now, so Save applies it."""
        ticket_id = self.ticket_id
        self.ui.worker.read(
            lambda uow: workflow.get_ticket_detail(uow, ticket_id),
            alive(self, self._fresh),
            alive(self, self.show_errors),
        )

    def _fresh(self, detail: Any) -> None:
        if isinstance(detail, TicketDetail):
            self.version = detail.ticket.version
            self._set_banner(
                "Another desk changed this ticket while you typed. Your text is kept: "
                "press Save again to apply it."
            )
