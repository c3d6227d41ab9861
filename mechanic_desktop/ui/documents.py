"""Lay out a document's HTML (services/documents.py) as a PDF file, without a window.

Runs with any QGuiApplication, including the offscreen platform; Qt's text layout does
the pagination. Call it on the GUI thread (QTextDocument is a GUI-side object).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMarginsF
from PySide6.QtGui import QGuiApplication, QPageLayout, QPageSize, QPdfWriter, QTextDocument

#: Layout resolution (QPdfWriter defaults to 1200 dpi, which only makes the file bigger).
RESOLUTION_DPI = 300


def write_pdf(
    html: str,
    path: str | Path,
    title: str = "",
    page: QPageSize.PageSizeId = QPageSize.PageSizeId.Letter,
) -> Path:
    """Write ``html`` to ``path`` as a PDF and return the path."""
    if QGuiApplication.instance() is None:
        raise RuntimeError("write_pdf needs a QGuiApplication (the app's, or pytest-qt's qapp)")
    target = Path(path)
    writer = QPdfWriter(str(target))
    writer.setResolution(RESOLUTION_DPI)
    writer.setPageSize(QPageSize(page))
    writer.setPageMargins(QMarginsF(15, 15, 15, 15), QPageLayout.Unit.Millimeter)
    writer.setTitle(title)
    writer.setCreator("Mechanic Desktop")
    document = QTextDocument()
    document.setHtml(html)
    document.print_(writer)
    if not target.exists():
        raise OSError(f"Could not write {target}; check the folder exists and is writable.")
    return target
