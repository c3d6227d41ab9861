"""Arbitrary text typed into the editor dialogs: never a crash; either the dialog keeps
everything and says what is wrong, or it saves exactly the cleaned text."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.validation import clean_line, clean_text
from mechanic_desktop.services import customers, parts
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.dialogs.customer import CustomerDialog
from mechanic_desktop.ui.dialogs.part import PartDialog
from tests.ui.helpers import WAIT_MS

FUZZ = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
text = st.one_of(
    st.text(max_size=80),
    st.sampled_from(
        [
            "",
            "  ",
            "%_%",
            "' OR 1=1 --",
            "\u202eabc",
            "😀🔧",
            "x" * 300,
            "١٢٣",
            "¹²",
            "-5",
            "1e9",
            "12.345",
        ]
    ),
)


def _submit(qtbot: QtBot, dialog: CustomerDialog | PartDialog) -> bool | None:
    """Click Save when allowed; True once saved, False when the save was refused and the
    dialog stayed open, None when Save was not even offered."""
    dialog.revalidate()
    if not dialog.save_button.isEnabled():
        return None
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog._saving, timeout=WAIT_MS)
    return dialog.record is not None


@FUZZ
@given(name=text, email=text, phone=text, notes=text)
def test_customer_dialog(
    qtbot: QtBot, ui: UiContext, engine: Engine, name: str, email: str, phone: str, notes: str
) -> None:
    dialog = CustomerDialog(ui)
    qtbot.addWidget(dialog)
    dialog.name.setText(name)
    dialog.email.setText(email)
    dialog.phone.setText(phone)
    dialog.notes.setPlainText(notes)
    outcome = _submit(qtbot, dialog)
    if outcome:
        saved = customers.get_customer(UnitOfWork(engine), dialog.record.id)  # type: ignore[attr-defined]
        assert saved.name == clean_line(name)
        assert saved.notes == clean_text(notes)
    else:
        # nothing typed is lost, and something says why it was not saved
        assert (dialog.name.text(), dialog.email.text(), dialog.phone.text()) == (
            name,
            email,
            phone,
        )
        if outcome is False:  # refused by the service: the reason is shown
            assert any(dialog.error_of(f) for f in ("name", "email", "phone")) or dialog.banner_text
    dialog.close()


@FUZZ
@given(sku=text, name=text, price=text, reorder=text)
def test_part_dialog(
    qtbot: QtBot, ui: UiContext, engine: Engine, sku: str, name: str, price: str, reorder: str
) -> None:
    dialog = PartDialog(ui)
    qtbot.addWidget(dialog)
    dialog.sku.setText(sku)
    dialog.name.setText(name)
    dialog.price.setText(price)
    dialog.reorder.setText(reorder)
    outcome = _submit(qtbot, dialog)
    if outcome:
        saved = parts.get_part(UnitOfWork(engine), dialog.record.id)  # type: ignore[attr-defined]
        assert saved.name == clean_line(name)
    else:
        assert (dialog.sku.text(), dialog.name.text(), dialog.price.text()) == (sku, name, price)
        if outcome is False:  # refused by the service: the reason is shown
            fields = ("sku", "name", "unit_price", "reorder_level")
            assert any(dialog.error_of(f) for f in fields) or dialog.banner_text
    dialog.close()
