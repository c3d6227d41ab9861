"""Lay out a document's HTML (services/documents.py) as a PDF file or on a printer.

Runs with any QGuiApplication, including the offscreen platform; Qt's text layout does
the pagination. Call it on the GUI thread (QTextDocument is a GUI-side object).
The page is the shop's paper size (Letter or A4) with 15 mm margins; the document is
laid out on exactly the printable width, so its tables end at the right margin.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMarginsF, QRectF, QSizeF, Qt
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QColor,
    QFont,
    QGuiApplication,
    QPagedPaintDevice,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QTextDocument,
)

#: Layout resolution (QPdfWriter defaults to 1200 dpi, which only makes the file bigger).
RESOLUTION_DPI = 300
MARGIN_MM = 15
#: Room kept at the foot of every page for its number (points).
FOOTER_PT = 16

#: Paper sizes by their stored name (ShopSettingsRecord.paper_size).
PAPER = {"letter": QPageSize.PageSizeId.Letter, "a4": QPageSize.PageSizeId.A4}


def set_paper(device: QPagedPaintDevice, paper: str) -> None:
    """The shop's paper size (Letter when unknown) and the margins of every document."""
    device.setPageSize(QPageSize(PAPER.get(paper, QPageSize.PageSizeId.Letter)))
    device.setPageMargins(QMarginsF(MARGIN_MM, MARGIN_MM, MARGIN_MM, MARGIN_MM),
                          QPageLayout.Unit.Millimeter)


def print_html(html: str, device: QPagedPaintDevice) -> None:
    """Lay ``html`` out on the device's printable area (whatever paper it was given)
    and print it page by page, with "Page 2 of 3" at the foot when there are several."""
    document = QTextDocument()
    # Fonts measured at the device's resolution, pages in its pixels: point sizes print
    # as points whatever the screen's resolution.
    document.documentLayout().setPaintDevice(device)
    document.setHtml(html)
    area = device.pageLayout().paintRectPixels(device.logicalDpiX())
    footer = device.logicalDpiY() * FOOTER_PT / 72
    document.setDocumentMargin(0)
    document.setPageSize(QSizeF(area.width(), area.height() - footer))
    pages = document.pageCount()
    height = document.pageSize().height()
    painter = QPainter(device)
    try:
        for page in range(pages):
            if page:
                device.newPage()
            painter.save()
            painter.translate(0, -page * height)
            context = QAbstractTextDocumentLayout.PaintContext()
            context.clip = QRectF(0, page * height, area.width(), height)
            painter.setClipRect(context.clip)
            document.documentLayout().draw(painter, context)
            painter.restore()
            if pages > 1:
                font = QFont(document.defaultFont())
                font.setPointSizeF(8)
                painter.setFont(font)
                painter.setPen(QColor("#555555"))
                painter.drawText(QRectF(0, height, area.width(), footer),
                                 int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom),
                                 f"Page {page + 1} of {pages}")
    finally:
        painter.end()


def write_pdf(html: str, path: str | Path, title: str = "", paper: str = "letter") -> Path:
    """Write ``html`` to ``path`` as a PDF on ``paper`` ("letter" or "a4") and return
    the path."""
    if QGuiApplication.instance() is None:
        raise RuntimeError("write_pdf needs a QGuiApplication (the app's, or pytest-qt's qapp)")
    target = Path(path)
    writer = QPdfWriter(str(target))
    writer.setResolution(RESOLUTION_DPI)
    set_paper(writer, paper)
    writer.setTitle(title)
    writer.setCreator("Mechanic Desktop")
    print_html(html, writer)
    del writer  # the file is finished when the writer goes
    if not target.exists():
        raise OSError(f"Could not write {target}; check the folder exists and is writable.")
    return target
