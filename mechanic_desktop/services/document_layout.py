"""The one layout every printed document shares, as HTML for Qt's text layout.

A document is a letterhead (the shop's logo, name, address, phone, e-mail and tax number
beside the document's title, number and dates), the customer and the vehicle side by
side, then one table of lines in four columns (description, quantity, unit price,
amount) where every job is a heading row followed by its lines, and the totals are the
last rows of the same table, so every amount ends at its column header's right edge and
nothing sticks out past the table. Payments are a second table of the same width with
the same amount column. Terms and signature lines close the document where they belong.

A line is general (description, quantity, unit, amount, flags): labour, parts, fees and
discounts all print through ``Line``. Qt's HTML subset is used deliberately: tables with
``width``, ``align`` and ``cellpadding`` attributes (honoured exactly), no floats.
Every piece of text is escaped here; callers pass plain text unless a name says html.
"""

from __future__ import annotations

import struct
from base64 import b64encode
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from html import escape

#: Column widths in percent of the text width: description, quantity, unit price, amount.
WIDTHS = (52, 14, 16, 18)

STYLE = """
body { font-family: sans-serif; font-size: 9.5pt; }
.shop { font-size: 15pt; font-weight: bold; }
.title { font-size: 15pt; font-weight: bold; }
.muted { color: #555555; }
.small { font-size: 8.5pt; }
th { font-weight: bold; border-bottom: 1px solid #333333; }
td.job { font-weight: bold; padding-top: 8pt; border-bottom: 1px solid #bbbbbb; }
td.sum { border-top: 1px solid #333333; }
td.total { font-weight: bold; font-size: 11pt; }
.head { font-size: 8pt; color: #555555; font-weight: bold; }
h2 { font-size: 10.5pt; margin-top: 10pt; margin-bottom: 3pt; }
"""

#: The name of the anchor around a job's heading: the layout (ui/documents.py) keeps
#: the row it marks on the page of the row under it, so a heading never ends a page.
KEEP_WITH_NEXT = "keep-with-next"

#: A gap between blocks (Qt's tables take no CSS margins).
SPACER = '<p style="font-size: 6pt; margin: 0">&nbsp;</p>'

#: The logo's printed height in Qt's image units, 1/96 inch (0.56 in; its width follows
#: its proportions)...
LOGO_HEIGHT = 54
#: ... up to this width (2.5 in, a third of a Letter page's text).
LOGO_WIDTH = 240


def e(text: object) -> str:
    """``text`` escaped for HTML (quotes too)."""
    return escape(str(text), quote=True)


def multiline(text: str) -> str:
    """Typed text with its line breaks kept, escaped."""
    return "<br>".join(e(line) for line in text.splitlines())


@dataclass(frozen=True, slots=True)
class Line:
    """One printed line: labour, a part, a fee or a discount. ``quantity``, ``unit`` and
    ``amount`` are printed as given (already formatted); ``flags`` are short marks
    printed after the description ("to order", "not taxed"); ``detail`` is a second,
    smaller line under the description (a part's SKU, who did the work)."""

    description: str
    quantity: str = ""
    unit: str = ""
    amount: str = ""
    flags: tuple[str, ...] = ()
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Section:
    """A job: its heading (and total, when priced), notes such as concern, cause and
    correction as (label, text), its lines, and a closing remark (html) such as the
    estimate's approve/decline boxes."""

    heading: str
    lines: Sequence[Line] = ()
    amount: str = ""
    notes: Sequence[tuple[str, str]] = ()
    footer_html: str = ""


@dataclass(frozen=True, slots=True)
class Columns:
    """The headers of the line table; an empty header drops its column (the work
    order prints no prices)."""

    description: str = "Description"
    quantity: str = "Qty"
    unit: str = "Unit price"
    amount: str = "Amount"

    def shown(self) -> list[tuple[str, int, bool, int]]:
        """(header, width %, is a number, which of a line's cells) for each printed
        column; the description takes the width of those left out."""
        cells = [(self.description, WIDTHS[0], False, 0),
                 (self.quantity, WIDTHS[1], True, 1), (self.unit, WIDTHS[2], True, 2),
                 (self.amount, WIDTHS[3], True, 3)]
        kept = [c for c in cells if c[0] or c[3] == 0]
        spare = 100 - sum(c[1] for c in kept)
        return [(h, w + (spare if k == 0 else 0), n, k) for h, w, n, k in kept]


PRICED = Columns()


@dataclass(frozen=True, slots=True)
class Letterhead:
    """The shop as printed at the top of every document."""

    name: str
    address: str = ""
    phone: str = ""
    email: str = ""
    tax_number: str = ""
    #: PNG or JPEG bytes (empty: no logo).
    logo: bytes = b""


@dataclass(frozen=True, slots=True)
class Party:
    """A labelled block of the header (customer, vehicle): a title and rows of
    (label, text); a row with an empty label prints its text alone."""

    title: str
    rows: Sequence[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class Layout:
    """What a document prints, top to bottom."""

    shop: Letterhead
    title: str
    #: Under the title, right of the letterhead: (label, value) such as ("Date", ...).
    facts: Sequence[tuple[str, str]] = ()
    parties: Sequence[Party] = ()
    #: Html printed between the header and the lines (a credit note's reason).
    intro_html: str = ""
    columns: Columns = PRICED
    sections: Sequence[Section] = ()
    #: The last rows of the line table: (label, amount, is the grand total).
    totals: Sequence[tuple[str, str, bool]] = ()
    #: Html after the line table (payments, authorisations, declined work).
    after_html: Sequence[str] = field(default_factory=tuple)
    terms: str = ""
    #: Signature lines: each a label such as "Customer's signature".
    signatures: Sequence[str] = ()
    #: A heading with room to write under it, printed above the signature lines and on
    #: their page (a work order's "Notes": alone at the foot of a page, it was).
    signed_notes: str = ""


def image_size(data: bytes) -> tuple[int, int] | None:
    """A PNG's or JPEG's width and height in pixels, read from its header (None: not
    found)."""
    if data.startswith(b"\x89PNG") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return (width, height) if width and height else None
    at = 2
    while data.startswith(b"\xff\xd8") and at + 9 <= len(data) and data[at] == 0xFF:
        marker = data[at + 1]
        length = struct.unpack(">H", data[at + 2:at + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2):  # start of frame: height, then width
            height, width = struct.unpack(">HH", data[at + 5:at + 9])
            return (width, height) if width and height else None
        at += 2 + length
    return None


def logo_box(data: bytes) -> tuple[int, int]:
    """The printed width and height (1/96 inch) of a logo: ``LOGO_HEIGHT`` high, no
    wider than ``LOGO_WIDTH`` (a wide logo is made lower instead of overflowing)."""
    width, height = image_size(data) or (1, 1)
    printed = min(LOGO_HEIGHT * width / height, LOGO_WIDTH)
    return round(printed), round(printed * height / width)


def _logo(shop: Letterhead) -> str:
    if not shop.logo:
        return ""
    kind = "png" if shop.logo.startswith(b"\x89PNG") else "jpeg"
    data = b64encode(shop.logo).decode("ascii")
    width, height = logo_box(shop.logo)
    return (f'<img src="data:image/{kind};base64,{data}" width="{width}" '
            f'height="{height}"><br>')


def _letterhead(layout: Layout) -> str:
    shop = layout.shop
    left = [_logo(shop), f'<span class="shop">{e(shop.name)}</span>']
    if shop.address:
        left.append(f"<br>{multiline(shop.address)}")
    contact = " · ".join(x for x in (f"Phone: {e(shop.phone)}" if shop.phone else "",
                                       e(shop.email)) if x)
    if contact:
        left.append(f"<br>{contact}")
    if shop.tax_number:
        left.append(f"<br>Tax number: {e(shop.tax_number)}")
    facts = "".join(
        f'<tr><td align="right" class="muted">{e(label)}&nbsp;&nbsp;</td>'
        f'<td align="right">{e(value)}</td></tr>' for label, value in layout.facts)
    right = (f'<span class="title">{e(layout.title)}</span>'
             f'<table cellspacing="0" cellpadding="1" align="right">{facts}</table>')
    return ('<table width="100%" cellspacing="0" cellpadding="0"><tr>'
            f'<td width="60%" valign="top">{"".join(left)}</td>'
            f'<td width="40%" valign="top" align="right">{right}</td></tr></table>')


def _parties(parties: Sequence[Party]) -> str:
    if not parties:
        return ""
    width = 100 // len(parties)
    cells = []
    for party in parties:
        rows = "".join(
            f"<tr><td>{multiline(text)}</td></tr>" if not label else
            f'<tr><td><span class="muted">{e(label)}:</span> {multiline(text)}</td></tr>'
            for label, text in party.rows if text)
        cells.append(f'<td width="{width}%" valign="top"><span class="head">'
                     f'{e(party.title.upper())}</span>'
                     f'<table cellspacing="0" cellpadding="0">{rows}</table></td>')
    return (SPACER + '<table width="100%" cellspacing="0" cellpadding="0"><tr>'
            + "".join(cells) + "</tr></table>" + SPACER)


def _cell(text: str, width: int, number: bool, css: str = "") -> str:
    align = ' align="right" nowrap' if number else ""  # an amount never wraps
    klass = f' class="{css}"' if css else ""
    return f'<td width="{width}%"{align}{klass}>{text}</td>'


def _line_row(line: Line, columns: list[tuple[str, int, bool, int]]) -> str:
    description = e(line.description)
    if line.flags:
        description += f' <span class="muted small">({e(", ".join(line.flags))})</span>'
    if line.detail:
        description += f'<br><span class="muted small">{e(line.detail)}</span>'
    cells = [description, e(line.quantity), e(line.unit), e(line.amount)]
    return "<tr>" + "".join(_cell(cells[k], w, n) for _, w, n, k in columns) + "</tr>"


def _head(cells: Iterable[tuple[str, int, bool]]) -> str:
    """The header row, repeated on every page: (title, width %, is a number)."""
    row = "".join(f'<th width="{w}%" align="{"right" if n else "left"}">{e(h)}</th>'
                  for h, w, n in cells)
    return f"<thead><tr>{row}</tr></thead>"


def _total_rows(totals: Sequence[tuple[str, str, bool]], span: int) -> list[str]:
    """The last rows of a table: each label right-aligned across all columns but the
    last, its amount in the last; a rule above the first; the grand total bold."""
    rows = []
    for i, (label, amount, grand) in enumerate(totals):
        css = " ".join(c for c in ("sum" if i == 0 else "", "total" if grand else "") if c)
        klass = f' class="{css}"' if css else ""
        rows.append(f'<tr><td colspan="{span - 1}" align="right"{klass}>{e(label)}</td>'
                    f'<td align="right"{klass}>{e(amount)}</td></tr>')
    return rows or [f'<tr><td colspan="{span}" class="sum"></td></tr>']  # a closing rule


def _table(rows: Iterable[str]) -> str:
    return ('<table width="100%" cellspacing="0" cellpadding="3">' + "".join(rows)
            + "</table>")


def line_table(columns: Columns, sections: Iterable[Section],
               totals: Sequence[tuple[str, str, bool]] = (), empty: str = "") -> str:
    """The table of jobs and their lines, with the totals as its last rows (labels
    right-aligned against the amount column, amounts in it)."""
    shown = columns.shown()
    span = len(shown)
    rows = [_head((h, w, n) for h, w, n, _ in shown)]
    for section in sections:
        heading = f'<a name="{KEEP_WITH_NEXT}">{e(section.heading)}</a>'
        if section.amount and span > 1:
            rows.append(f'<tr><td colspan="{span - 1}" class="job">{heading}</td>'
                        f'<td align="right" class="job">{e(section.amount)}</td></tr>')
        else:
            rows.append(f'<tr><td colspan="{span}" class="job">{heading}</td></tr>')
        for label, text in section.notes:
            rows.append(f'<tr><td colspan="{span}"><span class="muted">{e(label)}:</span> '
                        f"{multiline(text)}</td></tr>")
        rows += [_line_row(line, shown) for line in section.lines]
        if section.footer_html:
            rows.append(f'<tr><td colspan="{span}">{section.footer_html}</td></tr>')
    if len(rows) == 1 and empty:
        rows.append(f'<tr><td colspan="{span}" class="muted">{e(empty)}</td></tr>')
    return _table(rows + _total_rows(totals, span))


def table(headers: Sequence[tuple[str, bool]], rows: Iterable[Sequence[str]],
          totals: Sequence[tuple[str, str, bool]] = (),
          widths: Sequence[int] | None = None) -> str:
    """A plain table the width of the page whose last column is an amount (payments,
    a statement's entries), ending with ``totals`` rows like the line table's: its
    amounts end at the same right edge. ``headers`` are (title, is a number); cells
    are plain text. ``widths``: each column's share of the page in percent (summing to
    100), else the amount the line table's width and the others equal shares."""
    count = len(headers)
    if widths is None:
        widths = [*[(100 - WIDTHS[3]) // (count - 1)] * (count - 1), WIDTHS[3]]
        widths[0] += 100 - sum(widths)
    if len(widths) != count or sum(widths) != 100:
        raise ValueError(f"{count} column widths summing to 100 expected, got {widths}")
    body = ["<tr>" + "".join(_cell(e(c), w, n) for c, (_, n), w in zip(
        row, headers, widths, strict=True)) + "</tr>" for row in rows]
    head = _head((h, w, n) for (h, n), w in zip(headers, widths, strict=True))
    return _table([head, *body, *(_total_rows(totals, count) if totals else [])])


def _signatures(labels: Sequence[str], notes: str = "") -> str:
    """The signature lines, under ``notes`` (a heading and room to write) when given:
    one table, the heading's row kept with the lines' (``KEEP_WITH_NEXT``)."""
    if not labels:
        return f"<h2>{e(notes)}</h2><p>&nbsp;</p><p>&nbsp;</p>" if notes else ""
    cells = "".join(
        f'<td width="{100 // len(labels)}%" valign="bottom"><br><br>'
        "______________________________<br>"
        f'<span class="muted small">{e(label)}</span></td>' for label in labels)
    above = (f'<tr><td colspan="{len(labels)}"><h2><a name="{KEEP_WITH_NEXT}">{e(notes)}</a>'
             "</h2><p>&nbsp;</p><p>&nbsp;</p></td></tr>" if notes else "")
    return (f'<table width="100%" cellspacing="0" cellpadding="4">{above}<tr>{cells}</tr>'
            "</table>")


def render(layout: Layout) -> str:
    """The document as one HTML page."""
    body = [
        _letterhead(layout),
        _parties(layout.parties),
        layout.intro_html,
        line_table(layout.columns, layout.sections, layout.totals, empty="No work listed.")
        if layout.sections or layout.totals else "",
        *layout.after_html,
    ]
    if layout.terms:
        body.append(f'<p class="small">{multiline(layout.terms)}</p>')
    body.append(_signatures(layout.signatures, layout.signed_notes))
    name = f"{layout.title} {layout.facts[0][1]}" if layout.facts else layout.title
    return (f'<html><head><meta charset="utf-8"><title>{e(name)}</title>'
            f"<style>{STYLE}</style></head><body>{''.join(body)}</body></html>")


def bullet_list(title: str, items: Sequence[str]) -> str:
    """A titled list of plain-text items ("" when there are none)."""
    if not items:
        return ""
    return f"<h2>{e(title)}</h2><ul>" + "".join(f"<li>{e(i)}</li>" for i in items) + "</ul>"
