"""The invoice and work order as PDF files, read back with pdftotext."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from mechanic_desktop.services.documents import invoice_html, work_order_html
from mechanic_desktop.ui.documents import write_pdf
from tests.unit.test_documents import SETTINGS, detail

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed"
)


def _text(path: Path) -> str:
    """The PDF's text as UTF-8 (xpdf's pdftotext defaults to Latin-1, and text=True would
    decode with the locale's code page on Windows)."""
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-layout", str(path), "-"],
        capture_output=True, encoding="utf-8", check=True,
    )
    return out.stdout


def test_invoice_pdf_carries_the_totals(qapp: QApplication, tmp_path: Path) -> None:
    path = write_pdf(invoice_html(detail(), SETTINGS), tmp_path / "invoice.pdf", "Invoice")
    assert path.read_bytes().startswith(b"%PDF")
    text = _text(path)
    for expected in ("Invoice RO-42", "Bolt & Nut <Garage>", "Tax (8.875%)", "5.32",
                     "171.54", "106.25", "59.97", "1M8GDM9AXKP042788"):
        assert expected in text


def test_work_order_pdf_has_no_prices(qapp: QApplication, tmp_path: Path) -> None:
    text = _text(write_pdf(work_order_html(detail(), SETTINGS), tmp_path / "wo.pdf"))
    assert "Work order RO-42" in text and "BRK-01" in text
    assert "171.54" not in text and "19.99" not in text
