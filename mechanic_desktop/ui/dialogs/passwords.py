"""Password fields shared by the sign-in dialogs: hidden input, and the policy's reason
shown beside the field as the person types (zxcvbn takes a few milliseconds and touches
no database, so it runs on the GUI thread; hashing never does)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QLineEdit, QWidget

from mechanic_desktop.services.password_policy import MAX_PASSWORD, MIN_PASSWORD
from mechanic_desktop.ui.dialogs.styles import note_label

if TYPE_CHECKING:  # the sign-in window's password field needs no editor dialog
    from mechanic_desktop.ui.dialogs.form import EditorDialog

DIFFER = "The two passwords differ."


def password_edit(parent: QWidget, placeholder: str = "") -> QLineEdit:
    edit = QLineEdit(parent)
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setMaxLength(MAX_PASSWORD)
    if placeholder:
        edit.setPlaceholderText(placeholder)
    return edit


def add_new_password(
    dialog: EditorDialog,
    hints: Callable[[], tuple[str, ...]],
    label: str = "&Password:",
    old: QLineEdit | None = None,
) -> tuple[QLineEdit, QLineEdit]:
    """Add "password" and "confirm" fields checked against the policy as typed.

    ``hints`` (user name, full name) make passwords built from them count as weak;
    ``old`` is the current password, which the new one may not repeat.
    """
    password = password_edit(dialog, f"at least {MIN_PASSWORD} characters")
    confirm = password_edit(dialog, "type it again")

    def check_password() -> str | None:
        from mechanic_desktop.services.auth import password_problem

        text = password.text()
        if old is not None and text and text == old.text():
            return "Choose a password different from the old one."
        return password_problem(text, *hints())

    def check_confirm() -> str | None:
        if not confirm.text():
            return "Type the password again."
        return DIFFER if confirm.text() != password.text() else None

    note = note_label(dialog)
    note.setText("A few unrelated words make a password that is easy to remember and hard "
                 "to guess.")
    dialog.add_field("password", label, password, check_password, note=note)
    dialog.add_field("confirm", "Con&firm:", confirm, check_confirm)
    return password, confirm
