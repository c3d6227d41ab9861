"""Estimate, work order and invoice HTML: what each shows, what the work order leaves
out, how declined work and authorisations print, and that typed text cannot inject
markup."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

from mechanic_desktop.domain.records import (
    AuthorisationRecord,
    JobRecord,
    MechanicLineRecord,
    PartLineRecord,
    ShopSettingsRecord,
    TicketDetail,
    TicketRecord,
)
from mechanic_desktop.domain.totals import Totals
from mechanic_desktop.services.document_layout import LOGO_HEIGHT, LOGO_WIDTH, image_size, logo_box
from mechanic_desktop.services.documents import (
    empty_jobs,
    estimate_html,
    invoice_html,
    invoice_snapshot,
    percent_text,
    snapshot_html,
    work_order_html,
)
from tests.unit.test_shop_documents import png

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
    sam = MechanicLineRecord(1, "Sam O'Wrench", 75, D("85.00"), D("106.25"), True, 1)
    pads = PartLineRecord(1, 1, "BRK-01", "Pads <front>", 3, D("19.99"), D("59.97"), 1)
    belt = PartLineRecord(2, 2, "TB-900", "Timing belt kit", 1, D("890.00"), D("890.00"), 2,
                          taken=False)
    totals = Totals(D("59.97"), D("106.25"), D("5.32"), D("171.54"))
    brakes = JobRecord(1, 1, "Brakes squeal & pull left", ticket.description, "Pads worn",
                       "", "approved", 1, (sam,), (pads,), totals)
    timing = JobRecord(2, 2, "Timing belt", "Due at 100k", "", "", "declined", 1, (), (belt,),
                       Totals(D("890.00"), D("0.00"), D("78.99"), D("968.99")))
    said = AuthorisationRecord(1, NOW, "Ada Lovelace", "phone", "(212) 555-0100",
                               D("171.54"), "Jane Desk",
                               (("Brakes squeal & pull left", "approved"),
                                ("Timing belt", "declined")))
    return TicketDetail(
        ticket=ticket,
        vehicle_vin="1M8GDM9AXKP042788",
        customer_phone="555-123-4567",
        mechanics=(sam,),
        parts=(pads, belt),
        totals=totals,
        allowed_next=("closed",),
        editable=False,
        reopenable=True,
        jobs=(brakes, timing),
        authorisations=(said,),
        authorised_total=D("171.54"),
        estimate=totals,
    )


def test_work_order_shows_the_job_and_no_prices() -> None:
    html = work_order_html(detail(), SETTINGS)
    for text in ("<title>Work order RO-42</title>", "1M8GDM9AXKP042788", "91,234",
                 "2019 Ford F-150",
                 "BRK-01", "Pads &lt;front&gt;", "Sam O&#x27;Wrench", "1.25"):
        assert text in html
    for price in ("19.99", "59.97", "85.00", "106.25", "5.32", "Total", "Tax"):
        assert price not in html
    # Only approved work goes to the bay; the declined job is listed as such.
    assert "TB-900" not in html and "Timing belt — declined" in html
    assert "Cause:</span> Pads worn" in html and "Correction:</span> ____" in html


def test_estimate_prices_every_job_and_leaves_room_to_sign() -> None:
    estimate = replace(detail(), jobs=tuple(replace(j, status="proposed")
                                            for j in detail().jobs))
    html = estimate_html(estimate, SETTINGS, today=NOW)
    for text in ("<title>Estimate RO-42</title>", "valid until 2030-06-05",
                 "1. Brakes squeal &amp; pull left",
                 "171.54", "2. Timing belt", "968.99", "TB-900", "Estimate total",
                 "Customer&#x27;s signature", "Approve ☐"):
        assert text in html
    assert empty_jobs(estimate) == []
    bare = replace(estimate, jobs=(replace(estimate.jobs[1], mechanics=(), parts=()),))
    assert empty_jobs(bare) == ["Timing belt"]


def test_invoice_bills_approved_jobs_and_prints_every_authorisation() -> None:
    html = invoice_html(detail(), SETTINGS)
    assert "890.00" not in html.split("Declined and deferred work")[0]
    assert "Timing belt — declined (estimated 968.99, not charged)" in html
    assert ("Ada Lovelace, phone ((212) 555-0100), authorised 171.54 — Brakes squeal &amp; "
            "pull left approved, Timing belt declined; recorded by Jane Desk") in html


def test_invoice_shows_lines_tax_and_totals() -> None:
    html = invoice_html(detail(), SETTINGS)
    for text in ("<title>Invoice RO-42</title>", "Bolt &amp; Nut &lt;Garage&gt;",
                 "1 Main St<br>Springfield",
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
    job = replace(detail().jobs[0], mechanics=(), parts=())
    empty = replace(detail(), mechanics=(), parts=(), jobs=(job,))
    html = work_order_html(empty, SETTINGS)
    assert "1. Brakes squeal &amp; pull left" in html and "Part no." not in html
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


def test_a_logo_keeps_its_proportions_and_never_overflows() -> None:
    """A square logo prints LOGO_HEIGHT high; a very wide one is made lower so that it
    stays inside its column; JPEG sizes are read from their frame header."""
    assert image_size(png(300, 100)) == (300, 100)
    assert logo_box(png(100, 100)) == (LOGO_HEIGHT, LOGO_HEIGHT)
    assert logo_box(png(3000, 100)) == (LOGO_WIDTH, 8)
    jpeg = (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
            b"\xff\xc0\x00\x11\x08\x00\x32\x00\xc8\x03")
    assert image_size(jpeg) == (200, 50)
    assert image_size(b"\xff\xd8\xff") is None
    html = invoice_html(detail(), SETTINGS, logo=png(3000, 100))
    assert f'width="{LOGO_WIDTH}" height="8"' in html


def test_an_invoice_posted_before_the_new_layout_still_prints() -> None:
    """Snapshots frozen before e-mail, tax number, terms, mechanics' names and ordered
    flags were kept print without them."""
    snap = invoice_snapshot(detail(), SETTINGS, label="INV-1", posted_at=NOW)
    for key in ("email", "tax_number"):
        del snap["shop"][key]
    del snap["terms"]
    for job in snap["jobs"]:
        for line in job["labour"]:
            del line["who"]
        for line in job["parts"]:
            del line["ordered"]
    html = snapshot_html(snap)
    for text in ("INV-1", "Bolt &amp; Nut &lt;Garage&gt;", "106.25", "59.97", "171.54"):
        assert text in html
