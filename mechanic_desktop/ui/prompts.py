"""Questions and notices for the user, behind one replaceable object.

Message boxes block; tests (and a future non-modal notice bar) replace ``confirm`` and
``inform`` on the ``Prompts`` instance the window hands to its pages and dialogs.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QMessageBox, QWidget

Confirm = Callable[[QWidget | None, str, str, str], bool]
Inform = Callable[[QWidget | None, str, str], None]


def ask(parent: QWidget | None, title: str, text: str, accept_label: str) -> bool:
    box = QMessageBox(QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.NoButton,
                      parent)
    yes = box.addButton(accept_label, QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    return box.clickedButton() is yes


def tell(parent: QWidget | None, title: str, text: str) -> None:
    QMessageBox.information(parent, title, text)


class Prompts:
    """``confirm(parent, title, text, accept_label) -> bool`` and ``inform(parent, title,
    text)``; swap either attribute to answer without a dialog."""

    def __init__(self, confirm: Confirm = ask, inform: Inform = tell) -> None:
        self.confirm: Confirm = confirm
        self.inform: Inform = inform
