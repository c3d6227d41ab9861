"""Lay out a document's HTML (services/documents.py) as a PDF file or on a printer.

Runs with any QGuiApplication, including the offscreen platform; Qt's text layout does
the pagination. Call it on the GUI thread (QTextDocument is a GUI-side object).
The page is the shop's paper size (Letter or A4) with 15 mm margins; the document is
laid out on exactly the printable width, so its tables end at the right margin.

Qt paginates a table cell line by line: a row whose cells wrap (a long part description,
the part number on the line under it) would start at the foot of one page and end at the
top of the next, the part number alone over there. ``keep_rows_whole`` moves such a row
to the next page whole, the way Qt already moves a row whose first line does not fit.
It also moves a job's heading that would end a page to the next one with the row under
it, and the last row of a work order with the rule that closes its table, which would
otherwise print alone under the repeated column headers (Qt has no keep-with-next).
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
    QTextBlockFormat,
    QTextCursor,
    QTextDocument,
    QTextFormat,
    QTextFrameFormat,
    QTextTable,
    QTextTableCellFormat,
)

from mechanic_desktop.services.document_layout import KEEP_WITH_NEXT

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


def row_pages(document: QTextDocument, table: QTextTable, row: int) -> set[int]:
    """The pages (from 0) that the lines of ``row``'s cells print on, tables inside
    them included: one page when the row is whole."""
    height = document.pageSize().height()
    layout = document.documentLayout()
    pages: set[int] = set()
    for column in range(table.columns()):
        cell = table.cellAt(row, column)
        if cell.row() != row or cell.column() != column:
            continue  # covered by a cell spanning columns
        block = document.findBlock(cell.firstPosition())
        while block.isValid() and block.position() <= cell.lastPosition():
            text = block.layout()
            # The block's lines are placed relative to its layout; a line Qt moved to
            # the next page sits that much lower.
            top = layout.blockBoundingRect(block).top() - text.boundingRect().top()
            for i in range(text.lineCount()):
                line = text.lineAt(i)
                pages.add(int((top + line.y() + line.height() / 2) // height))
            block = block.next()
    return pages


def _pages(document: QTextDocument, table: QTextTable, first: int, last: int) -> set[int]:
    """The pages rows ``first`` to ``last`` print on, the document laid out first (again,
    after a change)."""
    document.pageCount()
    return set().union(*(row_pages(document, table, row) for row in range(first, last + 1)))


def _is_closing_rule(table: QTextTable, row: int) -> bool:
    """The table's last row, with no text: the rule under a work order's lines (it has
    no totals rows to close the table)."""
    return row == table.rows() - 1 and all(
        table.cellAt(row, column).firstPosition() == table.cellAt(row, column).lastPosition()
        for column in range(table.columns()))


def keeps_with_next(document: QTextDocument, table: QTextTable, row: int) -> bool:
    """Whether ``row`` must print on the page of the row under it: a job's heading (its
    text is marked ``KEEP_WITH_NEXT``), or the row above a closing rule, which would
    otherwise start a page alone under the repeated headers."""
    if row + 1 < table.rows() and _is_closing_rule(table, row + 1):
        return True
    block = document.findBlock(table.cellAt(row, 0).firstPosition())
    first = block.begin()  # Qt keeps an anchor's name on its first character
    return not first.atEnd() and KEEP_WITH_NEXT in first.fragment().charFormat().anchorNames()


def _insert_break_row(table: QTextTable, row: int) -> None:
    """An empty row before ``row``, no height, no padding or borders, whose only (empty)
    line breaks the page after it: the next row starts on the next page, under the
    repeated column headers, exactly where Qt puts a row whose first line does not fit."""
    edit = QTextCursor(table.document())
    edit.beginEditBlock()  # one layout for the four changes, not one each
    table.insertRows(row, 1)
    table.mergeCells(row, 0, 1, table.columns())
    cell = table.cellAt(row, 0)
    spacer = QTextTableCellFormat()
    spacer.setPadding(0)
    spacer.setTableCellColumnSpan(table.columns())
    cell.setFormat(spacer)
    line = QTextBlockFormat()
    line.setLineHeight(0, QTextBlockFormat.LineHeightTypes.FixedHeight.value)
    line.setPageBreakPolicy(QTextFormat.PageBreakFlag.PageBreak_AlwaysAfter)
    cell.firstCursorPosition().setBlockFormat(line)
    edit.endEditBlock()


#: Longer documents are printed as Qt breaks them. Each row moved costs one more layout
#: of the document, so the time grows with the square of its pages: a 17-page invoice
#: took 0.40 s instead of 0.15, a 30-page statement 2.7 s instead of 0.6, on the GUI
#: thread. Invoices, estimates and work orders stay far below this; a long statement's
#: lines are mostly one line each, and only a wrapped one can straddle.
KEEP_WHOLE_MAX_PAGES = 20


def _move(document: QTextDocument, table: QTextTable, first: int, last: int) -> int:
    """Start rows ``first`` to ``last`` on the next page: an empty break row before
    ``first``, or the whole table when ``first`` is its first row under its headers
    (its headers go with it). The move is kept only if the rows then print on one page
    (undone, they are broken as before); returns the rows inserted (0 or 1)."""
    if first == table.format().headerRowCount():
        before = table.format()
        moved = table.format()
        moved.setPageBreakPolicy(QTextFrameFormat.PageBreakFlag.PageBreak_AlwaysBefore)
        table.setFormat(moved)
        if len(_pages(document, table, first, last)) > 1:
            table.setFormat(before)
            document.pageCount()
        return 0
    _insert_break_row(table, first)
    if len(_pages(document, table, first + 1, last + 1)) > 1:
        table.removeRows(first, 1)
        document.pageCount()
        return 0
    return 1


def keep_rows_whole(document: QTextDocument) -> None:
    """Move every table row that straddles a page break to the next page whole (a line
    item with its part number, a signature with its label), and every row that must
    not end a page (``keeps_with_next``: a job's heading) to the next page with the row
    under it, in order from the top, in a document of up to ``KEEP_WHOLE_MAX_PAGES``
    pages.

    A heading moves with the rows above it that keep with it too (a job's heading with
    its only line, when that line keeps with the closing rule). Rows that cannot fit on
    one page together (a row taller than a page) are broken by Qt as before."""
    tables = [f for f in document.rootFrame().childFrames() if isinstance(f, QTextTable)]
    if document.pageCount() > KEEP_WHOLE_MAX_PAGES:
        return
    for table in tables:
        top = table.format().headerRowCount()
        row = top
        while row < table.rows():
            if len(_pages(document, table, row, row)) > 1:
                row += _move(document, table, row, row)
            elif (row + 1 < table.rows() and keeps_with_next(document, table, row)
                  and len(_pages(document, table, row, row + 1)) > 1):
                first = row
                while first > top and keeps_with_next(document, table, first - 1):
                    first -= 1
                row += _move(document, table, first, row + 1)
            row += 1


def lay_out(html: str, device: QPagedPaintDevice) -> QTextDocument:
    """``html`` laid out in pages of the device's printable area less the footer, every
    table row whole on one page (``keep_rows_whole``)."""
    document = QTextDocument()
    # Fonts measured at the device's resolution, pages in its pixels: point sizes print
    # as points whatever the screen's resolution.
    document.documentLayout().setPaintDevice(device)
    document.setHtml(html)
    area = device.pageLayout().paintRectPixels(device.logicalDpiX())
    footer = device.logicalDpiY() * FOOTER_PT / 72
    document.setDocumentMargin(0)
    document.setPageSize(QSizeF(area.width(), area.height() - footer))
    keep_rows_whole(document)
    return document


def print_html(html: str, device: QPagedPaintDevice) -> None:
    """Lay ``html`` out on the device's printable area (whatever paper it was given)
    and print it page by page, with "Page 2 of 3" at the foot when there are several."""
    document = lay_out(html, device)
    area = device.pageLayout().paintRectPixels(device.logicalDpiX())
    footer = device.logicalDpiY() * FOOTER_PT / 72
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
