"""File → Export CSV… / Import customers… / Import parts…, installed on the main window.

A table page is exported as it is filtered and sorted, every row (not just those
loaded), streamed page by page on the DB worker behind a cancellable progress dialog.
File choices go through ``choose_save`` / ``choose_open``, which tests replace so no
native dialog ever blocks them.

The actions are installed with every main window, so this module imports the CSV
services and the Reports page only when an export or import runs (start-up time).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget

from mechanic_desktop.domain.permissions import Action
from mechanic_desktop.ui.file_choosers import (
    OpenChooser,
    SaveChooser,
    choose_open_file,
    choose_save_file,
)
from mechanic_desktop.ui.operations import Progress, alive
from mechanic_desktop.ui.permission_gate import gate
from mechanic_desktop.ui.window_actions import add_to_file_menu, window_action

if TYPE_CHECKING:
    from mechanic_desktop.services.csv_import import Kind
    from mechanic_desktop.ui.main_window import MainWindow
    from mechanic_desktop.ui.pages.reports import ReportsPage


def reports_page(page: object) -> ReportsPage | None:
    """``page`` as the Reports page, if it is that (whose module is loaded by then)."""
    if getattr(page, "key", None) != "reports":
        return None
    from mechanic_desktop.ui.pages.reports import ReportsPage

    return page if isinstance(page, ReportsPage) else None


class ListExport(QObject):
    """One running export of a table page: worker job, progress dialog, cancel flag."""

    finished = Signal(object)  # rows written, or the error

    def __init__(self, page: Any, path: str, parent: QWidget) -> None:
        super().__init__(parent)
        from mechanic_desktop.services import csv_export

        model = page.model
        fetch = model._fetch
        query = model.query
        columns = [(c.header, c.text) for c in model.spec.columns]
        self.progress = progress = Progress(parent, "Export CSV", f"Exporting {page.plural}…",
                                            name="exportProgress")
        plural = page.plural

        def counted(rows: int) -> None:
            progress.report(rows, 0, f"Exporting {plural}… {rows:,} rows written")

        self.rows: int | None = None
        self.error: BaseException | None = None
        what = page.key
        page.ui.worker.write(
            lambda uow: csv_export.export_file(uow, what, path, lambda out: csv_export.write_list(
                out, lambda q: fetch(uow, q), query, columns, progress=counted,
                cancelled=progress.cancelled)),
            alive(self, self._done), alive(self, self._failed), progress=progress)

    def _done(self, rows: int) -> None:
        self.rows = rows
        self.finished.emit(rows)

    def _failed(self, error: BaseException) -> None:
        self.error = error
        self.finished.emit(error)


class DataActions(QObject):
    """The window's CSV actions; ``choose_save``/``choose_open`` are replaceable."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.choose_save: SaveChooser = choose_save_file
        self.choose_open: OpenChooser = choose_open_file
        self.export: ListExport | None = None
        self.import_dialog: QWidget | None = None
        self.export_action = self._action("exportCsvAction", "&Export CSV…", self.export_current,
                                          "Ctrl+Shift+E",
                                          "Save this list (as filtered and sorted) or report "
                                          "as a CSV file")
        self.import_customers_action = self._action(
            "importCustomersAction", "Import &customers…", lambda: self.import_csv("customers"),
            "", "Add customers (and their vehicles) from a CSV file")
        self.import_parts_action = self._action(
            "importPartsAction", "Import &parts…", lambda: self.import_csv("parts"), "",
            "Add or update parts from a CSV file")
        gate(self.import_customers_action, window.ui, Action.EDIT_CUSTOMERS)
        gate(self.import_parts_action, window.ui, Action.EDIT_PARTS)
        add_to_file_menu(window, (self.import_customers_action, self.import_parts_action,
                                  self.export_action))
        for page in window.built_pages():
            self._wire(page)
        window.page_built.connect(self._wire)

    def _wire(self, page: object) -> None:
        """The Reports page saves through ``choose_save`` and jumps to filtered lists."""
        reports = reports_page(page)
        if reports is not None:
            reports.choose_save = lambda parent, caption, name: self.choose_save(  # noqa: PLW0108 - late-bound, tests swap it
                parent, caption, name)
            reports.jump_requested.connect(self.jump)

    def _action(self, name: str, text: str, slot: Callable[[], None], keys: str,
                tip: str) -> QAction:
        return window_action(self.window, name, text, slot, (keys,), tip=tip)

    def _say(self, text: str) -> None:
        self.window.statusBar().showMessage(text, 8000)

    # -- export ---------------------------------------------------------------------------

    def export_current(self) -> None:
        page = self.window.current_page
        reports = reports_page(page)
        if reports is not None:
            reports.export_current()
            return
        suggested = f"{page.key}.csv"
        path = self.choose_save(self.window, f"Export {page.plural} as CSV", suggested)
        if not path:
            return
        export = ListExport(page, path, self.window)
        export.finished.connect(lambda result: self._exported(path, result))
        self.export = export

    def _exported(self, path: str, result: object) -> None:
        from mechanic_desktop.services import csv_export

        if isinstance(result, int):
            self._say(f"Saved {result:,} rows to {path}.")
        elif isinstance(result, csv_export.ExportCancelled):
            self._say("Export cancelled; no file was written.")
        else:
            self.window.ui.prompts.inform(self.window, "Export failed", str(result))

    # -- import ---------------------------------------------------------------------------

    def import_csv(self, kind: Kind) -> None:
        from mechanic_desktop.ui.dialogs.import_csv import ImportDialog

        path = self.choose_open(self.window, f"Import {kind} from a CSV file")
        if not path:
            return
        dialog = ImportDialog(self.window.ui, kind, path, self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.imported.connect(lambda result: self._say(
            f"Imported {result.created:,} new and updated {result.updated:,} {kind}."))
        self.import_dialog = dialog
        dialog.open()

    # -- dashboard jumps ----------------------------------------------------------------------

    def jump(self, key: str, name: str, value: object) -> None:
        """Show the list page ``key`` with its quick filter ``name`` set to ``value``."""
        keys = [area.key for area in self.window.areas]
        if key not in keys:
            return
        self.window.show_page(keys.index(key))
        page = self.window.current_page
        combo = getattr(page, "status_filter", None) if name == "status" else None
        if combo is not None:
            for i in range(combo.count()):
                if tuple(combo.itemData(i) or ()) == value:
                    combo.setCurrentIndex(i)
                    return
        check = getattr(page, "low_stock", None) if name == "low_stock" else None
        if check is not None:
            check.setChecked(bool(value))
            return
        page.model.set_filter(name, value)


def install_data_actions(window: MainWindow) -> DataActions:
    """Add the CSV actions to ``window`` (File menu) and wire the Reports page to them."""
    return DataActions(window)
