"""Shop settings: the name, address, phone, e-mail, tax number and logo printed on every
document, the paper they are printed on and the terms at the foot of invoices, the sales
tax rule, the labour rate of work nobody is assigned to yet, how far approved work may
outgrow the customer's authorisation, how long estimates hold, and how ticket numbers
are labelled (e.g. RO-42).

Changing the tax rule re-prices every ticket still being worked on, so the dialog says
so before the user saves; finished tickets keep the tax they were invoiced with.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QWidget,
)

from mechanic_desktop.domain.billing import check_shop_methods, shop_methods
from mechanic_desktop.domain.errors import StaleRecord
from mechanic_desktop.domain.fee_rules import FeeRule, rules_text
from mechanic_desktop.domain.formatting import phone_text
from mechanic_desktop.domain.markup import bands_text
from mechanic_desktop.domain.permissions import Action
from mechanic_desktop.domain.records import ShopSettingsRecord
from mechanic_desktop.services import shop, workflow
from mechanic_desktop.services.documents import percent_text
from mechanic_desktop.services.runner import Operation
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.dialogs import checks
from mechanic_desktop.ui.dialogs.form import EditorDialog, line_edit, phone_as_typed, phone_edit
from mechanic_desktop.ui.dialogs.styles import WARNING_STYLE, note_label
from mechanic_desktop.ui.file_choosers import OpenChooser, choose_picture_file
from mechanic_desktop.ui.operations import alive

#: The logo's preview height in the dialog (pixels).
PREVIEW_HEIGHT = 32
#: What the logo field shows without one: what it takes.
NO_LOGO = f"No logo (PNG or JPEG up to {shop.MAX_LOGO_BYTES // 1024} KB)"

def _rate_or_blank(value: Decimal | None) -> str:
    return "" if value is None else percent_text(value)


def _amount(value: Decimal) -> str:
    return f"{value:.2f}"


def _note(parent: QWidget, text: str) -> QLabel:
    label = note_label(parent)
    label.setText(text)
    return label


def add_identity(dialog: EditorDialog, record: ShopSettingsRecord,
                 name: str) -> tuple[QLineEdit, QPlainTextEdit, QLineEdit]:
    """The shop's name (showing ``name``), address and phone fields, as every document
    prints them."""
    name_edit = line_edit(dialog, name, "as printed on invoices", 200)
    dialog.add_field("name", "Shop &name:", name_edit, checks.name(name_edit, "Shop name"))
    address = QPlainTextEdit(record.address, dialog)
    address.setTabChangesFocus(True)
    address.setPlaceholderText("Street, town, postcode")
    address.setFixedHeight(dialog.fontMetrics().lineSpacing() * 3 + 12)
    dialog.add_field("address", "&Address:", address)
    phone = phone_edit(dialog, record.phone, "optional")
    dialog.add_field("phone", "&Phone:", phone, checks.phone(phone), shown=phone_text)
    return name_edit, address, phone


def add_tax_rate(dialog: EditorDialog, record: ShopSettingsRecord,
                 note: QLabel | None = None) -> QLineEdit:
    """The sales tax field (percent, up to 3 decimals), checked as typed."""
    edit = line_edit(dialog, percent_text(record.tax_rate), "e.g. 8.875", 8)
    dialog.add_field("tax_rate", "Sales &tax (%):", edit,
                     lambda: shop.tax_rate_problem(edit.text()), shown=percent_text, note=note)
    return edit


class ShopSettingsDialog(EditorDialog):
    needs = Action.EDIT_SETTINGS

    def __init__(
        self, ui: UiContext, record: ShopSettingsRecord, parent: QWidget | None = None
    ) -> None:
        super().__init__(ui, "shop", "Shop settings", parent)
        self.existing = record
        self.setMinimumWidth(1180)  # two columns; a 1366-pixel screen holds it
        self.name, self.address, self.phone = add_identity(self, record, record.name)
        self.email = line_edit(self, record.email, "optional, printed on documents", 254)
        self.add_field("email", "&E-mail:", self.email, checks.email(self.email))
        self.tax_number = line_edit(self, record.tax_number, "optional, e.g. EIN 12-3456789",
                                    shop.MAX_TAX_NUMBER)
        self.add_field("tax_number", "Ta&x number:", self.tax_number)
        self._add_logo()
        self.paper = QComboBox(self)
        for key, text in shop.PAPER_SIZES.items():
            self.paper.addItem(text, key)
        self.paper.setCurrentIndex(self.paper.findData(record.paper_size))
        self.add_field("paper_size", "Paper si&ze:", self.paper)
        self.terms = QPlainTextEdit(record.invoice_terms, self)
        self.terms.setTabChangesFocus(True)
        self.terms.setPlaceholderText("Printed at the foot of invoices: payment terms, "
                                      "warranty, thanks")
        self.terms.setFixedHeight(self.fontMetrics().lineSpacing() * 2 + 12)
        self.add_field("invoice_terms", "Invoi&ce terms:", self.terms)
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
                                 "comma-separated, e.g. Financing, Gift card")
        self.add_field("payment_methods", "Payment &methods:", self.methods,
                       lambda: check_shop_methods(self.methods.text()),
                       shown=lambda text: ", ".join(shop_methods(str(text))),
                       note=_note(self, "Besides cash, card, cheque and bank transfer."))
        self._second_column()
        self.tax_rate = add_tax_rate(
            self, record, _note(self, "On parts and fees (each line marked taxable)."))
        self.labor_taxed = QCheckBox("Charge tax on labour too (not only on parts)", self)
        self.labor_taxed.setChecked(record.labor_taxed)
        self.add_field("labor_taxed", "&Labour:", self.labor_taxed)
        self.labor_tax_rate = line_edit(self, _rate_or_blank(record.labor_tax_rate),
                                        "blank: the same as parts", 8)
        self.tax_note = note_label(self)
        self.tax_note.setStyleSheet(WARNING_STYLE)
        self.add_field("labor_tax_rate", "La&bour tax (%):", self.labor_tax_rate,
                       lambda: shop.labour_tax_rate_problem(self.labor_tax_rate.text()),
                       shown=_rate_or_blank, note=self.tax_note)
        self.labor_rate = line_edit(self, f"{record.labor_rate:.2f}", "e.g. 120.00", 16)
        self.add_field("labor_rate", "Labour &rate (per hour):", self.labor_rate,
                       checks.money(self.labor_rate, "Labour rate"), shown=_amount,
                       note=_note(self, "Canned jobs' labour is priced at this until a "
                                  "mechanic is assigned to it."))
        self.max_discount = line_edit(self, percent_text(record.max_writer_discount),
                                      "e.g. 10", 8)
        self.add_field("max_writer_discount", "Writers' largest &discount (%):",
                       self.max_discount,
                       lambda: shop.max_discount_problem(self.max_discount.text()),
                       shown=percent_text,
                       note=_note(self, "Off a line or a ticket's work; administrators may "
                                  "give any discount."))
        self.fee_rules = QPlainTextEdit(self)
        self.fee_rules.setTabChangesFocus(True)
        self.fee_rules.setPlaceholderText(
            "One a line, e.g.\nShop supplies: 8% of labour up to 35.00, automatic\n"
            "Tyre disposal: 3.50, not taxed")
        self.fee_rules.setFixedHeight(self.fontMetrics().lineSpacing() * 4 + 12)
        self.fee_rules.setEnabled(False)  # until the rules are read
        self.rules_loaded = False
        self.add_field("fee_rules", "&Fees:", self.fee_rules,
                       lambda: shop.fee_rules_problem(self.fee_rules.toPlainText()),
                       note=_note(self, "Automatic fees go on every job with work on it "
                                  "(a percentage of the job's labour or parts); Add fee… offers "
                                  "the others."))
        ui.worker.read(shop.get_fee_rules, alive(self, self._rules),
                       alive(self, self.show_errors))
        self.markup_bands = QPlainTextEdit(bands_text(record.markup_bands), self)
        self.markup_bands.setTabChangesFocus(True)
        self.markup_bands.setPlaceholderText("e.g. up to 10.00: 100%\nup to 50.00: 60%\n"
                                             "above: 35%")
        self.markup_bands.setFixedHeight(self.fontMetrics().lineSpacing() * 3 + 12)
        self.add_field("markup_bands", "Parts mar&kup:", self.markup_bands,
                       lambda: shop.markup_bands_problem(self.markup_bands.toPlainText()),
                       shown=bands_text,
                       note=_note(self, "A part with no fixed price (0.00) sells at its cost "
                                  "plus its cost band's markup."))
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
        for signal in (self.tax_rate.textChanged, self.prefix_edit.textChanged,
                       self.invoice_prefix.textChanged, self.labor_tax_rate.textChanged):
            signal.connect(lambda _t: self._notes())
        self.labor_taxed.toggled.connect(lambda _c: self._notes())
        self.labor_taxed.toggled.connect(self.labor_tax_rate.setEnabled)
        self.labor_tax_rate.setEnabled(record.labor_taxed)
        self._notes()
        self.revalidate()

    def _rules(self, rules: tuple[FeeRule, ...]) -> None:
        if not self.rules_loaded:
            self.fee_rules.setPlainText(rules_text(rules))
        self.rules_loaded = True
        self.fee_rules.setEnabled(True)
        self.revalidate()

    def _second_column(self) -> None:
        """Tax and prices go in a column right of the shop's details and documents, so
        the dialog fits a 1366×768 screen."""
        index = self.layout_.indexOf(self.form)
        self.layout_.takeAt(index)
        right = QFormLayout()
        right.setFieldGrowthPolicy(self.form.fieldGrowthPolicy())
        right.setRowWrapPolicy(self.form.rowWrapPolicy())
        right.setLabelAlignment(self.form.labelAlignment())
        columns = QHBoxLayout()
        columns.setSpacing(16)
        columns.addLayout(self.form, 1)
        columns.addLayout(right, 1)
        self.layout_.insertLayout(index, columns)
        self.form = right

    def _add_logo(self) -> None:
        """A preview of the logo with Choose… and Remove; the file is checked (PNG or
        JPEG, size) as soon as it is chosen, its problem shown under the field."""
        #: Tests replace it: (parent, caption) → path or None.
        self.choose_logo_path: OpenChooser = choose_picture_file
        #: The logo chosen here (b"": removed); None while unchanged.
        self.new_logo: bytes | None = None
        self.logo_problem = ""
        row = QWidget(self)
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        self.logo_preview = QLabel(NO_LOGO, row)
        self.logo_preview.setObjectName("settingsLogoPreview")
        self.logo_preview.setFixedHeight(PREVIEW_HEIGHT)
        self.logo_preview.setMinimumWidth(120)
        self.logo_preview.setWordWrap(True)  # "No logo (…)" in a narrow column
        self.logo_preview.setAlignment(Qt.AlignmentFlag.AlignVCenter)
        line.addWidget(self.logo_preview, 1)
        self.choose_logo_button = QPushButton("Choose lo&go…", row)
        self.choose_logo_button.setObjectName("settingsChooseLogo")
        self.choose_logo_button.setAccessibleName("Choose logo")
        self.choose_logo_button.setToolTip("A PNG or JPEG picture printed at the top of "
                                           "every document")
        self.choose_logo_button.clicked.connect(self.choose_logo)
        line.addWidget(self.choose_logo_button)
        self.remove_logo_button = QPushButton("Remove logo", row)
        self.remove_logo_button.setObjectName("settingsRemoveLogo")
        self.remove_logo_button.setAccessibleName("Remove logo")
        self.remove_logo_button.clicked.connect(self.remove_logo)
        self.remove_logo_button.setEnabled(False)
        line.addWidget(self.remove_logo_button)
        self.add_field("logo", "Logo:", row, lambda: self.logo_problem or None)
        self.ui.worker.read(shop.get_logo, alive(self, self._stored_logo),
                            alive(self, self.show_errors))

    def _stored_logo(self, data: bytes) -> None:
        if self.new_logo is None:
            self._preview(data)

    def _preview(self, data: bytes) -> bool:
        """Show ``data`` (False: Qt cannot read it as a picture)."""
        if not data:
            self.logo_preview.setPixmap(QPixmap())
            self.logo_preview.setText(NO_LOGO)
            self.remove_logo_button.setEnabled(False)
            return True
        picture = QPixmap()
        if not picture.loadFromData(data):
            return False
        self.logo_preview.setPixmap(picture.scaledToHeight(
            PREVIEW_HEIGHT, Qt.TransformationMode.SmoothTransformation))
        self.remove_logo_button.setEnabled(True)
        return True

    def choose_logo(self) -> None:
        path = self.choose_logo_path(self, "Choose the shop's logo")
        if not path:
            return
        name = Path(path).name
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            self._logo_chosen(b"", f"Could not read {name}: {exc.strerror or exc}.")
            return
        problem = shop.check_logo(data, name)
        if problem is None and not self._preview(data):
            problem = f"{name} could not be read as a picture: save the logo again as PNG."
        self._logo_chosen(data, problem or "")

    def remove_logo(self) -> None:
        self._preview(b"")
        self._logo_chosen(b"", "")

    def _logo_chosen(self, data: bytes, problem: str) -> None:
        self.logo_problem = problem
        if not problem:
            self.new_logo = data
        self.mark_changed()
        self._edited("logo")

    def _notes(self) -> None:
        prefix = self.prefix_edit.text().strip()
        self.prefix_note.setText(f"Tickets are labelled {prefix}42, {prefix}43… on printouts.")
        invoice = self.invoice_prefix.text().strip()
        self.invoice_note.setText(f"Invoices are numbered {invoice}1, {invoice}2… without gaps "
                                  "(posted invoices keep their number).")
        r = self.existing
        changed = (self.tax_rate.text().strip().rstrip("%").strip()
                   != percent_text(r.tax_rate) or self.labor_taxed.isChecked()
                   != r.labor_taxed or self.labor_tax_rate.text().strip().rstrip("%").strip()
                   != _rate_or_blank(r.labor_tax_rate))
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
            labor_tax_rate=self.labor_tax_rate.text(),
            max_writer_discount=self.max_discount.text(),
            fee_rules=self.fee_rules.toPlainText() if self.rules_loaded else None,
            markup_bands=self.markup_bands.toPlainText(),
            ticket_prefix=self.prefix_edit.text(),
            labor_rate=self.labor_rate.text(),
            authorisation_tolerance=self.tolerance.text(),
            estimate_valid_days=self.valid_days.text(),
            invoice_prefix=self.invoice_prefix.text(),
            # Not in this dialog: saved as it is (not reset to the default).
            credit_note_prefix=self.existing.credit_note_prefix,
            payment_methods=self.methods.text(),
            email=self.email.text(), tax_number=self.tax_number.text(),
            invoice_terms=self.terms.toPlainText(),
            paper_size=str(self.paper.currentData()), logo=self.new_logo,
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
