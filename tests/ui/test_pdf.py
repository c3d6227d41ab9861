"""Every document as a PDF on Letter and A4, read back with pdftotext -bbox-layout: the
text is there, each amount ends where its column header ends, and nothing (totals,
balance due) sticks out past the table's right edge. Also renders each document to PNG
(MD_SHOTS_DIR keeps them: ``make screenshots``)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter
from PySide6.QtWidgets import QApplication

from mechanic_desktop.domain.billing import BillingRecord, CreditNoteRecord, PaymentRecord
from mechanic_desktop.domain.discounts import Discount
from mechanic_desktop.domain.records import (
    FeeLineRecord,
    LineRecord,
    PartLineRecord,
    TicketDetail,
    lines_totals,
)
from mechanic_desktop.services.documents import (
    credit_note_html,
    estimate_html,
    invoice_html,
    invoice_snapshot,
    receipt_html,
    snapshot_html,
    work_order_html,
)
from mechanic_desktop.ui.documents import write_pdf
from tests.unit.test_documents import NOW, SETTINGS, detail

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None,
    reason="pdftotext and pdftoppm (poppler-utils) are not installed",
)

D = Decimal
#: How far (points) an amount's right edge may be from its header's.
TOLERANCE = 1.0
MONEY = re.compile(r"-?\d{1,3}(,\d{3})*\.\d\d")
NUMBER = re.compile(r"\d+|[-−]?\d{1,3}(,\d{3})*\.\d\d")  # −: a discount
#: The last header of a line table: Amount, or the work order's "Qty / hours".
LAST_HEADERS = ("Amount", "hours")
PAGE_WIDTH = {"letter": 612.0, "a4": 595.0}

SHOP = replace(SETTINGS, name="Bolt & Nut Garage", email="desk@boltnut.example",
               tax_number="EIN 12-3456789",
               invoice_terms="Payment due within 30 days. Parts carry a 12-month / "
               "12,000-mile warranty.")
PAYMENTS = (PaymentRecord(1, NOW, D("100.00"), "card", "4242", "Jane Desk", ""),
            PaymentRecord(2, NOW, D("50.00"), "cash", "", "Jane Desk", ""))
BILLING = BillingRecord(payments=PAYMENTS, billed=D("171.54"), paid=D("150.00"))


def _logo() -> bytes:
    """A made-up shop logo: a wrench-orange badge with the shop's initials."""
    image = QImage(360, 120, QImage.Format.Format_ARGB32)
    image.fill(QColor(0, 0, 0, 0))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(QColor("#1f4e79"))
    painter.setPen(QColor("#1f4e79"))
    painter.drawRoundedRect(0, 0, 360, 120, 24, 24)
    painter.setPen(QColor("#f2a900"))
    font = QFont("sans-serif", 44)
    font.setBold(True)
    painter.setFont(font)
    painter.drawText(image.rect(), Qt.AlignmentFlag.AlignCenter, "B&N")
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data.data())


def _ticket() -> object:
    plain = detail(customer_name="Ada Lovelace", description="Brakes squeal & pull left")
    return replace(plain, billing=BILLING, customer_address="12 Analytical Way\nLondon N1 7AA")


def _with_fees() -> TicketDetail:
    """The ticket with an untaxed fee line on its brakes job, 10% off the pads and 5.00
    off the ticket's approved work (totals as the services work them out)."""
    ticket: TicketDetail = _ticket()  # type: ignore[assignment]
    brakes = ticket.jobs[0]
    pads = replace(brakes.parts[0], discount=Discount(D("10"), None, "Loyal customer"))
    fee = FeeLineRecord(1, brakes.id, "Shop supplies", D("12.50"), False)
    off = Discount(None, D("5.00"), "Regular customer")
    lines: tuple[LineRecord, ...] = (*brakes.mechanics, pads, fee)
    job = replace(brakes, parts=(pads,), fees=(fee,),
                  totals=lines_totals(lines, SHOP.tax_rules))
    totals = lines_totals(lines, SHOP.tax_rules, off)
    return replace(ticket, jobs=(job, *ticket.jobs[1:]), fees=(fee,), discount=off,
                   parts=(pads, *ticket.parts[1:]), totals=totals,
                   billing=BillingRecord(billed=totals.total))


def _documents() -> dict[str, str]:
    """Each kind of document with every block it can have."""
    logo = _logo()
    ticket = _ticket()
    fees = invoice_snapshot(_with_fees(), SHOP, label="INV-8", posted_at=NOW)
    estimate = replace(ticket, jobs=tuple(replace(j, status="proposed") for j in ticket.jobs))
    snap = invoice_snapshot(ticket, SHOP, label="INV-7", posted_at=NOW,  # type: ignore[arg-type]
                            posted_by="Jane Desk")
    note = CreditNoteRecord(1, "CN-2", 1, "INV-7", NOW, D("171.54"), "Pads returned")
    return {
        "invoice": snapshot_html(snap, BILLING, logo),
        "invoice-fees": snapshot_html(fees, None, logo),
        "draft-invoice": invoice_html(ticket, SHOP, logo=logo),  # type: ignore[arg-type]
        "estimate": estimate_html(estimate, SHOP, today=NOW, logo=logo),  # type: ignore[arg-type]
        "work-order": work_order_html(ticket, SHOP, logo),  # type: ignore[arg-type]
        "credit-note": credit_note_html(snap, note, logo),
        "receipt": receipt_html(snap, BILLING, PAYMENTS[0], logo),
    }


@dataclass(frozen=True)
class Word:
    text: str
    x_min: float
    y_min: float
    x_max: float
    page: int


def _lines(path: Path) -> list[list[Word]]:
    """Every text line of the PDF (a table cell is a line of its own), as words."""
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", "-bbox-layout", str(path), "-"],
                         capture_output=True, encoding="utf-8", check=True).stdout
    root = ET.fromstring(out)
    lines = []
    for number, page in enumerate(root.iter("{http://www.w3.org/1999/xhtml}page")):
        for line in page.iter("{http://www.w3.org/1999/xhtml}line"):
            lines.append([Word(w.text or "", float(w.get("xMin", 0)), float(w.get("yMin", 0)),
                               float(w.get("xMax", 0)), number)
                          for w in line.iter("{http://www.w3.org/1999/xhtml}word")])
    return lines


def _text(path: Path) -> str:
    return " ".join(w.text for line in _lines(path) for w in line)


def _page_width(path: Path) -> float:
    out = subprocess.run(["pdftotext", "-bbox-layout", str(path), "-"],
                         capture_output=True, encoding="utf-8", check=True).stdout
    page = next(ET.fromstring(out).iter("{http://www.w3.org/1999/xhtml}page"))
    return float(page.get("width", 0))


def _columns(path: Path) -> list[tuple[Word, dict[str, float]]]:
    """Each amount cell (a line that is one amount) with the right edges of the headers
    of the table it is in (the nearest header row above it on its page)."""
    lines = _lines(path)
    headers = []
    for line in lines:
        if line[-1].text in LAST_HEADERS:
            row = [w for other in lines for w in other
                   if w.page == line[0].page and abs(w.y_min - line[0].y_min) < 1]
            edges = {w.text: w.x_max for w in row}
            edges["last"] = line[-1].x_max
            edges["left"] = min(w.x_min for w in row)
            headers.append((line[0], edges))
    cells = []
    for line in lines:
        if len(line) == 1 and NUMBER.fullmatch(line[0].text):
            cell = line[0]
            above = [h for h in headers if h[0].page == cell.page and h[0].y_min < cell.y_min]
            assert above, f"{cell.text} has no column header above it"
            edges = max(above, key=lambda h: h[0].y_min)[1]
            if cell.x_min > edges["left"] + 1:  # not a description that reads "0"
                cells.append((cell, edges))
    return cells


@pytest.mark.parametrize("paper", ["letter", "a4"])
def test_every_amount_ends_under_its_header(
    qapp: QApplication, tmp_path: Path, paper: str
) -> None:
    for name, html in _documents().items():
        path = write_pdf(html, tmp_path / f"{name}-{paper}.pdf", name, paper)
        assert path.read_bytes().startswith(b"%PDF")
        assert abs(_page_width(path) - PAGE_WIDTH[paper]) < 1, name
        assert "Page 1 of" not in _text(path), name  # one page: no page numbers
        cells = _columns(path)
        assert cells, name
        for cell, edges in cells:
            numeric = [edges[h] for h in ("last", "price", "Qty") if h in edges]
            assert min(abs(cell.x_max - edge) for edge in numeric) <= TOLERANCE, (
                f"{name} on {paper}: {cell.text} ends at {cell.x_max:.1f}, its headers at "
                f"{numeric}")
            assert cell.x_max <= edges["last"] + TOLERANCE, (name, cell.text)
            # Inside the page's right margin (15 mm).
            assert cell.x_max <= PAGE_WIDTH[paper] - 42, (name, cell.text)


def test_a_long_invoice_repeats_its_headers_and_stays_aligned(
    qapp: QApplication, tmp_path: Path
) -> None:
    """Sixty parts lines run over pages: each page has the column headers again, every
    amount on it ends under them, and its foot says "Page 2 of 3"."""
    ticket = _ticket()
    brakes = ticket.jobs[0]  # type: ignore[attr-defined]
    many = tuple(PartLineRecord(i, i, f"P-{i:03d}", f"Part number {i}", 2, D("1234.50"),
                                D("2469.00"), 1) for i in range(60))
    long = replace(ticket, jobs=(replace(brakes, parts=many),))  # type: ignore[type-var]
    path = write_pdf(invoice_html(long, SHOP), tmp_path / "long.pdf", "Long")  # type: ignore[arg-type]
    cells = _columns(path)
    pages = {c.page for c, _ in cells}
    assert len(pages) >= 2
    for cell, edges in cells:
        assert min(abs(cell.x_max - edges[h]) for h in ("last", "price", "Qty")
                   if h in edges) <= TOLERANCE, (cell.page, cell.text)
    assert sum(1 for c, _ in cells if c.text == "2,469.00") == 60
    pages_text = _text(path)
    count = len(pages)
    assert all(f"Page {n} of {count}" in pages_text for n in range(1, count + 1))


LINE_TEXT = st.text(st.characters(codec="latin-1", exclude_categories=("Cc", "Cs", "Zl", "Zp")),
                    min_size=1, max_size=80).filter(str.strip)
AMOUNT = st.decimals(min_value=0, max_value=D("99999.99"), places=2)


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(lines=st.lists(st.tuples(LINE_TEXT, st.integers(1, 999), AMOUNT), min_size=1,
                      max_size=12),
       title=LINE_TEXT, paper=st.sampled_from(["letter", "a4"]))
def test_any_lines_stay_in_their_columns(
    qapp: QApplication, tmp_path: Path, lines: list[tuple[str, int, Decimal]], title: str,
    paper: str,
) -> None:
    """Whatever the descriptions (long, odd characters) and amounts, every amount of an
    invoice ends under its header and inside the table."""
    ticket = _ticket()
    parts = tuple(PartLineRecord(i, i, f"S{i}", name, qty, unit, unit * qty, 1)
                  for i, (name, qty, unit) in enumerate(lines))
    job = replace(ticket.jobs[0], title=title, parts=parts)  # type: ignore[attr-defined]
    html = invoice_html(replace(ticket, jobs=(job,)), SHOP)  # type: ignore[type-var, arg-type]
    path = write_pdf(html, tmp_path / "any.pdf", "Any", paper)
    cells = _columns(path)
    for cell, edges in cells:
        assert min(abs(cell.x_max - edges[h]) for h in ("last", "price", "Qty")
                   if h in edges) <= TOLERANCE, (cell.text, edges)
        assert cell.x_max <= edges["last"] + TOLERANCE
    amounts = {c.text for c, edges in cells if abs(c.x_max - edges["last"]) <= TOLERANCE}
    assert {f"{unit * qty:,.2f}" for _, qty, unit in lines} <= amounts


def test_invoice_amounts_sit_in_their_columns(qapp: QApplication, tmp_path: Path) -> None:
    """The line amounts, totals, payments and balance due all end at Amount's edge;
    unit prices at Unit price's."""
    path = write_pdf(_documents()["invoice"], tmp_path / "invoice.pdf", "Invoice")
    cells = _columns(path)
    in_amount = {c.text for c, edges in cells if abs(c.x_max - edges["Amount"]) <= TOLERANCE}
    in_price = {c.text for c, edges in cells
                if "price" in edges and abs(c.x_max - edges["price"]) <= TOLERANCE}
    assert {"106.25", "59.97", "5.32", "171.54", "100.00", "50.00", "150.00",
            "21.54"} <= in_amount
    assert {"85.00", "19.99"} <= in_price
    text = _text(path)
    for expected in ("Invoice", "INV-7", "RO-42", "Bolt & Nut Garage", "1 Main St",
                     "desk@boltnut.example", "EIN 12-3456789", "12 Analytical Way",
                     "1M8GDM9AXKP042788", "91,234", "Tax (8.875%)", "Card ····4242",
                     "Balance due", "Total paid", "Payment due within 30 days",
                     "Ada Lovelace", "Pads <front>", "Part no. BRK-01"):
        assert expected in text, expected


def test_fee_and_discount_rows_sit_in_their_columns(
    qapp: QApplication, tmp_path: Path
) -> None:
    """A fee line, a line's discount and the ticket's discount print as rows of the line
    table: their amounts (discounts with a minus) end at Amount's edge, as do Fees and
    Discounts in the totals; the untaxed fee is marked."""
    totals = _with_fees().totals
    assert (totals.fees, totals.discount) == (D("12.50"), D("11.00"))  # 6.00 + 5.00
    for paper in ("letter", "a4"):
        path = write_pdf(_documents()["invoice-fees"], tmp_path / f"fees-{paper}.pdf",
                         "Fees", paper)
        cells = _columns(path)
        in_amount = {c.text for c, edges in cells
                     if abs(c.x_max - edges["Amount"]) <= TOLERANCE}
        assert {"12.50", "−6.00", "−11.00", f"{totals.total:,.2f}"} <= in_amount, in_amount
        text = _text(path)
        for expected in ("Fee: Shop supplies", "(no tax)", "Discount 10%: Loyal customer",
                         "Fees", "Discounts (incl. 5.00", "work: Regular customer)"):
            assert expected in text, expected  # "off" is a ligature in the PDF's text


def test_estimate_and_work_order_text(qapp: QApplication, tmp_path: Path) -> None:
    documents = _documents()
    estimate = _text(write_pdf(documents["estimate"], tmp_path / "e.pdf"))
    for expected in ("Estimate", "Valid until 2030-06-05", "Estimate total", "968.99",
                     "Customer's signature", "Approve ☐"):
        assert expected in estimate, expected
    work = _text(write_pdf(documents["work-order"], tmp_path / "wo.pdf"))
    assert "Work order" in work and "Part no. BRK-01" in work and "Mechanic's signature" in work
    assert "171.54" not in work and "19.99" not in work


def test_render_documents(qapp: QApplication, tmp_path: Path) -> None:
    """PNGs of every document for review and the README (documents-*.png)."""
    folder = Path(os.environ.get("MD_SHOTS_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    for name, html in _documents().items():
        if name == "draft-invoice":  # the posted invoice's twin
            continue
        pdf = write_pdf(html, tmp_path / f"{name}.pdf", name)
        subprocess.run(["pdftoppm", "-png", "-r", "80", "-singlefile", str(pdf),
                        str(folder / f"documents-{name}")], check=True)
        image = QImage(str(folder / f"documents-{name}.png"))
        assert image.width() == 680 and not image.isNull()


def _statement() -> str:
    from mechanic_desktop.services.money_documents import statement_html
    from mechanic_desktop.services.money_reports import Statement, StatementLine

    entries = [
        ("Invoice", "INV-10412", "RO-204170", "on account", D("1284.50"), D(0)),
        ("Payment", "", "RO-204170", "Card 4242 — deposit for parts ordered", D(0), D(500)),
        ("Credit note", "CN-12", "RO-204170",
         "credits INV-10412: rotor returned unused, customer declined the work", D(0),
         D("184.50")),
        ("Refund", "", "RO-205331", "Cash — overpaid at pickup", D(0), D(-20)),
    ]
    lines, balance = [], D(0)
    for kind, document, ticket, reason, charge, credit in entries:
        balance += charge - credit
        lines.append(StatementLine(NOW, kind, document, ticket, reason, charge, credit,
                                   balance))
    return statement_html(Statement(1, "Margaret Okonkwo-Bradshaw", "5551234567",
                                    "12 Elm Road", tuple(lines), NOW), SHOP)


@pytest.mark.parametrize("paper", ["letter", "a4"])
def test_a_statements_detail_has_the_room_and_its_numbers_stay_whole(
    qapp: QApplication, tmp_path: Path, paper: str
) -> None:
    """A statement's columns shared the page equally: a credit note's reason ran down a
    column two words wide, eight lines for one entry, beside three columns of
    blank. The detail now has the room (four lines at most) and no date, document or
    ticket number is broken across lines."""
    path = write_pdf(_statement(), tmp_path / f"statement-{paper}.pdf", "Statement", paper)
    words = [w for line in _lines(path) for w in line]
    texts = [w.text for w in words]
    assert texts.count("INV-10412") == 1 and texts.count("RO-204170") == 3
    assert texts.count(NOW.strftime("%Y-%m-%d")) >= 4  # each entry's date, whole
    reason = {"credits", "INV-10412:", "rotor", "returned", "unused,", "customer",
              "declined", "the", "work"}
    assert {w.text for w in words} >= reason
    assert len({round(w.y_min) for w in words if w.text in reason}) <= 4
    assert all(w.x_max <= PAGE_WIDTH[paper] for w in words)


@pytest.mark.parametrize("paper", ["letter", "a4"])
def test_the_receivables_list_prints_each_phone_number_whole(
    qapp: QApplication, tmp_path: Path, paper: str
) -> None:
    """The list the desk calls customers from printed "(929) 352-55" over "19" in equal
    shares of the page; each phone number is now on one line, and a long name on two
    at most."""
    from mechanic_desktop.services.money_documents import receivables_html
    from mechanic_desktop.services.money_reports import Receivable, Receivables

    rows = (Receivable(1, "Margaret Okonkwo-Bradshaw", "+19293525519",
                       (D("1284.50"), D(0), D("96.25"), D("12400.00")), 3, NOW),
            Receivable(2, "Northside Plumbing & Heating Ltd", "5551234567",
                       (D(0), D("310.00"), D(0), D(0)), 1, NOW))
    totals = (D("1284.50"), D("310.00"), D("96.25"), D("12400.00"))
    path = write_pdf(receivables_html(Receivables(NOW, rows, totals), SHOP),
                     tmp_path / f"receivables-{paper}.pdf", "Receivables", paper)
    lines = [" ".join(w.text for w in line) for line in _lines(path)]
    assert "(929) 352-5519" in lines and "(555) 123-4567" in lines
    name = {"Northside", "Plumbing", "Heating", "Ltd"}
    words = [w for line in _lines(path) for w in line]
    assert len({round(w.y_min) for w in words if w.text in name}) <= 2
    assert all(w.x_max <= PAGE_WIDTH[paper] for w in words)
