"""First run: a database without staff accounts gets its administrator before anything
else can be done (services refuse a second "first" administrator)."""

from __future__ import annotations

import html
import re
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from mechanic_desktop.domain.staff import Actor, Role
from mechanic_desktop.services import staff
from mechanic_desktop.services.runner import Operation, UnitOfWork
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.dialogs import checks
from mechanic_desktop.ui.dialogs.form import EditorDialog, Validator, line_edit
from mechanic_desktop.ui.dialogs.passwords import add_new_password

#: The service's rule for user names, checked here as typed (the service checks again).
USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,59}")
USERNAME_RULE = ("User name: 2-60 letters, digits, dots, dashes or underscores, starting "
                 "with a letter or digit.")


def username_check(edit: Any) -> Validator:
    return lambda: None if USERNAME.fullmatch(edit.text().strip().casefold()) else USERNAME_RULE


def intro_label(parent: QWidget, text: str, name: str) -> QLabel:
    label = QLabel(text, parent)
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setContentsMargins(0, 0, 0, 6)
    return label


class FirstRunDialog(EditorDialog):
    """Full name, user name and password (twice) of the shop's first administrator."""

    def __init__(self, ui: UiContext, description: str, parent: QWidget | None = None) -> None:
        super().__init__(ui, "firstRun", "Create the administrator account", parent)
        self.intro = intro_label(
            self,
            "<b>Welcome to Mechanic Desktop.</b><br>This database has no staff accounts yet. "
            "Create the administrator's account: it manages everyone else's accounts.<br>"
            f"<span style='color:palette(mid)'>Database: {html.escape(description)}</span>",
            "firstRunIntro",
        )
        self.layout_.insertWidget(0, self.intro)
        self.full_name = line_edit(self, "", "e.g. Pat Owner", 200)
        self.add_field("full_name", "Full &name:", self.full_name,
                       checks.name(self.full_name, "Full name"))
        self.username = line_edit(self, "", "e.g. pat", 60)
        self.add_field("username", "&User name:", self.username, username_check(self.username))
        self.password, self.confirm = add_new_password(
            self, lambda: (self.username.text(), self.full_name.text()))
        self.save_button.setText("Create and sign in")
        self.save_button.setAccessibleName("Create and sign in")
        self.actor: Actor | None = None
        self.revalidate()

    def save(self) -> None:
        super().save()
        if self._saving:
            self.save_button.setText("Creating…")

    def job(self) -> Operation[Any]:
        data = staff.StaffData(self.username.text(), self.full_name.text(), Role.ADMIN)
        password, confirm = self.password.text(), self.confirm.text()
        hasher = self.ui.hasher

        def run(uow: UnitOfWork) -> Actor:
            return staff.create_first_admin(uow, data, password, confirm, hasher)

        return run

    def _saved(self, record: Any) -> None:
        self.actor = record
        super()._saved(record)
