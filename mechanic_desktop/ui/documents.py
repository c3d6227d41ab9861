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
Moving one row at a time would lay the whole document out again for each (quadratic in
its pages); the breaks are worked out instead from the rows' heights, measured in one
layout without pages, the way Qt paginates a table (``_plan``), inserted in one edit and
checked in one more layout.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
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
    QTextTableCell,
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


#: Longer documents are printed as Qt breaks them (the breaks cost a few layouts of the
#: whole document, each proportional to its length: a 100-page statement takes 2 s).
KEEP_WHOLE_MAX_PAGES = 500
#: What ``_plan`` could not foresee is moved one row at a time, each move one more
#: layout of the document, so the time grows with the square of its pages (a 30-page
#: statement took 2.7 s instead of 0.6 on the GUI thread): only in documents of up to
#: this many pages. None of the documents tried (invoices, work orders, statements, rows
#: taller than a page, on Letter, A4 and printers of 96 and 1200 dpi) needed it.
ONE_BY_ONE_MAX_PAGES = 20


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


def _fix_one_by_one(document: QTextDocument, table: QTextTable, row: int) -> None:
    """Keep ``table``'s rows from ``row`` down whole and its headings with their next
    rows one move at a time: each move lays the document out again and is checked (the
    slow way, for what ``_plan`` cannot foresee). Rows already right cost no layout."""
    top = table.format().headerRowCount()
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


def _first_wrong(document: QTextDocument, table: QTextTable, first: int | None = None,
                 end: int | None = None) -> int | None:
    """The first row from ``first`` (the first under the headers) to before ``end`` (the
    table's end) that straddles a page break or ends a page that the row under it,
    which it keeps with, does not print on (None: every one is right)."""
    start = table.format().headerRowCount() if first is None else first
    stop = table.rows() if end is None else end
    for row in range(start, stop):
        pages = row_pages(document, table, row)
        if len(pages) > 1 or (row + 1 < stop and keeps_with_next(document, table, row)
                              and pages != row_pages(document, table, row + 1)):
            return row
    return None


@dataclass(frozen=True, slots=True)
class _Rows:
    """Where a table's rows start and what their lines need, measured once; all in the
    document's pixels, a row's lines from its own top."""

    #: Each row's top edge.
    tops: list[float]
    #: Each row's lines: (top, height, room its cell keeps under it, first of its cell).
    lines: list[list[tuple[float, float, float, bool]]]
    #: From a page's top to the top of the first row under the repeated headers.
    continued: float


def _scale(document: QTextDocument) -> float:
    """Qt's lengths in px at 96 dpi, in the document's pixels (its paint device's)."""
    device = document.documentLayout().paintDevice()
    return device.logicalDpiY() / 96 if device is not None else 1.0


def _padding(cell: QTextTableCell, side: QTextFormat.Property, scale: float,
             table: float) -> float:
    """A cell's padding on ``side`` as Qt lays it out (``table``'s when it has none)."""
    own = cell.format()
    return own.doubleProperty(side) * scale if own.hasProperty(side) else table


def _row_top(document: QTextDocument, table: QTextTable, row: int,
             lines: list[tuple[float, float, float, bool]] | None = None) -> float:
    """Where ``row``'s cells start as laid out now: their first lines less their top
    padding. ``lines`` receives the row's lines: (top, height, room its cell keeps
    under it, first of its cell), from the page's top."""
    layout = document.documentLayout()
    scale = _scale(document)
    padding = table.format().cellPadding() * scale
    starts: list[float] = []
    for column in range(table.columns()):
        cell = table.cellAt(row, column)
        if cell.row() != row or cell.column() != column:
            continue
        block = document.findBlock(cell.firstPosition())
        text = block.layout()
        origin = layout.blockBoundingRect(block).top() - text.boundingRect().top()
        starts.append(origin - text.position().y() - _padding(
            cell, QTextFormat.Property.TableCellTopPadding, scale, padding))
        if lines is None:
            continue
        under = _padding(cell, QTextFormat.Property.TableCellBottomPadding, scale, padding)
        first = True
        while block.isValid() and block.position() <= cell.lastPosition():
            text = block.layout()
            origin = layout.blockBoundingRect(block).top() - text.boundingRect().top()
            for i in range(text.lineCount()):
                line = text.lineAt(i)
                lines.append((origin + line.y(), line.height(), under, first))
                first = False
            block = block.next()
    return min(starts)


def _measure(document: QTextDocument, table: QTextTable) -> _Rows:
    """``table``'s rows as laid out now: each one's top edge and its lines."""
    tops: list[float] = []
    lines: list[list[tuple[float, float, float, bool]]] = []
    for row in range(table.rows()):
        found: list[tuple[float, float, float, bool]] = []
        top = _row_top(document, table, row, found)
        tops.append(top)
        lines.append([(y - top, height, under, first) for y, height, under, first in found])
    head = table.format().headerRowCount()
    headers = tops[head] - tops[0] if head else 0.0
    frame = table.format()
    continued = headers + frame.topMargin() + (frame.padding() + 2 * frame.border()
                                               + frame.cellSpacing()) * _scale(document)
    return _Rows(tops, lines, continued)


@dataclass(frozen=True, slots=True)
class _Plan:
    """Where a table's rows from one of them on will print once ``breaks`` have break
    rows before them (row numbers before any is inserted)."""

    breaks: list[int]
    #: Each planned row's top edge.
    placed: dict[int, float]
    #: The first row not planned: the table's end, or the row after one taller than a
    #: page (where Qt breaks that one is for a layout to tell).
    end: int
    #: The row taller than a page, which prints broken as Qt breaks it (-1: none).
    broken: int = -1


def _plan(rows: _Rows, keeps: list[bool], start: int, at: float,
          page: float, top: int) -> _Plan | None:
    """Where ``table``'s rows would break, worked out from their heights in one pass the
    way Qt paginates a table: a line that does not fit above the foot of its page (less
    its cell's bottom padding) goes to the next page; a row whose every cell's first
    line goes there moves there whole, under the repeated headers. A row that would
    straddle gets a break row before it, with the rows above it that keep with it
    (``keeps``) when they fit on a page together. Rows from ``start``, at ``at``, pages
    ``page`` high; None when the table itself would have to start on the next page
    (its first row under the headers, ``top``, moved): for ``_move`` to do."""
    count = len(rows.tops)
    heights = [rows.tops[r + 1] - rows.tops[r] for r in range(count - 1)]

    def foot(y: float) -> float:
        return (y // page + 1) * page

    def fits(row: int, y: float) -> bool:
        return all(y + top + height <= foot(y) - under
                   for top, height, under, _ in rows.lines[row])

    def moves_itself(row: int, y: float) -> bool:
        return all(y + top + height > foot(y) - under
                   for top, height, under, first in rows.lines[row] if first)

    def starts_page(y: float) -> bool:
        return y == foot(y) - page + rows.continued

    breaks: list[int] = []
    placed: dict[int, float] = {}
    row, y = start, at
    while row < count:
        if fits(row, y):
            placed[row] = y
            y += heights[row] if row + 1 < count else 0.0
            row += 1
            continue
        below = foot(y) + rows.continued  # the next page's first row under its headers
        if not fits(row, below):  # taller than a page: printed broken where it falls
            placed[row] = below if moves_itself(row, y) else y
            return _Plan(breaks, placed, row + 1, row)
        first = row  # with the rows above it that keep with it, on the same page
        while (first > start and keeps[first - 1] and first - 1 in placed
               and placed[first - 1] // page == y // page):
            first -= 1
        if first < row:
            y_next = below
            together = True
            for r in range(first, row + 1):
                together = together and fits(r, y_next)
                y_next += heights[r] if r + 1 < count else 0.0
            if not together or starts_page(placed[first]):
                first = row  # they do not fit on a page together, or already start one
        if first == top:
            return None
        if first < row or not moves_itself(row, y):
            breaks.append(first)
        for r in range(first, row):
            del placed[r]
        row, y = first, below
    return _Plan(breaks, placed, count)


def _plan_and_check(document: QTextDocument, table: QTextTable) -> int | None:
    """Move every row of ``table`` that needs it in a few layouts of the document,
    whatever its length: the rows' heights measured in one layout without pages, the
    breaks worked out from them (``_plan``), the break rows inserted in one edit, then
    one layout to check that every row is where the plan put it and is right. After a
    row taller than a page the same again from the row under it. Returns None when
    done, else the row (as numbered now) from which the plan did not hold (its break
    rows taken out again), to be moved one by one."""
    top = table.format().headerRowCount()
    if document.documentMargin() or document.rootFrame().frameFormat().border():
        return top  # the plan knows no margin round the pages (lay_out sets none)
    size = document.pageSize()
    keeps = [keeps_with_next(document, table, row) for row in range(table.rows())]
    document.setPageSize(QSizeF(size.width(), -1))  # no pages: no row is broken
    document.pageCount()
    rows = _measure(document, table)
    document.setPageSize(size)
    document.pageCount()  # the whole layout again, not lazily
    page = round(size.height() * 64) / 64  # Qt's layout counts in 64ths of a pixel
    inserted: list[int] = []  # the rows with a break row before them so far

    def now(row: int) -> int:  # a row's number with the break rows inserted
        return row + bisect_right(inserted, row)

    start = top
    while start < len(rows.tops):
        plan = _plan(rows, keeps, start, _row_top(document, table, now(start)), page, top)
        if plan is None:  # the table starts on the next page, its headers with it
            before = QTextFrameFormat.PageBreakFlag.PageBreak_AlwaysBefore
            if table.format().pageBreakPolicy() & before:
                return now(start)
            moved = table.format()
            moved.setPageBreakPolicy(before)
            table.setFormat(moved)
            document.pageCount()
            continue
        edit = QTextCursor(document)
        if plan.breaks:
            edit.beginEditBlock()  # one layout for all the break rows
            for row in reversed(plan.breaks):
                _insert_break_row(table, now(row))
            edit.endEditBlock()
            document.pageCount()
        ahead = list(inserted)
        inserted = sorted(inserted + plan.breaks)
        where = all(abs(_row_top(document, table, now(row)) - y) < 0.5
                    for row, y in plan.placed.items())
        last = plan.broken if plan.broken >= 0 else plan.end
        if where and _first_wrong(document, table, now(start), now(last)) is None:
            start = plan.end
            continue
        if plan.breaks:
            edit.beginEditBlock()
            for row in reversed(plan.breaks):
                table.removeRows(now(row) - 1, 1)
                inserted.remove(row)
            edit.endEditBlock()
            document.pageCount()
        inserted = ahead
        return now(start)
    return None


def keep_rows_whole(document: QTextDocument) -> None:
    """Move every table row that straddles a page break to the next page whole (a line
    item with its part number, a signature with its label), and every row that must
    not end a page (``keeps_with_next``: a job's heading) to the next page with the row
    under it, in a document of up to ``KEEP_WHOLE_MAX_PAGES`` pages.

    A heading moves with the rows above it that keep with it too (a job's heading with
    its only line, when that line keeps with the closing rule). Rows that cannot fit on
    one page together (a row taller than a page) are broken by Qt as before.

    A table's rows are moved all at once (``_plan_and_check``); should a layout ever
    disagree with the plan, the rest of that table is moved one row at a time, a layout
    each (in documents of up to ``ONE_BY_ONE_MAX_PAGES``)."""
    tables = [f for f in document.rootFrame().childFrames() if isinstance(f, QTextTable)]
    pages = document.pageCount()
    if pages == 1 or pages > KEEP_WHOLE_MAX_PAGES:
        return
    for table in tables:
        if _first_wrong(document, table) is None:
            continue
        row = _plan_and_check(document, table)
        if row is not None and document.pageCount() <= ONE_BY_ONE_MAX_PAGES:
            _fix_one_by_one(document, table, row)


def lay_out(html: str, device: QPagedPaintDevice) -> QTextDocument:
    """``html`` laid out in pages of the device's printable area less the footer, every
    table row whole on one page (``keep_rows_whole``)."""
    document = QTextDocument()
    # Fonts measured at the device's resolution, pages in its pixels: point sizes print
    # as points whatever the screen's resolution.
    document.documentLayout().setPaintDevice(device)
    area = device.pageLayout().paintRectPixels(device.logicalDpiX())
    footer = device.logicalDpiY() * FOOTER_PT / 72
    # Margin and page first: the HTML is then laid out once, not three times (on no
    # page, without the margin, then on the page).
    document.setDocumentMargin(0)
    document.setPageSize(QSizeF(area.width(), area.height() - footer))
    document.setHtml(html)
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
