"""The Reports area as the owner uses it: the period changes tables and charts, the
dashboard jumps to filtered lists, exports write what is shown, and pictures of it."""

from __future__ import annotations

import csv
import os
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from mechanic_desktop.db.engine import describe
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.staff import Actor
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.main_window import MainWindow
from mechanic_desktop.ui.pages.reports import ReportsPage
from tests.ui.accounts import make_admin
from tests.ui.helpers import WAIT_MS, column, save_shot
from tests.unit.test_reports import build_shop

MARCH = (date(2025, 3, 1), date(2025, 3, 31))
FEBRUARY = (date(2025, 2, 1), date(2025, 2, 28))


@pytest.fixture
def admin(arrange: UnitOfWork) -> Actor:
    return make_admin(arrange)


@pytest.fixture
def reports_window(qtbot: QtBot, ui: UiContext, engine: Engine, settings: QSettings,
                   admin: Actor) -> MainWindow:
    build_shop(engine)
    ui.sign_in(admin)
    win = MainWindow(ui, describe(engine.url), settings, actor=admin)
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    return win


def _open_reports(qtbot: QtBot, window: MainWindow) -> ReportsPage:
    keys = [p.key for p in window.pages]
    assert keys.index("reports") == keys.index("stock") + 1
    window.show_page(keys.index("reports"))
    page = window.current_page
    assert isinstance(page, ReportsPage)
    qtbot.waitUntil(lambda: page.model.loaded_once and not page.model.loading, timeout=WAIT_MS)
    return page


def _wait(qtbot: QtBot, page: ReportsPage, key: str) -> None:
    tab = page.tab(key)
    qtbot.waitUntil(lambda: tab.model.loaded_once and not tab.model.loading and
                    page.ui.worker.pending == 0, timeout=WAIT_MS)


def test_period_change_updates_tables_and_charts(
    qtbot: QtBot, reports_window: MainWindow, qtmodeltester: object
) -> None:
    page = _open_reports(qtbot, reports_window)
    page.set_period("custom", *MARCH)
    _wait(qtbot, page, "ranking")
    assert column(page.model, 1) == ["Sam Wrench", "Alex Piston", "Pat Retired", "Jo Sparks"]
    assert column(page.model, 2) == ["2", "2", "1", "0"]
    assert column(page.model, 4) == ["175.08", "88.00", "0.01", "0.00"]
    assert page.ranking_chart.values == [0, 1, 2, 2]  # drawn bottom-up: best on top
    assert page.ranking_chart.names[-1] == "Sam Wrench"
    qtmodeltester.check(page.model)  # type: ignore[attr-defined]

    page.set_period("custom", *FEBRUARY)
    _wait(qtbot, page, "ranking")
    assert column(page.model, 1)[:1] == ["Alex Piston"]
    assert page.ranking_chart.values[-1] == 1

    page.tabs.setCurrentIndex(1)
    _wait(qtbot, page, "revenue")
    revenue = page.tab("revenue").model
    assert column(revenue, 0) == ["2025-01-27", "2025-02-03", "2025-02-10", "2025-02-17",
                                  "2025-02-24"]
    assert column(revenue, 6)[3] == "176.00"
    assert page.revenue_chart.values == [0.0, 0.0, 0.0, 176.0, 0.0]
    page.set_period("custom", *MARCH)
    _wait(qtbot, page, "revenue")
    assert page.revenue_chart.values[1:3] == [265.37, 134.84]
    qtmodeltester.check(revenue)  # type: ignore[attr-defined]
    for key in ("usage", "low_stock", "wip", "customers"):
        page.tabs.setCurrentIndex([t.key for t in page._tabs].index(key))
        _wait(qtbot, page, key)
        assert page.tab(key).model.rowCount() > 0
        qtmodeltester.check(page.tab(key).model)  # type: ignore[attr-defined]
    customers = page.tab("customers")
    customers.table.selectRow(0)
    qtbot.waitUntil(lambda: page.history_model.rowCount() == 4, timeout=WAIT_MS)
    assert "Ada Lovelace: 3 visits, billed 441.37" in page.history_title.text()


def test_charts_follow_the_palette(qtbot: QtBot, reports_window: MainWindow) -> None:
    page = _open_reports(qtbot, reports_window)
    chart = page.revenue_chart
    dark = QPalette(QApplication.palette())
    dark.setColor(QPalette.ColorRole.Window, Qt.GlobalColor.black)
    dark.setColor(QPalette.ColorRole.Base, Qt.GlobalColor.black)
    dark.setColor(QPalette.ColorRole.Text, Qt.GlobalColor.white)
    chart.setPalette(dark)
    assert chart.chart().backgroundBrush().color().lightness() < 50
    chart.setPalette(QApplication.palette())
    assert chart.chart().backgroundBrush().color().lightness() > 200


def test_dashboard_strip_and_jumps(qtbot: QtBot, reports_window: MainWindow) -> None:
    page = _open_reports(qtbot, reports_window)
    qtbot.waitUntil(lambda: page.low_card.text() == "Low stock: 4", timeout=WAIT_MS)
    assert page.open_card.text() == "Open: 1"
    assert page.progress_card.text() == "In progress: 1"
    qtbot.mouseClick(page.low_card, Qt.MouseButton.LeftButton)
    stock = reports_window.current_page
    assert stock.key == "stock"
    assert stock.low_stock.isChecked()  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: stock.model.loaded_once and not stock.model.loading,
                    timeout=WAIT_MS)
    assert column(stock.model, 0) == ["BRK-PAD", "FLT-100", "NEVER-1", "OIL-5W30"]
    reports_window.show_page([p.key for p in reports_window.pages].index("reports"))
    qtbot.mouseClick(page.progress_card, Qt.MouseButton.LeftButton)
    tickets = reports_window.current_page
    assert tickets.key == "tickets"
    assert tickets.status_filter.currentData() == ("in_progress",)  # type: ignore[attr-defined]


def test_export_writes_the_rows_shown(
    qtbot: QtBot, reports_window: MainWindow, tmp_path: Path
) -> None:
    page = _open_reports(qtbot, reports_window)
    page.set_period("custom", *MARCH)
    _wait(qtbot, page, "ranking")
    target = tmp_path / "ranking.csv"
    asked: list[str] = []
    reports_window.data_actions.choose_save = lambda _p, _c, name: (asked.append(name),
                                                                    str(target))[1]
    reports_window.data_actions.export_action.trigger()
    qtbot.waitUntil(lambda: page.last_export == str(target), timeout=WAIT_MS)
    assert asked == ["ranking-20250301-20250331.csv"]
    with target.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0][:3] == ["#", "Mechanic", "Completed"]
    assert [r[1] for r in rows[1:]] == column(page.model, 1)
    assert [r[4] for r in rows[1:]] == ["175.08", "88.00", "0.01", "0.00"]

    page.tabs.setCurrentIndex([t.key for t in page._tabs].index("low_stock"))
    _wait(qtbot, page, "low_stock")
    purchase = tmp_path / "purchase.csv"
    reports_window.data_actions.choose_save = lambda *_a: str(purchase)
    qtbot.mouseClick(page.purchase_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.last_export == str(purchase), timeout=WAIT_MS)
    lines = purchase.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "sku,name,quantity,unit_cost,line_cost"
    assert [line.split(",")[0] for line in lines[1:]] == ["BRK-PAD", "FLT-100", "OIL-5W30"]


def test_list_page_export_streams_every_row_as_filtered(
    qtbot: QtBot, reports_window: MainWindow, tmp_path: Path
) -> None:
    window = reports_window
    window.show_page([p.key for p in window.pages].index("stock"))
    page = window.current_page
    qtbot.waitUntil(lambda: page.model.loaded_once and not page.model.loading, timeout=WAIT_MS)
    page.search.setText("o")  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: not page.model.search_pending and not page.model.loading
                    and column(page.model, 0) == ["OIL-5W30", "OLD-1"], timeout=WAIT_MS)
    target = tmp_path / "stock.csv"
    window.data_actions.choose_save = lambda *_a: str(target)
    window.data_actions.export_action.trigger()
    export = window.data_actions.export
    assert export is not None
    qtbot.waitUntil(lambda: export.rows is not None, timeout=WAIT_MS)
    with target.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0][0] == page.model.spec.columns[0].header
    assert [r[0] for r in rows[1:]] == ["OIL-5W30", "OLD-1"]
    assert "Saved 2 rows" in window.statusBar().currentMessage()


def test_render_reports_page(qtbot: QtBot, reports_window: MainWindow, tmp_path: Path) -> None:
    folder = Path(os.environ.get("MD_SHOTS_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    page = _open_reports(qtbot, reports_window)
    page.set_period("custom", *MARCH)
    _wait(qtbot, page, "ranking")
    qtbot.waitUntil(lambda: page.low_card.text() != "…", timeout=WAIT_MS)
    qtbot.wait(50)
    save_shot(reports_window, folder / "reports-ranking.png", "Sam Wrench", "175.08")
    page.tabs.setCurrentIndex(1)
    _wait(qtbot, page, "revenue")
    qtbot.wait(50)
    save_shot(reports_window, folder / "reports-revenue.png", "Revenue")
