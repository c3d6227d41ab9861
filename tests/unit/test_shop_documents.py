"""The shop's printed details in settings: e-mail, tax number, terms, paper size and a
logo checked before it is stored (PNG or JPEG, at most 256 KB) on both backends; the
database refuses what the service would (another paper size, an oversized logo)."""

from __future__ import annotations

import struct
import zlib
from decimal import Decimal

import pytest
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from mechanic_desktop.db.models import ShopSettings
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.errors import ValidationError
from mechanic_desktop.services import shop, workflow


def png(width: int = 4, height: int = 2, filler: bytes = b"") -> bytes:
    """A small valid PNG (grey), optionally padded with an ancillary chunk."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))
    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    body = chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
    if filler:
        body += chunk(b"tEXt", b"pad\x00" + filler)
    body += chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body


def test_printed_details_and_logo_are_stored(uow: UnitOfWork) -> None:
    settings = shop.get_settings(uow)
    data = shop.data_of(settings, email=" Desk@BoltNut.Example ", tax_number=" EIN 12-3456789 ",
                        invoice_terms="Payment due in 30 days.", paper_size="a4", logo=png())
    saved = workflow.update_settings(uow, data, settings.version)
    assert (saved.email, saved.tax_number, saved.invoice_terms, saved.paper_size) == (
        "desk@boltnut.example", "EIN 12-3456789", "Payment due in 30 days.", "a4")
    assert shop.get_logo(uow) == png()
    # Saving without a new logo keeps it; b"" removes it.
    again = workflow.update_settings(uow, shop.data_of(saved, name="Bolt & Nut"), saved.version)
    assert shop.get_logo(uow) == png() and again.name == "Bolt & Nut"
    gone = workflow.update_settings(uow, shop.data_of(again, logo=b""), again.version)
    assert shop.get_logo(uow) == b"" and gone.version == again.version + 1


@pytest.mark.parametrize(("logo", "message"), [
    (b"GIF89a....", "logo.gif is not a PNG or JPEG picture"),
    (png(filler=b"x" * 300_000), "logo.gif is 29"),
])
def test_a_bad_logo_is_refused_with_its_reason(logo: bytes, message: str) -> None:
    problem = shop.check_logo(logo, "logo.gif")
    assert problem is not None and problem.startswith(message)
    assert shop.check_logo(png(), "logo.png") is None


def test_bad_details_are_refused_and_nothing_is_written(uow: UnitOfWork) -> None:
    settings = shop.get_settings(uow)
    bad = shop.data_of(settings, email="desk@", tax_number="x" * 41, paper_size="legal",
                       logo=b"not a picture", tax_rate="7")
    with pytest.raises(ValidationError) as caught:
        workflow.update_settings(uow, bad, settings.version)
    assert set(caught.value.fields) == {"email", "tax_number", "paper_size", "logo"}
    assert caught.value.fields["paper_size"] == "Paper size must be Letter or A4."
    assert "not a PNG or JPEG picture" in caught.value.fields["logo"]
    after = shop.get_settings(uow)
    assert after == settings and after.tax_rate == Decimal("0.000")
    assert shop.get_logo(uow) == b""


def test_the_database_refuses_another_paper_or_an_oversized_logo(uow: UnitOfWork) -> None:
    shop.get_settings(uow)
    for values in ({"paper_size": "legal"}, {"logo": b"\x89PNG" + b"0" * 262_141}):
        with pytest.raises(IntegrityError), uow.writing():
            uow.session.execute(update(ShopSettings).values(**values))
            uow.flush()


def test_a_form_showing_some_fields_keeps_the_others(uow: UnitOfWork) -> None:
    """``data_of`` (the first-run shop details form) saves the fields it does not show
    as they are: payment methods, labour's own tax rate, writers' largest discount, fee
    rules and markup bands are not reset."""
    settings = shop.get_settings(uow)
    saved = workflow.update_settings(uow, shop.data_of(
        settings, payment_methods="Financing", labor_taxed=True, labor_tax_rate="5",
        max_writer_discount="10", fee_rules="Disposal: 3.50",
        markup_bands="above: 35%"), settings.version)
    again = workflow.update_settings(uow, shop.data_of(saved, name="Bolt & Nut"),
                                     saved.version)
    assert again.name == "Bolt & Nut"
    assert (again.payment_methods, again.labor_tax_rate, again.max_writer_discount,
            again.markup_bands) == ("Financing", Decimal("5"), Decimal("10"),
                                    saved.markup_bands)
    assert [r.name for r in shop.get_fee_rules(uow)] == ["Disposal"]
