"""Record the customer's authorisation: for each job a decision (approve, decline,
defer, or none this time), who gave it, how, the number or address used, and the amount
with tax that the approved jobs then come to — shown as it is computed, so the clerk
reads the customer exactly what the service will store.

The amount is checked again by the service: if the ticket changed since the dialog was
filled (another desk added a part), the save is refused, the dialog reloads the ticket,
keeps every choice and word typed, and shows the new amount to read out.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from PySide6.QtWidgets import QComboBox, QGridLayout, QGroupBox, QLabel, QWidget

from mechanic_desktop.domain.errors import ShortStock, StaleRecord, ValidationError
from mechanic_desktop.domain.formatting import phone_text
from mechanic_desktop.domain.jobs import AuthorisationMethod, JobStatus, amount_after
from mechanic_desktop.domain.money import money_text
from mechanic_desktop.domain.records import ShopSettingsRecord, TicketDetail
from mechanic_desktop.services import jobs, workflow
from mechanic_desktop.services.runner import Operation, UnitOfWork
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.dates import EARLIEST, DateTimeField, to_local
from mechanic_desktop.ui.dialogs import checks
from mechanic_desktop.ui.dialogs.form import EditorDialog, line_edit
from mechanic_desktop.ui.dialogs.special_order import SpecialOrderOffer
from mechanic_desktop.ui.dialogs.styles import ERROR_STYLE
from mechanic_desktop.ui.operations import alive

#: The decision combo's entries: (text, JobStatus value or "" for no decision).
CHOICES = (("No decision", ""), ("Approve", "approved"), ("Decline", "declined"),
           ("Defer", "deferred"))


class AuthorisationDialog(EditorDialog):
    """Which jobs, how, who; the amount follows from the choices."""

    def __init__(
        self,
        ui: UiContext,
        detail: TicketDetail,
        settings: ShopSettingsRecord,
        parent: QWidget | None = None,
        *,
        preset: dict[int, JobStatus] | None = None,
    ) -> None:
        label = settings.ticket_label(detail.ticket.number)
        super().__init__(ui, "authorise", f"Record authorisation: ticket {label}", parent)
        self.detail = detail
        self.settings = settings
        self.setMinimumWidth(600)
        self.jobs_box = QGroupBox("Jobs", self)
        self.jobs_box.setObjectName("authoriseJobs")
        self.grid = QGridLayout(self.jobs_box)
        self.decision: dict[int, QComboBox] = {}
        self.form.addRow(self.jobs_box)
        self.jobs_error = QLabel(self)
        self.jobs_error.setObjectName("authoriseJobsError")
        self.jobs_error.setStyleSheet(ERROR_STYLE)
        self.jobs_error.setWordWrap(True)
        self.jobs_error.hide()
        self.form.addRow(self.jobs_error)
        #: Accepted the offer: approve with what the shelf lacks on special order.
        self.special_order = False
        self.offer = SpecialOrderOffer(self, "authorise", self.layout_, self.banner)
        self.offer.accepted.connect(self._order_the_rest)
        self._fill_jobs(detail, preset or self._default_preset(detail))

        self.authorised_by = line_edit(self, detail.ticket.customer_name,
                                       "The person who said yes or no", jobs.MAX_NAME)
        self.add_field("authorised_by", "Authorised &by:", self.authorised_by,
                       checks.required_text(self.authorised_by, "Say who authorised the work."))
        self.method = QComboBox(self)
        for method in AuthorisationMethod:
            self.method.addItem(method.label, method.value)
        self.method.setCurrentIndex(self.method.findData(AuthorisationMethod.PHONE.value))
        self.add_field("method", "&How:", self.method)
        self.contact = line_edit(self, phone_text(detail.customer_phone), "", jobs.MAX_CONTACT)
        self.add_field("contact", "Reached a&t:", self.contact, self._check_contact)
        self.when = DateTimeField(self)
        self.when.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.when.setCalendarPopup(True)
        self.when.setMinimumDate(EARLIEST)
        self.when.setDateTime(to_local(datetime.now(UTC)))
        self.when.setToolTip("When the customer decided (a call taken earlier: its time)")
        self.add_field("authorised_at", "&When:", self.when)
        self.amount = QLabel(self)
        self.amount.setObjectName("authoriseAmount")
        self.amount.setAccessibleName("Amount authorised")
        font = self.amount.font()
        font.setBold(True)
        self.amount.setFont(font)
        self.form.addRow("Amount (with tax):", self.amount)
        self.method.currentIndexChanged.connect(self._method_changed)
        self.save_button.setText("&Record")
        self.save_button.setAccessibleName("Record")
        self._method_changed()
        self._update_amount()

    # -- the jobs ----------------------------------------------------------------------

    @staticmethod
    def _default_preset(detail: TicketDetail) -> dict[int, JobStatus]:
        """Proposed jobs start as Approve; approved ones too (a re-authorisation of grown
        work confirms them); decided ones start with no decision."""
        return {j.id: JobStatus.APPROVED for j in detail.jobs
                if j.status in (JobStatus.PROPOSED.value, JobStatus.APPROVED.value)}

    def _fill_jobs(self, detail: TicketDetail, preset: dict[int, JobStatus]) -> None:
        for i, job in enumerate(detail.jobs):
            title = QLabel(f"{job.position}. {job.title}", self.jobs_box)
            title.setWordWrap(True)
            now = QLabel(JobStatus(job.status).label, self.jobs_box)
            total = QLabel(money_text(job.totals.total), self.jobs_box)
            total.setObjectName(f"authoriseJobTotal{job.id}")
            combo = QComboBox(self.jobs_box)
            combo.setObjectName(f"authoriseDecision{job.id}")
            combo.setAccessibleName(f"Decision on {job.title}")
            for text, value in CHOICES:
                combo.addItem(text, value)
            chosen = preset.get(job.id)
            combo.setCurrentIndex(combo.findData(chosen.value if chosen else ""))
            combo.currentIndexChanged.connect(self._choice_changed)
            self.grid.addWidget(title, i, 0)
            self.grid.addWidget(now, i, 1)
            self.grid.addWidget(total, i, 2)
            self.grid.addWidget(combo, i, 3)
            self.decision[job.id] = combo
        self.grid.setColumnStretch(0, 1)

    def decisions(self) -> dict[int, JobStatus]:
        return {job_id: JobStatus(combo.currentData()) for job_id, combo in self.decision.items()
                if combo.currentData()}

    def _choice_changed(self) -> None:
        self.mark_changed()
        self._update_amount()
        self.revalidate()

    def amount_due(self) -> Decimal:
        return amount_after(self.detail, self.decisions(), self.settings.tax_rules)

    def _update_amount(self) -> None:
        self.amount.setText(money_text(self.amount_due()))

    # -- how ---------------------------------------------------------------------------

    def _method(self) -> AuthorisationMethod:
        return AuthorisationMethod(self.method.currentData())

    def _method_changed(self) -> None:
        method = self._method()
        needed = bool(method.contact_label)
        self.contact.setEnabled(needed)
        self.contact.setPlaceholderText(method.contact_label or "Not needed")
        if method is AuthorisationMethod.EMAIL and "@" not in self.contact.text():
            self.contact.clear()
        elif method in (AuthorisationMethod.PHONE, AuthorisationMethod.TEXT) and \
                not self.contact.text():
            self.contact.setText(phone_text(self.detail.customer_phone))
        self.revalidate()

    def _check_contact(self) -> str | None:
        method = self._method()
        if method.contact_label and not self.contact.text().strip():
            return f"{method.contact_label} used is needed for an authorisation by " \
                   f"{method.label.lower()}."
        return None

    def local_errors(self) -> dict[str, str]:
        errors = super().local_errors()
        if not self.decisions():
            errors["jobs"] = ("Choose at least one job the customer approved, declined or "
                              "deferred.")
        return errors

    def revalidate(self) -> None:
        super().revalidate()
        message = self.local_errors().get("jobs", "") if self.changed_by_user else ""
        self.jobs_error.setText(message)
        self.jobs_error.setVisible(bool(message))

    # -- saving ------------------------------------------------------------------------

    def job(self) -> Operation[TicketDetail]:
        method = self._method()
        data = jobs.AuthorisationData(
            self.decisions(), self.authorised_by.text(), method, self.amount_due(),
            contact=self.contact.text() if method.contact_label else "",
            special_order=self.special_order,
        )
        ticket_id, version = self.detail.ticket.id, self.detail.ticket.version

        def run(uow: UnitOfWork) -> TicketDetail:
            return jobs.record_authorisation(uow, ticket_id, data, version)

        return run

    def _order_the_rest(self) -> None:
        self.special_order = True
        self.offer.hide()
        self.save()

    def show_errors(self, error: BaseException) -> None:
        super().show_errors(error)
        self.special_order = False
        if isinstance(error, ShortStock):
            self.offer.offer(error)
        if isinstance(error, ValidationError):
            for key in ("jobs", "amount"):
                if key in error.fields:
                    self.jobs_error.setText(error.fields[key])
                    self.jobs_error.show()
            if "amount" in error.fields:
                self._reload()

    def on_stale(self, error: StaleRecord) -> None:
        self._reload()

    def _reload(self) -> None:
        """Take the ticket as it is now; keep the choices and what was typed."""
        ticket_id = self.detail.ticket.id
        self.ui.worker.read(lambda uow: workflow.get_ticket_detail(uow, ticket_id),
                            alive(self, self._fresh), alive(self, super().show_errors))

    def _fresh(self, detail: TicketDetail) -> None:
        self.detail = detail
        for job in detail.jobs:
            total = self.findChild(QLabel, f"authoriseJobTotal{job.id}")
            if total is not None:
                total.setText(money_text(job.totals.total))
        self._update_amount()
        self._set_banner(
            "The ticket changed at another desk; your choices are kept. Read the customer "
            f"the new amount, {money_text(self.amount_due())}, then Record again."
        )
