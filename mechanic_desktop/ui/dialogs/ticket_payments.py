"""Money in the ticket editor: where the ticket stands (Unpaid, Partially paid, Paid and
the balance due), its posted invoice and credit notes, the payments taken, and the
"Take payment…" dialog (keyboard first: the amount is the balance due, the method and
a reference, Enter records). Administrators also refund, with a reason.

The box talks to the services through operations only; what a write hands back (the
ticket's fresh detail) goes out by ``saved`` for the editor's panel to show.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from mechanic_desktop.domain.billing import (
    MAX_NOTE,
    MAX_REFERENCE,
    TAKEN_METHODS,
    PaymentMethod,
    PaymentRecord,
    PaymentState,
    amount_text_rounded,
    check_reference,
    parse_amount,
    shop_methods,
)
from mechanic_desktop.domain.money import money_text
from mechanic_desktop.domain.permissions import Action
from mechanic_desktop.domain.records import ShopSettingsRecord, TicketDetail
from mechanic_desktop.services import credit_notes, documents, invoicing, payments, shop, workflow
from mechanic_desktop.services.runner import Operation, UnitOfWork
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.dialogs import checks
from mechanic_desktop.ui.dialogs.credit_note import ApplyCreditDialog, CreditNoteDialog
from mechanic_desktop.ui.dialogs.form import button, line_edit
from mechanic_desktop.ui.dialogs.labour import _TicketWrite
from mechanic_desktop.ui.dialogs.styles import NOTE_STYLE
from mechanic_desktop.ui.operations import alive

_REFERENCE_HINTS: dict[str, str] = {
    PaymentMethod.CASH: "",
    PaymentMethod.CARD: "last four digits, e.g. 4242",
    PaymentMethod.CHEQUE: "cheque number",
    PaymentMethod.BANK_TRANSFER: "transfer reference (optional)",
}


#: The payments list's columns that grow to what they hold: the method, who took it.
_FITTED = (1, 3)

class PaymentDialog(_TicketWrite):
    """Take a payment (or, ``refund``, give money back) on one ticket."""

    def __init__(self, ui: UiContext, detail: TicketDetail, label: str, *,
                 refund: bool = False, own_methods: Sequence[str] = (),
                 parent: QWidget | None = None) -> None:
        what = "Refund" if refund else "Take payment"
        super().__init__(ui, "refund" if refund else "payment", f"{what}: ticket {label}",
                         detail.ticket.id, detail.ticket.version, parent)
        self.refund = refund
        billing = detail.billing
        due = billing.paid if refund else max(billing.balance, Decimal(0))
        self.amount = line_edit(self, f"{due:.2f}" if due > 0 else "", "e.g. 120.00")
        self.amount.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.add_field("amount", "&Amount:", self.amount, self._amount_problem)
        self.rounded = QLabel(self)
        self.rounded.setObjectName(f"{self.prefix}Rounded")
        self.rounded.setStyleSheet(NOTE_STYLE)
        self.rounded.hide()
        self.form.addRow("", self.rounded)
        self.amount.editingFinished.connect(self._round_amount)
        self.method = QComboBox(self)
        for method in TAKEN_METHODS:
            self.method.addItem(method.label, method.value)
        for name in own_methods:
            self.method.addItem(name, name)
        self.add_field("method", "&Method:", self.method)
        self.reference = line_edit(self, "", "", MAX_REFERENCE)
        self.add_field("reference", "&Reference:", self.reference, self._reference_problem)
        if refund:
            self.reason = line_edit(self, "", "e.g. paid twice", MAX_NOTE)
            self.add_field("reason", "Reaso&n:", self.reason,
                           checks.required_text(self.reason, "Say why the money is given back."))
        self.note = line_edit(self, "", "optional", MAX_NOTE)
        self.add_field("note", "N&ote:", self.note)
        standing = (f"Refund up to {money_text(billing.paid)} (what was paid)." if refund
                    else f"{billing.state.value}: {money_text(billing.balance)} due of "
                    f"{money_text(billing.billed)}" + (
                        "" if billing.invoice else " (before the invoice: a deposit)") + ".")
        self.standing = QLabel(standing, self)
        self.standing.setObjectName(f"{self.prefix}Standing")
        self.standing.setStyleSheet(NOTE_STYLE)
        self.form.addRow("", self.standing)
        self.method.currentIndexChanged.connect(self._method_changed)
        self.save_button.setText("&Refund" if refund else "&Record payment")
        self._method_changed()
        self.amount.setFocus()

    def showEvent(self, event: QShowEvent) -> None:
        """The balance is selected: typing another amount replaces it."""
        super().showEvent(event)
        self.amount.selectAll()

    def _method(self) -> str:
        return str(self.method.currentData())

    def _method_changed(self) -> None:
        self.reference.setPlaceholderText(
            _REFERENCE_HINTS.get(self._method(), "reference (optional)"))
        self.reference.setEnabled(self._method() != PaymentMethod.CASH)
        if self._method() == PaymentMethod.CASH:
            self.reference.clear()
        self.revalidate()

    def _round_amount(self) -> None:
        """More than two decimals: the field shows the amount that will be recorded."""
        typed = self.amount.text().strip()
        rounded = amount_text_rounded(typed)
        if rounded is None:
            return
        self.amount.setText(rounded)
        self.rounded.setText(f"{typed} rounded to cents: {rounded}")
        self.rounded.show()
        self.revalidate()

    def _amount_problem(self) -> str | None:
        try:
            parse_amount(self.amount.text())
        except ValueError as exc:
            return str(exc)
        return None

    def _reference_problem(self) -> str | None:
        return check_reference(self._method(), self.reference.text().strip())

    def _fresh(self, detail: Any) -> None:
        if isinstance(detail, TicketDetail):
            self.version = detail.ticket.version
            self._set_banner(
                "Another desk changed this ticket meanwhile (now "
                f"{money_text(detail.billing.balance)} due). What you entered is kept: "
                "check the amount and record it again.")

    def job(self) -> Operation[TicketDetail]:
        ticket_id, version = self.ticket_id, self.version
        amount, method = self.amount.text(), str(self.method.currentData())
        reference, note = self.reference.text(), self.note.text()
        if self.refund:
            data = payments.RefundData(amount, method, self.reason.text(), reference, note)
            return lambda uow: payments.refund_payment(uow, ticket_id, data, version)
        paid = payments.PaymentData(amount, method, reference, note)
        return lambda uow: payments.take_payment(uow, ticket_id, paid, version)


class PaymentsBox(QGroupBox):
    """The ticket's money: state and balance, invoice, credit notes, payments."""

    #: A payment or refund was recorded: carries the ticket's fresh detail.
    saved = Signal(object)
    #: A write or a read failed: the sentence to show.
    problem = Signal(str)

    def __init__(self, ui: UiContext, parent: QWidget | None = None) -> None:
        super().__init__("Payments", parent)
        self.ui = ui
        self.setObjectName("ticketPayments")
        self.detail: TicketDetail | None = None
        self.settings: ShopSettingsRecord | None = None
        self.label = ""
        self.dialog: _TicketWrite | None = None
        #: The customer's credit (their finished tickets' overpayments), once read.
        self.credit = Decimal(0)
        #: What the last dialog's write did, for the editor to say.
        self.last_done = "Payment recorded."
        #: Shows a document (html, title): the panel's print preview.
        self.show_document: Callable[[str, str], None] = lambda html, title: None
        layout = QVBoxLayout(self)
        self.state = QLabel("—", self)
        self.state.setObjectName("ticketPaymentState")
        self.state.setAccessibleName("Payment state")
        font = self.state.font()
        font.setBold(True)
        self.state.setFont(font)
        layout.addWidget(self.state)
        self.invoice = QLabel(self)
        self.invoice.setObjectName("ticketInvoiceState")
        self.invoice.setWordWrap(True)
        self.invoice.setStyleSheet(NOTE_STYLE)
        layout.addWidget(self.invoice)
        self.list = QTreeWidget(self)
        self.list.setObjectName("ticketPaymentList")
        self.list.setAccessibleName("Payments taken")
        self.list.setRootIsDecorated(False)
        self.list.setHeaderLabels(["Date", "Method", "Amount", "Taken by", "Note"])
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        header = self.list.header()
        header.setStretchLastSection(False)
        # Each column as wide as what it typically holds in this font (fixed pixel
        # widths cut "Taken by" in the narrow box beside the totals); the note takes
        # what is left.
        metrics = self.fontMetrics()
        for column, sample in enumerate(("2026-12-07", "Card 4242", "1,234.56", "Taken by")):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            self.list.setColumnWidth(column, metrics.horizontalAdvance(sample) + 12)
        self._usual_widths = {c: self.list.columnWidth(c) for c in _FITTED}
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.list.setMaximumHeight(self.fontMetrics().lineSpacing() * 6)
        layout.addWidget(self.list)
        row = QHBoxLayout()
        self.take_button = button(self, "Take pa&yment…", "ticketTakePayment")
        self.take_button.setToolTip(
            "Record money received: a deposit before the invoice, or against it")
        self.take_button.clicked.connect(lambda: self.open_dialog(refund=False))
        self.refund_button = button(self, "Refund…", "ticketRefund")
        self.refund_button.setToolTip("Give money back (administrators), saying why")
        self.refund_button.clicked.connect(lambda: self.open_dialog(refund=True))
        self.credit_button = button(self, "Print credit note…", "ticketPrintCreditNote")
        self.credit_button.setToolTip("The latest credit note")
        self.credit_button.clicked.connect(self.print_credit_note)
        self.issue_credit_button = button(self, "Credit note…", "ticketIssueCreditNote")
        self.issue_credit_button.setToolTip(
            "Credit chosen lines or an amount of the posted invoice (administrators)")
        self.issue_credit_button.clicked.connect(self.open_credit_note)
        self.apply_credit_button = button(self, "Apply credit…", "ticketApplyCredit")
        self.apply_credit_button.setToolTip(
            "Pay from the customer's credit (what they overpaid on finished tickets)")
        self.apply_credit_button.clicked.connect(self.open_apply_credit)
        self.receipt_button = button(self, "Print receipt…", "ticketPrintReceipt")
        self.receipt_button.setToolTip(
            "A receipt for the payment chosen in the list (the latest when none is)")
        self.receipt_button.clicked.connect(self.print_receipt)
        for widget in (self.take_button, self.refund_button, self.apply_credit_button,
                       self.issue_credit_button, self.receipt_button, self.credit_button):
            row.addWidget(widget)
        row.addStretch(1)
        layout.addLayout(row)
        self._update()

    def show_detail(self, detail: TicketDetail, settings: ShopSettingsRecord | None) -> None:
        self.detail = detail
        self.settings = settings
        number = detail.ticket.number
        self.label = settings.ticket_label(number) if settings else f"#{number}"
        billing = detail.billing
        self.state.setText(billing.summary())
        self.state.setStyleSheet(
            "color: #7f1d1d;" if billing.state in (PaymentState.UNPAID,
                                                   PaymentState.PARTLY_PAID) else "")
        lines = []
        for invoice in billing.invoices:
            when = invoice.posted_at.astimezone().strftime("%Y-%m-%d")
            text = f"Invoice {invoice.label} posted {when}: {money_text(invoice.total)}"
            if invoice.credited_by:
                text += f", cancelled by credit note {invoice.credited_by}"
            elif invoice.credited:
                text += f", {money_text(invoice.credited)} credited"
            elif invoice.on_account:
                text += (" — on account: the customer owes the balance"
                         if billing.balance > 0 else " — on account, since paid")
            lines.append(text)
        self.invoice.setText("\n".join(lines) or "No invoice posted yet: payments taken now "
                             "are deposits.")
        self.list.clear()
        for p in billing.payments:
            item = QTreeWidgetItem([
                p.taken_at.astimezone().strftime("%Y-%m-%d"),
                p.method_text + (" (refund)" if p.is_refund else ""),
                money_text(p.amount), p.taken_by, p.reason or p.note,
            ])
            item.setTextAlignment(2, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            for column in (1, 3, 4):  # what a narrow column cuts, read whole
                item.setToolTip(column, item.text(column))
            self.list.addTopLevelItem(item)
        self._fit_columns()
        self._update()
        self._read_credit()

    def _read_credit(self) -> None:
        """Offer Apply credit when the customer has some and this ticket owes."""
        detail = self.detail
        self.credit = Decimal(0)
        self._update()  # hidden until the customer's credit is read again
        if (detail is None or detail.billing.balance <= 0 or detail.ticket.status == "cancelled"
                or not self.ui.can(Action.TAKE_PAYMENTS)):
            return
        customer_id = detail.ticket.customer_id

        def show(credit: Decimal) -> None:
            if self.detail is detail:
                self.credit = credit
                self._update()

        self.ui.worker.read(lambda uow: payments.customer_credit(uow, customer_id),
                            alive(self, show), alive(self, lambda e: self.problem.emit(str(e))))

    def _fit_columns(self) -> None:
        """The method ("Bank transfer #1042", a refund's mark) and who took the money as
        wide as what they hold, each at least its usual width. When the list is too
        narrow for both, they share what the date, the amount and the note's heading
        leave, each in proportion to what it lacks; the cell's tooltip reads whole."""
        usual = self._usual_widths
        wanted = {c: max(usual[c], self.list.sizeHintForColumn(c)) for c in _FITTED}
        viewport = self.list.viewport().width()
        lack = {c: wanted[c] - usual[c] for c in _FITTED}
        if viewport > 0 and sum(lack.values()) > 0:
            room = (viewport - self.list.columnWidth(0) - self.list.columnWidth(2)
                    - self.list.header().sectionSizeHint(4))
            spare = max(room - sum(usual.values()), 0)
            if sum(lack.values()) > spare:
                wanted = {c: usual[c] + spare * lack[c] // sum(lack.values()) for c in _FITTED}
        for column, width in wanted.items():
            self.list.setColumnWidth(column, width)

    def _update(self) -> None:
        detail = self.detail
        cancelled = detail is not None and detail.ticket.status == "cancelled"
        self.take_button.setEnabled(detail is not None and not cancelled
                                    and self.ui.can(Action.TAKE_PAYMENTS))
        self.refund_button.setVisible(self.ui.can(Action.REFUND_PAYMENTS))
        self.refund_button.setEnabled(detail is not None and detail.billing.paid > 0)
        self.credit_button.setVisible(detail is not None and bool(detail.billing.credit_notes))
        invoice = detail.billing.invoice if detail is not None else None
        self.issue_credit_button.setVisible(
            invoice is not None and self.ui.can(Action.ISSUE_CREDIT_NOTES))
        # Nothing left to credit (a 0.00 invoice, or one credited in full): the dialog
        # would only say so; the button says it without opening anything.
        left = invoice is not None and invoice.creditable > 0
        self.issue_credit_button.setEnabled(left)
        self.issue_credit_button.setToolTip(
            "Credit chosen lines or an amount of the posted invoice (administrators)"
            if left or invoice is None else
            f"Nothing is left to credit on invoice {invoice.label}: its total is "
            f"{money_text(invoice.total)} and {money_text(invoice.credited)} is credited.")
        self.apply_credit_button.setVisible(self.credit > 0)
        self.apply_credit_button.setText(f"Apply credit ({money_text(self.credit)})…")
        self.receipt_button.setEnabled(detail is not None and bool(detail.billing.payments))

    def open_dialog(self, *, refund: bool) -> None:
        if self.detail is None:
            return
        own = shop_methods(self.settings.payment_methods) if self.settings else ()
        self._open(PaymentDialog(self.ui, self.detail, self.label, refund=refund,
                                 own_methods=own, parent=self.window()),
                   "Refund recorded." if refund else "Payment recorded.")

    def _open(self, dialog: _TicketWrite, done: str = "Payment recorded.") -> None:
        self.last_done = done
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(alive(self, self.saved.emit))
        self.dialog = dialog
        dialog.open()

    def open_apply_credit(self) -> None:
        if self.detail is not None and self.credit > 0:
            self._open(ApplyCreditDialog(self.ui, self.detail, self.label, self.credit,
                                         parent=self.window()), "Customer credit applied.")

    def open_credit_note(self) -> None:
        """Read the standing invoice's lines, then ask what to credit."""
        detail = self.detail
        invoice = detail.billing.invoice if detail is not None else None
        if detail is None or invoice is None:
            return
        invoice_id = invoice.id
        self.ui.worker.read(
            lambda uow: credit_notes.invoice_lines(uow, invoice_id),
            alive(self, lambda lines: self._open(CreditNoteDialog(
                self.ui, detail, self.label, lines, parent=self.window()),
                "Credit note issued.")),
            alive(self, lambda error: self.problem.emit(str(error))))

    def print_credit_note(self) -> None:
        if self.detail is None or not self.detail.billing.credit_notes:
            return
        note = self.detail.billing.credit_notes[-1]
        invoice_id = note.invoice_id
        self.ui.worker.read(
            lambda uow: (invoicing.get_invoice_snapshot(uow, invoice_id), shop.get_logo(uow)),
            alive(self, lambda found: self.show_document(
                documents.credit_note_html(found[0], note, found[1]),
                f"Credit note {note.label}")),
            alive(self, lambda error: self.problem.emit(str(error))))



    def chosen_payment(self) -> PaymentRecord | None:
        """The payment chosen in the list, else the latest."""
        if self.detail is None or not self.detail.billing.payments:
            return None
        payments = self.detail.billing.payments
        item = self.list.currentItem()
        row = self.list.indexOfTopLevelItem(item) if item is not None else -1
        return payments[row] if 0 <= row < len(payments) else payments[-1]

    def print_receipt(self) -> None:
        """The receipt of the chosen payment, against the posted invoice (or, for a
        deposit, the ticket as it stands), with what is still due."""
        payment = self.chosen_payment()
        if self.detail is None or payment is None:
            return
        ticket_id = self.detail.ticket.id

        def build(uow: UnitOfWork) -> str:
            detail = workflow.get_ticket_detail(uow, ticket_id)
            snap = posted_snapshot(uow, detail) or documents.invoice_snapshot(
                detail, shop.get_settings(uow))
            return documents.receipt_html(snap, detail.billing, payment, shop.get_logo(uow))

        title = f"Receipt {self.label} {payment.taken_at.astimezone():%Y-%m-%d}"
        self.ui.worker.read(build, alive(self, lambda html: self.show_document(html, title)),
                            alive(self, lambda error: self.problem.emit(str(error))))


def posted_snapshot(uow: UnitOfWork, detail: TicketDetail) -> dict[str, Any] | None:
    """(An operation step) the ticket's standing invoice as posted, if there is one."""
    invoice = detail.billing.invoice
    return invoicing.get_invoice_snapshot(uow, invoice.id) if invoice is not None else None


def invoice_document(detail: TicketDetail, settings: ShopSettingsRecord,
                     snapshot: dict[str, Any] | None, logo: bytes = b"") -> tuple[str, str]:
    """The invoice to print and its title: the posted one from its snapshot (with the
    payments so far and the balance due), else a draft of the ticket as it stands."""
    if snapshot is not None:
        return (documents.snapshot_html(snapshot, detail.billing, logo),
                f"Invoice {snapshot['label']}")
    label = settings.ticket_label(detail.ticket.number)
    return documents.invoice_html(detail, settings, logo=logo), f"Invoice {label}"


def ask_on_account(ui: UiContext, parent: QWidget, detail: TicketDetail,
                   label: str) -> bool | None:
    """Before invoicing: with a balance due, an administrator is asked whether to close
    on account (None: they said no). Others go ahead; the service says what to do."""
    due = detail.totals.total - detail.billing.paid
    if due <= 0 or not ui.can(Action.CLOSE_ON_ACCOUNT):
        return False
    question = (
        f"Ticket {label} still has {money_text(due)} to pay. Invoice it on account? The "
        f"invoice is posted and the ticket closed; the customer owes {money_text(due)}, "
        "which stays due (take it later with Take payment).")
    if not ui.prompts.confirm(parent, f"Invoice {label} on account", question,
                              "Invoice on account"):
        return None
    return True


def ask_credit_note(ui: UiContext, parent: QWidget, detail: TicketDetail,
                    label: str) -> bool | None:
    """Before reopening: a posted invoice is cancelled by a credit note, if the user
    agrees (None: they did not). False: there is no posted invoice."""
    invoice = detail.billing.invoice
    if invoice is None:
        return False
    question = (
        f"Invoice {invoice.label} ({money_text(invoice.total)}) is posted and cannot change. "
        f"Reopening ticket {label} issues a credit note cancelling all of it; closing the "
        "ticket again posts a new invoice. Payments taken stay on the ticket.")
    if not ui.prompts.confirm(parent, f"Reopen ticket {label}", question,
                              "Issue credit note"):
        return None
    return True
