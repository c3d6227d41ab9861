"""Staff page (administrators): every account with its role, whether it is active and
whether it is locked; create, edit, deactivate or reactivate, reset a password, unlock.

Accounts are never deleted — the audit trail points at them — so Delete is not offered.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QDialog, QPushButton, QWidget

from mechanic_desktop.domain.permissions import Action
from mechanic_desktop.services import staff
from mechanic_desktop.services.runner import Operation
from mechanic_desktop.services.staff import StaffRow
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.dialogs.form import button
from mechanic_desktop.ui.models.columns import CENTER, Column, TableSpec
from mechanic_desktop.ui.operations import alive
from mechanic_desktop.ui.pages.list_page import ListPage
from mechanic_desktop.ui.permission_gate import gate

GREY = QColor(130, 130, 130)
RED = QColor(179, 38, 30)


STAFF: TableSpec[StaffRow] = TableSpec(
    entity="staff",
    columns=(
        Column("User name", lambda r: r.username, "username", 150),
        Column("Full name", lambda r: r.full_name, "full_name", 220),
        Column("Role", lambda r: r.role.label, "role", 130),
        Column("Active", lambda r: "Yes" if r.active else "No", None, 70, CENTER,
               foreground=lambda r: None if r.active else GREY),
        Column("Locked", lambda r: "Locked" if r.locked else "", None, 80, CENTER,
               foreground=lambda r: RED if r.locked else None,
               tooltip=lambda r: "Too many failed sign-ins; Unlock lets them try again"
               if r.locked else None),
        Column("Mechanic", lambda r: r.mechanic_name, None, 170,
               tooltip=lambda r: "Their tickets show under My tickets"
               if r.mechanic_name else None),
    ),
    row_id=lambda r: r.id,
    default_sort="username",
)


class StaffPage(ListPage):
    key = "staff"
    singular = "staff account"
    plural = "staff accounts"
    search_hint = "Name, user name or role…"
    watches = frozenset({"staff", "mechanic"})
    can_delete = False

    def __init__(self, ui: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(ui, STAFF, staff.list_staff, parent)
        self.selection_changed.connect(self._update_buttons)
        self.model.modelReset.connect(self._update_buttons)
        self.model.page_loaded.connect(lambda _n: self._update_buttons())
        self._update_buttons()

    def add_filters(self) -> None:
        self.reset_button = button(self, "Reset &password…", "staffResetPassword")
        self.reset_button.setToolTip("Give the selected person a temporary password")
        self.unlock_button = button(self, "Un&lock", "staffUnlock")
        self.unlock_button.setToolTip("Let a locked-out account try again now")
        self.active_button = button(self, "&Deactivate", "staffActive")
        self.active_button.setToolTip("Stop or allow this account signing in")
        self.reset_button.clicked.connect(self.reset_selected)
        self.unlock_button.clicked.connect(self.unlock_selected)
        self.active_button.clicked.connect(self.toggle_active)
        for widget in (self.reset_button, self.unlock_button, self.active_button):
            assert isinstance(widget, QPushButton)
            widget.setAutoDefault(False)
            self.filters.addWidget(widget)

    def selected_staff(self) -> StaffRow | None:
        row = self.selected_row()
        return row if isinstance(row, StaffRow) else None

    def _update_buttons(self) -> None:
        row = self.selected_staff()
        gate(self.reset_button, self.ui, Action.MANAGE_STAFF, ready=row is not None)
        gate(self.unlock_button, self.ui, Action.MANAGE_STAFF,
             ready=row is not None and row.locked)
        gate(self.active_button, self.ui, Action.MANAGE_STAFF, ready=row is not None)
        label = "Reac&tivate" if row is not None and not row.active else "&Deactivate"
        self.active_button.setText(label)
        self.active_button.setAccessibleName(label.replace("&", ""))

    # -- the area's dialogs ------------------------------------------------------------

    def make_dialog(self, record: Any | None) -> QDialog:
        from mechanic_desktop.ui.dialogs.staff import StaffDialog

        return StaffDialog(self.ui, record, self.window())

    def load_record(self, row_id: int) -> Operation[Any]:
        """The row already has every field the editor shows; nothing to read."""
        row = self.selected_staff()
        return lambda _uow: row

    def describe(self, row: Any) -> str:
        return str(row.full_name)

    # -- account actions ---------------------------------------------------------------

    def reset_selected(self) -> None:
        row = self.selected_staff()
        if row is None:
            return
        from mechanic_desktop.ui.dialogs.staff import ResetPasswordDialog

        dialog = ResetPasswordDialog(self.ui, row, self.window())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(lambda saved: self._done(
            saved, f"{saved.full_name} must choose a new password at their next sign-in."))
        self.dialog = dialog
        dialog.open()

    def unlock_selected(self) -> None:
        row = self.selected_staff()
        if row is None:
            return
        user_id = row.id
        self._write(lambda uow: staff.unlock(uow, user_id),
                    f"{row.full_name} can sign in again.")

    def toggle_active(self) -> None:
        row = self.selected_staff()
        if row is None:
            return
        if row.active:
            question = (f"Deactivate {row.full_name} ({row.username})? They can no longer "
                        "sign in; their history stays in the records.")
            if not self.ui.prompts.confirm(self, "Deactivate account", question, "Deactivate"):
                return
        user_id, active = row.id, not row.active
        self._write(lambda uow: staff.set_staff_active(uow, user_id, active),
                    f"{row.full_name} is now {'active' if active else 'deactivated'}.")

    def _write(self, op: Operation[StaffRow], done: str) -> None:
        self.ui.worker.write(
            op,
            alive(self, lambda row: self._done(row, done)),
            alive(self, self._refused),
        )

    def _done(self, row: StaffRow, text: str) -> None:
        self._keep_id = row.id
        self.message.emit(text)

    def _refused(self, error: BaseException) -> None:
        self.ui.prompts.inform(self, "Not changed", str(error))
