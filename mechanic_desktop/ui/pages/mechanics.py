"""Mechanics page: who works here, their rate, and whether they take new tickets."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QCheckBox, QDialog, QWidget

from mechanic_desktop.domain.errors import DeleteRefused
from mechanic_desktop.domain.permissions import Action
from mechanic_desktop.services import mechanics
from mechanic_desktop.services.runner import Operation
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.models.tables import MECHANICS
from mechanic_desktop.ui.operations import alive
from mechanic_desktop.ui.pages.list_page import ListPage
from mechanic_desktop.ui.permission_gate import ColumnGate


class MechanicsPage(ListPage):
    key = "mechanics"
    singular = "mechanic"
    plural = "mechanics"
    search_hint = "Mechanic's name…"
    watches = frozenset({"mechanic", "ticket"})

    def __init__(self, ui: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(ui, MECHANICS, mechanics.list_mechanics, parent)
        rate = next(i for i, c in enumerate(MECHANICS.columns) if c.sort_key == "rate")
        self.rate_column = ColumnGate(self.table, rate, ui, Action.VIEW_PAY_RATES)

    def restore_state(self, settings: QSettings) -> None:
        super().restore_state(settings)
        self.rate_column.apply()  # the saved header may be another role's

    def add_filters(self) -> None:
        self.active_only = QCheckBox("Active only", self)
        self.active_only.setObjectName("mechanicsActiveOnly")
        self.active_only.setAccessibleName("Show active mechanics only")
        self.active_only.toggled.connect(
            lambda checked: self.model.set_filter("active_only", checked)
        )
        self.filters.addWidget(self.active_only)

    def make_dialog(self, record: Any | None) -> QDialog:
        from mechanic_desktop.ui.dialogs.mechanic import MechanicDialog

        return MechanicDialog(self.ui, record, self.window())

    def load_record(self, row_id: int) -> Operation[Any]:
        return lambda uow: mechanics.get_mechanic(uow, row_id)

    def delete_job(self, row: Any) -> Operation[Any]:
        row_id = row.id
        return lambda uow: mechanics.delete_mechanic(uow, row_id)

    def delete_refused(self, row: Any, error: DeleteRefused) -> None:
        """Offer what the refusal suggests: keep them in the history, inactive."""
        if not row.active:
            super().delete_refused(row, error)
            return
        if self.ui.prompts.confirm(self, "Cannot delete this mechanic", str(error),
                                   "Mark inactive"):
            row_id = row.id
            self.ui.worker.write(
                lambda uow: mechanics.set_mechanic_active(uow, row_id, False),
                alive(self, lambda rec: self.message.emit(f"{rec.name} is now inactive.")),
                alive(self, lambda e: self.message.emit(str(e))),
            )
