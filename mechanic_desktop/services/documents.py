"""Printable documents as HTML: the work order for the bay and the customer's invoice.

Plain strings with no Qt, so their content is tested without a display; ui/documents.py
lays them out as PDF. Every piece of text that staff or customers typed is escaped.
The work order carries no prices: it travels with the car through the shop.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from html import escape

from mechanic_desktop.domain.formatting import phone_text
from mechanic_desktop.domain.records import ShopSettingsRecord, TicketDetail
from mechanic_desktop.domain.status import TicketStatus
from mechanic_desktop.domain.totals import hours_text, ticket_totals

_STYLE = """
body { font-family: sans-serif; font-size: 10pt; }
h1 { font-size: 16pt; margin: 0; }
h2 { font-size: 12pt; margin-top: 12pt; margin-bottom: 4pt; }
table.lines { border-collapse: collapse; width: 100%; }
table.lines th { text-align: left; border-bottom: 1px solid #444; padding: 2pt 6pt; }
table.lines td { padding: 2pt 6pt; border-bottom: 1px solid #ccc; }
td.num, th.num { text-align: right; }
table.totals td { padding: 2pt 6pt; }
.muted { color: #555; }
"""


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _multiline(text: str) -> str:
    return "<br>".join(_e(line) for line in text.splitlines()) or "&nbsp;"


def money_text(amount: Decimal) -> str:
    """An amount as printed: thousands separated, two decimals."""
    return f"{amount:,.2f}"


def percent_text(rate: Decimal) -> str:
    """A tax rate without trailing zeros: 8.875, 8.5, 8."""
    text = f"{rate.normalize():f}"
    return text


def _date(moment: datetime | None) -> str:
    return moment.astimezone().strftime("%Y-%m-%d") if moment is not None else ""


def _table(headers: Sequence[tuple[str, bool]], rows: Iterable[Sequence[str]]) -> str:
    """An HTML table; ``headers`` are (title, is_number); cells are already escaped."""
    head = "".join(
        f'<th class="{"num" if num else ""}">{_e(title)}</th>' for title, num in headers
    )
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="{"num" if num else ""}">{cell}</td>'
            for cell, (_, num) in zip(row, headers, strict=True)
        )
        + "</tr>"
        for row in rows
    )
    if not body:
        body = f'<tr><td colspan="{len(headers)}" class="muted">None</td></tr>'
    return f'<table class="lines" width="100%"><tr>{head}</tr>{body}</table>'


def _page(title: str, body: str) -> str:
    return (
        f'<html><head><meta charset="utf-8"><title>{_e(title)}</title>'
        f"<style>{_STYLE}</style></head><body>{body}</body></html>"
    )


def _shop_header(settings: ShopSettingsRecord) -> str:
    lines = [f"<h1>{_e(settings.name)}</h1>"]
    if settings.address:
        lines.append(f'<div class="muted">{_multiline(settings.address)}</div>')
    if settings.phone:
        lines.append(f'<div class="muted">Phone: {_e(phone_text(settings.phone))}</div>')
    return "".join(lines)


def _vehicle_block(detail: TicketDetail) -> str:
    t = detail.ticket
    rows = [
        ("Customer", _e(t.customer_name)),
        ("Phone", _e(phone_text(detail.customer_phone))),
        ("Vehicle", _e(t.vehicle_title)),
        ("VIN", _e(detail.vehicle_vin)),
        ("Odometer in", f"{t.odometer_in:,}" if t.odometer_in is not None else "—"),
    ]
    cells = "".join(f"<tr><td><b>{k}</b></td><td>{v}</td></tr>" for k, v in rows)
    return f"<table>{cells}</table>"


def work_order_html(detail: TicketDetail, settings: ShopSettingsRecord) -> str:
    """The job sheet for the bay: vehicle, concern, who works on it, which parts; no
    prices."""
    t = detail.ticket
    label = settings.ticket_label(t.number)
    status = TicketStatus(t.status).label
    dates = f"Opened {_date(t.opened_at)}"
    if t.promised_at is not None:
        dates += f" · promised {t.promised_at.astimezone().strftime('%Y-%m-%d %H:%M')}"
    body = [
        _shop_header(settings),
        f"<h2>Work order {_e(label)}</h2>",
        f'<div class="muted">{_e(dates)} · {_e(status)}</div>',
        _vehicle_block(detail),
        "<h2>Customer's concern</h2>",
        f"<p>{_multiline(t.description)}</p>",
        "<h2>Mechanics</h2>",
        _table(
            [("Mechanic", False), ("Hours", True)],
            ((_e(m.name), hours_text(m.minutes)) for m in detail.mechanics),
        ),
        "<h2>Parts</h2>",
        _table(
            [("SKU", False), ("Part", False), ("Qty", True)],
            ((_e(p.sku), _e(p.name), str(p.quantity)) for p in detail.parts),
        ),
        "<h2>Notes</h2><p>&nbsp;</p><p>&nbsp;</p>",
        "<p>Mechanic's signature: ______________________</p>",
    ]
    return _page(f"Work order {label}", "".join(body))


def _tax_label(detail: TicketDetail, settings: ShopSettingsRecord) -> str:
    """Name the rate only when it is the one the ticket was taxed at (a finished ticket
    keeps the tax of its day even if the shop's rate has changed since)."""
    today = ticket_totals(
        [(m.minutes, m.hourly_rate) for m in detail.mechanics],
        [(p.quantity, p.unit_price) for p in detail.parts],
        settings.tax_rate,
        settings.labor_taxed,
    )
    if today.tax == detail.totals.tax and settings.tax_rate:
        return f"Tax ({percent_text(settings.tax_rate)}%)"
    return "Tax"


def invoice_html(detail: TicketDetail, settings: ShopSettingsRecord) -> str:
    """The customer's invoice: shop header, labour and parts lines with prices, tax and
    the total (the amounts stored on the ticket)."""
    t = detail.ticket
    label = settings.ticket_label(t.number)
    totals = detail.totals
    date = _date(t.closed_at or t.completed_at or datetime.now().astimezone())
    total_rows = [
        ("Parts", money_text(totals.parts)),
        ("Labour", money_text(totals.labor)),
        (_tax_label(detail, settings), money_text(totals.tax)),
        ("<b>Total</b>", f"<b>{money_text(totals.total)}</b>"),
    ]
    body = [
        _shop_header(settings),
        f"<h2>Invoice {_e(label)}</h2>",
        f'<div class="muted">Date {_e(date)}</div>',
        _vehicle_block(detail),
        "<h2>Work requested</h2>",
        f"<p>{_multiline(t.description)}</p>",
        "<h2>Labour</h2>",
        _table(
            [("Mechanic", False), ("Hours", True), ("Rate", True), ("Amount", True)],
            (
                (
                    _e(m.name),
                    hours_text(m.minutes),
                    money_text(m.hourly_rate),
                    money_text(m.line_total),
                )
                for m in detail.mechanics
            ),
        ),
        "<h2>Parts</h2>",
        _table(
            [("SKU", False), ("Part", False), ("Qty", True), ("Unit price", True),
             ("Amount", True)],
            (
                (
                    _e(p.sku),
                    _e(p.name),
                    str(p.quantity),
                    money_text(p.unit_price),
                    money_text(p.line_total),
                )
                for p in detail.parts
            ),
        ),
        '<table class="totals" align="right">'
        + "".join(
            f'<tr><td>{name}</td><td class="num" align="right">{value}</td></tr>'
            for name, value in total_rows
        )
        + "</table>",
    ]
    if not settings.labor_taxed and settings.tax_rate:
        body.append('<p class="muted">Labour is not taxed.</p>')
    return _page(f"Invoice {label}", "".join(body))
