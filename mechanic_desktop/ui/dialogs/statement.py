"""A customer's statement: their invoices, credit notes and payments with the running
balance, printable (a preview to print from) and exportable as CSV. Opened from the
customer's record and from the receivables report."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from mechanic_desktop.domain.money import money_text
from mechanic_desktop.services import csv_export, money_documents, money_reports, shop
from mechanic_desktop.services.runner import UnitOfWork
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.dialogs.form import button
from mechanic_desktop.ui.dialogs.styles import NOTE_STYLE
from mechanic_desktop.ui.file_choosers import SaveChooser, choose_save_file
from mechanic_desktop.ui.item_views import read_only_table
from mechanic_desktop.ui.models.report_models import ReportTableModel
from mechanic_desktop.ui.operations import alive
from mechanic_desktop.ui.print_preview import open_preview
from mechanic_desktop.ui.screen_fit import fit_to_screen


def _load(uow: UnitOfWork, customer_id: int) -> tuple[money_reports.Statement, str]:
    st = money_reports.statement(uow, customer_id)
    return st, money_documents.statement_html(st, shop.get_settings(uow), shop.get_logo(uow))


class StatementDialog(QDialog):
    """One customer's statement (read-only): Print…, Export CSV…, Close (Escape)."""

    def __init__(self, ui: UiContext, customer_id: int, name: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ui = ui
        self.customer_id = customer_id
        self.statement: money_reports.Statement | None = None
        self.html = ""
        self.choose_save: SaveChooser = choose_save_file
        self.last_export: str | None = None
        self.setObjectName("statementDialog")
        self.setWindowTitle(f"Statement: {name}")
        layout = QVBoxLayout(self)
        self.title = QLabel(f"Statement for {name}: loading…", self)
        self.title.setObjectName("statementTitle")
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        layout.addWidget(self.title)
        self.model = ReportTableModel(money_reports.STATEMENT_COLUMNS, self)
        self.table = read_only_table(self, self.model, "statementTable",
                                     "Statement entries", row_padding=8)
        for column, width in enumerate((90, 90, 80, 70, 300, 90, 90, 90)):
            self.table.setColumnWidth(column, width)
        layout.addWidget(self.table, 1)
        self.note = QLabel(self)
        self.note.setObjectName("statementNote")
        self.note.setStyleSheet(NOTE_STYLE)
        self.note.setWordWrap(True)
        layout.addWidget(self.note)
        row = QHBoxLayout()
        self.print_button = button(self, "&Print…", "statementPrint")
        self.print_button.clicked.connect(self.print_statement)
        self.export_button = button(self, "&Export CSV…", "statementExport")
        self.export_button.clicked.connect(self.export_csv)
        self.close_button = button(self, "Close", "statementClose")
        self.close_button.clicked.connect(self.reject)
        row.addStretch(1)
        for widget in (self.print_button, self.export_button, self.close_button):
            row.addWidget(widget)
            widget.setEnabled(widget is self.close_button)
        layout.addLayout(row)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Print), self, self.print_statement)
        fit_to_screen(self, 900, 520)
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
        customer = customer_id
        ui.worker.read(lambda uow: _load(uow, customer), alive(self, self._show),
                       alive(self, lambda e: self.note.setText(str(e))))

    def _show(self, loaded: tuple[money_reports.Statement, str]) -> None:
        self.statement, self.html = loaded
        st = self.statement
        self.model.set_rows(st.lines)
        if not st.lines:
            state = "no invoices, credit notes or payments yet"
        elif st.balance >= 0:
            state = f"balance due {money_text(st.balance)}"
        else:
            state = f"in credit {money_text(-st.balance)}"
        self.title.setText(f"Statement for {st.name}: {len(st.lines)} entries, {state}")
        self.print_button.setEnabled(True)
        self.export_button.setEnabled(bool(st.lines))
        if st.lines:
            self.table.selectRow(len(st.lines) - 1)

    def print_statement(self) -> None:
        if self.statement is not None:
            self.preview = open_preview(self, self.html, f"Statement {self.statement.name}",
                                        "statementPreview")

    def export_csv(self) -> None:
        st = self.statement
        if st is None or not st.lines:
            return
        path = self.choose_save(self, "Export statement as CSV", f"statement-{st.customer_id}.csv")
        if not path:
            return
        rows = st.lines
        self.ui.worker.write(
            lambda uow: csv_export.export_file(uow, "customer statement", path, lambda out: (
                csv_export.write_report(out, money_reports.STATEMENT_COLUMNS, rows))),
            alive(self, lambda n: self._exported(path, n)),
            alive(self, lambda e: self.note.setText(f"Export failed: {e}")))

    def _exported(self, path: str, rows: int) -> None:
        self.last_export = path
        self.note.setText(f"Saved {rows:,} entries to {path}.")
