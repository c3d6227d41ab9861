"""Questions and notices for the user, behind one replaceable object.

Message boxes block; tests (and a future non-modal notice bar) replace ``confirm`` and
``inform`` on the ``Prompts`` instance the window hands to its pages and dialogs.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QMessageBox, QWidget

Confirm = Callable[[QWidget | None, str, str, str], bool]
Inform = Callable[[QWidget | None, str, str], None]
#: "save", "discard" or "keep" (editing): what to do with a changed form being closed;
#: the last argument says whether the form could be saved as it stands.
Discard = Callable[[QWidget | None, str, bool], str]


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


def ask_discard(parent: QWidget | None, what: str, can_save: bool = True) -> str:
    """Save / Discard / Keep editing. Enter saves; Escape keeps editing (a second slip
    of the same key never throws the typing away). A form that can't be saved as it
    stands (a field still wrong) offers no Save, and Enter keeps editing instead: a
    default that would only bounce back to the form teaches people to press Discard."""
    if can_save:
        text = (f"{what}: you have changed this form. Save the changes, discard them, "
                "or keep editing?")
    else:
        text = (f"{what}: you have changed this form, but it can't be saved until the "
                "fields marked on it are put right. Discard the changes, or keep editing?")
    box = QMessageBox(QMessageBox.Icon.Question, "Discard changes?", text,
                      QMessageBox.StandardButton.NoButton, parent)
    box.setObjectName("discardChanges")
    save = box.addButton(QMessageBox.StandardButton.Save) if can_save else None
    discard = box.addButton(QMessageBox.StandardButton.Discard)
    keep = box.addButton("&Keep editing", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(save if save is not None else keep)
    box.setEscapeButton(keep)
    box.exec()
    clicked = box.clickedButton()
    if save is not None and clicked is save:
        return "save"
    return "discard" if clicked is discard else "keep"


class Prompts:
    """``confirm(parent, title, text, accept_label) -> bool``, ``inform(parent, title,
    text)`` and ``discard(parent, what, can_save) -> "save" | "discard" | "keep"``; swap any
    attribute to answer without a dialog."""

    def __init__(self, confirm: Confirm = ask, inform: Inform = tell,
                 discard: Discard = ask_discard) -> None:
        self.confirm: Confirm = confirm
        self.inform: Inform = inform
        self.discard: Discard = discard
