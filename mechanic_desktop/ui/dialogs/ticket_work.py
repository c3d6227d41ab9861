"""The work on an existing ticket, inside its editor: mechanics and hours, parts from
stock, live totals, the status buttons the lifecycle allows, and printing.

Every write passes the version this panel holds and hands back the ticket's fresh
detail, so the next write carries the new version. When another desk got there first
(``StaleRecord``) the panel says so, reloads, and leaves the editor to keep what the
user had typed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtPrintSupport import QPrintPreviewDialog
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QCheckBox,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QSizePolicy,
    QSpinBox,
    QToolButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from mechanic_desktop.domain.errors import DomainError, StaleRecord
from mechanic_desktop.domain.jobs import JobStatus
from mechanic_desktop.domain.money import money_text
from mechanic_desktop.domain.permissions import Action
from mechanic_desktop.domain.records import (
    FeeLineRecord,
    JobRecord,
    MechanicLineRecord,
    PartLineRecord,
    ShopSettingsRecord,
    TicketDetail,
)
from mechanic_desktop.domain.staff import Role
from mechanic_desktop.domain.status import TicketStatus
from mechanic_desktop.domain.totals import LineKind, hours_text
from mechanic_desktop.services import documents, fees, jobs, shop, workflow
from mechanic_desktop.services.canned_jobs import CannedJobAdded
from mechanic_desktop.services.runner import Operation, UnitOfWork
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.dialogs.add_parts import AddPartsDialog
from mechanic_desktop.ui.dialogs.assign_mechanics import AssignMechanicsDialog
from mechanic_desktop.ui.dialogs.authorisation import AuthorisationDialog
from mechanic_desktop.ui.dialogs.discount import DiscountDialog, Target, limit_text, line_target
from mechanic_desktop.ui.dialogs.fee import AddFeeDialog
from mechanic_desktop.ui.dialogs.form import EditorDialog, button
from mechanic_desktop.ui.dialogs.job_editor import JobDialog
from mechanic_desktop.ui.dialogs.labour import AddLabourDialog, GiveLabourDialog
from mechanic_desktop.ui.dialogs.styles import ERROR_STYLE, NOTE_STYLE
from mechanic_desktop.ui.dialogs.ticket_payments import (
    PaymentsBox,
    ask_credit_note,
    ask_on_account,
    invoice_document,
    posted_snapshot,
)
from mechanic_desktop.ui.dialogs.ticket_status import (
    STATUS_NEEDS,
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
from mechanic_desktop.ui.documents import write_pdf
from mechanic_desktop.ui.models.columns import money
from mechanic_desktop.ui.models.jobs import ID_ROLE, JOB_ROLE, KIND_ROLE, JobsModel
from mechanic_desktop.ui.operations import alive
from mechanic_desktop.ui.permission_gate import gate, reason
from mechanic_desktop.ui.print_preview import open_preview


def pdf_file_name(title: str) -> str:
    """The file name offered for a document, e.g. "Invoice RO-12" -> invoice-ro-12.pdf.

    A shop's ticket prefix may hold characters no file name can (on Windows: /:*?"<>| and
    backslash); they become dashes.
    """
    return re.sub(r'[\\/:*?"<>|\s]+', "-", title).strip("-.").lower() + ".pdf"


ChoosePath = Callable[[QWidget, str], str | None]
#: Add fee… and Discount… have no Alt letter left in the editor: these keys instead.
ADD_FEE_KEYS = "Ctrl+Shift+F"
DISCOUNT_KEYS = "Ctrl+Shift+D"


def ask_pdf_path(parent: QWidget, suggested: str) -> str | None:
    """Where to save a PDF (the real app asks; tests hand the panel a function)."""
    path, _filter = QFileDialog.getSaveFileName(parent, "Export PDF", suggested, "PDF (*.pdf)")
    return path or None


class TicketWorkPanel(QWidget):
    """Mechanics, parts, totals, status and printing of one saved ticket."""

    #: A fresh ``TicketDetail`` was loaded or came back from a write.
    loaded = Signal(object)
    #: A write was refused; carries the sentence for the editor's banner.
    problem = Signal(str)
    #: Another desk changed the ticket first; carries the sentence (a reload follows).
    stale = Signal(str)

    def __init__(self, ui: UiContext, ticket_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ui = ui
        self.ticket_id = ticket_id
        self.setObjectName("ticketWork")
        self.setAccessibleName("Work on this ticket")
        self.detail: TicketDetail | None = None
        self.settings: ShopSettingsRecord | None = None
        self.busy = False
        self.choose_pdf_path: ChoosePath = ask_pdf_path
        self.assign_dialog: AssignMechanicsDialog | None = None
        self.parts_dialog: AddPartsDialog | None = None
        self.job_dialog: JobDialog | None = None
        self.labour_dialog: EditorDialog | None = None
        self.authorisation_dialog: AuthorisationDialog | None = None
        self.reason_dialog: ReasonDialog | None = None
        self.preview: QPrintPreviewDialog | None = None
        self.last_pdf: Path | None = None

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.status_box = self._status_box()
        layout.addWidget(self._jobs_box(), 1)
        totals = self._totals()
        self.payments_box = PaymentsBox(ui, self)
        self.payments_box.saved.connect(
            lambda d: self._written(d, self.payments_box.last_done))
        self.payments_box.problem.connect(self.problem.emit)
        self.payments_box.show_document = self._preview
        totals.insertWidget(0, self.payments_box, 20)
        layout.addLayout(totals)
        self.note = QLabel(self)
        self.note.setObjectName("ticketWorkNote")
        self.note.setWordWrap(True)
        self.note.setStyleSheet(NOTE_STYLE)
        self.note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.note)
        self.print_row = self._print_row()
        self._show_money()
        ui.worker.actor_changed.connect(alive(self, lambda _actor: self._show_money()))
        self._update_buttons()

    # -- building ----------------------------------------------------------------------

    def _show_money(self) -> None:
        """Rates, amounts, totals and payments only for those who may see pay rates: a
        labour line's rate is the mechanic's own, so a mechanic's editor shows hours
        and parts and no money, as the work order does."""
        shown = reason(self.ui, Action.VIEW_PAY_RATES) is None
        self.jobs_tree.setColumnHidden(2, not shown)
        self.jobs_tree.setColumnHidden(3, not shown)
        for widget in (*self.money_widgets, self.payments_box, self.authorisation_note):
            widget.setVisible(shown)

    def _status_box(self) -> QWidget:
        """The status buttons; the editor puts them beside the status text."""
        box = QWidget(self)
        box.setObjectName("ticketStatusActions")
        self.status_layout = QHBoxLayout(box)
        self.status_layout.setContentsMargins(0, 0, 0, 0)
        self.status_buttons: dict[str, QAbstractButton] = {}
        return box

    def _jobs_box(self) -> QGroupBox:
        box = QGroupBox("Jobs", self)
        box.setObjectName("ticketJobsBox")
        layout = QVBoxLayout(box)
        self.jobs_model = JobsModel(self)
        tree = self.jobs_tree = QTreeView(box)
        tree.setObjectName("ticketJobs")
        tree.setAccessibleName("Jobs on this ticket")
        tree.setModel(self.jobs_model)
        tree.setRootIsDecorated(True)
        tree.setUniformRowHeights(True)
        tree.setAlternatingRowColors(True)
        tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        tree.setTabKeyNavigation(False)  # Tab leaves the tree
        header = tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column, width in ((1, 55), (2, 80), (3, 75), (4, 72)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Fixed)
            tree.setColumnWidth(column, width)
        selection = tree.selectionModel()
        assert selection is not None
        selection.currentChanged.connect(lambda *_: self._line_selected())
        tree.activated.connect(lambda *_: self.edit_job())
        layout.addWidget(tree, 1)

        jobs_row = QHBoxLayout()
        self.add_job_button = button(box, "Add &job…", "ticketAddJob")
        self.add_job_button.setToolTip("Add another job (e.g. a timing belt) to the estimate")
        self.add_job_button.clicked.connect(self.add_job)
        self.add_canned_button = button(box, "Add ca&nned job…", "ticketAddCannedJob")
        self.add_canned_button.setToolTip(
            "Add a job from the shop's library (labour and parts at today's prices)")
        self.add_canned_button.clicked.connect(self.add_canned_job)
        self.edit_job_button = button(box, "&Edit job…", "ticketEditJob")
        self.edit_job_button.setToolTip(
            "The job's title, the customer's concern, the cause and the correction")
        self.edit_job_button.clicked.connect(self.edit_job)
        self.remove_job_button = button(box, "Remove job", "ticketRemoveJob")
        self.remove_job_button.setToolTip("Remove a proposed job and its lines")
        self.remove_job_button.clicked.connect(self.remove_job)
        self.authorise_button = button(box, "Record a&uthorisation…", "ticketAuthorise")
        self.authorise_button.setToolTip(
            "Record which jobs the customer approved, declined or deferred, how and when")
        self.authorise_button.clicked.connect(
            lambda _checked=False: self.record_authorisation(None))
        self.decide_buttons: dict[JobStatus, QAbstractButton] = {}
        for status, text, name in ((JobStatus.APPROVED, "Approve…", "ticketApproveJob"),
                                   (JobStatus.DECLINED, "Dec&line…", "ticketDeclineJob"),
                                   (JobStatus.DEFERRED, "De&fer…", "ticketDeferJob")):
            widget = button(box, text, name)
            widget.setToolTip(f"{status.label[:-1]} the selected job: records the "
                              "customer's authorisation")
            widget.clicked.connect(lambda _c=False, s=status: self.decide(s))
            self.decide_buttons[status] = widget
        for widget in (self.add_job_button, self.add_canned_button, self.edit_job_button,
                       self.remove_job_button):
            jobs_row.addWidget(widget)
        jobs_row.addStretch(1)
        layout.addLayout(jobs_row)
        decide_row = QHBoxLayout()
        for widget in (*self.decide_buttons.values(), self.authorise_button):
            decide_row.addWidget(widget)
        decide_row.addStretch(1)
        layout.addLayout(decide_row)

        row = QHBoxLayout()
        self.assign_button = button(box, "&Assign mechanics…", "ticketAssignMechanics")
        self.assign_button.setToolTip("Choose who works on the selected job and their hours")
        self.assign_button.clicked.connect(self.assign_mechanics)
        row.addWidget(self.assign_button)
        self.add_labour_button = button(box, "Add la&bour…", "ticketAddLabour")
        self.add_labour_button.setToolTip(
            "Labour on the selected job before anyone is assigned to it (shop labour rate)")
        self.add_labour_button.clicked.connect(self.add_labour)
        row.addWidget(self.add_labour_button)
        self.give_button = button(box, "&Give to…", "ticketGiveLabour")
        self.give_button.setToolTip("Choose the mechanic who does the selected labour")
        self.give_button.clicked.connect(self.give_labour)
        row.addWidget(self.give_button)
        # Labour on one row, parts and money on the next: six buttons on one row were
        # squeezed below their text at the editor's usual width.
        row.addStretch(1)
        layout.addLayout(row)
        row = QHBoxLayout()
        self.add_parts_button = button(box, "Add &parts…", "ticketAddParts")
        self.add_parts_button.setToolTip(
            "Put parts on the selected job (taken from stock once the job is approved)")
        self.add_parts_button.clicked.connect(self.add_parts)
        row.addWidget(self.add_parts_button)
        self.add_fee_button = button(box, "Add fee…", "ticketAddFee")
        self.add_fee_button.setShortcut(QKeySequence(ADD_FEE_KEYS))
        self.add_fee_button.setToolTip(
            f"A fee on the selected job: disposal, shop supplies ({ADD_FEE_KEYS})")
        self.add_fee_button.clicked.connect(self.add_fee)
        row.addWidget(self.add_fee_button)
        self.discount_button = button(box, "Discount…", "ticketDiscount")
        self.discount_button.setShortcut(QKeySequence(DISCOUNT_KEYS))
        self.discount_button.setToolTip(
            f"A discount on the selected line or on the ticket's approved work ({DISCOUNT_KEYS})")
        self.discount_button.clicked.connect(self.give_discount)
        row.addWidget(self.discount_button)
        row.addStretch(1)
        layout.addLayout(row)
        row = QHBoxLayout()
        self.mechanics_note = QLabel(box)
        self.mechanics_note.setObjectName("ticketHoursNote")
        self.mechanics_note.setStyleSheet(NOTE_STYLE)
        row.addWidget(self.mechanics_note, 1)
        caption = QLabel("&Quantity:", box)
        self.quantity = QSpinBox(box)
        self.quantity.setObjectName("ticketLineQuantity")
        self.quantity.setAccessibleName("Quantity of the selected part")
        self.quantity.setRange(1, workflow.MAX_LINE_QUANTITY)
        caption.setBuddy(self.quantity)
        row.addWidget(caption)
        row.addWidget(self.quantity)
        self.set_quantity_button = button(box, "&Set", "ticketSetQuantity")
        self.set_quantity_button.setToolTip(
            "Change the selected line's quantity (on an approved job more is taken from "
            "stock, fewer go back)")
        self.set_quantity_button.clicked.connect(self.set_quantity)
        row.addWidget(self.set_quantity_button)
        self.take_button = button(box, "Ta&ke from stock", "ticketTakeOrdered")
        self.take_button.setToolTip("The special order arrived: take the selected \"To "
                                    "order\" line's parts from stock")
        self.take_button.clicked.connect(self.take_ordered)
        self.take_button.hide()  # shown for a line on special order
        row.addWidget(self.take_button)
        self.taxable_box = QCheckBox("Ta&xable", box)
        self.taxable_box.setObjectName("ticketLineTaxable")
        self.taxable_box.setAccessibleName("Sales tax applies to the selected line")
        self.taxable_box.setToolTip("Whether sales tax applies to the selected labour, parts "
                                    "or fee line (Space switches it)")
        self.taxable_box.clicked.connect(self.set_taxable)
        row.addWidget(self.taxable_box)
        self.remove_button = button(box, "&Remove", "ticketRemovePart")
        self.remove_button.setToolTip("Remove the selected parts, labour or fee line (taken "
                                      "parts go back to stock; a fee the shop's rules put on "
                                      "stays: a 100% discount waives it)")
        self.remove_button.clicked.connect(self.remove_line)
        row.addWidget(self.remove_button)
        layout.addLayout(row)

        self.authorisation_note = QLabel(box)
        self.authorisation_note.setObjectName("ticketAuthorisation")
        self.authorisation_note.setWordWrap(True)
        self.authorisation_note.setStyleSheet(NOTE_STYLE)
        self.authorisation_note.setSizePolicy(QSizePolicy.Policy.Preferred,
                                              QSizePolicy.Policy.Minimum)
        # Room for two lines, so a wrapped sentence is never cut.
        self.authorisation_note.setMinimumHeight(
            self.authorisation_note.fontMetrics().lineSpacing() * 2 + 4)
        layout.addWidget(self.authorisation_note)
        return box

    def _totals(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.addStretch(1)
        grid = QGridLayout()
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(2)
        self.total_labels: dict[str, QLabel] = {}
        self.money_widgets: list[QWidget] = []
        for i, (key, caption) in enumerate((("parts", "Parts"), ("labor", "Labour"),
                                            ("fees", "Fees"), ("discount", "Discounts"),
                                            ("tax", "Tax"), ("total", "Total"))):
            name = QLabel(caption, self)
            value = QLabel("—", self)
            value.setObjectName(f"ticketTotal{key.capitalize()}")
            value.setAccessibleName(f"{caption} total")
            value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            value.setMinimumWidth(90)
            if key == "total":
                for label in (name, value):
                    font = label.font()
                    font.setBold(True)
                    font.setPointSizeF(font.pointSizeF() * 1.15)
                    label.setFont(font)
            grid.addWidget(name, i, 0)
            grid.addWidget(value, i, 1)
            self.money_widgets += [name, value]
            self.total_labels[key] = value
            if key == "tax":
                self.tax_caption = name
            if key == "fees":
                self.fees_caption = name
        row.addLayout(grid)
        row.setAlignment(grid, Qt.AlignmentFlag.AlignTop)
        return row

    def _print_row(self) -> QWidget:
        """Print and export buttons; the editor puts them beside Save and Close."""
        box = QWidget(self)
        box.setObjectName("ticketPrintRow")
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        self.print_work_order_button = button(box, "Print &work order…", "ticketPrintWorkOrder")
        self.print_work_order_button.setToolTip("The job sheet for the bay (no prices)")
        self.print_work_order_button.clicked.connect(lambda: self.print_document("work_order"))
        self.print_estimate_button = button(box, "Print es&timate…", "ticketPrintEstimate")
        self.print_estimate_button.setToolTip(
            "The estimate for the customer to approve: every job with its price")
        self.print_estimate_button.clicked.connect(lambda: self.print_document("estimate"))
        self.print_invoice_button = button(box, "Print &invoice…", "ticketPrintInvoice")
        self.print_invoice_button.setToolTip("The customer's invoice, with a print preview")
        self.print_invoice_button.clicked.connect(lambda: self.print_document("invoice"))
        self.export_button = QToolButton(box)
        self.export_button.setObjectName("ticketExportPdf")
        self.export_button.setAccessibleName("Export PDF")
        self.export_button.setText("Export PDF")
        self.export_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.export_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.export_button)
        menu.setObjectName("ticketExportMenu")
        self.export_invoice_action = QAction("Invoice as PDF…", menu)
        self.export_invoice_action.setObjectName("ticketExportInvoice")
        self.export_invoice_action.triggered.connect(lambda: self.export_pdf("invoice"))
        self.export_work_order_action = QAction("Work order as PDF…", menu)
        self.export_work_order_action.setObjectName("ticketExportWorkOrder")
        self.export_work_order_action.triggered.connect(lambda: self.export_pdf("work_order"))
        self.export_estimate_action = QAction("Estimate as PDF…", menu)
        self.export_estimate_action.setObjectName("ticketExportEstimate")
        self.export_estimate_action.triggered.connect(lambda: self.export_pdf("estimate"))
        menu.addAction(self.export_estimate_action)
        menu.addAction(self.export_invoice_action)
        menu.addAction(self.export_work_order_action)
        self.export_button.setMenu(menu)
        for widget in (self.print_estimate_button, self.print_work_order_button,
                       self.print_invoice_button, self.export_button):
            row.addWidget(widget)
        return box

    # -- state -------------------------------------------------------------------------

    @property
    def version(self) -> int | None:
        return self.detail.ticket.version if self.detail is not None else None

    def label(self) -> str:
        """The ticket's number as the shop prints it (e.g. RO-42)."""
        if self.detail is None:
            return f"#{self.ticket_id}"
        number = self.detail.ticket.number
        return self.settings.ticket_label(number) if self.settings else f"#{number}"

    def load(self) -> None:
        """Read the ticket's detail (and the shop's settings, for labels and printing)."""
        ticket_id = self.ticket_id
        self.ui.worker.read(
            lambda uow: (workflow.get_ticket_detail(uow, ticket_id), shop.get_settings(uow)),
            alive(self, self._loaded),
            alive(self, lambda error: self.problem.emit(str(error))),
        )

    def _loaded(self, result: tuple[TicketDetail, ShopSettingsRecord]) -> None:
        self.settings = result[1]
        self.apply(result[0])

    def apply(self, detail: TicketDetail) -> None:
        """Show ``detail`` (from a load, or what a write handed back)."""
        if detail.ticket.id != self.ticket_id:
            return
        self.busy = False
        self.detail = detail
        self._fill_tree(detail, self._current_key())
        totals = detail.totals
        for key, amount in (("parts", totals.parts), ("labor", totals.labor),
                            ("fees", totals.fees), ("tax", totals.tax),
                            ("total", totals.total)):
            self.total_labels[key].setText(money(amount))
        self.total_labels["discount"].setText(
            "−" + money(totals.discount) if totals.discount else money(totals.discount))
        rates = (documents.tax_rates_text(self.settings) if self.settings and detail.editable
                 else "Tax")
        # Two rates ("Tax (parts 8.875%, labour 5%)") do not fit the narrow column: "Tax",
        # with the rates in its tooltip (the printed documents spell them out).
        self.tax_caption.setText("Tax" if "," in rates else rates)
        self.tax_caption.setToolTip(rates if "," in rates else "")
        hours = sum(m.minutes for m in detail.mechanics)
        self.mechanics_note.setText(
            f"{hours_text(hours)} h booked" if detail.mechanics else "Nobody assigned yet")
        self._show_authorisation(detail)
        self.payments_box.show_detail(detail, self.settings)
        self._fill_status(detail)
        self._update_buttons()
        self.loaded.emit(detail)

    def _fill_tree(self, detail: TicketDetail, keep: tuple[str, int] | None) -> None:
        tree, model = self.jobs_tree, self.jobs_model
        model.set_jobs(detail.jobs)
        tree.expandAll()
        current = model.find(*keep) if keep is not None else model.index(0, 0)
        if not current.isValid():
            current = model.index(0, 0)
        if current.isValid():
            tree.setCurrentIndex(current)
        self._line_selected()

    def _current_key(self) -> tuple[str, int] | None:
        index = self.jobs_tree.currentIndex()
        if not index.isValid():
            return None
        return str(index.data(KIND_ROLE)), int(index.data(ID_ROLE) or 0)

    def _show_authorisation(self, detail: TicketDetail) -> None:
        """What the customer has authorised, or what they still must."""
        note = self.authorisation_note
        if detail.authorisation_needed:
            note.setStyleSheet(ERROR_STYLE)
            note.setText(
                f"Authorisation needed: +{money_text(detail.authorisation_needed)} (approved "
                f"work {money_text(detail.totals.total)}, authorised "
                f"{money_text(detail.authorised_total)}).")
            return
        note.setStyleSheet(NOTE_STYLE)
        if detail.authorisations:
            last = detail.authorisations[-1]
            count = len(detail.authorisations)
            more = f" ({count} authorisations)" if count > 1 else ""
            note.setText(
                f"Authorised {money_text(last.amount)} by {last.authorised_by} "
                f"({last.method.replace('_', ' ')}) on "
                f"{last.authorised_at.astimezone().strftime('%Y-%m-%d %H:%M')}{more}.")
        elif detail.estimate is not None and detail.estimate.total:
            # A finished ticket cannot be authorised any more: say what is on record
            # (demo data, an import, work within the shop's tolerance), not what to do.
            note.setText(f"Estimate {money_text(detail.estimate.total)}: not authorised "
                         "by the customer yet." if detail.editable
                         else "No authorisation by the customer is on record.")
        else:
            note.setText("")

    def _fill_status(self, detail: TicketDetail) -> None:
        while self.status_layout.count():
            item = self.status_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.status_buttons = {}
        for value in detail.allowed_next:
            status = TicketStatus(value)
            words = STATUS_VERBS[status]
            name = "ticketStatus" + "".join(p.capitalize() for p in value.split("_"))
            widget = button(self.status_box, words, name)
            widget.setToolTip(STATUS_TIPS[status])
            widget.clicked.connect(lambda _c=False, s=status: self.set_status(s))
            self.status_layout.addWidget(widget)
            self.status_buttons[value] = widget
        if detail.reopenable:
            widget = button(self.status_box, "Reopen…", "ticketReopen")
            widget.setToolTip("Bring the ticket back to In progress, saying why")
            widget.clicked.connect(self.reopen)
            self.status_layout.addWidget(widget)
            self.status_buttons["reopen"] = widget
        self.status_layout.addStretch(1)

    def _gate(self, widget: QWidget, usable: bool, action: Action) -> None:
        """Enable ``widget`` when it is usable now and the role may do ``action``; else,
        for the role, say why in its tooltip (the words the service refuses with). The
        shared gate keeps the button's own tooltip and gives it back when the role may
        again (an administrator signing in at the same desk)."""
        gate(widget, self.ui, action, ready=usable)

    def _update_buttons(self) -> None:
        detail = self.detail
        editable = detail is not None and detail.editable and not self.busy
        job = self.selected_job()
        line = self.selected_line()
        labour = self.selected_labour()
        fee = self.selected_fee()
        taxed = self.selected_taxed()
        self.taxable_box.setChecked(taxed is None or taxed[2])
        mechanic = self.ui.actor is not None and self.ui.actor.role is Role.MECHANIC
        gates = (
            (self.add_job_button, editable, Action.EDIT_TICKETS),
            (self.add_canned_button, editable, Action.ASSIGN_WORK),
            (self.edit_job_button, editable and job is not None, Action.RECORD_FINDINGS),
            (self.remove_job_button,
             editable and job is not None and job.status == JobStatus.PROPOSED.value,
             Action.EDIT_TICKETS),
            (self.authorise_button, editable and bool(detail and detail.jobs),
             Action.AUTHORISE_WORK),
            (self.assign_button, editable and job is not None, Action.LOG_HOURS),
            (self.add_parts_button, editable and job is not None, Action.ASSIGN_WORK),
            (self.add_labour_button, editable and job is not None, Action.ASSIGN_WORK),
            (self.add_fee_button, editable and job is not None, Action.ASSIGN_WORK),
            (self.discount_button, editable and bool(detail and detail.jobs),
             Action.EDIT_TICKETS),
            (self.taxable_box, editable and taxed is not None, Action.ASSIGN_WORK),
            (self.give_button, editable and labour is not None and labour.mechanic_id is None,
             Action.ASSIGN_WORK),
            (self.quantity, editable and line is not None, Action.ASSIGN_WORK),
            (self.set_quantity_button, editable and line is not None, Action.ASSIGN_WORK),
            (self.remove_button, editable and taxed is not None and not (
                fee is not None and fee.automatic), Action.ASSIGN_WORK),
            (self.take_button, editable and line is not None and line.ordered,
             Action.ASSIGN_WORK),
        )
        self.take_button.setVisible(line is not None and line.ordered)
        for widget, usable, action in gates:
            self._gate(widget, usable, action)
        for decision, widget in self.decide_buttons.items():
            self._gate(widget, editable and job is not None and job.status != decision.value,
                       Action.AUTHORISE_WORK)
        for key, widget in self.status_buttons.items():
            self._gate(widget, not self.busy, Action.REOPEN_TICKETS if key == "reopen"
                       else STATUS_NEEDS[TicketStatus(key)])
        for widget in (self.print_work_order_button, self.print_invoice_button,
                       self.print_estimate_button, self.export_button):
            widget.setEnabled(detail is not None)
        if mechanic:
            self.assign_button.setText("My &hours…")
        if detail is not None and not detail.editable:
            status = TicketStatus(detail.ticket.status)
            self.mechanics_note.setText(f"{status.label}: read-only")

    def selected_job(self) -> JobRecord | None:
        index = self.jobs_tree.currentIndex()
        if not index.isValid() or self.detail is None:
            return None
        job_id = index.data(JOB_ROLE)
        return next((j for j in self.detail.jobs if j.id == job_id), None)

    def selected_line(self) -> PartLineRecord | None:
        index = self.jobs_tree.currentIndex()
        if not index.isValid() or self.detail is None or index.data(KIND_ROLE) != "part":
            return None
        line_id = index.data(ID_ROLE)
        return next((p for p in self.detail.parts if p.id == line_id), None)

    def selected_labour(self) -> MechanicLineRecord | None:
        index = self.jobs_tree.currentIndex()
        if not index.isValid() or self.detail is None or index.data(KIND_ROLE) != "labour":
            return None
        line_id = index.data(ID_ROLE)
        return next((m for m in self.detail.mechanics if m.line_id == line_id), None)

    def selected_fee(self) -> FeeLineRecord | None:
        index = self.jobs_tree.currentIndex()
        if not index.isValid() or self.detail is None or index.data(KIND_ROLE) != "fee":
            return None
        line_id = index.data(ID_ROLE)
        return next((f for f in self.detail.fees if f.id == line_id), None)

    def selected_taxed(self) -> tuple[LineKind, int, bool] | None:
        """The selected line's kind, id and whether it is taxable (None: no line)."""
        part, labour, fee = self.selected_line(), self.selected_labour(), self.selected_fee()
        if part is not None:
            return LineKind.PART, part.id, part.taxable
        if labour is not None:
            return LineKind.LABOUR, labour.line_id, labour.taxable
        if fee is not None:
            return LineKind.FEE, fee.id, fee.taxable
        return None

    def _line_selected(self) -> None:
        line = self.selected_line()
        if line is not None:
            self.quantity.setValue(line.quantity)
        self._update_buttons()

    # -- writes ------------------------------------------------------------------------

    def _write(
        self,
        op: Operation[TicketDetail],
        done: str,
    ) -> None:
        self.busy = True
        self._update_buttons()
        self.note.setText("")
        self.ui.worker.write(
            op,
            alive(self, lambda detail: self._written(detail, done)),
            alive(self, self.failed),
        )

    def _written(self, detail: TicketDetail, done: str) -> None:
        self.apply(detail)
        self.note.setText(done)

    def failed(self, error: BaseException) -> None:
        """A write was refused: a stale copy reloads; anything else is explained."""
        self.busy = False
        self._update_buttons()
        if isinstance(error, StaleRecord):
            self.stale.emit(str(error))
            self.load()
        elif isinstance(error, DomainError):
            self.problem.emit(str(error))
        else:
            self.problem.emit(f"Could not save: {error}")

    def set_status(self, status: TicketStatus) -> None:
        detail, version = self.detail, self.version
        if detail is None or version is None or self.busy:
            return
        label = self.label()
        if status is TicketStatus.CANCELLED and not confirm_cancel(
                self.ui, self, label, pieces=sum(p.quantity for p in detail.parts)):
            return
        on_account = (ask_on_account(self.ui, self, detail, label)
                      if status is TicketStatus.CLOSED else False)
        if on_account is None:
            return
        self._write(status_job(self.ticket_id, status, version=version, on_account=on_account),
                    moved_text(status, label))

    def reopen(self) -> None:
        if self.detail is None or not self.detail.reopenable:
            return
        if ask_credit_note(self.ui, self, self.detail, self.label()) is None:
            return
        self.reason_dialog = ask_reopen_reason(self, self.label(), self._reopen)

    def _reopen(self, reason: str) -> None:
        version = self.version
        if version is None:
            return
        self._write(reopen_job(self.ticket_id, reason, version=version),
                    reopened_text(self.label()))

    def set_quantity(self) -> None:
        line, version = self.selected_line(), self.version
        if line is None or version is None or self.busy:
            return
        quantity = self.quantity.value()
        if quantity == line.quantity:
            return
        self._write(
            lambda uow: workflow.change_part_quantity(uow, line.id, quantity, version),
            f"{line.sku}: {line.quantity} → {quantity}.",
        )

    def take_ordered(self) -> None:
        line, version = self.selected_line(), self.version
        if line is None or not line.ordered or version is None or self.busy:
            return
        self._write(lambda uow: workflow.take_ordered_line(uow, line.id, version),
                    f"Took {line.quantity} × {line.sku} from stock for the job.")

    def set_taxable(self, taxable: bool) -> None:
        """The Taxable box was switched: the selected line is taxed, or no longer."""
        taxed, version = self.selected_taxed(), self.version
        if taxed is None or version is None or self.busy or taxed[2] == taxable:
            return
        kind, line_id, _ = taxed
        self._write(lambda uow: fees.set_taxable(uow, kind, line_id, taxable, version),
                    "Sales tax applies to the line." if taxable
                    else "The line is not taxed.")

    def remove_line(self) -> None:
        line, version = self.selected_line(), self.version
        labour, fee = self.selected_labour(), self.selected_fee()
        if labour is not None and version is not None and not self.busy:
            self._remove_labour(labour, version)
            return
        if fee is not None and version is not None and not self.busy:
            self._remove_fee(fee, version)
            return
        if line is None or version is None or self.busy:
            return
        back = " They go back to stock." if line.taken else ""
        question = (f"Remove {line.quantity} × {line.sku} ({line.name}) from ticket "
                    f"{self.label()}?{back}")
        if not self.ui.prompts.confirm(self, "Remove part", question, "Remove"):
            return
        self._write(
            lambda uow: workflow.remove_part_line(uow, line.id, version),
            f"Removed {line.sku}; {line.quantity} back in stock." if line.taken
            else f"Removed {line.sku}.",
        )

    def _remove_labour(self, labour: MechanicLineRecord, version: int) -> None:
        what = labour.operation or "labour"
        who = f" ({labour.name})" if labour.name else ""
        if not self.ui.prompts.confirm(
                self, "Remove labour", f"Remove {what}{who}, {hours_text(labour.minutes)} h, "
                f"from ticket {self.label()}?", "Remove"):
            return
        line_id = labour.line_id
        self._write(lambda uow: jobs.remove_labour(uow, line_id, version),
                    f"Removed {what}{who}.")

    def _remove_fee(self, fee: FeeLineRecord, version: int) -> None:
        if not self.ui.prompts.confirm(
                self, "Remove fee", f"Remove the fee {fee.description} "
                f"({money_text(fee.amount)}) from ticket {self.label()}?", "Remove"):
            return
        line_id = fee.id
        self._write(lambda uow: fees.remove_fee(uow, line_id, version),
                    f"Removed the fee {fee.description}.")

    # -- other dialogs -----------------------------------------------------------------

    def selected_target(self) -> Target | None:
        """The selected line as a discount's target (None: no line selected)."""
        part, labour, fee = self.selected_line(), self.selected_labour(), self.selected_fee()
        if part is not None:
            return line_target(LineKind.PART, part.id, f"{part.sku} {part.name}",
                               part.line_total, part.discount)
        if labour is not None:
            return line_target(LineKind.LABOUR, labour.line_id,
                               labour.operation or labour.name or "Labour", labour.line_total,
                               labour.discount)
        if fee is not None:
            return line_target(LineKind.FEE, fee.id, fee.description, fee.amount, fee.discount)
        return None

    def give_discount(self) -> None:
        if self.detail is None or not self.detail.editable or self.busy:
            return
        actor = self.ui.actor
        limit = self.settings.max_writer_discount if self.settings else Decimal(0)
        note = limit_text(limit, actor is None or actor.role is Role.ADMIN)
        self._open_ticket_dialog(DiscountDialog(
            self.ui, self.detail, self.selected_target(), note, self.window()))

    def add_fee(self) -> None:
        job = self.selected_job()
        if self.detail is None or job is None or not self.detail.editable or self.busy:
            return
        self._open_ticket_dialog(AddFeeDialog(
            self.ui, self.ticket_id, self.detail.ticket.version, job, self.window()))

    def add_labour(self) -> None:
        job = self.selected_job()
        if self.detail is None or job is None or not self.detail.editable:
            return
        rate = self.settings.labor_rate if self.settings else Decimal(0)
        self._open_ticket_dialog(AddLabourDialog(
            self.ui, self.ticket_id, self.detail.ticket.version, job, rate, self.window()))

    def give_labour(self) -> None:
        labour = self.selected_labour()
        if self.detail is None or labour is None or labour.mechanic_id is not None:
            return
        self._open_ticket_dialog(GiveLabourDialog(
            self.ui, self.ticket_id, self.detail.ticket.version, labour, self.window()))

    def _open_ticket_dialog(self, dialog: EditorDialog) -> None:
        """A small dialog that writes to this ticket and hands back its detail."""
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(alive(self, self.apply))
        self.labour_dialog = dialog
        dialog.open()

    def assign_mechanics(self) -> None:
        job = self.selected_job()
        if self.detail is None or not self.detail.editable or job is None:
            return
        dialog = AssignMechanicsDialog(self.ui, self.ticket_id, self.detail, self.window(),
                                       self._prefix(), job.id)
        self._open_child(dialog)
        self.assign_dialog = dialog

    def add_parts(self) -> None:
        job = self.selected_job()
        if self.detail is None or not self.detail.editable or job is None:
            return
        dialog = AddPartsDialog(self.ui, self.ticket_id, self.detail, self.window(),
                                self._prefix(), job.id)
        self._open_child(dialog)
        self.parts_dialog = dialog

    def add_job(self) -> None:
        if self.detail is None or not self.detail.editable or self.busy:
            return
        self._open_job_dialog(None)

    def add_canned_job(self) -> None:
        """Pick a job from the library (``CannedJobPicker``); the new job is selected
        and what could not be added (a part gone) is said in the note line."""
        if self.detail is None or not self.detail.editable or self.busy:
            return
        from mechanic_desktop.ui.dialogs.canned_jobs import CannedJobPicker

        def added(result: CannedJobAdded) -> None:
            self.apply(result.detail)
            index = self.jobs_model.find("job", result.job_id)
            if index.isValid():
                self.jobs_tree.setCurrentIndex(index)
            title = next((j.title for j in result.detail.jobs if j.id == result.job_id), "")
            self.note.setStyleSheet(ERROR_STYLE if result.notes else NOTE_STYLE)
            self.note.setText(" ".join((f"Added the job “{title}”.", *result.notes)))

        dialog = CannedJobPicker(self.ui, self.ticket_id, self.detail, self.window(),
                                 self._prefix())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(alive(self, added))
        dialog.reloaded.connect(alive(self, self.apply))
        self.canned_dialog = dialog
        dialog.open()

    def edit_job(self) -> None:
        job = self.selected_job()
        if self.detail is None or job is None or not self.detail.editable:
            return
        self._open_job_dialog(job)

    def _open_job_dialog(self, job: JobRecord | None) -> None:
        assert self.detail is not None
        findings_only = self.ui.actor is not None and self.ui.actor.role is Role.MECHANIC
        dialog = JobDialog(self.ui, self.ticket_id, self.detail.ticket.version, job,
                           self.window(), label=self.label(), findings_only=findings_only)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(alive(self, self.apply))
        self.job_dialog = dialog
        dialog.open()

    def remove_job(self) -> None:
        job, version = self.selected_job(), self.version
        if job is None or version is None or self.busy:
            return
        if not self.ui.prompts.confirm(
                self, "Remove job", f"Remove the job “{job.title}” and its lines from "
                f"ticket {self.label()}?", "Remove"):
            return
        job_id = job.id
        self._write(lambda uow: jobs.remove_job(uow, job_id, version),
                    f"Removed the job “{job.title}”.")

    def decide(self, status: JobStatus) -> None:
        """Approve, decline or defer the selected job: the authorisation dialog opens
        with that decision chosen (who, how and the amount are still needed)."""
        job = self.selected_job()
        if job is not None:
            self.record_authorisation({job.id: status})

    def record_authorisation(self, preset: dict[int, JobStatus] | None = None) -> None:
        if self.detail is None or self.settings is None or not self.detail.editable:
            return
        dialog = AuthorisationDialog(self.ui, self.detail, self.settings, self.window(),
                                     preset=preset)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(alive(self, lambda d: self._written(d, "Authorisation recorded.")))
        self.authorisation_dialog = dialog
        dialog.open()

    def _prefix(self) -> str:
        return self.settings.ticket_prefix if self.settings else "#"

    def _open_child(self, dialog: AssignMechanicsDialog | AddPartsDialog) -> None:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(alive(self, self.apply))
        dialog.reloaded.connect(alive(self, self.apply))
        dialog.open()

    # -- printing ----------------------------------------------------------------------

    def _document(self, kind: str, then: Callable[[str, str], None]) -> None:
        """Read the ticket as it is now, then hand its HTML and title to ``then``."""
        ticket_id = self.ticket_id

        def build(uow: UnitOfWork) -> tuple[TicketDetail, ShopSettingsRecord, Any, bytes]:
            detail = workflow.get_ticket_detail(uow, ticket_id)
            return (detail, shop.get_settings(uow), posted_snapshot(uow, detail),
                    shop.get_logo(uow))

        def ready(result: tuple[TicketDetail, ShopSettingsRecord, Any, bytes]) -> None:
            detail, settings, posted, logo = result
            self.settings = settings
            label = settings.ticket_label(detail.ticket.number)
            if kind == "estimate":
                empty = documents.empty_jobs(detail)
                if empty:
                    self._say_problem(
                        f"“{empty[0]}” has no labour or parts yet: add what it involves, or "
                        "remove the job, before printing the estimate.")
                    return
                then(documents.estimate_html(detail, settings, logo=logo),
                     f"Estimate {label}")
            elif kind == "invoice":
                then(*invoice_document(detail, settings, posted, logo))
            else:
                then(documents.work_order_html(detail, settings, logo), f"Work order {label}")

        self.ui.worker.read(build, alive(self, ready),
                            alive(self, lambda error: self.problem.emit(str(error))))

    def _say_problem(self, text: str) -> None:
        self.note.setStyleSheet(ERROR_STYLE)
        self.note.setText(text)

    def print_document(self, kind: str) -> None:
        self._document(kind, self._preview)

    def _preview(self, html: str, title: str) -> None:
        self.preview = open_preview(self.window(), html, title, "ticketPrintPreview",
                                    self.settings.paper_size if self.settings else "letter")

    def export_pdf(self, kind: str) -> None:
        self._document(kind, self._export)

    def _export(self, html: str, title: str) -> None:
        path = self.choose_pdf_path(self, pdf_file_name(title))
        if not path:
            return
        try:
            self.last_pdf = write_pdf(html, path, title,
                                      self.settings.paper_size if self.settings else "letter")
        except OSError as exc:
            self.note.setStyleSheet(ERROR_STYLE)
            self.note.setText(str(exc))
            return
        self.note.setStyleSheet(NOTE_STYLE)
        self.note.setText(f"{title} saved to {self.last_pdf}")
