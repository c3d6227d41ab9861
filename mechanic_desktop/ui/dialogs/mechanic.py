"""Mechanic editor: contact details, hourly rate and whether they still take work."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QCheckBox, QWidget

from mechanic_desktop.domain.formatting import phone_text
from mechanic_desktop.domain.permissions import Action
from mechanic_desktop.domain.records import MechanicRecord
from mechanic_desktop.services import mechanics
from mechanic_desktop.services.runner import Operation, UnitOfWork
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.dialogs import checks
from mechanic_desktop.ui.dialogs.form import EditorDialog, line_edit, phone_as_typed, phone_edit
from mechanic_desktop.ui.permission_gate import gate


class MechanicDialog(EditorDialog):
    needs = Action.EDIT_MECHANICS

    def __init__(
        self, ui: UiContext, record: MechanicRecord | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(ui, "mechanic",
                         "New mechanic" if record is None else self.title_of(record), parent)
        self.existing = record
        r = record
        self.name = line_edit(self, r.name if r else "", "First and last name", 200)
        self.add_field("name", "&Name:", self.name, checks.name(self.name))
        self.email = line_edit(self, (r.email or "") if r else "", "optional", 254)
        self.add_field("email", "&E-mail:", self.email, checks.email(self.email))
        self.phone = phone_edit(self, r.phone if r else "", "optional")
        self.add_field("phone", "&Phone:", self.phone, checks.phone(self.phone),
                       shown=phone_text)
        rate = r.hourly_rate if r else None
        self.rate = line_edit(self, "" if rate is None else f"{rate:.2f}", "e.g. 95.00", 16)
        self.add_field("hourly_rate", "Hourly &rate:", self.rate,
                       checks.money(self.rate, "Hourly rate"))
        box = self.rate.parentWidget()
        assert box is not None  # add_field's holder of the field and its error line
        for part in (box, self.form.labelForField(box)):  # a mechanic sees no pay rate
            if part is not None:
                gate(part, ui, Action.VIEW_PAY_RATES, hide=True)
        self.active = QCheckBox("Takes new tickets", self)
        self.active.setChecked(r.active if r else True)
        self.add_field("active", "&Active:", self.active)
        self.revalidate()

    @staticmethod
    def title_of(record: MechanicRecord) -> str:
        return record.name

    def job(self) -> Operation[Any]:
        data = mechanics.MechanicData(
            name=self.name.text(), email=self.email.text(),
            phone=phone_as_typed(self.phone, self.existing.phone if self.existing else ""),
            hourly_rate=self.rate.text(), active=self.active.isChecked(),
        )
        existing = self.existing

        def run(uow: UnitOfWork) -> MechanicRecord:
            if existing is None:
                return mechanics.create_mechanic(uow, data)
            return mechanics.update_mechanic(uow, existing.id, data, existing.version)

        return run
