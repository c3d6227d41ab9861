"""Customers page: instant search by name, phone or e-mail."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QDialog, QWidget

from mechanic_desktop.services import customers
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.dialogs.customer import CustomerDialog
from mechanic_desktop.ui.models.tables import CUSTOMERS
from mechanic_desktop.ui.operations import Changes
from mechanic_desktop.ui.pages.list_page import ListPage


class CustomersPage(ListPage):
    key = "customers"
    singular = "customer"
    plural = "customers"
    search_hint = "Name, surname, phone or e-mail…"
    watches = frozenset({"customer", "vehicle", "ticket"})

    def __init__(self, ui: UiContext, parent: QWidget | None = None) -> None:
        uow = ui.uow
        super().__init__(ui, CUSTOMERS, lambda q: customers.list_customers(uow, q), parent)

    def make_dialog(self, record: Any | None) -> QDialog:
        return CustomerDialog(self.ui, record, self.window())

    def load_record(self, row_id: int) -> Callable[[], Any]:
        uow = self.ui.uow
        return lambda: customers.get_customer(uow, row_id)

    def delete_job(self, row: Any) -> tuple[Callable[[], Any], Changes]:
        uow, row_id = self.ui.uow, row.id
        return (lambda: customers.delete_customer(uow, row_id),
                Changes.of("customer", row_id).merged(Changes.of("vehicle")))
