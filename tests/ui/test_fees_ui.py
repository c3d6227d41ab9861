"""Fee lines and the taxable flag in the ticket editor, driven from the keyboard as a
service writer would, and the labour rate of tax in the shop settings; the dialogs and
the invoice PDF are rendered to PNG for a person to look at (MD_SHOTS_DIR keeps them)."""

from __future__ import annotations

import os
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.records import ListQuery
from mechanic_desktop.domain.staff import Role
from mechanic_desktop.services import documents, tickets, workflow
from mechanic_desktop.services import shop as shop_service
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.dialogs.discount import DiscountDialog
from mechanic_desktop.ui.dialogs.fee import AddFeeDialog
from mechanic_desktop.ui.dialogs.shop_settings import ShopSettingsDialog
from mechanic_desktop.ui.dialogs.ticket import TicketDialog
from mechanic_desktop.ui.dialogs.ticket_work import TicketWorkPanel
from tests.ui.conftest import Shop
from tests.ui.helpers import WAIT_MS, click_line, job_lines, save_shot
from tests.unit import factories

D = Decimal


def _folder(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("MD_SHOTS_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _open(qtbot: QtBot, ui: UiContext, arrange: UnitOfWork,
          shop: Shop) -> tuple[TicketDialog, TicketWorkPanel]:
    dialog = TicketDialog(ui, tickets.get_ticket(arrange, shop.ticket.id))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.work is not None and dialog.work.detail is not None,
                    timeout=WAIT_MS)
    assert dialog.work is not None
    return dialog, dialog.work


def _settings_dialog(qtbot: QtBot, ui: UiContext, arrange: UnitOfWork) -> ShopSettingsDialog:
    dialog = ShopSettingsDialog(ui, shop_service.get_settings(arrange))
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def _priced_shop(arrange: UnitOfWork, shop: Shop) -> None:
    """10 % on parts and fees, 5 % on labour; 1.5 h of Sam's labour and 2 quarts of oil
    on the ticket's job."""
    settings = shop_service.get_settings(arrange)
    workflow.update_settings(arrange, shop_service.ShopSettingsData(
        "Bolt Garage", "1 Main St", "555-000-1111", "10", True, "RO-", labor_tax_rate="5"),
        settings.version)
    ticket = shop.ticket
    detail = workflow.assign_mechanics(arrange, ticket.id, {shop.sam.id: 90}, ticket.version)
    workflow.add_part_lines(arrange, ticket.id, [(shop.oil.id, 2)], detail.ticket.version)


def test_add_a_fee_and_untax_a_line_from_the_keyboard(
    qtbot: QtBot, ui: UiContext, shop: Shop, arrange: UnitOfWork, tmp_path: Path
) -> None:
    folder = _folder(tmp_path)
    _priced_shop(arrange, shop)
    dialog, work = _open(qtbot, ui, arrange, shop)
    # Labour 143.25 at 5 % = 7.16; oil 25.98 at 10 % = 2.60.
    assert work.total_labels["tax"].text() == "9.76"
    # Two rates do not fit the totals' column: "Tax", the rates in its tooltip, not cut.
    assert (work.tax_caption.text(), work.tax_caption.toolTip()) == (
        "Tax", "Tax (parts 10%, labour 5%)")
    assert work.tax_caption.width() >= work.tax_caption.sizeHint().width()

    click_line(qtbot, work, "job", "1. ")
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=WAIT_MS)
    qtbot.keyClick(work.jobs_tree, Qt.Key.Key_F,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: isinstance(work.labour_dialog, AddFeeDialog), timeout=WAIT_MS)
    fee = work.labour_dialog
    assert isinstance(fee, AddFeeDialog)
    qtbot.waitUntil(fee.isVisible, timeout=WAIT_MS)
    fee.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is fee.description, timeout=WAIT_MS)
    # Bad input is named beside its field, and nothing can be saved.
    qtbot.keyClicks(fee.description, "Tyre disposal")
    qtbot.keyClick(fee.description, Qt.Key.Key_Tab)
    qtbot.keyClicks(fee.amount, "0")
    assert fee.error_of("amount") == "The fee must be more than 0.00."
    assert not fee.save_button.isEnabled()
    fee.amount.clear()
    qtbot.keyClicks(fee.amount, "-3")
    assert fee.error_of("amount") == "The fee cannot be negative."
    fee.amount.clear()
    qtbot.keyClicks(fee.amount, "2.345")
    assert fee.error_of("amount") == ""
    assert fee.price.text() == "Adds 2.35 (rounded to cents from 2.345)"
    save_shot(fee, folder / "fee-dialog.png", "Tyre disposal", "Adds 2.35")
    with qtbot.waitSignal(fee.saved, timeout=WAIT_MS):
        qtbot.keyClick(fee.amount, Qt.Key.Key_Return)

    qtbot.waitUntil(lambda: job_lines(work, "fee") == ["Fee: Tyre disposal"],
                    timeout=WAIT_MS)
    assert job_lines(work, "fee", 3) == ["2.35"]
    assert work.total_labels["fees"].text() == "2.35"
    assert work.total_labels["tax"].text() == "10.00"  # + 0.235 → 0.24
    assert work.total_labels["total"].text() == "181.58"

    # The oil is not taxed: its row says so, Space on the Taxable box did it.
    click_line(qtbot, work, "part", "OIL-5W30")
    assert work.taxable_box.isEnabled() and work.taxable_box.isChecked()
    work.taxable_box.setFocus()
    qtbot.keyClick(work.taxable_box, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: work.total_labels["tax"].text() == "7.40", timeout=WAIT_MS)
    assert job_lines(work, "part", 0) == ["OIL-5W30"]
    assert any(text.endswith("(no tax)") for text in _first_column(work, "part"))
    assert not work.taxable_box.isChecked()
    assert "not taxed" in work.note.text()
    save_shot(dialog, folder / "ticket-fees.png", "Fee: Tyre disposal", "Taxable", "(no tax)")

    # The invoice PDF shows the fee, the untaxed line and both rates.
    asked: list[str] = []

    def choose(_parent: QWidget, suggested: str) -> str:
        asked.append(suggested)
        return str(folder / suggested)

    work.choose_pdf_path = choose
    work.export_invoice_action.trigger()
    qtbot.waitUntil(lambda: work.last_pdf is not None, timeout=WAIT_MS)
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", "-layout", str(work.last_pdf), "-"],
                          capture_output=True, encoding="utf-8", check=True).stdout
    for expected in ("Tyre disposal", "Fees", "2.35", "(no tax)",
                     "Tax (parts 10%, labour 5%)", "7.40", "178.98"):
        assert expected in text, expected
    if shutil.which("pdftoppm") is not None:
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-singlefile", str(work.last_pdf),
                        str(folder / "invoice-fees")], check=True)
        assert (folder / "invoice-fees.png").stat().st_size > 1000


def _first_column(work: TicketWorkPanel, kind: str) -> list[str]:
    model = work.jobs_model
    found = []
    for j in range(model.rowCount()):
        top = model.index(j, 0)
        for i in range(model.rowCount(top)):
            index = model.index(i, 0, top)
            if index.data(Qt.ItemDataRole.UserRole) == kind:
                found.append(str(index.data()))
    return found


def test_remove_a_fee_asks_first(
    qtbot: QtBot, ui: UiContext, shop: Shop, arrange: UnitOfWork
) -> None:
    from mechanic_desktop.services import fees

    detail = workflow.get_ticket_detail(arrange, shop.ticket.id)
    fees.add_fee(arrange, shop.ticket.id, detail.jobs[0].id,
                 fees.FeeData("Shop supplies", "4.00"), detail.ticket.version)
    _dialog, work = _open(qtbot, ui, arrange, shop)
    click_line(qtbot, work, "fee", "Fee: Shop supplies")
    assert work.remove_button.isEnabled()
    qtbot.mouseClick(work.remove_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: job_lines(work, "fee") == [], timeout=WAIT_MS)
    assert work.total_labels["fees"].text() == "0.00"
    assert "Removed the fee Shop supplies." in work.note.text()


def test_labour_tax_rate_in_shop_settings(
    qtbot: QtBot, ui: UiContext, arrange: UnitOfWork, tmp_path: Path
) -> None:
    record = shop_service.get_settings(arrange)
    workflow.update_settings(arrange, shop_service.ShopSettingsData(
        "Bolt Garage", tax_rate="8.875", labor_taxed=True), record.version)
    dialog = _settings_dialog(qtbot, ui, arrange)
    assert dialog.labor_tax_rate.text() == "" and dialog.labor_tax_rate.isEnabled()
    qtbot.keyClicks(dialog.labor_tax_rate, "101")
    assert dialog.error_of("labor_tax_rate") == (
        "Labour tax rate must be between 0 and 100 percent.")
    assert not dialog.save_button.isEnabled()
    dialog.labor_tax_rate.selectAll()
    qtbot.keyClicks(dialog.labor_tax_rate, "4.5")
    assert "re-prices open and in-progress tickets" in dialog.tax_note.text()
    save_shot(dialog, _folder(tmp_path) / "settings-tax-rates.png", "La&bour tax (%):")
    with qtbot.waitSignal(dialog.saved, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    saved = shop_service.get_settings(arrange)
    assert (saved.tax_rate, saved.labor_tax_rate, saved.labour_rate_of_tax) == (
        D("8.875"), D("4.5"), D("4.5"))


def test_discount_a_line_then_the_ticket_from_the_keyboard(
    qtbot: QtBot, ui: UiContext, shop: Shop, arrange: UnitOfWork, tmp_path: Path
) -> None:
    """A writer gives 10 % off the oil (the limit), is refused 25 % off the ticket with
    the limit named where they look, and gives 5 % instead; the totals follow."""
    from tests.ui.accounts import make_admin, make_signed_in

    folder = _folder(tmp_path)
    _priced_shop(arrange, shop)
    record = shop_service.get_settings(arrange)
    workflow.update_settings(arrange, shop_service.ShopSettingsData(
        record.name, tax_rate="10", labor_taxed=True, labor_tax_rate="5",
        max_writer_discount="10"), record.version)
    admin = make_admin(arrange)
    ui.sign_in(make_signed_in(arrange, admin, "wendy", "Wendy Writer", Role.WRITER))
    dialog, work = _open(qtbot, ui, arrange, shop)
    factories.authorise(arrange, shop.ticket.id)  # the oil and labour approved
    work.load()
    qtbot.waitUntil(lambda: work.detail is not None and not work.detail.authorisation_needed,
                    timeout=WAIT_MS)

    click_line(qtbot, work, "part", "OIL-5W30")
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=WAIT_MS)
    qtbot.keyClick(work.jobs_tree, Qt.Key.Key_D,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: isinstance(work.labour_dialog, DiscountDialog), timeout=WAIT_MS)
    give = work.labour_dialog
    assert isinstance(give, DiscountDialog)
    assert give.on_line.isChecked() and "OIL-5W30" in give.on_line.text()
    give.activateWindow()
    give.amount.setFocus()
    qtbot.keyClicks(give.amount, "101%")
    assert give.error_of("discount") == "A discount cannot be more than 100%."
    give.amount.selectAll()
    qtbot.keyClicks(give.amount, "10%")
    qtbot.keyClicks(give.reason, " ")
    assert give.error_of("reason") == "Say why the discount is given (e.g. loyal customer)."
    assert not give.save_button.isEnabled()
    qtbot.keyClicks(give.reason, "Loyal customer")
    save_shot(give, folder / "discount-dialog.png", "Service writers may give up to 10% off.")
    with qtbot.waitSignal(give.saved, timeout=WAIT_MS):
        qtbot.keyClick(give.reason, Qt.Key.Key_Return)
    # Oil 25.98 − 2.60 = 23.38 → tax 2.34; labour 143.25 at 5 % = 7.16.
    qtbot.waitUntil(lambda: work.total_labels["discount"].text() == "−2.60", timeout=WAIT_MS)
    assert work.total_labels["tax"].text() == "9.50"
    assert any("10% off" in text for text in _first_column(work, "part"))

    click_line(qtbot, work, "job", "1. ")
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=WAIT_MS)
    qtbot.keyClick(work.jobs_tree, Qt.Key.Key_D,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: isinstance(work.labour_dialog, DiscountDialog)
                    and work.labour_dialog is not give, timeout=WAIT_MS)
    whole = work.labour_dialog
    assert isinstance(whole, DiscountDialog)
    assert whole.on_ticket.isChecked() and not whole.on_line.isEnabled()
    qtbot.keyClicks(whole.amount, "25%")
    qtbot.keyClicks(whole.reason, "Regular")
    qtbot.mouseClick(whole.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "largest a service writer may give (10%)" in whole.banner_text,
                    timeout=WAIT_MS)
    assert whole.isVisible() and whole.amount.text() == "25%"  # what was typed is kept
    whole.amount.selectAll()
    qtbot.keyClicks(whole.amount, "5%")
    with qtbot.waitSignal(whole.saved, timeout=WAIT_MS):
        qtbot.mouseClick(whole.save_button, Qt.MouseButton.LeftButton)
    # 5 % of 23.38 = 1.17 and of 143.25 = 7.16: −10.93 in all.
    qtbot.waitUntil(lambda: work.total_labels["discount"].text() == "−10.93", timeout=WAIT_MS)
    save_shot(dialog, folder / "ticket-discounts.png", "Discounts", "−10.93")
    detail = workflow.get_ticket_detail(arrange, shop.ticket.id)
    html = documents.estimate_html(detail, shop_service.get_settings(arrange))
    assert "Discount 10%: Loyal customer" in html and "5% off the work: Regular" in html


def test_a_canned_job_takes_a_fee_line_by_keys(
    qtbot: QtBot, ui: UiContext, arrange: UnitOfWork, tmp_path: Path
) -> None:
    from mechanic_desktop.services import canned_jobs
    from mechanic_desktop.ui.dialogs.canned_jobs import CannedJobEditor

    editor = CannedJobEditor(ui, shop_service.get_settings(arrange))
    qtbot.addWidget(editor)
    editor.show()
    qtbot.keyClicks(editor.name, "Tyre swap")
    qtbot.keyClicks(editor.fee_description, "Tyre disposal")
    qtbot.keyClicks(editor.fee_amount, "-1")
    qtbot.keyClick(editor.fee_amount, Qt.Key.Key_Return)
    assert editor.lines_note.text() == "The fee cannot be negative."
    assert editor.lines.rowCount() == 0
    editor.fee_amount.selectAll()
    qtbot.keyClicks(editor.fee_amount, "3.50")
    qtbot.keyClick(editor.fee_amount, Qt.Key.Key_Return)
    assert editor.lines.rowCount() == 1
    assert "fees 3.50" in editor.lines_note.text()
    save_shot(editor, _folder(tmp_path) / "canned-job-fee.png", "Tyre disposal", "Fee")
    with qtbot.waitSignal(editor.saved, timeout=WAIT_MS):
        qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    [row] = canned_jobs.list_canned_jobs(arrange, ListQuery()).rows
    assert row.total == D("3.50")


def test_fee_rules_in_settings_and_the_add_fee_list(
    qtbot: QtBot, ui: UiContext, shop: Shop, arrange: UnitOfWork, tmp_path: Path
) -> None:
    folder = _folder(tmp_path)
    _priced_shop(arrange, shop)
    dialog = _settings_dialog(qtbot, ui, arrange)
    qtbot.waitUntil(dialog.fee_rules.isEnabled, timeout=WAIT_MS)
    dialog.fee_rules.setFocus()
    qtbot.keyClicks(dialog.fee_rules, "Shop supplies: 108% of labour up to 35, automatic")
    assert dialog.error_of("fee_rules") == (
        "Line 1: a fee of 108% is more than 100% of what it is taken on.")
    assert not dialog.save_button.isEnabled()
    dialog.fee_rules.clear()
    qtbot.keyClicks(dialog.fee_rules, "Shop supplies: 8% of labour up to 35, automatic")
    qtbot.keyClick(dialog.fee_rules, Qt.Key.Key_Return)
    qtbot.keyClicks(dialog.fee_rules, "Tyre disposal: 3.50, not taxed")
    assert dialog.error_of("fee_rules") == ""
    save_shot(dialog, folder / "settings-fee-rules.png", "Tyre disposal: 3.50, not taxed")
    with qtbot.waitSignal(dialog.saved, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    _editor, work = _open(qtbot, ui, arrange, shop)
    # Sam's 143.25 of labour: 8 % = 11.46 of shop supplies, put on by the rule.
    assert job_lines(work, "fee") == ["Fee: Shop supplies"]
    assert job_lines(work, "fee", 3) == ["11.46"]
    # The rule would put it straight back: it cannot be removed (a discount waives it).
    click_line(qtbot, work, "fee", "Fee: Shop supplies")
    assert work.selected_fee() is not None and not work.remove_button.isEnabled()
    assert "a 100% discount waives it" in work.remove_button.toolTip()
    assert work.discount_button.isEnabled()
    click_line(qtbot, work, "job", "1. ")
    qtbot.mouseClick(work.add_fee_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: isinstance(work.labour_dialog, AddFeeDialog), timeout=WAIT_MS)
    fee = work.labour_dialog
    assert isinstance(fee, AddFeeDialog)
    qtbot.waitUntil(fee.picker.isEnabled, timeout=WAIT_MS)
    assert fee.picker.itemText(1) == "Tyre disposal (3.50): 3.50"
    fee.picker.setFocus()
    qtbot.keyClick(fee.picker, Qt.Key.Key_Down)
    fee.picker.activated.emit(fee.picker.currentIndex())
    assert (fee.description.text(), fee.amount.text(), fee.taxable.isChecked()) == (
        "Tyre disposal", "3.50", False)
    with qtbot.waitSignal(fee.saved, timeout=WAIT_MS):
        qtbot.keyClick(fee.amount, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(job_lines(work, "fee")) == 2, timeout=WAIT_MS)
    assert any("Tyre disposal (no tax)" in t for t in _first_column(work, "fee"))


def test_markup_bands_in_settings(
    qtbot: QtBot, ui: UiContext, arrange: UnitOfWork, tmp_path: Path
) -> None:
    dialog = _settings_dialog(qtbot, ui, arrange)
    dialog.markup_bands.setFocus()
    qtbot.keyClicks(dialog.markup_bands, "up to 50: 60%")
    qtbot.keyClick(dialog.markup_bands, Qt.Key.Key_Return)
    qtbot.keyClicks(dialog.markup_bands, "up to 10: 100%")
    assert dialog.error_of("markup_bands") == (
        "Line 2: list the bands cheapest first (each “up to” higher than the one before).")
    assert not dialog.save_button.isEnabled()
    dialog.markup_bands.setPlainText("up to 10: 100%\nabove: 40%")
    assert dialog.error_of("markup_bands") == ""
    qtbot.waitUntil(dialog.fee_rules.isEnabled, timeout=WAIT_MS)
    save_shot(dialog, _folder(tmp_path) / "settings-markup.png", "above: 40%")
    with qtbot.waitSignal(dialog.saved, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert shop_service.get_settings(arrange).markup_bands[1].percent == D("40")
