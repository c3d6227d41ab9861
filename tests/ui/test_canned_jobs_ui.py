"""Canned jobs as a user meets them: the ticket editor's picker driven by keys (type,
Down, Return), the library and its editor (Settings → Canned jobs…), and the shop
settings' labour rate, authorisation tolerance and estimate validity."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.canned_jobs import CannedLine, LineKind
from mechanic_desktop.domain.errors import StaleRecord
from mechanic_desktop.domain.records import ListQuery
from mechanic_desktop.domain.staff import Role
from mechanic_desktop.services import canned_jobs, parts, workflow
from mechanic_desktop.services import shop as shop_service
from mechanic_desktop.services.canned_jobs import CannedJobData
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.dialogs.canned_jobs import (
    CannedJobEditor,
    CannedJobPicker,
    CannedJobsDialog,
)
from mechanic_desktop.ui.dialogs.shop_settings import ShopSettingsDialog
from mechanic_desktop.ui.dialogs.ticket import TicketDialog
from mechanic_desktop.ui.main_window import MainWindow
from tests.ui.conftest import Shop
from tests.ui.helpers import WAIT_MS, save_shot
from tests.unit import workflow_factories as wf

LEFT = Qt.MouseButton.LeftButton


def _shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("MD_SHOTS_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _rate(uow: UnitOfWork, rate: str) -> None:
    settings = shop_service.get_settings(uow)
    workflow.update_settings(uow, shop_service.ShopSettingsData(
        settings.name, tax_rate="8.875", labor_rate=rate), settings.version)


def _library(uow: UnitOfWork, shop: Shop) -> int:
    """Three jobs; "Oil and filter change" has a part deleted since it was written."""
    gone = parts.create_part(uow, parts.PartData("DRN-9", "Drain plug gasket", "2.00"))
    oil = canned_jobs.create_canned_job(uow, CannedJobData(
        "Oil and filter change", "Oil change due", [
            CannedLine(LineKind.LABOUR, "Drain oil, replace filter, refill", 30),
            CannedLine(LineKind.PART, part_id=shop.oil.id, quantity=5),
            CannedLine(LineKind.PART, part_id=shop.filter.id, quantity=1),
            CannedLine(LineKind.PART, part_id=gone.id, quantity=1)]))
    parts.delete_part(uow, gone.id)
    canned_jobs.create_canned_job(uow, CannedJobData(
        "Front brake pads and rotors", "Grinding from the front", [
            CannedLine(LineKind.LABOUR, "Replace front pads and rotors", 90)]))
    canned_jobs.create_canned_job(uow, CannedJobData(
        "Brake fluid flush", "", [CannedLine(LineKind.LABOUR, "Flush brake fluid", 45)]))
    return oil.id


def _loaded(qtbot: QtBot, model: object) -> None:
    qtbot.waitUntil(lambda: model.loaded_once and not model.loading  # type: ignore[attr-defined]
                    and not model.search_pending, timeout=WAIT_MS)  # type: ignore[attr-defined]


def test_the_picker_adds_a_canned_job_by_keys(
    qtbot: QtBot, ui: UiContext, shop: Shop, arrange: UnitOfWork, tmp_path: Path,
    qtmodeltester: object,
) -> None:
    _rate(arrange, "120.00")
    _library(arrange, shop)
    editor = TicketDialog(ui, shop.ticket)
    qtbot.addWidget(editor)
    editor.show()
    qtbot.waitUntil(lambda: editor.work is not None and editor.work.detail is not None,
                    timeout=WAIT_MS)
    work = editor.work
    assert work is not None and work.add_canned_button.isEnabled()
    qtbot.mouseClick(work.add_canned_button, LEFT)
    picker = work.canned_dialog
    assert isinstance(picker, CannedJobPicker)
    qtbot.waitUntil(picker.isVisible, timeout=WAIT_MS)
    _loaded(qtbot, picker.model)
    qtmodeltester.check(picker.model)  # type: ignore[attr-defined]
    assert picker.search.hasFocus() and not picker.save_button.isEnabled()
    qtbot.keyClicks(picker.search, "oil")
    _loaded(qtbot, picker.model)
    assert [picker.model.row_at(i).name for i in range(picker.model.rowCount())] == [
        "Oil and filter change"]
    qtbot.keyClick(picker.search, Qt.Key.Key_Down)
    assert picker.table.hasFocus() and picker.chosen() is not None
    # 0.5 h × 120 = 60.00; 5 × 12.99 = 64.95 and 8.50, taxed 8.875 % line by line:
    # 5.76 + 0.75 = 6.51 → 139.96
    assert "139.96 today with tax" in picker.pick_note.text()
    save_shot(picker, _shots(tmp_path) / "canned-job-picker.png",
              "Oil and filter change", "139.96")
    with qtbot.waitSignal(picker.saved, timeout=WAIT_MS):
        qtbot.keyClick(picker.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not shiboken6.isValid(picker) or not picker.isVisible(),
                    timeout=WAIT_MS)
    job = work.selected_job()
    assert job is not None and (job.title, job.status) == ("Oil and filter change", "proposed")
    assert sorted(p.sku for p in job.parts) == ["FLT-100", "OIL-5W30"]
    assert [m.operation for m in job.mechanics] == ["Drain oil, replace filter, refill"]
    assert work.note.text() == ("Added the job “Oil and filter change”. Part DRN-9 no "
                                "longer exists: not added.")
    # Nothing left the shelf: the job is an estimate until the customer approves it.
    assert parts.get_part(arrange, shop.oil.id).quantity_on_hand == 4  # as it was


def test_a_writer_sees_the_library_but_cannot_change_it(
    qtbot: QtBot, ui: UiContext, shop: Shop, arrange: UnitOfWork, engine: Engine,
) -> None:
    _library(arrange, shop)
    ui.sign_in(wf.actor(engine, "wes", "Wes Desk", Role.WRITER))
    dialog = CannedJobsDialog(ui)
    qtbot.addWidget(dialog)
    dialog.show()
    _loaded(qtbot, dialog.model)
    qtbot.keyClick(dialog.search, Qt.Key.Key_Down)
    assert dialog.selected() is not None
    qtbot.waitUntil(lambda: dialog.settings is not None, timeout=WAIT_MS)
    assert dialog.edit_button.isEnabled() and dialog.edit_button.text() == "&View…"
    assert not dialog.new_button.isEnabled() and not dialog.delete_button.isEnabled()
    assert dialog.new_button.toolTip() == (
        "Service writers cannot manage the library of canned jobs.")


def test_the_library_and_its_editor(
    qtbot: QtBot, window: MainWindow, shop: Shop, arrange: UnitOfWork, tmp_path: Path,
    qtmodeltester: object,
) -> None:
    _rate(arrange, "120.00")
    _library(arrange, shop)
    action = window.canned_jobs_action
    assert action.shortcut().toString() == "Ctrl+Shift+J"
    action.trigger()
    dialog = window.canned_jobs_dialog
    assert isinstance(dialog, CannedJobsDialog)
    _loaded(qtbot, dialog.model)
    qtmodeltester.check(dialog.model)  # type: ignore[attr-defined]
    qtbot.waitUntil(dialog.new_button.isEnabled, timeout=WAIT_MS)
    save_shot(dialog, _shots(tmp_path) / "canned-jobs-library.png",
              "Brake fluid flush", "Front brake pads and rotors", "Oil and filter change")

    # A new job, typed and looked up by keys.
    qtbot.mouseClick(dialog.new_button, LEFT)
    editor = dialog.editor
    assert isinstance(editor, CannedJobEditor)
    qtbot.waitUntil(editor.isVisible, timeout=WAIT_MS)
    assert not editor.save_button.isEnabled()
    qtbot.keyClicks(editor.name, "Wiper blades")
    qtbot.keyClicks(editor.operation, "Replace front wiper blades")
    editor.hours.setValue(0.25)
    qtbot.keyClick(editor.operation, Qt.Key.Key_Return)
    assert editor.lines.rowCount() == 1
    qtbot.keyClicks(editor.sku, "nope-1")
    qtbot.keyClick(editor.sku, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "No part has the SKU NOPE-1" in editor.lines_note.text(),
                    timeout=WAIT_MS)
    editor.sku.clear()
    qtbot.keyClicks(editor.sku, "flt-100")
    editor.quantity.setValue(2)
    qtbot.keyClick(editor.sku, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: editor.lines.rowCount() == 2, timeout=WAIT_MS)
    qtmodeltester.check(editor.lines)  # type: ignore[attr-defined]
    # 0.25 h × 120 = 30.00; 2 × 8.50 = 17.00, tax 1.51 → 48.51
    assert "48.51 with tax" in editor.lines_note.text()
    save_shot(editor, _shots(tmp_path) / "canned-job-editor.png",
              "Wiper blades", "Replace front wiper blades", "FLT-100")
    with qtbot.waitSignal(editor.saved, timeout=WAIT_MS):
        qtbot.mouseClick(editor.save_button, LEFT)
    qtbot.waitUntil(lambda: "Saved “Wiper blades”: 48.51" in dialog.note.text(),
                    timeout=WAIT_MS)
    [row] = canned_jobs.list_canned_jobs(arrange, ListQuery(search="wiper")).rows
    record = canned_jobs.get_canned_job(arrange, row.id)
    assert [(line.kind, line.minutes, line.sku, line.quantity) for line in record.lines] == [
        ("labour", 15, "", 0), ("part", 0, "FLT-100", 2)]

    # Editing one that another desk saved meanwhile: refused, naming it; Reload shows theirs.
    _loaded(qtbot, dialog.model)
    qtbot.keyClicks(dialog.search, "wiper")
    _loaded(qtbot, dialog.model)
    qtbot.keyClick(dialog.search, Qt.Key.Key_Down)
    qtbot.keyClick(dialog.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: isinstance(dialog.editor, CannedJobEditor)
                    and dialog.editor is not editor and dialog.editor.isVisible(),
                    timeout=WAIT_MS)
    again = dialog.editor
    assert isinstance(again, CannedJobEditor) and again.lines.rowCount() == 2
    canned_jobs.update_canned_job(arrange, row.id, CannedJobData(
        "Wiper blades", "Smears", record.lines), record.version)
    again.name.selectAll()
    qtbot.keyClicks(again.name, "Wiper blades, front")
    qtbot.mouseClick(again.save_button, LEFT)
    qtbot.waitUntil(lambda: "was changed at another desk" in again.banner.text(),
                    timeout=WAIT_MS)
    assert canned_jobs.get_canned_job(arrange, row.id).name == "Wiper blades"
    with pytest.raises(StaleRecord):
        canned_jobs.update_canned_job(arrange, row.id, CannedJobData(
            "X", "", record.lines), record.version)
    again.reject()

    # Stop offering it: the picker no longer lists it.
    qtbot.waitUntil(lambda: dialog.selected() is not None, timeout=WAIT_MS)
    qtbot.mouseClick(dialog.active_button, LEFT)
    qtbot.waitUntil(lambda: "no longer offered" in dialog.note.text(), timeout=WAIT_MS)
    assert canned_jobs.list_canned_jobs(
        arrange, ListQuery(search="wiper", filters={"active": True})).rows == ()


def test_shop_settings_hold_the_labour_rate_tolerance_and_validity(
    qtbot: QtBot, ui: UiContext, shop: Shop, arrange: UnitOfWork, tmp_path: Path,
) -> None:
    dialog = ShopSettingsDialog(ui, shop_service.get_settings(arrange))
    qtbot.addWidget(dialog)
    dialog.show()
    for edit, text in ((dialog.labor_rate, "12x"), (dialog.valid_days, "0")):
        edit.selectAll()
        qtbot.keyClicks(edit, text)
    assert dialog.error_of("labor_rate") and "between 1 and 365" in dialog.error_of(
        "estimate_valid_days")
    assert not dialog.save_button.isEnabled()
    for edit, text in ((dialog.labor_rate, "125.50"), (dialog.tolerance, "25"),
                       (dialog.valid_days, "14")):
        edit.selectAll()
        qtbot.keyClicks(edit, text)
    save_shot(dialog, _shots(tmp_path) / "shop-settings.png", "Labour &rate (per hour)",
              "Authorisation t&olerance", "Estimates &valid for (days)")
    with qtbot.waitSignal(dialog.saved, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.save_button, LEFT)
    saved = shop_service.get_settings(arrange)
    assert (saved.labor_rate, saved.authorisation_tolerance, saved.estimate_valid_days) == (
        Decimal("125.50"), Decimal("25.00"), 14)
