"""Questions and notices for the user, behind one replaceable object.

Message boxes block; tests (and a future non-modal notice bar) replace ``confirm`` and
``inform`` on the ``Prompts`` instance the window hands to its pages and dialogs.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QMessageBox, QWidget

Confirm = Callable[[QWidget | None, str, str, str], bool]
Inform = Callable[[QWidget | None, str, str], None]
#: "save", "discard" or "keep" (editing): what to do with a changed form being closed.
Discard = Callable[[QWidget | None, str], str]


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


def ask_discard(parent: QWidget | None, what: str) -> str:
    """Save / Discard / Keep editing. Enter saves; Escape keeps editing (a second slip
    of the same key never throws the typing away)."""
    box = QMessageBox(QMessageBox.Icon.Question, "Discard changes?",
                      f"{what}: you have changed this form. Save the changes, discard "
                      "them, or keep editing?", QMessageBox.StandardButton.NoButton, parent)
    box.setObjectName("discardChanges")
    save = box.addButton(QMessageBox.StandardButton.Save)
    discard = box.addButton(QMessageBox.StandardButton.Discard)
    keep = box.addButton("&Keep editing", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(save)
    box.setEscapeButton(keep)
    box.exec()
    clicked = box.clickedButton()
    return "save" if clicked is save else "discard" if clicked is discard else "keep"


class Prompts:
    """``confirm(parent, title, text, accept_label) -> bool``, ``inform(parent, title,
    text)`` and ``discard(parent, what) -> "save" | "discard" | "keep"``; swap any
    attribute to answer without a dialog."""

    def __init__(self, confirm: Confirm = ask, inform: Inform = tell,
                 discard: Discard = ask_discard) -> None:
        self.confirm: Confirm = confirm
        self.inform: Inform = inform
        self.discard: Discard = discard
