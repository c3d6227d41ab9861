"""Nothing typed is lost by a slip: Escape on a changed editor asks first.

Driven as a person would: keys typed into the fields, Escape pressed, the question
answered; then what is on screen (and in the database) is read back.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.records import ListQuery
from mechanic_desktop.services import customers
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.dialogs.customer import CustomerDialog
from mechanic_desktop.ui.dialogs.mechanic import MechanicDialog
from mechanic_desktop.ui.dialogs.ticket import TicketDialog
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
