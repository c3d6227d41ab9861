"""Nothing typed is lost by a slip: Escape on a changed editor asks first.

Driven as a person would: keys typed into the fields, Escape pressed, the question
answered; then what is on screen (and in the database) is read back.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.records import ListQuery
from mechanic_desktop.services import customers
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.dialogs.customer import CustomerDialog
from mechanic_desktop.ui.dialogs.mechanic import MechanicDialog
from mechanic_desktop.ui.dialogs.ticket import TicketDialog
from mechanic_desktop.ui.prompts import ask_discard
from tests.ui.conftest import FakePrompts, Shop
from tests.ui.helpers import WAIT_MS


def _open(qtbot: QtBot, dialog: CustomerDialog | MechanicDialog) -> None:
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)


def test_escape_on_an_untouched_editor_closes_without_asking(
    qtbot: QtBot, ui: UiContext, prompts: FakePrompts, shop: Shop
) -> None:
    dialog = CustomerDialog(ui, shop.ada)
    _open(qtbot, dialog)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible() and prompts.discard_asked == []


def test_escape_after_typing_asks_and_keep_editing_keeps_every_character(
    qtbot: QtBot, ui: UiContext, prompts: FakePrompts
) -> None:
    dialog = CustomerDialog(ui)
    _open(qtbot, dialog)
    dialog.name.setFocus()
    qtbot.keyClicks(dialog.name, "Pat Newcomer")
    prompts.discard_answer = "keep"
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert prompts.discard_asked == [dialog.windowTitle()]
    assert dialog.isVisible() and dialog.name.text() == "Pat Newcomer"
    prompts.discard_answer = "discard"
    qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Cancel),
                     Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()


def test_save_from_the_question_saves_what_was_typed(
    qtbot: QtBot, ui: UiContext, prompts: FakePrompts, arrange: UnitOfWork
) -> None:
    dialog = CustomerDialog(ui)
    _open(qtbot, dialog)
    dialog.name.setFocus()
    qtbot.keyClicks(dialog.name, "Quinn Quickly")
    prompts.discard_answer = "save"
    with qtbot.waitSignal(dialog.saved, timeout=WAIT_MS):
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT_MS)
    page = customers.list_customers(arrange, ListQuery(search="Quinn"))
    assert [row.name for row in page.rows] == ["Quinn Quickly"]


def test_notes_typed_into_a_text_box_count_as_a_change(
    qtbot: QtBot, ui: UiContext, prompts: FakePrompts, shop: Shop
) -> None:
    dialog = CustomerDialog(ui, shop.ada)
    _open(qtbot, dialog)
    dialog.notes.setFocus()
    qtbot.keyClicks(dialog.notes, "Prefers mornings")
    prompts.discard_answer = "keep"
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert prompts.discard_asked and dialog.isVisible()
    assert "Prefers mornings" in dialog.notes.toPlainText()


def test_tab_leaves_the_promised_time_for_the_odometer(
    qtbot: QtBot, ui: UiContext, shop: Shop
) -> None:
    """Tab used to walk the date's sections, so odometer digits landed in the date."""
    dialog = TicketDialog(ui)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitActive(dialog)
    qtbot.mouseClick(dialog.promised_on, Qt.MouseButton.LeftButton)
    dialog.promised.setFocus()
    qtbot.waitUntil(dialog.promised.hasFocus, timeout=WAIT_MS)
    before = dialog.promised.dateTime()
    qtbot.keyClick(dialog.promised, Qt.Key.Key_Tab)
    focused = QApplication.focusWidget()
    assert focused is dialog.odometer
    qtbot.keyClicks(focused, "43000")
    assert dialog.odometer.text() == "43000" and dialog.promised.dateTime() == before


def test_a_form_that_cannot_be_saved_yet_says_so_when_escape_asks(
    qtbot: QtBot, ui: UiContext, prompts: FakePrompts, shop: Shop
) -> None:
    """An invalid form used to be asked "Save?" with Save as the default: Enter bounced
    back to the form with the same error, and people learned to press Discard."""
    dialog = CustomerDialog(ui, shop.ada)
    _open(qtbot, dialog)
    dialog.name.setFocus()
    dialog.name.selectAll()
    qtbot.keyClick(dialog.name, Qt.Key.Key_Delete)  # a customer needs a name
    assert not dialog.save_button.isEnabled()
    prompts.discard_answer = "keep"
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert prompts.discard_could_save == [False]
    qtbot.keyClicks(dialog.name, "Ada Again")
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert prompts.discard_could_save == [False, True]


def _answer_box(qtbot: QtBot, press: Qt.Key, seen: dict[str, object]) -> None:
    """Read the real question box once it is up, then press ``press`` in it."""
    def answer() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        seen["buttons"] = sorted(b.text().replace("&", "") for b in box.buttons())
        default = box.defaultButton()
        seen["default"] = default.text().replace("&", "") if default else ""
        seen["text"] = box.text()
        qtbot.keyClick(box, press)
    QTimer.singleShot(0, answer)


@pytest.mark.parametrize(("can_save", "buttons", "default", "enter"), [
    (True, ["Discard", "Keep editing", "Save"], "Save", "save"),
    (False, ["Discard", "Keep editing"], "Keep editing", "keep"),
])
def test_the_question_offers_save_only_when_the_form_can_be_saved(
    qtbot: QtBot, can_save: bool, buttons: list[str], default: str, enter: str
) -> None:
    seen: dict[str, object] = {}
    _answer_box(qtbot, Qt.Key.Key_Return, seen)
    assert ask_discard(None, "Edit customer", can_save) == enter
    assert seen["buttons"] == buttons and seen["default"] == default
    assert ("can't be saved" in str(seen["text"])) is not can_save
    _answer_box(qtbot, Qt.Key.Key_Escape, seen)
    assert ask_discard(None, "Edit customer", can_save) == "keep"
