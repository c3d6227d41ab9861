"""A print preview of a document's HTML (services/documents.py and money_documents.py):
the user sees the pages and prints them from there."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import QWidget

from mechanic_desktop.ui.documents import print_html, set_paper
from mechanic_desktop.ui.screen_fit import fit_to_screen


def open_preview(parent: QWidget, html: str, title: str, name: str = "printPreview",
                 paper: str = "letter") -> QPrintPreviewDialog:
    """Open (not modal) a print preview of ``html`` over ``parent``, on ``paper`` (the
    shop's: "letter" or "a4"), and return it."""
    # QPrinter is no QObject: the dialog keeps it alive as long as the preview uses it.
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setDocName(title)
    dialog = QPrintPreviewDialog(printer, parent)
    dialog._printer = printer  # type: ignore[attr-defined]
    dialog.setObjectName(name)
    dialog.setWindowTitle(f"Print preview: {title}")
    dialog.setAccessibleName(f"Print preview: {title}")
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    set_paper(printer, paper)
    dialog.paintRequested.connect(lambda device: print_html(html, device))
    fit_to_screen(dialog, 900, 760)
    dialog.open()
    return dialog
