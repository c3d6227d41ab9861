"""Change my password: the current one is required (someone at an unlocked desk cannot
take the account over). Forced after an administrator's reset, before the main window."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QWidget

from mechanic_desktop.domain.staff import Actor
from mechanic_desktop.services import staff
from mechanic_desktop.services.runner import Operation, UnitOfWork
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.dialogs.first_run import intro_label
from mechanic_desktop.ui.dialogs.form import EditorDialog
from mechanic_desktop.ui.dialogs.passwords import add_new_password, password_edit


class ChangePasswordDialog(EditorDialog):
    def __init__(
        self, ui: UiContext, actor: Actor, *, forced: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(ui, "changePassword", "Change my password", parent)
        self.actor = actor
        text = (f"<b>{actor.full_name}</b>, your password was set by an administrator. "
                "Choose your own before you continue." if forced else
                f"Signed in as <b>{actor.full_name}</b> ({actor.username}).")
        self.intro = intro_label(self, text, "changePasswordIntro")
        self.layout_.insertWidget(0, self.intro)
        self.old = password_edit(self)
        self.add_field("old_password", "C&urrent password:", self.old,
                       lambda: None if self.old.text() else "Type your current password.")
        self.password, self.confirm = add_new_password(
            self, lambda: (actor.username, actor.full_name), "&New password:", old=self.old)
        self.save_button.setText("Change password")
        self.save_button.setAccessibleName("Change password")
        if forced:
            cancel = self.buttons.button(self.buttons.StandardButton.Cancel)
            cancel.setText("Sign out")
            cancel.setAccessibleName("Sign out")
        self.revalidate()

    def job(self) -> Operation[Any]:
        hasher, _actor_id = self.ui.hasher, self.actor.id
        old, new, confirm = self.old.text(), self.password.text(), self.confirm.text()

        def run(uow: UnitOfWork) -> None:
            staff.change_own_password(uow, old, new, confirm, hasher)

        return run
