"""The import dialog as a user drives it: a preview listing bad rows with reasons, the
import of exactly the good rows, cancel leaving the database as it was, and clear
reports for hostile files; and a picture of it."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from mechanic_desktop.db.models import Customer, Part
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.services import customers
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.dialogs.import_csv import ImportDialog
from mechanic_desktop.ui.main_window import MainWindow
from tests.ui.conftest import FakePrompts
from tests.ui.helpers import WAIT_MS, column, save_shot
from tests.unit.test_csv import BAD, GOOD, HEADER, write


def _count(uow: UnitOfWork, model: type[Customer] | type[Part]) -> int:
    with uow:
        return int(uow.session.scalar(select(func.count()).select_from(model)) or 0)


def _dialog(qtbot: QtBot, ui: UiContext, path: Path, kind: str = "customers") -> ImportDialog:
    dialog = ImportDialog(ui, kind, str(path))  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.preview is not None or dialog.problem is not None,
                    timeout=WAIT_MS)
    return dialog


def test_preview_lists_bad_rows_and_imports_exactly_the_good_ones(
    qtbot: QtBot, ui: UiContext, arrange: UnitOfWork, prompts: FakePrompts, tmp_path: Path,
    qtmodeltester: object,
) -> None:
    customers.create_customer(arrange, customers.CustomerData("Carmen Old", "carmen@example.com"))
    dialog = _dialog(qtbot, ui, write(tmp_path, HEADER + GOOD + BAD))
    assert column(dialog.bad_model, 0) == ["5", "6", "7", "8"]
    assert "Name is required" in column(dialog.bad_model, 1)[0]
    assert "row 2" in column(dialog.bad_model, 1)[3]
    assert column(dialog.dupe_model, 2) == ["Carmen Old"]
    assert "2 new customers will be added" in dialog.summary.text()
    assert dialog.combos["plate"].currentText() == "plate"
    qtmodeltester.check(dialog.bad_model)  # type: ignore[attr-defined]
    assert dialog.import_button.isEnabled()
    with qtbot.waitSignal(dialog.imported, timeout=WAIT_MS) as done:
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert (done.args[0].created, done.args[0].skipped, done.args[0].bad) == (2, 1, 4)
    assert prompts.notices[-1][0] == "Import finished"
    assert _count(arrange, Customer) == 3


def test_update_asks_before_empty_cells_clear_values_on_file(
    qtbot: QtBot, ui: UiContext, arrange: UnitOfWork, prompts: FakePrompts, tmp_path: Path
) -> None:
    ada = customers.create_customer(arrange, customers.CustomerData(
        "Ada Lovelace", "ada@example.com", "555-123-4567", "12 Row", "VIP"))
    dialog = _dialog(qtbot, ui, write(tmp_path, "name,email,phone\n"
                                                "Ada King,ada@example.com,\n"))
    assert column(dialog.dupe_model, 3) == [
        "name: 'Ada Lovelace' → 'Ada King'; phone: '555-123-4567' → will clear"]
    assert "would clear 1 value on file in 1 record" in dialog.summary.text()
    assert "Not in the file: " in dialog.summary.text()
    if os.environ.get("MD_SHOTS_DIR"):
        qtbot.wait(100)  # the summary's new lines laid out
        dialog.grab().save(os.path.join(os.environ["MD_SHOTS_DIR"], "import_clear.png"))
    qtbot.mouseClick(dialog.update_radio, Qt.MouseButton.LeftButton)
    prompts.answer = False
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert prompts.questions[-1][0] == "Clear values on file?"
    assert dialog.isVisible() and dialog.import_button.isEnabled()
    assert customers.get_customer(arrange, ada.id).name == "Ada Lovelace"  # nothing saved

    prompts.answer = True
    with qtbot.waitSignal(dialog.imported, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    after = customers.get_customer(arrange, ada.id)
    assert (after.name, after.phone, after.address, after.notes) == (
        "Ada King", "", "12 Row", "VIP")


def test_changing_a_mapping_previews_again(
    qtbot: QtBot, ui: UiContext, tmp_path: Path
) -> None:
    dialog = _dialog(qtbot, ui, write(tmp_path, HEADER + GOOD))
    assert dialog.preview is not None and dialog.preview.good_rows == 3
    with qtbot.waitSignal(dialog.previewed, timeout=WAIT_MS):
        dialog.combos["name"].setCurrentIndex(0)  # (not imported)
    assert "Choose a column for Name" in dialog.summary.text()
    assert not dialog.import_button.isEnabled()


def test_cancelled_import_leaves_the_database_unchanged(
    qtbot: QtBot, ui: UiContext, arrange: UnitOfWork, prompts: FakePrompts, tmp_path: Path
) -> None:
    rows = "".join(f"Person {i},p{i}@example.com,,,,,,,,\n" for i in range(3000))
    dialog = _dialog(qtbot, ui, write(tmp_path, HEADER + rows))
    dialog.run_import()
    dialog.cancel_import()  # as the progress dialog's Cancel button does
    qtbot.waitUntil(lambda: bool(prompts.notices), timeout=WAIT_MS * 2)
    assert prompts.notices[-1] == ("Import cancelled",
                                   "The import was cancelled; nothing was saved.")
    assert _count(arrange, Customer) == 0


def test_hostile_files_are_reported_clearly(
    qtbot: QtBot, ui: UiContext, tmp_path: Path
) -> None:
    binary = _dialog(qtbot, ui, write(tmp_path, b"\x89PNG\r\n\x1a\n" + bytes(300), "a.png"))
    assert "not a text file" in binary.problem_label.text()
    assert binary.problem_label.isVisible() and not binary.import_button.isEnabled()
    xlsx = _dialog(qtbot, ui, write(tmp_path, b"PK\x03\x04" + bytes(100), "b.csv"))
    assert "Save As › CSV UTF-8" in xlsx.problem_label.text()
    latin = _dialog(qtbot, ui, write(tmp_path, "name;notes\r\nJosé;café\r\n", "c.csv", "cp1252"))
    assert "Encoding cp1252, semicolon-separated" in latin.file_label.text()
    assert latin.preview is not None and latin.preview.good_rows == 1
    bom = _dialog(qtbot, ui, write(tmp_path, HEADER + GOOD, "d.csv", "utf-8-sig"))
    assert bom.combos["name"].currentText() == "name"  # the BOM is not part of the header
    missing = _dialog(qtbot, ui, write(tmp_path, "email,phone\na@b.com,\n", "e.csv"))
    assert "Choose a column for Name (required)" in missing.summary.text()
    parts = _dialog(qtbot, ui, write(tmp_path, "sku,name\nA-1,Thing\n", "f.csv"), "parts")
    assert "Not in the file: Price, Cost, Reorder level, Quantity." in parts.summary.text()


def test_file_menu_import_uses_the_injected_chooser(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    path = write(tmp_path, "sku,name,unit_price\nA-1,Thing,2.50\n")
    window.data_actions.choose_open = lambda *_a: str(path)
    window.data_actions.import_parts_action.trigger()
    dialog = window.data_actions.import_dialog
    assert isinstance(dialog, ImportDialog)
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=WAIT_MS)
    window.data_actions.choose_open = lambda *_a: None  # cancelled: nothing opens
    window.data_actions.import_customers_action.trigger()
    assert window.data_actions.import_dialog is dialog


def test_render_import_dialog(
    qtbot: QtBot, ui: UiContext, arrange: UnitOfWork, tmp_path: Path
) -> None:
    customers.create_customer(arrange, customers.CustomerData("Carmen Old", "carmen@example.com"))
    folder = Path(os.environ.get("MD_SHOTS_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    dialog = _dialog(qtbot, ui, write(tmp_path, HEADER + GOOD + BAD))
    qtbot.wait(50)
    save_shot(dialog, folder / "dialog-import-customers.png", "Carmen Old")
