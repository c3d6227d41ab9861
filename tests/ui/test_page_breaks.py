"""No table row of a printed document is split across a page break: a part's long
description, its part number on the line under it and its amounts all print on one page
(Qt alone breaks a wrapped cell line by line, leaving "Part no. …" alone at the top of
the next page). A job's heading never ends a page without its first line, nor does a
work order's closing rule start one under the repeated headers. Read back from the PDF
with ``pdftotext -bbox-layout``, on Letter and A4; the laid-out QTextDocument is checked
row by row too, and a ticket's invoice and work order exported from the ticket editor on
both backends."""

from __future__ import annotations

import shutil
from collections import defaultdict
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import QSizeF
from PySide6.QtGui import QPdfWriter, QTextDocument, QTextTable
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.records import PartLineRecord, TicketDetail
from mechanic_desktop.services import parts, workflow
from mechanic_desktop.services.document_layout import (
    PRICED,
    Columns,
    Layout,
    Letterhead,
    Line,
    Section,
    render,
)
from mechanic_desktop.services.documents import invoice_html, work_order_html
from mechanic_desktop.services.money_documents import statement_html
from mechanic_desktop.services.money_reports import Statement, StatementLine
from mechanic_desktop.ui import documents
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.documents import (
    RESOLUTION_DPI,
    keeps_with_next,
    lay_out,
    row_pages,
    set_paper,
    write_pdf,
)
from tests.ui.conftest import Shop
from tests.ui.helpers import WAIT_MS
from tests.ui.test_pdf import SHOP, _lines, _ticket
from tests.ui.test_workflow_dialogs import open_ticket, work_of
from tests.unit.test_documents import NOW

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed"
)

D = Decimal
WORDS = ("caliper", "bracket", "hardware", "remanufactured", "ceramic", "compatible",
         "assembly", "gasket", "sensor", "harness", "bushing")
PARTS = 40


def _name(i: int) -> str:
    """A description of one to four printed lines that starts with ``Item07`` and ends
    with ``End07`` (the part number prints under it)."""
    words = [WORDS[(i + k) % len(WORDS)] for k in range(2 + (i * 7) % 17)]
    return " ".join([f"Item{i:02d}", *words, f"End{i:02d}"])


def _price(i: int) -> Decimal:
    """A price no other amount of the invoice shares."""
    return D(f"{300 + i}.37")


def _long_invoice(shift: int) -> TicketDetail:
    """An invoice of forty parts whose descriptions wrap differently (``shift`` changes
    which falls where), running over four pages."""
    ticket: TicketDetail = _ticket()  # type: ignore[assignment]
    parts = tuple(PartLineRecord(i, i, f"PN-{i:03d}", _name(i + shift), 1, _price(i),
                                 _price(i), 1) for i in range(PARTS))
    return replace(ticket, jobs=(replace(ticket.jobs[0], parts=parts),))


def _work_order(count: int) -> TicketDetail:
    """The ticket with ``count`` parts on its one approved job, two printed lines each
    (the name, the part number under it)."""
    ticket: TicketDetail = _ticket()  # type: ignore[assignment]
    parts = tuple(PartLineRecord(i, i, f"PN-{i:03d}", f"Item{i:02d} brake hardware kit", 1,
                                 _price(i), _price(i), 1) for i in range(count))
    return replace(ticket, jobs=(replace(ticket.jobs[0], parts=parts),))


def _statement(entries: int) -> str:
    """A customer's statement of ``entries`` invoices and payments whose details wrap
    over up to a dozen lines (``S0007`` first, ``E0007`` last), running over 30 pages."""
    words = ("brake", "pads", "rotors", "caliper", "service")
    lines, balance = [], D(0)
    for i in range(entries):
        charge = D(f"{100 + i}.25") if i % 2 == 0 else D(0)
        credit = D(0) if i % 2 == 0 else D(f"{50 + i}.10")
        balance += charge - credit
        detail = " ".join([*words[:1 + (i * 7) % 5]] * (1 + 3 * (i % 4)))
        lines.append(StatementLine(NOW, "invoice" if charge else "payment", f"INV-{i}",
                                   f"RO-{i}", f"S{i:04d} {detail} E{i:04d}", charge, credit,
                                   balance))
    return statement_html(Statement(1, "Ada Lovelace", "5551234567", "12 Elm Road",
                                    tuple(lines), NOW), SHOP)


def _laid_out(html: str, tmp_path: Path) -> QTextDocument:
    writer = QPdfWriter(str(tmp_path / "unused.pdf"))
    writer.setResolution(RESOLUTION_DPI)
    set_paper(writer, "letter")
    document = lay_out(html, writer)
    del writer
    return document


def _rows_right(document: QTextDocument) -> bool:
    """Every row of every table on one page, and on the page of the next row when it
    keeps with it."""
    tables = [f for f in document.rootFrame().childFrames() if isinstance(f, QTextTable)]
    return all(len(row_pages(document, table, row)) == 1
               and not (row + 1 < table.rows() and keeps_with_next(document, table, row)
                        and row_pages(document, table, row) != row_pages(document, table,
                                                                          row + 1))
               for table in tables for row in range(table.rows()))


def _pages_of_words(path: Path) -> dict[str, set[int]]:
    where: dict[str, set[int]] = defaultdict(set)
    for line in _lines(path):
        for word in line:
            where[word.text].add(word.page)
    return where


@pytest.mark.parametrize("paper", ["letter", "a4"])
def test_every_part_prints_whole_on_one_page(
    qapp: QApplication, tmp_path: Path, paper: str
) -> None:
    """Each part's first and last word, its part number and its amounts share a page, on
    invoices where (without the fix) a wrapped part straddles each page break."""
    for shift in range(3):
        path = write_pdf(invoice_html(_long_invoice(shift), SHOP), tmp_path / f"{shift}.pdf",
                         "Long", paper)
        where = _pages_of_words(path)
        assert len(set().union(*where.values())) >= 3, "the invoice runs over pages"
        for i in range(PARTS):
            tokens = (f"Item{i + shift:02d}", f"End{i + shift:02d}", f"PN-{i:03d}",
                      f"{_price(i)}")
            assert all(where[t] for t in tokens), (shift, tokens)
            pages = set().union(*(where[t] for t in tokens))
            assert len(pages) == 1, f"{paper}, shift {shift}: part {i} on pages {pages}"


@pytest.mark.parametrize("paper", ["letter", "a4"])
@pytest.mark.parametrize("priced", [True, False], ids=["invoice", "work-order"])
def test_a_jobs_heading_prints_on_the_page_of_its_first_row(
    qapp: QApplication, tmp_path: Path, paper: str, priced: bool
) -> None:
    """A second job's heading swept over the page break by the lines of the first: it
    always prints on the page of the row under it (its first line on an invoice, its
    concern on a work order), never alone at the foot of the page before."""
    columns = PRICED if priced else Columns(quantity="Qty / hours", unit="", amount="")
    amount = "1.00" if priced else ""
    moved = 0
    for count in range(30, 50):
        second = Section("2. Heading2", [Line("First2", "1", amount, amount)],
                         "1.00" if priced else "",
                         () if priced else [("Concern", "Concern2 pulls left")])
        layout = Layout(Letterhead("Bolt & Nut Garage"), "Invoice", columns=columns,
                        sections=[Section("1. Brakes", [Line(f"Line{i:02d}", "1", amount, amount)
                                                        for i in range(count)],
                                          "9.00" if priced else ""), second])
        path = write_pdf(render(layout), tmp_path / f"{count}.pdf", "Jobs", paper)
        where = _pages_of_words(path)
        under = where["First2" if priced else "Concern2"]
        assert where["Heading2"] == under, (count, where["Heading2"], under)
        moved += where["Heading2"] != where[f"Line{count - 1:02d}"]
    assert moved, "the sweep puts the second heading at the top of a page"


@pytest.mark.parametrize("paper", ["letter", "a4"])
def test_a_work_orders_closing_rule_never_starts_a_page_alone(
    qapp: QApplication, tmp_path: Path, paper: str
) -> None:
    """A work order has no totals: a rule closes its table. Swept over the page break,
    the rule takes the last part with it to the next page instead of printing there
    alone under the repeated column headers: every page that has the headers has a part
    under them, and no page follows the one with the signature lines."""
    for count in range(36, 52):
        path = write_pdf(work_order_html(_work_order(count), SHOP), tmp_path / f"{count}.pdf",
                         "Work order", paper)
        lines = _lines(path)
        headers = {w.page for line in lines for w in line if w.text == "Description"}
        parts = {w.page for line in lines for w in line if w.text.startswith("Item")}
        assert len(parts) > 1, "the parts run over pages"
        assert headers == parts, (count, headers, parts)
        pages = 1 + max(w.page for line in lines for w in line)
        assert pages == 1 + max(_pages_of_words(path)["signature"]), count


def test_the_laid_out_rows_are_whole(qapp: QApplication, tmp_path: Path) -> None:
    """Every row of every table of the laid-out document is on one page, and a part moved
    to the next page starts where Qt starts any row there (under the repeated headers)."""
    writer = QPdfWriter(str(tmp_path / "unused.pdf"))
    writer.setResolution(RESOLUTION_DPI)
    set_paper(writer, "letter")
    document = lay_out(invoice_html(_long_invoice(0), SHOP), writer)
    assert document.pageCount() >= 3
    tables = [f for f in document.rootFrame().childFrames() if isinstance(f, QTextTable)]
    for table in tables:
        for row in range(table.rows()):
            assert len(row_pages(document, table, row)) == 1, row
            if keeps_with_next(document, table, row):
                assert row_pages(document, table, row) == row_pages(document, table, row + 1)
    del writer


def test_a_document_over_the_page_limit_is_broken_as_qt_does(
    qapp: QApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each moved row costs a layout of the whole document (quadratic in its pages, on
    the GUI thread): beyond ``KEEP_WHOLE_MAX_PAGES`` no row is moved, and the rows that
    straddle stay as Qt breaks them."""
    writer = QPdfWriter(str(tmp_path / "unused.pdf"))
    writer.setResolution(RESOLUTION_DPI)
    set_paper(writer, "letter")
    html = invoice_html(_long_invoice(0), SHOP)
    monkeypatch.setattr(documents, "KEEP_WHOLE_MAX_PAGES", 3)  # the invoice has four
    document = lay_out(html, writer)
    tables = [f for f in document.rootFrame().childFrames() if isinstance(f, QTextTable)]
    assert document.pageCount() > 3
    assert any(len(row_pages(document, table, row)) > 1
               for table in tables for row in range(table.rows()))
    del writer


def test_a_statement_of_thirty_pages_prints_each_entry_whole(
    qapp: QApplication, tmp_path: Path
) -> None:
    """Beyond the 20 pages that moving rows one by one was limited to (each move one more
    layout of the whole document), a statement's entries still print whole: an entry's
    first and last word, its number and its balance on one page."""
    path = write_pdf(_statement(260), tmp_path / "statement.pdf", "Statement")
    where = _pages_of_words(path)
    assert len(set().union(*where.values())) >= 30
    for i in range(260):
        tokens = (f"S{i:04d}", f"E{i:04d}", f"INV-{i}")
        assert all(where[t] for t in tokens), tokens
        assert len(set().union(*(where[t] for t in tokens))) == 1, f"entry {i}"


def test_the_rows_are_moved_in_a_few_layouts_whatever_the_length(
    qapp: QApplication, tmp_path: Path
) -> None:
    """Moving rows one at a time laid the document out again for each (a 30-page
    statement: some 25 layouts, 2.7 s on the GUI thread). The breaks are worked out from
    the rows' heights instead and the break rows inserted in one edit: a statement of 30
    pages is changed once and laid out three times (without pages, on its pages again,
    after the edit), however many of its rows move."""
    writer = QPdfWriter(str(tmp_path / "unused.pdf"))
    writer.setResolution(RESOLUTION_DPI)
    set_paper(writer, "letter")
    document = QTextDocument()
    document.documentLayout().setPaintDevice(writer)
    document.setDocumentMargin(0)
    document.setPageSize(QSizeF(2000, 2800))
    document.setHtml(_statement(260))
    edits: list[int] = []
    layouts: list[int] = []
    document.contentsChange.connect(lambda *_: edits.append(1))
    document.documentLayout().update.connect(lambda *_: layouts.append(1))
    table = [f for f in document.rootFrame().childFrames() if isinstance(f, QTextTable)][-1]
    rows = table.rows()
    documents.keep_rows_whole(document)
    assert document.pageCount() >= 30 and table.rows() - rows >= 15, "rows were moved"
    assert len(edits) == 1 and len(layouts) <= 3, (len(edits), len(layouts))
    assert _rows_right(document)
    del writer


@pytest.mark.parametrize("html", ["statement", "invoice", "work-order", "tall"])
def test_the_planned_breaks_are_those_of_moving_rows_one_by_one(
    qapp: QApplication, tmp_path: Path, html: str
) -> None:
    """The breaks worked out from the rows' heights are exactly the ones that moving each
    row in turn and laying the document out again gives: every row prints on the same
    page either way (a row taller than a page included)."""
    ticket = _ticket()
    concern = "\n".join(f"Rattle{i:03d} over bumps when cold" for i in range(110))
    tall = replace(ticket.jobs[0], concern=concern)  # type: ignore[attr-defined]
    source = {"statement": _statement(120), "invoice": invoice_html(_long_invoice(1), SHOP),
              "work-order": work_order_html(_work_order(45), SHOP),
              "tall": invoice_html(replace(ticket, jobs=(tall, tall)),  # type: ignore[type-var]
                                   SHOP)}[html]
    planned = _laid_out(source, tmp_path)
    assert planned.pageCount() > 2 and _rows_right(planned) == (html != "tall")
    one_by_one = QTextDocument()
    one_by_one.documentLayout().setPaintDevice(planned.documentLayout().paintDevice())
    one_by_one.setPageSize(planned.pageSize())
    one_by_one.setDocumentMargin(0)
    one_by_one.setHtml(source)
    for table in [f for f in one_by_one.rootFrame().childFrames() if isinstance(f, QTextTable)]:
        documents._fix_one_by_one(one_by_one, table, table.format().headerRowCount())
    assert one_by_one.pageCount() == planned.pageCount()

    def pages(document: QTextDocument) -> list[list[set[int]]]:
        return [[row_pages(document, t, r) for r in range(t.rows())]
                for t in document.rootFrame().childFrames() if isinstance(t, QTextTable)]

    assert pages(planned) == pages(one_by_one)


def test_a_row_taller_than_a_page_is_broken_as_before(
    qapp: QApplication, tmp_path: Path
) -> None:
    """A concern of 110 lines cannot stay on one page: it starts on the first page under
    the job's heading as it always did, no page is left blank, and it reads in order."""
    ticket = _ticket()
    concern = "\n".join(f"Rattle{i:03d} over bumps when cold" for i in range(110))
    job = replace(ticket.jobs[0], concern=concern)  # type: ignore[attr-defined]
    html = invoice_html(replace(ticket, jobs=(job,)), SHOP)  # type: ignore[type-var, arg-type]
    path = write_pdf(html, tmp_path / "tall.pdf", "Tall")
    where = _pages_of_words(path)
    pages = [min(where[f"Rattle{i:03d}"]) for i in range(110)]
    assert pages[0] == 0 and pages == sorted(pages)
    assert set(pages) == set(range(pages[-1] + 1))  # every page carries some of it


def test_the_signature_lines_keep_their_labels(qapp: QApplication, tmp_path: Path) -> None:
    """The signature block (a table of its own) moves to the next page whole when it
    would straddle the break: each rule stays over its label."""
    for terms in range(12):  # moves the block a short line at a time over the break
        layout = Layout(Letterhead("Bolt & Nut Garage"), "Estimate",
                        sections=[Section("Brakes", [Line(f"Line {i}", "1", "1.00", "1.00")
                                                     for i in range(33)])],
                        totals=[("Total", "33.00", True)],
                        terms="\n".join(["Prices are valid for 30 days."] * terms),
                        signatures=("Customer's signature", "Date"))
        path = write_pdf(render(layout), tmp_path / f"{terms}.pdf", "Estimate")
        rules = {w.page for line in _lines(path) for w in line if w.text.startswith("____")}
        labels = _pages_of_words(path)["signature"] | _pages_of_words(path)["Date"]
        assert len(rules) == 1 and rules == labels, (terms, rules, labels)


def test_the_ticket_editors_pdfs_keep_each_part_whole(
    qtbot: QtBot, ui: UiContext, shop: Shop, arrange: UnitOfWork, tmp_path: Path
) -> None:
    """Forty catalogue parts with long names on a ticket: the invoice and the work order
    exported from the ticket editor (Export PDF) print each with its part number on one
    page."""
    made = [parts.create_part(arrange, parts.PartData(f"PN-{i:03d}", _name(i), _price(i),
                                                      "1", 0, 5)) for i in range(PARTS)]
    version = workflow.get_ticket_detail(arrange, shop.ticket.id).ticket.version
    workflow.add_part_lines(arrange, shop.ticket.id, [(p.id, 1) for p in made], version)
    work = work_of(open_ticket(qtbot, ui, shop))

    def choose(_parent: QWidget, suggested: str) -> str:
        return str(tmp_path / suggested)

    work.choose_pdf_path = choose
    for action in (work.export_invoice_action, work.export_work_order_action):
        work.last_pdf = None
        action.trigger()
        qtbot.waitUntil(lambda: work.last_pdf is not None, timeout=WAIT_MS)
        where = _pages_of_words(work.last_pdf)
        assert len(set().union(*where.values())) >= 3, action.text()
        for i in range(PARTS):
            tokens = (f"Item{i:02d}", f"End{i:02d}", f"PN-{i:03d}")
            assert all(where[t] for t in tokens), (action.text(), tokens)
            pages = set().union(*(where[t] for t in tokens))
            assert len(pages) == 1, f"{action.text()}: part {i} on pages {pages}"


@pytest.mark.parametrize("paper", ["letter", "a4"])
def test_a_work_orders_notes_print_on_the_page_of_its_signature_lines(
    qapp: QApplication, tmp_path: Path, paper: str
) -> None:
    """A work order ends with a "Notes" heading, room to write, and the mechanic's
    signature lines. Swept over the page break, the heading never ends a page with the
    lines alone on the next: both print on one page."""
    seen = set()
    for count in range(30, 52):
        path = write_pdf(work_order_html(_work_order(count), SHOP), tmp_path / f"{count}.pdf",
                         "Work order", paper)
        where = _pages_of_words(path)
        assert len(where["Notes"]) == 1 and len(where["signature"]) == 1, count
        assert where["Notes"] == where["signature"], (count, where["Notes"])
        seen |= where["Notes"]
    assert len(seen) > 1, "the sweep moves the notes over a page break"
