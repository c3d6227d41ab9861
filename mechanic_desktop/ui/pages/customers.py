"""Customers page: instant search by name, phone or e-mail."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QDialog, QWidget

from mechanic_desktop.services import customers
from mechanic_desktop.services.runner import Operation
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.models.tables import CUSTOMERS
from mechanic_desktop.ui.pages.list_page import ListPage


class CustomersPage(ListPage):
    key = "customers"
    singular = "customer"
    plural = "customers"
    search_hint = "Name, surname, phone or e-mail…"
    watches = frozenset({"customer", "vehicle", "ticket"})

    def __init__(self, ui: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(ui, CUSTOMERS, customers.list_customers, parent)

    def make_dialog(self, record: Any | None) -> QDialog:
        from mechanic_desktop.ui.dialogs.customer import CustomerDialog

        return CustomerDialog(self.ui, record, self.window())

    def load_record(self, row_id: int) -> Operation[Any]:
        return lambda uow: customers.get_customer(uow, row_id)

    def delete_job(self, row: Any) -> Operation[Any]:
        row_id = row.id
        return lambda uow: customers.delete_customer(uow, row_id)
