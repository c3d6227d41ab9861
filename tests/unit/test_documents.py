"""Work order and invoice HTML: what each shows, what the work order leaves out, and
that typed text cannot inject markup."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

from mechanic_desktop.domain.records import (
    MechanicLineRecord,
    PartLineRecord,
    ShopSettingsRecord,
    TicketDetail,
    TicketRecord,
)
from mechanic_desktop.domain.totals import Totals
from mechanic_desktop.services.documents import invoice_html, percent_text, work_order_html

D = Decimal
NOW = datetime(2030, 5, 6, 12, 0, tzinfo=UTC)

SETTINGS = ShopSettingsRecord(
    "Bolt & Nut <Garage>", "1 Main St\nSpringfield", "555-0100", D("8.875"), False, "RO-", 2
)


def detail(**ticket_changes: object) -> TicketDetail:
    ticket = TicketRecord(
        id=1, number=42, customer_id=1, customer_name="Ada <script>alert(1)</script>",
        vehicle_id=1, vehicle_title="2019 Ford F-150 · ABC 123", status="completed",
        description="Brakes squeal & pull left\n<b>urgent</b>", odometer_in=91_234,
        opened_at=NOW, promised_at=None, completed_at=NOW, closed_at=None,
        parts_total=D("59.97"), labor_total=D("106.25"), tax_total=D("5.32"),
        total=D("171.54"), version=5,
    )
    ticket = replace(ticket, **ticket_changes)  # type: ignore[arg-type]
    return TicketDetail(
        ticket=ticket,
        vehicle_vin="1M8GDM9AXKP042788",
        customer_phone="555-123-4567",
        mechanics=(MechanicLineRecord(1, "Sam O'Wrench", 75, D("85.00"), D("106.25"), True),),
        parts=(PartLineRecord(1, 1, "BRK-01", "Pads <front>", 3, D("19.99"), D("59.97")),),
        totals=Totals(D("59.97"), D("106.25"), D("5.32"), D("171.54")),
        allowed_next=("closed",),
        editable=False,
        reopenable=True,
    )


def test_work_order_shows_the_job_and_no_prices() -> None:
    html = work_order_html(detail(), SETTINGS)
    for text in ("Work order RO-42", "1M8GDM9AXKP042788", "91,234", "2019 Ford F-150",
                 "BRK-01", "Pads &lt;front&gt;", "Sam O&#x27;Wrench", "1.25"):
        assert text in html
    for price in ("19.99", "59.97", "85.00", "106.25", "5.32", "171.54", "Total", "Tax"):
        assert price not in html


def test_invoice_shows_lines_tax_and_totals() -> None:
    html = invoice_html(detail(), SETTINGS)
    for text in ("Invoice RO-42", "Bolt &amp; Nut &lt;Garage&gt;", "1 Main St<br>Springfield",
                 "19.99", "59.97", "85.00", "106.25", "Tax (8.875%)", "5.32", "171.54",
                 "Labour is not taxed."):
        assert text in html


def test_user_text_is_escaped_everywhere() -> None:
    for html in (work_order_html(detail(), SETTINGS), invoice_html(detail(), SETTINGS)):
        assert "<script>" not in html and "<b>urgent</b>" not in html
        assert "Ada &lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "Brakes squeal &amp; pull left<br>&lt;b&gt;urgent&lt;/b&gt;" in html


def test_invoice_names_the_rate_only_when_it_was_the_one_applied() -> None:
    changed = replace(SETTINGS, tax_rate=D("9.5"))
    html = invoice_html(detail(), changed)
    assert "Tax (" not in html and ">Tax<" in html and "5.32" in html


def test_empty_lines_and_percent_text() -> None:
    empty = replace(detail(), mechanics=(), parts=())
    assert work_order_html(empty, SETTINGS).count(">None<") == 2
    assert [percent_text(D(x)) for x in ("8.875", "8.500", "8.000", "0.000")] == [
        "8.875", "8.5", "8", "0"
    ]


def test_phones_print_formatted_whatever_was_typed() -> None:
    """Stored as typed (555.123.4567), printed in one format: (555) 123-4567."""
    ticket = replace(detail(), customer_phone="555.123.4567")
    settings = replace(SETTINGS, phone="+44 20 7946 0958")
    for html in (work_order_html(ticket, settings), invoice_html(ticket, settings)):
        assert "(555) 123-4567" in html and "555.123.4567" not in html
        assert "Phone: +44 20 7946 0958" in html
