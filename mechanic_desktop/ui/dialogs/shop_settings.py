"""Shop settings: the name and address printed on work orders and invoices, the sales
tax rule, the labour rate of work nobody is assigned to yet, how far approved work may
outgrow the customer's authorisation, how long estimates hold, and how ticket numbers
are labelled (e.g. RO-42).

Changing the tax rule re-prices every ticket still being worked on, so the dialog says
so before the user saves; finished tickets keep the tax they were invoiced with.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from PySide6.QtWidgets import QCheckBox, QLabel, QPlainTextEdit, QWidget

from mechanic_desktop.domain.billing import check_shop_methods, shop_methods
from mechanic_desktop.domain.errors import StaleRecord
from mechanic_desktop.domain.formatting import phone_text
from mechanic_desktop.domain.permissions import Action
from mechanic_desktop.domain.records import ShopSettingsRecord
from mechanic_desktop.services import shop, workflow
from mechanic_desktop.services.documents import percent_text
from mechanic_desktop.services.runner import Operation
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.dialogs import checks
from mechanic_desktop.ui.dialogs.form import (
    WARNING_STYLE,
    EditorDialog,
    line_edit,
    note_label,
    phone_as_typed,
    phone_edit,
)
from mechanic_desktop.ui.operations import alive


def _rate_error(text: str) -> str | None:
    raw = text.strip().rstrip("%").strip()
    if not raw:
        return "Tax rate is required (0 if the shop charges no sales tax)."
    try:
        rate = Decimal(raw)
    except InvalidOperation:
        return "Tax rate must be a number of percent, like 8.875."
    if not rate.is_finite() or not 0 <= rate <= shop.MAX_TAX_RATE:
        return "Tax rate must be between 0 and 100 percent."
    if rate != rate.quantize(Decimal("0.001")):
        return "Tax rate can have at most 3 decimal places, like 8.875."
    return None


def _amount(value: Decimal) -> str:
    return f"{value:.2f}"


def _note(parent: QWidget, text: str) -> QLabel:
    label = note_label(parent)
    label.setText(text)
    return label


class ShopSettingsDialog(EditorDialog):
    needs = Action.EDIT_SETTINGS

    def __init__(
        self, ui: UiContext, record: ShopSettingsRecord, parent: QWidget | None = None
    ) -> None:
        super().__init__(ui, "shop", "Shop settings", parent)
        self.existing = record
        self.setMinimumWidth(560)
        self.name = line_edit(self, record.name, "as printed on invoices", 200)
        self.add_field("name", "Shop &name:", self.name, checks.name(self.name, "Shop name"))
        self.address = QPlainTextEdit(record.address, self)
        self.address.setTabChangesFocus(True)
        self.address.setPlaceholderText("Street, town, postcode")
        self.address.setFixedHeight(self.fontMetrics().lineSpacing() * 3 + 12)
        self.add_field("address", "&Address:", self.address)
        self.phone = phone_edit(self, record.phone, "optional")
        self.add_field("phone", "&Phone:", self.phone, checks.phone(self.phone),
                       shown=phone_text)

        self.tax_rate = line_edit(self, percent_text(record.tax_rate), "e.g. 8.875", 8)
        self.add_field("tax_rate", "Sales &tax (%):", self.tax_rate,
                       lambda: _rate_error(self.tax_rate.text()), shown=percent_text)
        self.labor_taxed = QCheckBox("Charge tax on labour too (not only on parts)", self)
        self.labor_taxed.setChecked(record.labor_taxed)
        self.tax_note = note_label(self)
        self.tax_note.setStyleSheet(WARNING_STYLE)
        self.add_field("labor_taxed", "&Labour:", self.labor_taxed, note=self.tax_note)
        self.labor_rate = line_edit(self, f"{record.labor_rate:.2f}", "e.g. 120.00", 16)
        self.add_field("labor_rate", "Labour &rate (per hour):", self.labor_rate,
                       checks.money(self.labor_rate, "Labour rate"), shown=_amount,
                       note=_note(self, "Canned jobs' labour is priced at this until a "
                                  "mechanic is assigned to it."))
        self.tolerance = line_edit(self, f"{record.authorisation_tolerance:.2f}", "e.g. 25.00",
                                   16)
        self.add_field("authorisation_tolerance", "Authorisation t&olerance:", self.tolerance,
                       checks.money(self.tolerance, "Authorisation tolerance"), shown=_amount,
                       note=_note(self, "Approved work may grow this much (with tax) past "
                                  "the customer's authorisation before a new one is needed."))
        self.valid_days = line_edit(self, str(record.estimate_valid_days), "1 to 365", 3)
        self.add_field("estimate_valid_days", "Estimates &valid for (days):", self.valid_days,
                       checks.whole(self.valid_days, "Estimates valid for", 1, 365,
                                    required=True), shown=str)
        self.prefix_edit = line_edit(self, record.ticket_prefix, "e.g. RO-", shop.MAX_PREFIX)
        self.prefix_note = note_label(self)
        self.add_field("ticket_prefix", "Ticket &prefix:", self.prefix_edit, note=self.prefix_note)
        self.invoice_prefix = line_edit(self, record.invoice_prefix, "e.g. INV-",
                                        shop.MAX_PREFIX)
        self.invoice_prefix.setObjectName("settingsInvoicePrefix")
        self.invoice_note = note_label(self)
        self.add_field("invoice_prefix", "&Invoice prefix:", self.invoice_prefix,
                       note=self.invoice_note)
        self.methods = line_edit(self, ", ".join(shop_methods(record.payment_methods)),
                                 "e.g. Financing, Gift card")
        self.add_field("payment_methods", "Payment &methods:", self.methods,
                       lambda: check_shop_methods(self.methods.text()),
                       shown=lambda text: ", ".join(shop_methods(str(text))),
                       note=_note(self, "Taken besides cash, card, cheque and bank "
                                  "transfer; separate them with commas."))
        for signal in (self.tax_rate.textChanged, self.prefix_edit.textChanged,
                       self.invoice_prefix.textChanged):
            signal.connect(lambda _t: self._notes())
        self.labor_taxed.toggled.connect(lambda _c: self._notes())
        self._notes()
        self.revalidate()

    def _notes(self) -> None:
        prefix = self.prefix_edit.text().strip()
        self.prefix_note.setText(f"Tickets are labelled {prefix}42, {prefix}43… on printouts.")
        invoice = self.invoice_prefix.text().strip()
        self.invoice_note.setText(f"Invoices are numbered {invoice}1, {invoice}2… without gaps "
                                  "(posted invoices keep their number).")
        r = self.existing
        changed = (self.tax_rate.text().strip().rstrip("%").strip()
                   != percent_text(r.tax_rate) or self.labor_taxed.isChecked()
                   != r.labor_taxed)
        self.tax_note.setText(
            "Saving re-prices open and in-progress tickets; completed and closed ones keep "
            "their tax." if changed else "")
        self.tax_note.setVisible(changed)

    def watched_record(self) -> tuple[str, int] | None:
        """The settings are one row, id 1."""
        return "settings", 1

    def apply_record(self, record: ShopSettingsRecord) -> None:
        super().apply_record(record)
        self._notes()  # compared with the fresh record even where no text changed

    def job(self) -> Operation[Any]:
        data = shop.ShopSettingsData(
            name=self.name.text(), address=self.address.toPlainText(),
            phone=phone_as_typed(self.phone, self.existing.phone),
            tax_rate=self.tax_rate.text(), labor_taxed=self.labor_taxed.isChecked(),
            ticket_prefix=self.prefix_edit.text(),
            labor_rate=self.labor_rate.text(),
            authorisation_tolerance=self.tolerance.text(),
            estimate_valid_days=self.valid_days.text(),
            invoice_prefix=self.invoice_prefix.text(),
            # Not in this dialog: saved as it is (not reset to the default).
            credit_note_prefix=self.existing.credit_note_prefix,
            payment_methods=self.methods.text(),
        )
        version = self.existing.version
        return lambda uow: workflow.update_settings(uow, data, version)

    def on_stale(self, error: StaleRecord) -> None:
        """A stale copy: take the other desk's version but keep what was typed here."""
        self.ui.worker.read(shop.get_settings,
                            alive(self, self._reloaded), alive(self, self.show_errors))

    def _reloaded(self, record: ShopSettingsRecord) -> None:
        self.existing = record
        self._notes()
