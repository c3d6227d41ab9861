"""First start: right after the first administrator's account is made, the shop's name,
address, phone and sales tax, so the first estimate and invoice print right. It can be
skipped; everything here (and more) is in Shop settings later."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QDialogButtonBox, QWidget

from mechanic_desktop.domain.records import ShopSettingsRecord
from mechanic_desktop.services import shop, workflow
from mechanic_desktop.services.runner import Operation
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.dialogs.first_run import intro_label
from mechanic_desktop.ui.dialogs.form import EditorDialog, phone_as_typed
from mechanic_desktop.ui.dialogs.shop_settings import add_identity, add_tax_rate


class ShopDetailsDialog(EditorDialog):
    """The shop's name, address, phone and tax rate; "Skip for now" keeps the defaults."""

    def __init__(self, ui: UiContext, record: ShopSettingsRecord,
                 parent: QWidget | None = None) -> None:
        super().__init__(ui, "shopDetails", "Your shop", parent)
        self.existing = record
        self.setMinimumWidth(520)
        self.intro = intro_label(
            self, "<b>Tell us about your shop.</b><br>Its name, address and phone head every "
            "estimate and invoice, and the sales tax is charged on them. You can skip this "
            "and fill it in later under Shop settings.", "shopDetailsIntro")
        self.layout_.insertWidget(0, self.intro)
        default = record.name == shop.DEFAULTS.name
        self.name, self.address, self.phone = add_identity(
            self, record, "" if default else record.name)
        self.name.setPlaceholderText("e.g. Bolt & Nut Garage")
        self.tax_rate = add_tax_rate(self, record)
        self.save_button.setText("Save and continue")
        self.save_button.setAccessibleName("Save and continue")
        skip = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        skip.setText("S&kip for now")
        skip.setAccessibleName("Skip for now")
        self.name.setFocus()
        self.revalidate()

    def job(self) -> Operation[Any]:
        data = shop.data_of(self.existing, name=self.name.text(),
                            address=self.address.toPlainText(),
                            phone=phone_as_typed(self.phone, self.existing.phone),
                            tax_rate=self.tax_rate.text())
        version = self.existing.version
        return lambda uow: workflow.update_settings(uow, data, version)
