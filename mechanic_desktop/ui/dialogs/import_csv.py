"""File → Import customers… / Import parts…: read the file, map its columns, preview
what would happen, and import the good rows on confirm.

Reading, previewing and importing all run on the DB worker; the preview runs again
whenever a column mapping changes. The import is one transaction: the progress dialog's
Cancel rolls it back, and a failure leaves the database as it was.

Updating records on file changes only the file's columns; the duplicates table says what
each update would change, and empty cells that would clear a stored value read "will
clear". Importing with such cells in update mode asks first; only a yes clears them.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from mechanic_desktop.services import csv_import as ci
from mechanic_desktop.services.reports import Column
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.dialogs.styles import ERROR_STYLE
from mechanic_desktop.ui.item_views import read_only_table
from mechanic_desktop.ui.models.report_models import ReportTableModel
from mechanic_desktop.ui.operations import Progress, alive

BAD_COLUMNS = (
    Column("Row", lambda r: r.row, "int"),
    Column("Problems", lambda r: " ".join(r.reasons)),
    Column("Content", lambda r: r.text),
)
DUPLICATE_COLUMNS = (
    Column("Row", lambda r: r.row, "int"),
    Column("Matches", lambda r: r.key),
    Column("On file as", lambda r: r.existing),
    Column("If updated", lambda r: r.changes),
)
NOT_IMPORTED = "(not imported)"


def _clears(preview: ci.Preview) -> str:
    """"3 values on file in 2 records", in the singular where it is one."""
    values, records = preview.clear_count, preview.clearing_rows
    return (f"{values:,} value{'s' * (values != 1)} on file in {records:,} "
            f"record{'s' * (records != 1)}")


class ImportDialog(QDialog):
    """Preview and import one CSV file of customers or parts."""

    #: The import committed; carries the ``ImportResult``.
    imported = Signal(object)
    #: A preview finished (tests wait on it).
    previewed = Signal(object)

    def __init__(self, ui: UiContext, kind: ci.Kind, path: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ui, self.kind, self.path = ui, kind, path
        self.setObjectName("importDialog")
        self.setAccessibleName(f"Import {kind}")
        self.setWindowTitle(f"Import {kind} from CSV")
        self.resize(960, 760)
        self.source: ci.CsvFile | None = None
        self.preview: ci.Preview | None = None
        self.import_result: ci.ImportResult | None = None
        self.problem: str | None = None
        self._generation = 0
        self.progress: Progress | None = None

        layout = QVBoxLayout(self)
        self.file_label = QLabel(f"Reading {path}…", self)
        self.file_label.setObjectName("importFile")
        self.file_label.setWordWrap(True)
        layout.addWidget(self.file_label)
        self.problem_label = QLabel(self)
        self.problem_label.setObjectName("importProblem")
        self.problem_label.setAccessibleName("Problem with the file")
        self.problem_label.setStyleSheet(ERROR_STYLE)
        self.problem_label.setWordWrap(True)
        self.problem_label.hide()
        layout.addWidget(self.problem_label)

        top = QHBoxLayout()
        self.mapping_box = QGroupBox("Columns", self)
        self.mapping_box.setObjectName("importMapping")
        self.mapping_form = QFormLayout(self.mapping_box)
        self.combos: dict[str, QComboBox] = {}
        top.addWidget(self.mapping_box, 1)
        side = QVBoxLayout()
        self.summary = QLabel(self)
        self.summary.setObjectName("importSummary")
        self.summary.setAccessibleName("Preview summary")
        self.summary.setWordWrap(True)
        side.addWidget(self.summary)
        dupes = QGroupBox("Rows already on file", self)
        dupes.setObjectName("importDuplicates")
        dupes_box = QVBoxLayout(dupes)
        self.skip_radio = QRadioButton("&Skip them (keep what is on file)", dupes)
        self.skip_radio.setObjectName("importSkip")
        self.skip_radio.setAccessibleName("Skip rows already on file")
        self.update_radio = QRadioButton("&Update the records on file from the file", dupes)
        self.update_radio.setObjectName("importUpdate")
        self.update_radio.setAccessibleName("Update records already on file")
        self.skip_radio.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.skip_radio)
        group.addButton(self.update_radio)
        dupes_box.addWidget(self.skip_radio)
        dupes_box.addWidget(self.update_radio)
        side.addWidget(dupes)
        side.addStretch(1)
        top.addLayout(side, 1)
        layout.addLayout(top)

        splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.bad_model, self.bad_table = self._table("importBadRows", BAD_COLUMNS,
                                                     "Rows that will not be imported")
        self.dupe_model, self.dupe_table = self._table("importDuplicateRows", DUPLICATE_COLUMNS,
                                                       "Rows already on file")
        self.dupe_table.setColumnWidth(1, 220)  # the key; what an update changes gets the rest
        self.dupe_table.setColumnWidth(2, 180)
        for title, table in (("Rows with problems (not imported):", self.bad_table),
                             ("Rows already on file:", self.dupe_table)):
            holder = QWidget(splitter)
            box = QVBoxLayout(holder)
            box.setContentsMargins(0, 0, 0, 0)
            box.addWidget(QLabel(title, holder))
            box.addWidget(table)
            splitter.addWidget(holder)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        layout.addWidget(splitter, 1)

        self.buttons = QDialogButtonBox(self)
        self.import_button = QPushButton("&Import", self)
        self.import_button.setObjectName("importButton")
        self.import_button.setAccessibleName("Import the good rows")
        self.import_button.setEnabled(False)
        self.import_button.setDefault(True)
        self.buttons.addButton(self.import_button, QDialogButtonBox.ButtonRole.AcceptRole)
        close = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        close.setObjectName("importClose")
        close.setAccessibleName("Close without importing")
        self.import_button.clicked.connect(self.run_import)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

        ui.worker.read(lambda _uow: ci.open_csv(path), alive(self, self._opened),
                       alive(self, self._failed))

    def _table(self, name: str, columns: tuple[Column, ...], accessible: str
               ) -> tuple[ReportTableModel, QTableView]:
        model = ReportTableModel(columns, self)
        # The reasons column is wide; the row's content takes the rest.
        table = read_only_table(self, model, name, accessible, [60, 500])
        return model, table

    # -- reading and mapping -------------------------------------------------------------------

    def _failed(self, error: BaseException) -> None:
        self.problem = str(error)
        self.problem_label.setText(self.problem)
        self.problem_label.show()
        self.import_button.setEnabled(False)

    def _opened(self, source: ci.CsvFile) -> None:
        self.source = source
        delimiter = {",": "comma", ";": "semicolon", "\t": "tab", "|": "bar"}.get(
            source.delimiter, repr(source.delimiter))
        self.file_label.setText(f"{self.path}\nEncoding {source.encoding}, {delimiter}-"
                                f"separated, {len(source.headers)} columns.")
        guessed = ci.guess_mapping(self.kind, source.headers)
        for field in ci.FIELDS[self.kind]:
            combo = QComboBox(self.mapping_box)
            combo.setObjectName(f"importMap_{field.name}")
            combo.setAccessibleName(f"Column for {field.label}")
            combo.addItem(NOT_IMPORTED, None)
            for i, header in enumerate(source.headers):
                combo.addItem(header or f"(column {i + 1})", i)
            index = guessed.get(field.name)
            combo.setCurrentIndex(0 if index is None else index + 1)
            combo.currentIndexChanged.connect(lambda _i: self.run_preview())
            label = field.label + (" *" if field.required else "")
            self.mapping_form.addRow(label, combo)
            self.combos[field.name] = combo
        self.run_preview()

    def mapping(self) -> dict[str, int | None]:
        return {name: combo.currentData() for name, combo in self.combos.items()}

    def run_preview(self) -> None:
        source = self.source
        if source is None:
            return
        self._generation += 1
        generation, mapping, kind = self._generation, self.mapping(), self.kind
        self.import_button.setEnabled(False)
        self.summary.setText("Checking every row…")

        def show(preview: ci.Preview) -> None:
            if generation == self._generation:
                self._show_preview(preview)

        self.ui.worker.read(lambda uow: ci.preview(uow, kind, source, mapping), alive(self, show),
                            alive(self, self._failed))

    def _show_preview(self, preview: ci.Preview) -> None:
        self.preview = preview
        self.bad_model.set_rows(preview.bad)
        self.dupe_model.set_rows(preview.duplicates)
        if preview.missing_required:
            self.summary.setText(
                "Choose a column for " + ", ".join(preview.missing_required)
                + " (required) before importing.")
            self.summary.setStyleSheet(ERROR_STYLE)
            self.previewed.emit(preview)
            return
        self.summary.setStyleSheet("")
        lines = [f"{preview.total_rows:,} rows read.",
                 f"{preview.new_rows:,} new {self.kind} will be added.",
                 f"{preview.duplicate_count:,} already on file (see below: skip or update).",
                 f"{preview.bad_count:,} with problems will be left out."]
        if preview.missing_optional:
            lines.append("Not in the file: " + ", ".join(preview.missing_optional) + ".")
            if preview.duplicate_count:
                lines.append("An update keeps what is on file for those.")
        if preview.clear_count:
            lines.append(f"Updating would clear {_clears(preview)} (empty cells: “will "
                         "clear” below); you will be asked first.")
        if preview.bad_count > len(preview.bad):
            lines.append(f"(The first {len(preview.bad):,} problem rows are listed.)")
        self.summary.setText("\n".join(lines))
        self.import_button.setEnabled(preview.good_rows > 0)
        self.previewed.emit(preview)

    # -- importing ----------------------------------------------------------------------------

    def run_import(self) -> None:
        source, preview = self.source, self.preview
        if source is None or preview is None or not preview.good_rows:
            return
        on_duplicate: ci.OnDuplicate = "update" if self.update_radio.isChecked() else "skip"
        clear_empty = on_duplicate == "update" and preview.clear_count > 0
        if clear_empty and not self.ui.prompts.confirm(
                self, "Clear values on file?",
                f"Empty cells in the file would clear {_clears(preview)} (listed as “will "
                "clear”). Clear them?"
                "\n\nTo keep those values instead, fill the cells, or choose "
                f"{NOT_IMPORTED} for their columns.", "Clear and import"):
            return
        self.import_button.setEnabled(False)
        progress = Progress(self, "Import", f"Importing {self.kind}…", name="importProgress")
        self.progress = progress
        mapping, kind, total = self.mapping(), self.kind, preview.total_rows
        self.ui.worker.write(
            lambda uow: ci.run_import(uow, kind, source, mapping, on_duplicate,
                                      progress.report, progress.cancelled, total, clear_empty),
            alive(self, self._imported), alive(self, self._import_failed), progress=progress)

    def cancel_import(self) -> None:
        if self.progress is not None:
            self.progress.cancel()

    def _imported(self, result: ci.ImportResult) -> None:
        self.import_result = result
        self.imported.emit(result)
        self.ui.prompts.inform(
            self, "Import finished",
            f"{result.created:,} new {self.kind} added, {result.updated:,} updated, "
            f"{result.skipped:,} already on file skipped, {result.bad:,} rows with problems "
            "left out.")
        self.accept()

    def _import_failed(self, error: BaseException) -> None:
        self.import_button.setEnabled(True)
        if isinstance(error, ci.ImportCancelled):
            self.ui.prompts.inform(self, "Import cancelled",
                                   "The import was cancelled; nothing was saved.")
            return
        self.ui.prompts.inform(self, "Import failed",
                               f"Nothing was imported: {error}")

    def done(self, result: int) -> None:
        if self.progress is not None:  # an import still running stops at its next chunk
            self.progress.cancel()
        super().done(result)

