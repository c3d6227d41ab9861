"""The Reports area: a dashboard strip, a period picker, and one tab per report (a table
and, for the ranking and revenue, a chart beside it).

Every report is computed by the services on the DB worker for the chosen period; a
reply to a period the user has since changed is dropped (a generation counter per tab).
The page offers the same small interface as a list page (signals, ``start``,
``refresh``, ``model``/``table`` of its first report) so the main window treats it as
one more area.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from PySide6.QtCore import QDate, QSettings, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from mechanic_desktop.domain.changes import Changes
from mechanic_desktop.domain.status import TicketStatus
from mechanic_desktop.services import (
    csv_export,
    money_documents,
    money_reports,
    recommendations,
    reports,
    shop,
)
from mechanic_desktop.services.reports import Column, Grain, Period
from mechanic_desktop.services.runner import UnitOfWork
from mechanic_desktop.ui import icons
from mechanic_desktop.ui.charts import RankingChart, RevenueChart
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.dates import EARLIEST
from mechanic_desktop.ui.dialogs.statement import StatementDialog
from mechanic_desktop.ui.file_choosers import SaveChooser, choose_save_file
from mechanic_desktop.ui.item_views import activate_on_return, read_only_table
from mechanic_desktop.ui.models.report_models import ReportTableModel, display
from mechanic_desktop.ui.operations import alive
from mechanic_desktop.ui.print_preview import open_preview

PERIOD_CHOICES = (("This week", "this_week"), ("This month", "this_month"),
                  ("Last month", "last_month"), ("This year", "this_year"),
                  ("Custom…", "custom"))
USAGE_CHOICES = (("Top parts by quantity", "by_quantity"), ("Top parts by revenue", "by_revenue"),
                 ("No movement for 12 months", "idle"))


@dataclass
class _Tab:
    key: str
    title: str
    model: ReportTableModel
    table: QTableView
    #: Runs on the worker: the rows to show (and anything a chart needs).
    load: Callable[[UnitOfWork, Period], Any]
    #: Shows the result (None: the result is the rows themselves).
    show: Callable[[Any], None] | None
    generation: int = 0
    stale: bool = True


class ReportsPage(QWidget):
    status_changed = Signal(str)
    message = Signal(str)
    selection_changed = Signal()
    #: A dashboard figure was clicked: (page key, filter name, value) of the list to open.
    jump_requested = Signal(str, str, object)

    key = "reports"
    singular = "report"
    plural = "reports"
    can_delete = False
    watches = frozenset({"ticket", "part", "mechanic", "customer"})

    def __init__(self, ui: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ui = ui
        self.setObjectName("reportsPage")
        self.setAccessibleName("Reports")
        self.choose_save: SaveChooser = choose_save_file
        self.period = Period.this_month()
        self._started = False
        self._dash_generation = 0
        self.last_export: str | None = None

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 4)
        layout.addLayout(self._make_dashboard())
        layout.addLayout(self._make_period_bar())
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("reportTabs")
        self.tabs.setAccessibleName("Reports")
        layout.addWidget(self.tabs, 1)
        self._tabs: list[_Tab] = []
        self._make_tabs()
        self.tabs.currentChanged.connect(lambda _i: self._load_current())

    # -- building ------------------------------------------------------------------------

    def _card(self, name: str, accessible: str, tip: str) -> QPushButton:
        button = QPushButton("…", self)
        button.setObjectName(name)
        button.setAccessibleName(accessible)
        button.setToolTip(tip)
        button.setMinimumHeight(44)
        button.setStyleSheet("QPushButton { font-size: 11pt; padding: 4px 14px; }")
        return button

    def _make_dashboard(self) -> QHBoxLayout:
        strip = QHBoxLayout()
        self.open_card = self._card("dashOpen", "Open tickets",
                                    "Tickets not started yet: click to list them")
        self.progress_card = self._card("dashInProgress", "Tickets in progress",
                                        "Tickets being worked on: click to list them")
        self.done_card = self._card("dashDoneToday", "Completed today",
                                    "Tickets completed today")
        self.low_card = self._card("dashLowStock", "Low-stock parts",
                                   "Parts at or below their reorder level: click to list them")
        self.week_card = self._card("dashWeekRevenue", "This week's revenue",
                                    "Invoices posted this week less credit notes issued")
        self.open_card.clicked.connect(
            lambda: self.jump_requested.emit("tickets", "status", (TicketStatus.OPEN.value,)))
        self.progress_card.clicked.connect(lambda: self.jump_requested.emit(
            "tickets", "status", (TicketStatus.IN_PROGRESS.value,)))
        self.low_card.clicked.connect(lambda: self.jump_requested.emit("stock", "low_stock", True))
        self.done_card.clicked.connect(lambda: self._select_tab("ranking"))
        self.week_card.clicked.connect(lambda: self._select_tab("revenue"))
        for card in (self.open_card, self.progress_card, self.done_card, self.low_card,
                     self.week_card):
            strip.addWidget(card, 1)
        return strip

    def _make_period_bar(self) -> QHBoxLayout:
        bar = QHBoxLayout()
        self.period_combo = QComboBox(self)
        self.period_combo.setObjectName("reportPeriod")
        self.period_combo.setAccessibleName("Report period")
        for label, key in PERIOD_CHOICES:
            self.period_combo.addItem(label, key)
        self.period_combo.setCurrentIndex(1)
        today = QDate.currentDate()
        self.from_date = QDateEdit(QDate(today.year(), today.month(), 1), self)
        self.to_date = QDateEdit(today, self)
        for edit, name, label in ((self.from_date, "reportFrom", "First day"),
                                  (self.to_date, "reportTo", "Last day")):
            edit.setObjectName(name)
            edit.setAccessibleName(label)
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setMinimumDate(EARLIEST)
            edit.setEnabled(False)
            edit.dateChanged.connect(lambda _d: self._custom_changed())
        self.grain_combo = QComboBox(self)
        self.grain_combo.setObjectName("reportGrain")
        self.grain_combo.setAccessibleName("Revenue per")
        self.grain_combo.addItem("Per week", "week")
        self.grain_combo.addItem("Per month", "month")
        self.grain_combo.setCurrentIndex(0)
        self.grain_combo.currentIndexChanged.connect(lambda _i: self._invalidate(("revenue",)))
        self.period_combo.currentIndexChanged.connect(lambda _i: self._period_changed())
        self.export_button = QPushButton("Export CSV…", self)
        self.export_button.setObjectName("reportExport")
        self.export_button.setAccessibleName("Export this report as CSV")
        self.export_button.setToolTip("Save the report showing as a CSV file")
        icons.apply(self.export_button, "export")
        self.export_button.clicked.connect(self.export_current)
        period_label = QLabel("&Period:", self)
        period_label.setBuddy(self.period_combo)
        bar.addWidget(period_label)
        bar.addWidget(self.period_combo)
        bar.addWidget(self.from_date)
        bar.addWidget(QLabel("to", self))
        bar.addWidget(self.to_date)
        bar.addWidget(self.grain_combo)
        self.period_label = QLabel(self)
        self.period_label.setObjectName("reportPeriodText")
        bar.addWidget(self.period_label, 1)
        bar.addWidget(self.export_button)
        return bar

    def _table(self, name: str, columns: Sequence[Column], accessible: str
               ) -> tuple[ReportTableModel, QTableView]:
        model = ReportTableModel(columns, self)
        table = read_only_table(self, model, name, accessible, row_padding=10)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        metrics = table.fontMetrics()
        for i, column in enumerate(columns):
            numeric = column.kind in ("int", "hours", "days", "money")
            header_width = metrics.horizontalAdvance(column.header) + 22
            # A date is always as wide as "2025-03-31"; text gets room to breathe.
            least = (metrics.horizontalAdvance("0000-00-00") + 22 if column.kind == "date"
                     else 60 if numeric else 150)
            table.setColumnWidth(i, max(header_width, least))
        return model, table

    def _add_tab(self, key: str, title: str, columns: Sequence[Column],
                 load: Callable[[UnitOfWork, Period], Any], show: Callable[[Any], None] | None,
                 side: QWidget | None = None, above: QWidget | None = None) -> _Tab:
        model, table = self._table(f"{key}Table", columns, f"{title} table")
        holder = QWidget(self)
        box = QVBoxLayout(holder)
        box.setContentsMargins(0, 6, 0, 0)
        if above is not None:
            box.addWidget(above)
        if side is not None:
            splitter = QSplitter(Qt.Orientation.Horizontal, holder)
            splitter.setObjectName(f"{key}Splitter")
            splitter.addWidget(table)
            splitter.addWidget(side)
            # The table as wide as its columns (the chart keeps the rest, at least 320).
            wanted = sum(table.columnWidth(i) for i in range(len(columns))) + 24
            splitter.setSizes([wanted, 320])
            splitter.setStretchFactor(1, 1)  # a wider window widens the side, not the table
            box.addWidget(splitter, 1)
        else:
            box.addWidget(table, 1)
        tab = _Tab(key, title, model, table, load, show)
        self._tabs.append(tab)
        self.tabs.addTab(holder, title)
        return tab

    def _make_tabs(self) -> None:
        self.ranking_chart = RankingChart(self)
        self.revenue_chart = RevenueChart(self)
        ranking = self._add_tab(
            "ranking", "Mechanics", reports.RANKING_COLUMNS,
            lambda uow, p: reports.ranked(reports.mechanic_ranking(uow, p)), self._show_ranking,
            side=self.ranking_chart)
        self.model, self.table = ranking.model, ranking.table
        self.table.activated.connect(lambda _i: self._select_tab("revenue"))
        activate_on_return(self.table)
        self._add_tab(
            "revenue", "Revenue", reports.REVENUE_COLUMNS,
            lambda uow, p: reports.revenue(uow, p, self._grain()), self._show_revenue,
            side=self.revenue_chart)
        self.usage_combo = QComboBox(self)
        self.usage_combo.setObjectName("usageShow")
        self.usage_combo.setAccessibleName("Parts usage to show")
        for label, key in USAGE_CHOICES:
            self.usage_combo.addItem(label, key)
        self.usage_combo.currentIndexChanged.connect(lambda _i: self._show_usage(None))
        self._usage: reports.PartsUsage | None = None
        self._add_tab("usage", "Parts usage", reports.USAGE_COLUMNS,
                      reports.parts_usage, self._show_usage,
                      above=self.usage_combo)
        self.purchase_button = QPushButton("Export purchase list…", self)
        self.purchase_button.setObjectName("purchaseListExport")
        self.purchase_button.setAccessibleName("Export purchase list")
        self.purchase_button.setToolTip(
            "Save SKU, suggested quantity and cost of every low-stock part as CSV, to order "
            "from. Suggested = reorder level + 30 days of the last 90 days' usage − on hand, "
            "+ what open tickets wait for on special order.")
        self.purchase_button.clicked.connect(self.export_purchase_list)
        self._add_tab("low_stock", "Low stock", reports.LOW_STOCK_COLUMNS,
                      lambda uow, _p: reports.low_stock(uow), None, above=self.purchase_button)
        self.wip_summary = QLabel(self)
        self.wip_summary.setObjectName("wipSummary")
        self._add_tab("wip", "Work in progress", reports.WIP_COLUMNS,
                      lambda uow, _p: reports.work_in_progress(uow), self._show_wip,
                      above=self.wip_summary)
        self.history_model, self.history_table = self._table(
            "historyTable", reports.HISTORY_COLUMNS, "Service history of the chosen customer")
        self.history_title = QLabel("Choose a customer to see their service history.", self)
        self.history_title.setObjectName("historyTitle")
        side = QWidget(self)
        side_box = QVBoxLayout(side)
        side_box.setContentsMargins(0, 0, 0, 0)
        side_box.addWidget(self.history_title)
        side_box.addWidget(self.history_table, 1)
        customers_tab = self._add_tab(
            "customers", "Customers", reports.CUSTOMER_COLUMNS,
            reports.customer_totals, None, side=side)
        customers_tab.table.selectionModel().currentRowChanged.connect(
            lambda current, _prev: self._load_history(current.row()))
        self.follow_up_summary = QLabel(self)
        self.follow_up_summary.setObjectName("followUpSummary")
        self._add_tab("follow_up", "Follow-up calls", recommendations.FOLLOW_UP_COLUMNS,
                      lambda uow, _p: recommendations.follow_up_calls(uow),
                      self._show_follow_up, above=self.follow_up_summary)
        self._make_money_tabs()

    def _make_money_tabs(self) -> None:
        """Cash-up (a day's takings and the till), receipts by day and method (the
        period), receivables by age (now)."""
        bar = QWidget(self)
        row = QHBoxLayout(bar)
        row.setContentsMargins(0, 0, 0, 0)
        self.cash_day = QDateEdit(QDate.currentDate(), bar)
        self.cash_day.setObjectName("cashUpDay")
        self.cash_day.setAccessibleName("Day to cash up")
        self.cash_day.setCalendarPopup(True)
        self.cash_day.setDisplayFormat("yyyy-MM-dd")
        self.cash_day.setMinimumDate(EARLIEST)
        self.cash_day.dateChanged.connect(lambda _d: self._invalidate(("cash_up",)))
        self.counted = QLineEdit(bar)
        self.counted.setObjectName("cashUpCounted")
        self.counted.setAccessibleName("Cash counted in the till")
        self.counted.setPlaceholderText("e.g. 412.50")
        self.counted.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.counted.setMaximumWidth(120)
        self.counted.textChanged.connect(lambda _t: self._show_difference())
        self.cash_result = QLabel(bar)
        self.cash_result.setObjectName("cashUpResult")
        self.cash_result.setWordWrap(True)  # many clerks: a second line, not a wider window
        self.cash_print = QPushButton("Print cash-&up…", bar)
        self.cash_print.setObjectName("cashUpPrint")
        self.cash_print.setAccessibleName("Print the cash-up")
        self.cash_print.clicked.connect(self.print_cash_up)
        day_label = QLabel("Da&y:", bar)
        day_label.setBuddy(self.cash_day)
        counted_label = QLabel("Counted &cash:", bar)
        counted_label.setBuddy(self.counted)
        for widget in (day_label, self.cash_day, counted_label, self.counted):
            row.addWidget(widget)
        row.addWidget(self.cash_result, 1)
        row.addWidget(self.cash_print)
        self.cash_entries_model, self.cash_entries = self._table(
            "cashUpEntries", money_reports.RECEIPT_COLUMNS, "The day's payments")
        for column, width in enumerate((120, 70, 140, 110, 80, 110)):
            self.cash_entries.setColumnWidth(column, width)
        self._cash: tuple[money_reports.CashUp, Any] | None = None
        self._add_tab("cash_up", "Cash-up", money_reports.CASH_UP_COLUMNS,
                      lambda uow, _p: None, self._show_cash_up, side=self.cash_entries,
                      above=bar)
        self._add_tab("receipts", "Receipts", money_reports.RECEIPTS_BY_DAY_COLUMNS,
                      money_reports.receipts_by_day, None)
        bar = QWidget(self)
        row = QHBoxLayout(bar)
        row.setContentsMargins(0, 0, 0, 0)
        self.receivables_summary = QLabel(bar)
        self.receivables_summary.setObjectName("receivablesSummary")
        self.receivables_print = QPushButton("Print receivables…", bar)
        self.receivables_print.setObjectName("receivablesPrint")
        self.receivables_print.setAccessibleName("Print receivables")
        self.receivables_print.clicked.connect(self.print_receivables)
        self.statement_button = QPushButton("State&ment…", bar)
        self.statement_button.setObjectName("receivablesStatement")
        self.statement_button.setAccessibleName("Statement")
        self.statement_button.setToolTip("The chosen customer's statement (or press Return "
                                         "on their row)")
        self.statement_button.clicked.connect(self.open_statement)
        row.addWidget(self.receivables_summary, 1)
        row.addWidget(self.statement_button)
        row.addWidget(self.receivables_print)
        self._receivables: tuple[money_reports.Receivables, Any] | None = None
        tab = self._add_tab(
            "receivables", "Receivables", money_reports.RECEIVABLE_COLUMNS,
            lambda uow, _p: (money_reports.receivables(uow), shop.get_settings(uow)),
            self._show_receivables, above=bar)
        tab.table.activated.connect(lambda _i: self.open_statement())
        activate_on_return(tab.table)
        self.statement_dialog: StatementDialog | None = None

    # -- the list-page interface the window uses -----------------------------------------------

    def start(self) -> None:
        if not self._started:
            self._started = True
            self._period_changed()
        else:
            self._load_current()
        self.load_dashboard()

    def refresh(self) -> None:
        self._invalidate(tuple(t.key for t in self._tabs))
        self.load_dashboard()

    def on_changed(self, changes: Changes) -> None:
        if any(changes.touches(entity) for entity in self.watches):
            for tab in self._tabs:
                tab.stale = True
            if self.isVisible():
                self.refresh()

    def status_text(self) -> str:
        tab = self.current_tab
        if tab.model.loading or not tab.model.loaded_once:
            return f"Computing {tab.title.lower()}…"
        n = tab.model.rowCount()
        return f"{tab.title}: {n:,} row{'s' if n != 1 else ''} · {self.period.label}"

    def selected_row(self) -> Any | None:
        return None

    def selected_id(self) -> int | None:
        return None

    def new_record(self) -> None:
        """Nothing is created from the Reports area."""

    def edit_selected(self) -> None:
        """Rows of a report are figures, not records to open."""

    def delete_selected(self) -> None:
        """Reports cannot be deleted."""

    def focus_search(self) -> None:
        self.period_combo.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def save_state(self, settings: QSettings) -> None:
        settings.setValue("pages/reports/tab", self.tabs.currentIndex())
        settings.setValue("pages/reports/period", self.period_combo.currentData())

    def restore_state(self, settings: QSettings) -> None:
        key = settings.value("pages/reports/period")
        index = self.period_combo.findData(key) if isinstance(key, str) else -1
        if index >= 0 and key != "custom":
            self.period_combo.setCurrentIndex(index)
        tab = settings.value("pages/reports/tab")
        if isinstance(tab, int | str) and str(tab).isdigit():
            self.tabs.setCurrentIndex(int(tab))

    # -- period and loading -----------------------------------------------------------------

    @property
    def current_tab(self) -> _Tab:
        return self._tabs[max(0, self.tabs.currentIndex())]

    def tab(self, key: str) -> _Tab:
        return next(t for t in self._tabs if t.key == key)

    def _select_tab(self, key: str) -> None:
        self.tabs.setCurrentIndex([t.key for t in self._tabs].index(key))

    def _grain(self) -> Grain:
        return "month" if self.grain_combo.currentData() == "month" else "week"

    def set_period(self, key: str, first: date | None = None, last: date | None = None) -> None:
        """Choose a period as the picker would (``custom`` takes the two days)."""
        if key == "custom" and first is not None and last is not None:
            for edit, day in ((self.from_date, first), (self.to_date, last)):
                edit.blockSignals(True)
                edit.setDate(QDate(day.year, day.month, day.day))
                edit.blockSignals(False)
        self.period_combo.setCurrentIndex(self.period_combo.findData(key))
        self._period_changed()

    def _period_changed(self) -> None:
        key = self.period_combo.currentData()
        custom = key == "custom"
        self.from_date.setEnabled(custom)
        self.to_date.setEnabled(custom)
        try:
            if custom:
                period = Period.custom(self.from_date.date().toPython(),  # type: ignore[arg-type]
                                       self.to_date.date().toPython())  # type: ignore[arg-type]
            else:
                period = reports.PERIODS[key]()
        except Exception as error:  # a last day before the first: say so, keep the old period
            self.period_label.setText(str(error))
            return
        self.period = period
        self.grain_combo.setCurrentIndex(1 if key == "this_year" else 0)
        self.period_label.setText(f"  {period.first_day:%Y-%m-%d} – {period.last_day:%Y-%m-%d}")
        self._invalidate(tuple(t.key for t in self._tabs))

    def _custom_changed(self) -> None:
        if self.period_combo.currentData() == "custom":
            self._period_changed()

    def _invalidate(self, keys: Sequence[str]) -> None:
        for tab in self._tabs:
            if tab.key in keys:
                tab.stale = True
        if self._started:
            self._load_current()

    def _load_current(self) -> None:
        tab = self.current_tab
        if tab.stale:
            self._load(tab)
        self.status_changed.emit(self.status_text())

    def _load(self, tab: _Tab) -> None:
        tab.stale = False
        tab.generation += 1
        generation, period, load = tab.generation, self.period, tab.load
        if tab.key == "cash_up":  # a day of its own, read here on the GUI thread
            day: date = self.cash_day.date().toPython()  # type: ignore[assignment]
            load = lambda uow, _p: (money_reports.cash_up(uow, day),  # noqa: E731
                                    shop.get_settings(uow))
        tab.model.loading = True

        def done(result: Any) -> None:
            if generation == tab.generation:
                if tab.show is None:
                    tab.model.set_rows(result)
                else:
                    tab.show(result)
                self.status_changed.emit(self.status_text())

        def failed(error: BaseException) -> None:
            if generation == tab.generation:
                tab.model.loading = False
                self.message.emit(str(error))

        self.ui.worker.read(lambda uow: load(uow, period), alive(self, done), alive(self, failed))

    def load_dashboard(self) -> None:
        self._dash_generation += 1
        generation = self._dash_generation

        def show(board: reports.Dashboard) -> None:
            if generation != self._dash_generation:
                return
            self.dashboard = board
            self.open_card.setText(f"Open: {board.open_by_status.get('open', 0):,}")
            self.progress_card.setText(
                f"In progress: {board.open_by_status.get('in_progress', 0):,}")
            self.done_card.setText(f"Completed today: {board.completed_today:,}")
            self.low_card.setText(f"Low stock: {board.low_stock:,}")
            self.week_card.setText(f"This week: {board.week_revenue:,.2f}")

        self.ui.worker.read(reports.dashboard, alive(self, show),
                            alive(self, lambda e: self.message.emit(str(e))))

    # -- showing results ----------------------------------------------------------------------

    def _show_ranking(self, rows: list[tuple[int, reports.MechanicRank]]) -> None:
        self.tab("ranking").model.set_rows(rows)
        self.ranking_chart.set_data([r.name for _, r in rows], [r.tickets for _, r in rows],
                                    f"Completed tickets · {self.period.label}")

    def _show_revenue(self, rows: list[reports.RevenueBucket]) -> None:
        self.tab("revenue").model.set_rows(rows)
        fmt = "%b %d" if self._grain() == "week" else "%b %Y"
        self.revenue_chart.set_data([r.start.strftime(fmt) for r in rows],
                                    [r.total for r in rows],
                                    f"Net revenue per {self._grain()}")  # period: above

    def _show_usage(self, usage: reports.PartsUsage | None) -> None:
        if usage is not None:
            self._usage = usage
        if self._usage is None:
            return
        which = self.usage_combo.currentData()
        model = self.tab("usage").model
        if which == "idle":
            if model.columns != reports.IDLE_COLUMNS:
                model.beginResetModel()
                model.columns = reports.IDLE_COLUMNS
                model.endResetModel()
            model.set_rows(self._usage.idle)
            return
        if model.columns != reports.USAGE_COLUMNS:
            model.beginResetModel()
            model.columns = reports.USAGE_COLUMNS
            model.endResetModel()
        model.set_rows(self._usage.by_quantity if which == "by_quantity"
                       else self._usage.by_revenue)

    def _show_wip(self, wip: reports.WorkInProgress) -> None:
        self.tab("wip").model.set_rows(wip.tickets)
        parts = [f"{TicketStatus(s.status).label}: {s.tickets:,} ({display(s.value, 'money')})"
                 for s in wip.by_status]
        shown = "" if len(wip.tickets) == wip.total_tickets else \
            f" — the oldest {len(wip.tickets):,} are listed"
        self.wip_summary.setText(
            f"{wip.total_tickets:,} open tickets worth {display(wip.total_value, 'money')}: "
            + "; ".join(parts) + shown)

    def _show_follow_up(self, report: recommendations.FollowUpReport) -> None:
        self.tab("follow_up").model.set_rows(report.rows)
        if not report.open_count:
            self.follow_up_summary.setText("No recommended work is waiting: every declined or "
                                           "deferred job was taken up or dismissed.")
            return
        shown = ("" if len(report.rows) == report.open_count
                 else f" — the oldest {len(report.rows):,} are listed")
        jobs, are = ("job", "is") if report.open_count == 1 else ("jobs", "are")
        self.follow_up_summary.setText(
            f"{report.open_count:,} declined or deferred {jobs} quoted at "
            f"{display(report.open_value, 'money')} {are} still recommended, the longest "
            f"waiting first: call the customers{shown}.")

    def _show_cash_up(self, loaded: tuple[money_reports.CashUp, Any]) -> None:
        self._cash = loaded
        up = loaded[0]
        self.tab("cash_up").model.set_rows(up.by_method)
        self.cash_entries_model.set_rows(up.receipts)
        self._show_difference()

    def counted_cash(self) -> Any:
        """The counted cash typed (None: nothing typed), or the ValidationError."""
        text = self.counted.text().strip()
        if not text:
            return None
        try:
            return money_reports.parse_counted(text)
        except Exception as error:  # ValidationError: its sentence is shown
            return error

    def _show_difference(self) -> None:
        if self._cash is None:
            self.cash_result.setText("")
            return
        up = self._cash[0]
        expected = f"Cash expected {display(up.expected_cash, 'money')}"
        if len(up.cash_by_clerk) > 1:  # who took what, to ask about a short drawer
            expected += " (" + " · ".join(f"{name} {display(amount, 'money')}"
                                          for name, amount in up.cash_by_clerk) + ")"
        counted = self.counted_cash()
        if counted is None:
            self.cash_result.setStyleSheet("")
            self.cash_result.setText(f"{expected} · type the cash counted to see the "
                                     "difference")
            return
        if isinstance(counted, Exception):
            self.cash_result.setStyleSheet("color: #b91c1c;")
            self.cash_result.setText(str(counted))
            return
        difference = up.difference(counted)
        word = "short" if difference < 0 else "over" if difference > 0 else "exact"
        self.cash_result.setStyleSheet("color: #b91c1c; font-weight: bold;" if difference
                                       else "color: #166534; font-weight: bold;")
        self.cash_result.setText(f"{expected} · counted {display(counted, 'money')} · "
                                 f"difference {display(difference, 'money')} ({word})")

    def print_cash_up(self) -> None:
        if self._cash is None:
            self.message.emit("The cash-up is still being computed; print it in a moment.")
            return
        counted = self.counted_cash()
        if isinstance(counted, Exception):
            self.counted.setFocus()
            return
        up, settings = self._cash
        actor = self.ui.actor
        html = money_documents.cash_up_html(up, settings, counted,
                                            actor.full_name if actor else "")
        self.preview = open_preview(self, html, f"Cash-up {up.day:%Y-%m-%d}", "cashUpPreview")

    def _show_receivables(self, loaded: tuple[money_reports.Receivables, Any]) -> None:
        self._receivables = loaded
        rec = loaded[0]
        self.tab("receivables").model.set_rows(rec.rows)
        parts = " · ".join(f"{h}: {display(v, 'money')}"
                           for h, v in zip(money_reports.AGE_HEADERS, rec.totals, strict=True))
        who = "1 customer owes" if len(rec.rows) == 1 else f"{len(rec.rows):,} customers owe"
        self.receivables_summary.setText(
            f"{who} {display(rec.total, 'money')} — {parts}"
            if rec.rows else "Nobody owes the shop anything.")

    def print_receivables(self) -> None:
        if self._receivables is None:
            self.message.emit("The report is still being computed; print it in a moment.")
            return
        rec, settings = self._receivables
        self.preview = open_preview(self, money_documents.receivables_html(rec, settings),
                                    "Accounts receivable", "receivablesPreview")

    def open_statement(self) -> None:
        """The statement of the customer chosen in the receivables."""
        table = self.tab("receivables").table
        row = self.tab("receivables").model.row_at(table.currentIndex().row())
        if row is None:
            self.message.emit("Choose a customer in the list first.")
            return
        dialog = StatementDialog(self.ui, row.customer_id, row.name, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.statement_dialog = dialog
        dialog.open()

    def _load_history(self, row: int) -> None:
        customer = self.tab("customers").model.row_at(row)
        if customer is None:
            return
        customer_id = customer.customer_id

        def show(history: reports.CustomerHistory) -> None:
            self.history_model.set_rows(history.tickets)
            self.history_title.setText(
                f"{history.name}: {history.visits:,} visits, billed "
                f"{display(history.billed, 'money')}, {history.open_tickets} open")

        self.ui.worker.read(lambda uow: reports.customer_history(uow, customer_id),
                            alive(self, show), alive(self, lambda e: self.message.emit(str(e))))

    # -- export ---------------------------------------------------------------------------------

    def export_current(self) -> None:
        """Save the report showing (as computed for the period) to a CSV file."""
        tab = self.current_tab
        if not tab.model.loaded_once:
            self.message.emit("The report is still being computed; export it in a moment.")
            return
        suggested = f"{tab.key}-{self.period.first_day:%Y%m%d}-{self.period.last_day:%Y%m%d}.csv"
        if tab.key == "cash_up":
            suggested = f"cash-up-{self.cash_day.date().toString('yyyyMMdd')}.csv"
        path = self.choose_save(self, f"Export {tab.title} as CSV", suggested)
        if not path:
            return
        columns, rows = tab.model.columns, tab.model.rows
        what = f"{tab.key} report"
        self.ui.worker.write(
            lambda uow: csv_export.export_file(uow, what, path, lambda out: (
                csv_export.write_report(out, columns, rows))),
            alive(self, lambda n: self._exported(path, n)),
            alive(self, lambda e: self.ui.prompts.inform(self, "Export failed", str(e))))

    def export_purchase_list(self) -> None:
        """The low-stock report as a purchase list (SKU, quantity to order, cost)."""
        tab = self.tab("low_stock")
        path = self.choose_save(self, "Export purchase list", "purchase-list.csv")
        if not path:
            return
        rows = [r for r in tab.model.rows if r.suggested > 0]
        self.ui.worker.write(
            lambda uow: csv_export.export_file(uow, "purchase list", path, lambda out: (
                csv_export.write_report(out, reports.PURCHASE_COLUMNS, rows))),
            alive(self, lambda n: self._exported(path, n)),
            alive(self, lambda e: self.ui.prompts.inform(self, "Export failed", str(e))))

    def _exported(self, path: str, rows: int) -> None:
        self.last_export = path
        self.message.emit(f"Saved {rows:,} rows to {path}.")

