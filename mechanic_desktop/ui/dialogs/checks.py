"""Field checks the dialogs run as the user types, reusing the domain's own rules so the
form and the service agree (the service still checks again, with the database)."""

from __future__ import annotations

from PySide6.QtWidgets import QLineEdit, QPlainTextEdit

from mechanic_desktop.domain.money import parse_money
from mechanic_desktop.domain.validation import check_email, check_name, check_phone
from mechanic_desktop.ui.dialogs.form import Validator, text_of


def name(edit: QLineEdit, label: str = "Name") -> Validator:
    return lambda: check_name(edit.text(), label)[1]


def email(edit: QLineEdit) -> Validator:
    return lambda: check_email(edit.text())[1]


def phone(edit: QLineEdit) -> Validator:
    return lambda: check_phone(edit.text())[1]


def money(edit: QLineEdit, label: str) -> Validator:
    def check() -> str | None:
        try:
            parse_money(edit.text(), label)
        except ValueError as exc:
            return str(exc)
        return None

    return check


def whole(
    edit: QLineEdit, label: str, minimum: int = 0, maximum: int = 9_999_999,
    *, required: bool = False,
) -> Validator:
    def check() -> str | None:
        text = edit.text().strip().replace(",", "")
        if not text:
            return f"{label} is required." if required else None
        if not text.isdecimal():
            return f"{label} must be a whole number."
        if not minimum <= int(text) <= maximum:
            sep = "," if maximum >= 10_000 else ""  # years read 1886, not 1,886
            return f"{label} must be between {minimum:{sep}} and {maximum:{sep}}."
        return None

    return check


def required_text(edit: QLineEdit | QPlainTextEdit, message: str) -> Validator:
    """A field that must not be left empty (or only spaces)."""
    return lambda: None if text_of(edit).strip() else message
