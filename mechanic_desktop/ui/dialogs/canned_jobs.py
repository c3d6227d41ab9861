"""Canned jobs in the window: the picker the ticket editor opens (type to filter, Down to
the list, Return adds the job), the library administrators keep (Settings → Canned
jobs…), and the editor of one library job (name, concern, labour and part lines).

Every read and write goes through the worker; the picker adds the chosen job with the
ticket version the editor holds and hands back what ``add_canned_job`` says (the fresh
detail, the new job, and the notes about what could not be added).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from itertools import count
from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from mechanic_desktop.domain.canned_jobs import (
    MAX_NAME,
    CannedJobRecord,
    CannedJobRow,
    CannedLine,
    LineKind,
    price_today,
)
from mechanic_desktop.domain.errors import DomainError, ValidationError
from mechanic_desktop.domain.jobs import MAX_TITLE
from mechanic_desktop.domain.permissions import Action
from mechanic_desktop.domain.records import PartRecord, ShopSettingsRecord, TicketDetail
from mechanic_desktop.domain.totals import MAX_MINUTES, hours_text, labor_line, parts_line
from mechanic_desktop.services import canned_jobs, fees, shop, stock, workflow
from mechanic_desktop.services.canned_jobs import CannedJobAdded, CannedJobData
from mechanic_desktop.services.runner import Operation, UnitOfWork
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.dialogs import checks
from mechanic_desktop.ui.dialogs.form import EditorDialog, button, line_edit, run_on_return
from mechanic_desktop.ui.dialogs.styles import ERROR_STYLE, NOTE_STYLE
from mechanic_desktop.ui.dialogs.work_common import TicketLinesDialog, compact_table
from mechanic_desktop.ui.item_views import activate_on_return
from mechanic_desktop.ui.models.columns import RIGHT, Column, TableSpec, money
from mechanic_desktop.ui.models.lines import LinesModel
from mechanic_desktop.ui.models.paged_model import PagedTableModel
from mechanic_desktop.ui.operations import alive
from mechanic_desktop.ui.screen_fit import fit_to_screen


def _hours(minutes: int) -> str:
    return f"{hours_text(minutes)} h" if minutes else "—"


CANNED_COLUMNS: tuple[Column[CannedJobRow], ...] = (
    Column("Job", lambda r: r.name, "name", 300,
           tooltip=lambda r: r.concern or r.name),
    Column("Labour", lambda r: _hours(r.minutes), None, 70, RIGHT),
    Column("Parts", lambda r: f"{r.parts}" if r.parts else "—", None, 50, RIGHT),
    Column("Price today", lambda r: money(r.total), None, 95, RIGHT,
           tooltip=lambda _r: "At the shop's labour rate and today's part prices, with tax"),
)

PICKER: TableSpec[CannedJobRow] = TableSpec(
    entity="canned_job", columns=CANNED_COLUMNS, row_id=lambda r: r.id,
    default_sort="name",
)

LIBRARY: TableSpec[CannedJobRow] = TableSpec(
    entity="canned_job",
    columns=(*CANNED_COLUMNS,
             Column("Offered", lambda r: "Yes" if r.active else "No (inactive)", None, 100)),
    row_id=lambda r: r.id,
    default_sort="name",
)


def _down_moves_to(search: QLineEdit, table: Any) -> None:
    """Down in the search box goes to the list (its first row, or the next one)."""

    class DownKey(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if (event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent)
                    and event.key() == Qt.Key.Key_Down):
                model = table.model()
                if model.rowCount():
                    current = table.currentIndex()
                    row = current.row() + 1 if current.isValid() else 0
                    table.setCurrentIndex(model.index(min(row, model.rowCount() - 1), 0))
                table.setFocus()
                return True
            return False

    search.installEventFilter(DownKey(search))


# --- the ticket editor's picker ---------------------------------------------------------------


class CannedJobPicker(TicketLinesDialog):
    """Choose a job from the library and add it to the ticket, keyboard first: type to
    filter, Down to the list, Return adds it (or double-click, or Add to ticket)."""

    def __init__(
        self,
        ui: UiContext,
        ticket_id: int,
        detail: TicketDetail | None = None,
        parent: QWidget | None = None,
        number_prefix: str = "",
    ) -> None:
        super().__init__(ui, "cannedPick", "Add a canned job to ticket", ticket_id, detail,
                         parent, number_prefix)
        self.setMinimumSize(640, 460)
        self.model = PagedTableModel(PICKER, canned_jobs.list_canned_jobs, ui.worker, self)
        self.model.set_filter("active", True)
        side = self.pick_side(
            self.model, CANNED_COLUMNS, search_hint="Type to find a job: brakes, oil, belt…",
            search_name="Search canned jobs", table_name="cannedPickList",
            table_accessible="Canned jobs", stretch=0, note_name="cannedPickNote",
            empty=("No canned job matches “{search}”.",
                   "The library has no canned jobs yet (Settings → Canned jobs…)."))
        self.pick_note.setMinimumHeight(self.fontMetrics().lineSpacing() * 2 + 6)
        side.addWidget(self.pick_note)
        self.extra.addLayout(side, 1)
        _down_moves_to(self.search, self.table)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._chosen())
        self.set_save_text("&Add to ticket")
        self.start(detail)
        self.model.start()
        self.search.setFocus()

    def chosen(self) -> CannedJobRow | None:
        index = self.table.currentIndex()
        row = self.model.row_at(index.row()) if index.isValid() else None
        return row if isinstance(row, CannedJobRow) else None

    def _chosen(self) -> None:
        row = self.chosen()
        if row is None:
            self.pick_note.setText("Type to filter; Down to the list; Return adds the job.")
        else:
            parts = f"{row.parts} part{'s' if row.parts != 1 else ''}" if row.parts else "no parts"
            if row.gone:
                parts += f" ({row.gone} no longer in the catalogue: left out)"
            self.pick_note.setText(
                f"{row.name}: {_hours(row.minutes)} labour, {parts} — {money(row.total)} "
                "today with tax. Added as a proposed job: its parts stay on the shelf "
                "until the customer approves it.")
        self.revalidate()

    def picks_shown(self) -> None:
        self._chosen()

    def pick(self, index: QModelIndex) -> None:
        self.save()

    def form_ready(self) -> bool:
        return super().form_ready() and self.chosen() is not None

    def job(self) -> Operation[CannedJobAdded]:
        ticket_id, version, row = self.ticket_id, self.version, self.chosen()
        assert version is not None and row is not None  # Save waits for both
        canned_id = row.id

        def run(uow: UnitOfWork) -> CannedJobAdded:
            return canned_jobs.add_canned_job(uow, ticket_id, canned_id, version)

        return run


# --- one job of the library ---------------------------------------------------------------


_keys = count(1)


@dataclass(frozen=True)
class EditorLine:
    """A line in the editor's table (``key`` tells equal-looking lines apart)."""

    line: CannedLine
    key: int

    def amount(self, labor_rate: Decimal) -> Decimal | None:
        line = self.line
        if line.is_labour:
            return labor_line(line.minutes, labor_rate)
        if line.is_fee:
            return line.amount
        return parts_line(line.quantity, line.unit_price) if line.unit_price is not None else None


def _line_columns(rate: Decimal) -> tuple[Column[EditorLine], ...]:
    return (
        Column("Kind", lambda e: "Labour" if e.line.is_labour
               else "Fee" if e.line.is_fee else "Part", None, 60),
        Column("What", lambda e: e.line.operation if not e.line.is_part
               else f"{e.line.sku} {e.line.name}".strip(), None, 280,
               tooltip=lambda e: None if not e.line.is_part or e.line.unit_price is not None
               else f"{e.line.sku} no longer exists: remove this line"),
        Column("Hours / qty", lambda e: hours_text(e.line.minutes) if e.line.is_labour
               else "" if e.line.is_fee else f"{e.line.quantity:,}", None, 85, RIGHT),
        Column("Today", lambda e: money(a) if (a := e.amount(rate)) is not None
               else "gone", None, 85, RIGHT),
    )


class CannedJobEditor(EditorDialog):
    """Add a job to the library (``existing`` None) or edit one."""

    needs = Action.MANAGE_CANNED_JOBS

    def __init__(
        self,
        ui: UiContext,
        settings: ShopSettingsRecord,
        existing: CannedJobRecord | None = None,
        parent: QWidget | None = None,
    ) -> None:
        title = f"Canned job: {existing.name}" if existing else "New canned job"
        super().__init__(ui, "cannedJob", title, parent)
        self.existing = existing
        self.settings = settings
        self.setMinimumWidth(640)
        self.name = line_edit(self, existing.name if existing else "",
                              "e.g. Front brake pads and rotors", MAX_NAME)
        self.add_field("name", "&Name:", self.name,
                       checks.required_text(self.name, "Give the job a name."))
        self.concern = QPlainTextEdit(existing.concern if existing else "", self)
        self.concern.setTabChangesFocus(True)
        self.concern.setPlaceholderText("The customer's concern this job answers")
        self.concern.setFixedHeight(self.fontMetrics().lineSpacing() * 2 + 12)
        self.add_field("concern", "Con&cern:", self.concern)
        self.columns = _line_columns(settings.labor_rate)
        self.lines = LinesModel(self.columns, lambda e: e.key, self)
        self.add_field("lines", "&Lines:", self._lines_box())
        self.set_lines(existing.lines if existing else ())
        self.save_button.setText("&Save")
        fit_to_screen(self, 700, 620)
        self.revalidate()

    @staticmethod
    def title_of(record: Any) -> str | None:
        return f"Canned job: {record.name}" if isinstance(record, CannedJobRecord) else None

    def watched_record(self) -> tuple[str, int] | None:
        return ("canned_job", self.existing.id) if self.existing is not None else None

    # -- the lines box -------------------------------------------------------------------

    def _lines_box(self) -> QWidget:
        box = QWidget(self)
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        self.table = compact_table(box, self.lines, self.columns, "cannedJobLines",
                                   "Lines of the job", 1)
        self.table.setMinimumHeight(160)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._buttons())
        layout.addWidget(self.table, 1)

        labour = QHBoxLayout()
        self.operation = line_edit(box, "", "Labour, e.g. Replace front pads and rotors",
                                   MAX_TITLE)
        self.operation.setObjectName("cannedJobOperation")
        self.operation.setAccessibleName("Labour operation")
        self.hours = QDoubleSpinBox(box)
        self.hours.setObjectName("cannedJobHours")
        self.hours.setAccessibleName("Labour hours")
        self.hours.setRange(0.25, MAX_MINUTES / 60)
        self.hours.setSingleStep(0.25)
        self.hours.setDecimals(2)
        self.hours.setSuffix(" h")
        self.hours.setValue(1.0)
        self.add_labour_button = button(box, "Add &labour", "cannedJobAddLabour")
        self.add_labour_button.clicked.connect(self.add_labour)
        run_on_return(self.operation, self.add_labour)
        run_on_return(self.hours, self.add_labour)
        labour.addWidget(self.operation, 1)
        labour.addWidget(self.hours)
        labour.addWidget(self.add_labour_button)
        layout.addLayout(labour)

        part = QHBoxLayout()
        self.sku = line_edit(box, "", "Part SKU, e.g. BPF-000005", 40)
        self.sku.setObjectName("cannedJobSku")
        self.sku.setAccessibleName("Part SKU")
        self.quantity = QSpinBox(box)
        self.quantity.setObjectName("cannedJobQuantity")
        self.quantity.setAccessibleName("Part quantity")
        self.quantity.setRange(1, workflow.MAX_LINE_QUANTITY)
        self.quantity.setPrefix("× ")
        self.add_part_button = button(box, "Add &part", "cannedJobAddPart")
        self.add_part_button.setToolTip("Looks the SKU up in the parts catalogue")
        self.add_part_button.clicked.connect(self.add_part)
        run_on_return(self.sku, self.add_part)
        run_on_return(self.quantity, self.add_part)
        part.addWidget(self.sku, 1)
        part.addWidget(self.quantity)
        part.addWidget(self.add_part_button)
        layout.addLayout(part)

        fee = QHBoxLayout()
        self.fee_description = line_edit(box, "", "Fee, e.g. Tyre disposal",
                                         fees.MAX_DESCRIPTION)
        self.fee_description.setObjectName("cannedJobFeeDescription")
        self.fee_description.setAccessibleName("Fee description")
        self.fee_amount = line_edit(box, "", "Amount, e.g. 3.50", 20)
        self.fee_amount.setObjectName("cannedJobFeeAmount")
        self.fee_amount.setAccessibleName("Fee amount")
        self.add_fee_button = button(box, "Add &fee", "cannedJobAddFee")
        self.add_fee_button.clicked.connect(self.add_fee)
        run_on_return(self.fee_description, self.add_fee)
        run_on_return(self.fee_amount, self.add_fee)
        fee.addWidget(self.fee_description, 1)
        fee.addWidget(self.fee_amount)
        fee.addWidget(self.add_fee_button)
        layout.addLayout(fee)

        last = QHBoxLayout()
        self.remove_button = button(box, "&Remove line", "cannedJobRemoveLine")
        self.remove_button.clicked.connect(self.remove_line)
        last.addWidget(self.remove_button)
        self.lines_note = QLabel(box)
        self.lines_note.setObjectName("cannedJobLinesNote")
        self.lines_note.setWordWrap(True)
        self.lines_note.setStyleSheet(NOTE_STYLE)
        last.addWidget(self.lines_note, 1)
        layout.addLayout(last)
        return box

    def _buttons(self) -> None:
        self.remove_button.setEnabled(self.table.selectionModel().hasSelection())

    def set_lines(self, lines: Any) -> None:
        self.lines.set_rows([EditorLine(line, next(_keys)) for line in lines])
        self._lines_changed(edited=False)

    def _lines_changed(self, edited: bool = True) -> None:
        lines = [e.line for e in self.lines.rows]
        s = self.settings
        price = price_today(lines, s.labor_rate, s.tax_rules)
        minutes = sum(line.minutes for line in lines if line.is_labour)
        gone = [line.sku for line in lines if line.is_part and line.unit_price is None]
        fee_text = f", fees {money(price.fees)}" if price.fees else ""
        text = (f"Today: {_hours(minutes)} labour at {money(s.labor_rate)}/h, parts "
                f"{money(price.parts)}{fee_text} — {money(price.total)} with tax." if lines
                else "No lines yet: add labour and parts.")
        if gone:
            text += f" {', '.join(gone)} no longer exist{'s' if len(gone) == 1 else ''}."
        self.lines_note.setStyleSheet(ERROR_STYLE if gone else NOTE_STYLE)
        self.lines_note.setText(text)
        self._buttons()
        if edited:
            self.mark_changed()
        self.revalidate()

    def add_labour(self) -> None:
        text = self.operation.text().strip()
        if not text:
            self.lines_note.setStyleSheet(ERROR_STYLE)
            self.lines_note.setText("Say what the labour is first, e.g. “Replace front "
                                    "pads and rotors”.")
            self.operation.setFocus()
            return
        minutes = round(self.hours.value() * 4) * 15
        self.lines.set_rows([*self.lines.rows, EditorLine(
            CannedLine(LineKind.LABOUR, text, minutes), next(_keys))])
        self.operation.clear()
        self._lines_changed()
        self.operation.setFocus()

    def add_fee(self) -> None:
        """A fee line, checked by the service's rule (refused here with its message)."""
        try:
            description, amount = fees.check_fee(
                fees.FeeData(self.fee_description.text(), self.fee_amount.text()))
        except ValidationError as error:
            self.lines_note.setStyleSheet(ERROR_STYLE)
            self.lines_note.setText(next(iter(error.fields.values())))
            field = "description" if "description" in error.fields else "amount"
            widget = self.fee_description if field == "description" else self.fee_amount
            widget.setFocus()
            widget.selectAll()
            return
        self.lines.set_rows([*self.lines.rows, EditorLine(
            CannedLine(LineKind.FEE, description, amount=amount), next(_keys))])
        self.fee_description.clear()
        self.fee_amount.clear()
        self._lines_changed()
        self.fee_description.setFocus()

    def add_part(self) -> None:
        sku, quantity = self.sku.text(), self.quantity.value()
        self.add_part_button.setEnabled(False)
        self.ui.worker.read(lambda uow: stock.find_part_by_sku(uow, sku),
                            alive(self, lambda part: self._part_found(part, quantity)),
                            alive(self, self._part_missing))

    def _part_found(self, part: PartRecord, quantity: int) -> None:
        self.add_part_button.setEnabled(True)
        rows = list(self.lines.rows)
        for i, e in enumerate(rows):
            if e.line.is_part and e.line.part_id == part.id:
                rows[i] = EditorLine(CannedLine(
                    LineKind.PART, part_id=part.id, sku=part.sku, name=part.name,
                    quantity=e.line.quantity + quantity, unit_price=part.unit_price), e.key)
                break
        else:
            rows.append(EditorLine(CannedLine(
                LineKind.PART, part_id=part.id, sku=part.sku, quantity=quantity,
                name=part.name, unit_price=part.unit_price), next(_keys)))
        self.lines.set_rows(rows)
        self.sku.clear()
        self.quantity.setValue(1)
        self._lines_changed()
        self.sku.setFocus()

    def _part_missing(self, error: BaseException) -> None:
        self.add_part_button.setEnabled(True)
        self.lines_note.setStyleSheet(ERROR_STYLE)
        self.lines_note.setText(next(iter(error.fields.values()))
                                if isinstance(error, ValidationError) else str(error))
        self.sku.setFocus()
        self.sku.selectAll()

    def remove_line(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        chosen = self.lines.row_at(rows[0].row()) if rows else None
        if chosen is None:
            return
        self.lines.set_rows([e for e in self.lines.rows if e.key != chosen.key])
        self._lines_changed()

    # -- saving --------------------------------------------------------------------------

    def form_ready(self) -> bool:
        return super().form_ready() and bool(self.lines.rows)

    def apply_record(self, record: Any) -> None:
        super().apply_record(record)
        if isinstance(record, CannedJobRecord):
            self.set_lines(record.lines)

    def job(self) -> Operation[CannedJobRecord]:
        existing = self.existing
        data = CannedJobData(self.name.text(), self.concern.toPlainText(),
                             tuple(e.line for e in self.lines.rows),
                             existing.active if existing else True)

        def run(uow: UnitOfWork) -> CannedJobRecord:
            if existing is None:
                return canned_jobs.create_canned_job(uow, data)
            return canned_jobs.update_canned_job(uow, existing.id, data, existing.version)

        return run


# --- the library ----------------------------------------------------------------------------


class CannedJobsDialog(QDialog):
    """The library: find a job, add, edit, stop offering or delete one (administrators;
    others may look)."""

    def __init__(self, ui: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ui = ui
        self.setObjectName("cannedJobs")
        self.setWindowTitle("Canned jobs")
        self.setAccessibleName("Canned jobs")
        self.editor: CannedJobEditor | None = None
        self.settings: ShopSettingsRecord | None = None
        layout = QVBoxLayout(self)
        intro = QLabel("Jobs the shop quotes often, added to a ticket in one step from the "
                       "ticket editor (Add canned job…) at the day's labour rate and part "
                       "prices.", self)
        intro.setWordWrap(True)
        intro.setStyleSheet(NOTE_STYLE)
        layout.addWidget(intro)
        top = QHBoxLayout()
        self.search = line_edit(self, "", "Search by name…")
        self.search.setObjectName("cannedJobsSearch")
        self.search.setAccessibleName("Search canned jobs")
        self.search.setClearButtonEnabled(True)
        top.addWidget(self.search, 1)
        self.show_inactive = QCheckBox("Show &inactive jobs", self)
        self.show_inactive.setObjectName("cannedJobsShowInactive")
        top.addWidget(self.show_inactive)
        layout.addLayout(top)
        self.model = PagedTableModel(LIBRARY, canned_jobs.list_canned_jobs, ui.worker, self)
        self.model.set_filter("active", True)
        self.search.textChanged.connect(self.model.set_search)
        self.show_inactive.toggled.connect(
            lambda on: self.model.set_filter("active", None if on else True))
        self.table = compact_table(self, self.model, LIBRARY.columns, "cannedJobsList",
                                   "Canned jobs", 0)
        self.table.activated.connect(lambda *_: self.edit_selected())
        activate_on_return(self.table)
        _down_moves_to(self.search, self.table)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._buttons())
        self.model.page_loaded.connect(lambda _n: self._buttons())
        layout.addWidget(self.table, 1)
        self.note = QLabel(self)
        self.note.setObjectName("cannedJobsNote")
        self.note.setWordWrap(True)
        self.note.setStyleSheet(NOTE_STYLE)
        layout.addWidget(self.note)
        row = QHBoxLayout()
        self.new_button = button(self, "&New…", "cannedJobsNew")
        self.new_button.clicked.connect(self.new_job)
        self.edit_button = button(self, "&Edit…", "cannedJobsEdit")
        self.edit_button.clicked.connect(self.edit_selected)
        self.active_button = button(self, "S&top offering", "cannedJobsActive")
        self.active_button.clicked.connect(self.toggle_active)
        self.delete_button = button(self, "&Delete…", "cannedJobsDelete")
        self.delete_button.clicked.connect(self.delete_selected)
        for widget in (self.new_button, self.edit_button, self.active_button,
                       self.delete_button):
            row.addWidget(widget)
        row.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        row.addWidget(close)
        layout.addLayout(row)
        for push in self.findChildren(QPushButton):
            push.setAutoDefault(False)  # Return on a row opens it (not New…, not Close)
        fit_to_screen(self, 760, 560)
        self.model.start()
        ui.worker.read(shop.get_settings, alive(self, self._settings),
                       alive(self, lambda e: self._say(str(e), error=True)))
        self._buttons()

    def _settings(self, record: ShopSettingsRecord) -> None:
        self.settings = record
        self._buttons()

    def selected(self) -> CannedJobRow | None:
        index = self.table.currentIndex()
        row = self.model.row_at(index.row()) if index.isValid() else None
        return row if isinstance(row, CannedJobRow) else None

    def _buttons(self) -> None:
        manage = self.ui.can(Action.MANAGE_CANNED_JOBS)
        row = self.selected()
        ready = self.settings is not None
        self.new_button.setEnabled(manage and ready)
        self.edit_button.setEnabled(row is not None and ready)
        self.edit_button.setText("&Edit…" if manage else "&View…")
        for widget in (self.active_button, self.delete_button):
            widget.setEnabled(manage and row is not None)
        self.active_button.setText("S&top offering" if row is None or row.active
                                   else "Offer a&gain")
        if not manage:
            role = self.ui.actor.role.label if self.ui.actor else "Your role"
            for widget in (self.new_button, self.active_button, self.delete_button):
                widget.setToolTip(f"{role}s cannot {Action.MANAGE_CANNED_JOBS.value}.")

    def _say(self, text: str, *, error: bool = False) -> None:
        self.note.setStyleSheet(ERROR_STYLE if error else NOTE_STYLE)
        self.note.setText(text)

    def new_job(self) -> None:
        if self.settings is not None:
            self._open(None)

    def edit_selected(self) -> None:
        row = self.selected()
        if row is None or self.settings is None:
            return
        canned_id = row.id
        self.ui.worker.read(lambda uow: canned_jobs.get_canned_job(uow, canned_id),
                            alive(self, self._open),
                            alive(self, lambda e: self._say(str(e), error=True)))

    def _open(self, record: CannedJobRecord | None) -> None:
        assert self.settings is not None
        editor = CannedJobEditor(self.ui, self.settings, record, self)
        editor.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        editor.saved.connect(alive(self, self._saved))
        self.editor = editor
        editor.open()

    def _saved(self, record: CannedJobRecord) -> None:
        self._say(f"Saved “{record.name}”: {money(record.price.total)} today with tax.")
        self.model.refresh()

    def _done(self, text: str) -> None:
        self._say(text)
        self.model.refresh()

    def _failed(self, error: BaseException) -> None:
        self._say(str(error) if isinstance(error, DomainError) else f"Could not save: {error}",
                  error=True)
        self.model.refresh()

    def toggle_active(self) -> None:
        row = self.selected()
        if row is None:
            return
        canned_id, active = row.id, not row.active
        text = (f"“{row.name}” is offered again." if active else
                f"“{row.name}” is no longer offered in the ticket editor (it stays here).")
        self.ui.worker.write(
            lambda uow: canned_jobs.set_canned_job_active(uow, canned_id, active),
            alive(self, lambda _r: self._done(text)), alive(self, self._failed))

    def delete_selected(self) -> None:
        row = self.selected()
        if row is None or not self.ui.prompts.confirm(
                self, "Delete canned job", f"Delete “{row.name}” from the library? Tickets "
                "keep the jobs already added from it.", "Delete"):
            return
        canned_id, name = row.id, row.name
        self.ui.worker.write(lambda uow: canned_jobs.delete_canned_job(uow, canned_id),
                             alive(self, lambda _r: self._done(f"Deleted “{name}”.")),
                             alive(self, self._failed))
