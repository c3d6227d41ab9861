"""Arbitrary text typed into the editor dialogs: never a crash; either the dialog keeps
everything and says what is wrong, or it saves exactly the cleaned text.

Whether an example should save is decided independently of the dialog, by the service's
own field rules (``check_fields``) plus the uniqueness the database enforces: a valid
example that the dialog will not save fails, so a Save button that never enables (or a
dialog stricter than the rules) cannot pass. Valid values are mixed into the drawn text
and each test has an explicit all-valid example, so every run saves at least once.
"""

from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings
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
VALID = ["Ada Lovelace", "ada@example.com", "555-123-4567", "BRK-01", "12.50", "4"]
text = st.one_of(
    st.text(max_size=80),
    st.sampled_from(VALID),
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


def _customer_saves(engine: Engine, data: customers.CustomerData) -> bool:
    values, errors = customers.check_fields(data)
    if errors.fields:
        return False
    uow = UnitOfWork(engine)
    with uow:
        return not values["email"] or uow.customers.by_email(str(values["email"])) is None


def _part_saves(engine: Engine, data: parts.PartData) -> bool:
    values, errors = parts.check_fields(data)
    parts.check_opening(errors, data)
    if errors.fields:
        return False
    uow = UnitOfWork(engine)
    with uow:
        return uow.parts.by_sku(str(values["sku"])) is None


@FUZZ
@given(name=text, email=text, phone=text, notes=text)
@example(name="Ada Lovelace", email="ada@example.com", phone="555-123-4567", notes="")
def test_customer_dialog(
    qtbot: QtBot, ui: UiContext, engine: Engine, name: str, email: str, phone: str, notes: str
) -> None:
    dialog = CustomerDialog(ui)
    qtbot.addWidget(dialog)
    dialog.name.setText(name)
    dialog.email.setText(email)
    dialog.phone.setText(phone)
    dialog.notes.setPlainText(notes)
    valid = _customer_saves(engine, customers.CustomerData(name, email, phone, "", notes))
    outcome = _submit(qtbot, dialog)
    assert bool(outcome) is valid, "valid input not saved" if valid else "invalid input saved"
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
@example(sku="BRK-01", name="Brake pads", price="12.50", reorder="4")
def test_part_dialog(
    qtbot: QtBot, ui: UiContext, engine: Engine, sku: str, name: str, price: str, reorder: str
) -> None:
    dialog = PartDialog(ui)
    qtbot.addWidget(dialog)
    dialog.sku.setText(sku)
    dialog.name.setText(name)
    dialog.price.setText(price)
    dialog.reorder.setText(reorder)
    valid = _part_saves(engine, parts.PartData(
        sku, name, price, dialog.cost.text(), reorder, dialog.quantity.text()))
    outcome = _submit(qtbot, dialog)
    assert bool(outcome) is valid, "valid input not saved" if valid else "invalid input saved"
    if outcome:
        saved = parts.get_part(UnitOfWork(engine), dialog.record.id)  # type: ignore[attr-defined]
        assert saved.name == clean_line(name)
    else:
        assert (dialog.sku.text(), dialog.name.text(), dialog.price.text()) == (sku, name, price)
        if outcome is False:  # refused by the service: the reason is shown
            fields = ("sku", "name", "unit_price", "reorder_level")
            assert any(dialog.error_of(f) for f in fields) or dialog.banner_text
    dialog.close()
