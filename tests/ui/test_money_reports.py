"""The money reports as a clerk and the owner use them, by keys and clicks: the cash-up
of the day (type the cash counted, read the difference, print), receivables by age
(Return on a customer opens their statement, which prints and exports), and the
documents rendered to PNG (MD_SHOTS_DIR) and read back."""

from __future__ import annotations

import csv
import os
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from mechanic_desktop.db.engine import describe
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.staff import Actor, Role
from mechanic_desktop.services import (
    credit_notes,
    documents,
    invoicing,
    money_documents,
    money_reports,
    shop,
    workflow,
)
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.dialogs.statement import StatementDialog
from mechanic_desktop.ui.documents import write_pdf
from mechanic_desktop.ui.main_window import MainWindow
from mechanic_desktop.ui.pages.reports import ReportsPage
from tests.ui.accounts import make_admin
from tests.ui.helpers import WAIT_MS, column, save_shot, visible_text
from tests.unit.test_billing import _completed, _pay

ENTER = Qt.Key.Key_Return
D = Decimal


@pytest.fixture
def admin(arrange: UnitOfWork) -> Actor:
    return make_admin(arrange)


@pytest.fixture
def money_window(qtbot: QtBot, ui: UiContext, engine: Engine, settings: QSettings,
                 admin: Actor, arrange: UnitOfWork) -> MainWindow:
    """Ada's ticket (55.00): a card deposit of 20.00, invoiced on account, 10.00 cash
    later, 5.00 credited for goodwill: she owes 20.00."""
    arrange.actor = admin
    detail = _pay(arrange, _completed(arrange), "20.00", "card", "4242")
    detail = workflow.set_status(arrange, detail.ticket.id, "closed", detail.ticket.version,
                                 on_account=True)
    detail = _pay(arrange, detail, "10.00")
    invoice = detail.billing.invoice
    assert invoice is not None
    credit_notes.credit_invoice(arrange, detail.ticket.id, credit_notes.CreditData(
        invoice.id, "Goodwill: waited a day", amount="5"), detail.ticket.version)
    ui.sign_in(admin)
    win = MainWindow(ui, describe(engine.url), settings, actor=admin)
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    return win


def _reports(qtbot: QtBot, window: MainWindow, key: str) -> ReportsPage:
    keys = [p.key for p in window.pages]
    window.show_page(keys.index("reports"))
    page = window.current_page
    assert isinstance(page, ReportsPage)
    page.tabs.setCurrentIndex([t.key for t in page._tabs].index(key))
    tab = page.tab(key)
    qtbot.waitUntil(lambda: tab.model.loaded_once and not tab.model.loading
                    and page.ui.worker.pending == 0, timeout=WAIT_MS)
    return page


def _folder(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("MD_SHOTS_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_cash_up_counted_cash_difference_and_print(
    qtbot: QtBot, money_window: MainWindow, tmp_path: Path
) -> None:
    page = _reports(qtbot, money_window, "cash_up")
    model = page.tab("cash_up").model
    assert column(model, 0) == ["Cash", "Card"]
    assert column(model, 4) == ["10.00", "20.00"]
    assert column(page.cash_entries_model, 3) == ["Card 4242", "Cash"]
    assert "Cash expected 10.00" in page.cash_result.text()
    # The totals show every column, Net included, without scrolling sideways.
    totals = page.tab("cash_up").table
    last = model.columnCount() - 1
    assert (totals.columnViewportPosition(last) + totals.columnWidth(last)
            <= totals.viewport().width())
    page.counted.setFocus()
    qtbot.keyClicks(page.counted, "7.5")
    assert page.cash_result.text().endswith("difference -2.50 (short)")
    page.counted.clear()
    qtbot.keyClicks(page.counted, "ten")
    assert page.cash_result.text() == "Counted cash must be a number, like 412.50."
    page.counted.clear()
    qtbot.keyClicks(page.counted, "10")
    assert page.cash_result.text().endswith("difference 0.00 (exact)")
    save_shot(money_window, _folder(tmp_path) / "reports-cash-up.png", "Cash-up",
              "Card 4242", "difference 0.00 (exact)")
    qtbot.mouseClick(page.cash_print, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(page.preview.isVisible, timeout=WAIT_MS)
    assert "Cash-up" in page.preview.windowTitle()
    page.preview.close()
    # Receipts by day and method over the period (this month).
    page.tabs.setCurrentIndex([t.key for t in page._tabs].index("receipts"))
    receipts = page.tab("receipts").model
    qtbot.waitUntil(lambda: receipts.loaded_once and not receipts.loading, timeout=WAIT_MS)
    assert column(receipts, 1) == ["Card", "Cash"] and column(receipts, 3) == ["20.00", "10.00"]
    page.tabs.setCurrentIndex([t.key for t in page._tabs].index("cash_up"))
    # Another day (Down steps the date edit back): nothing taken.
    page.cash_day.setFocus()
    qtbot.keyClick(page.cash_day, Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: not model.loading and model.rowCount() == 0
                    and page.ui.worker.pending == 0, timeout=WAIT_MS)


def test_cash_up_with_two_clerks_says_whose_cash_is_in_the_drawer(
    qtbot: QtBot, money_window: MainWindow, arrange: UnitOfWork, admin: Actor
) -> None:
    """A second clerk takes cash on another ticket: the till line names each clerk's
    cash (one clerk alone is not named: the total says it)."""
    from mechanic_desktop.domain.records import ListQuery
    from mechanic_desktop.services import tickets
    from tests.unit import factories

    arrange.actor = factories.signed_in(arrange, Role.WRITER, "zoe")
    ada = tickets.list_tickets(arrange, ListQuery()).rows[0].id  # she owes 20.00
    _pay(arrange, workflow.get_ticket_detail(arrange, ada), "5.00")
    page = _reports(qtbot, money_window, "cash_up")
    assert page.cash_result.text().startswith(
        f"Cash expected 15.00 ({admin.full_name} 10.00 · Staff zoe 5.00) · ")
    page.counted.setFocus()
    qtbot.keyClicks(page.counted, "14")
    assert page.cash_result.text().endswith("difference -1.00 (short)")


def test_receivables_then_statement_by_return_prints_and_exports(
    qtbot: QtBot, money_window: MainWindow, tmp_path: Path
) -> None:
    page = _reports(qtbot, money_window, "receivables")
    tab = page.tab("receivables")
    assert column(tab.model, 0) == ["Ada Lovelace"]
    assert column(tab.model, 1) == ["(212) 555-0100"]
    assert [column(tab.model, i)[0] for i in range(2, 7)] == [
        "20.00", "0.00", "0.00", "0.00", "20.00"]
    assert page.receivables_summary.text().startswith("1 customer owes 20.00")
    folder = _folder(tmp_path)
    save_shot(money_window, folder / "reports-receivables.png", "Ada Lovelace",
              "0–30 days", "20.00")
    page.choose_save = lambda *_a: str(tmp_path / "receivables.csv")
    qtbot.mouseClick(page.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.last_export is not None, timeout=WAIT_MS)
    with open(tmp_path / "receivables.csv", encoding="utf-8-sig") as f:
        assert list(csv.reader(f))[1] == ["Ada Lovelace", "(212) 555-0100", "20.00", "0.00",
                                          "0.00", "0.00", "20.00", "1"]
    tab.table.setFocus()
    tab.table.selectRow(0)
    qtbot.keyClick(tab.table, ENTER)
    qtbot.waitUntil(lambda: page.statement_dialog is not None
                    and page.statement_dialog.statement is not None, timeout=WAIT_MS)
    dialog = page.statement_dialog
    assert isinstance(dialog, StatementDialog)
    assert column(dialog.model, 1) == ["Payment", "Invoice", "Payment", "Credit note"]
    assert column(dialog.model, 7) == ["-20.00", "35.00", "25.00", "20.00"]
    assert dialog.title.text() == "Statement for Ada Lovelace: 4 entries, balance due 20.00"
    dialog.resize(1000, 420)
    save_shot(dialog, folder / "customer-statement.png", "Statement for Ada Lovelace",
              "Credit note", "Goodwill")
    dialog.choose_save = lambda *_a: str(tmp_path / "statement.csv")
    qtbot.keyClick(dialog, Qt.Key.Key_E, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: dialog.last_export is not None, timeout=WAIT_MS)
    with open(tmp_path / "statement.csv", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    assert rows[0][:3] == ["Date", "Entry", "Number"] and rows[-1][-1] == "20.00"
    qtbot.keyClick(dialog.table, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(dialog.preview.isVisible, timeout=WAIT_MS)
    dialog.preview.close()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


def test_statement_from_the_customer_record(
    qtbot: QtBot, money_window: MainWindow, ui: UiContext, arrange: UnitOfWork
) -> None:
    from mechanic_desktop.services import customers
    from mechanic_desktop.ui.dialogs.customer import CustomerDialog

    customer_id = workflow.get_ticket_detail(arrange, 1).ticket.customer_id
    ada = customers.get_customer(arrange, customer_id)
    dialog = CustomerDialog(ui, ada, money_window)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.statement_button.isEnabled()
    qtbot.mouseClick(dialog.statement_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: getattr(dialog, "statement_dialog", None) is not None
                    and dialog.statement_dialog.statement is not None, timeout=WAIT_MS)
    assert "balance due 20.00" in visible_text(dialog.statement_dialog)


def _pdf_png(html: str, path: Path, title: str) -> str:
    pdf = write_pdf(html, path.with_suffix(".pdf"), title)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-singlefile", str(pdf),
                    str(path.with_suffix(""))], check=True)
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout


def test_money_documents_render(qtbot: QtBot, money_window: MainWindow, arrange: UnitOfWork,
                                tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    settings = shop.get_settings(arrange)
    up = money_reports.cash_up(arrange, money_reports.utcnow().astimezone().date())
    text = _pdf_png(money_documents.cash_up_html(up, settings, D("8.00"), "Admin"),
                    folder / "cash-up.png", "Cash-up")
    assert "Cash expected" in text and "(short)" in text and "-2.00" in text
    rec = money_reports.receivables(arrange)
    text = _pdf_png(money_documents.receivables_html(rec, settings),
                    folder / "receivables.png", "Receivables")
    assert "Ada Lovelace" in text and "90+" in text and "20.00" in text
    st = money_reports.statement(arrange, rec.rows[0].customer_id)
    text = _pdf_png(money_documents.statement_html(st, settings), folder / "statement.png",
                    "Statement")
    assert "Balance due" in text and "CN-1" in text and "INV-1" in text
    billing = workflow.get_ticket_detail(arrange, 1).billing
    note = billing.credit_notes[0]
    snap = invoicing.get_invoice_snapshot(arrange, note.invoice_id)
    text = _pdf_png(documents.credit_note_html(snap, note), folder / "credit-note-partial.png",
                    "Credit note")
    assert "Part of invoice INV-1 is credited" in text and "5.00" in text


def test_the_printed_statement_carries_the_shops_logo(
    qtbot: QtBot, money_window: MainWindow, ui: UiContext, arrange: UnitOfWork, admin: Actor
) -> None:
    """The statement is a document the customer keeps: it has the same letterhead as
    the invoice, logo included (it used to print without it)."""
    from tests.unit.test_shop_documents import png

    arrange.actor = admin
    settings = shop.get_settings(arrange)
    workflow.update_settings(arrange, shop.data_of(settings, logo=png()), settings.version)
    customer_id = workflow.get_ticket_detail(arrange, 1).ticket.customer_id
    dialog = StatementDialog(ui, customer_id, "Ada Lovelace", money_window)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.statement is not None, timeout=WAIT_MS)
    assert '<img src="data:image/png;base64,' in dialog.html
