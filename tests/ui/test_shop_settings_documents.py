"""Shop settings as an administrator uses them for documents: e-mail, tax number, paper
size, invoice terms and a logo chosen from a file (a file that is no picture or is too
big gets its reason under the field and Save stays off); the stored logo shows when the
dialog opens again and can be removed."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.services import shop
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.dialogs.shop_settings import ShopSettingsDialog
from tests.ui.helpers import WAIT_MS, save_shot
from tests.unit.test_shop_documents import png

LEFT = Qt.MouseButton.LeftButton


def _open(qtbot: QtBot, ui: UiContext, arrange: UnitOfWork) -> ShopSettingsDialog:
    dialog = ShopSettingsDialog(ui, shop.get_settings(arrange))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: ui.worker.pending == 0, timeout=WAIT_MS)
    return dialog


def test_documents_details_and_logo_in_shop_settings(
    qtbot: QtBot, ui: UiContext, arrange: UnitOfWork, tmp_path: Path
) -> None:
    dialog = _open(qtbot, ui, arrange)
    assert dialog.logo_preview.text().startswith("No logo (PNG or JPEG up to 256 KB")
    assert not dialog.remove_logo_button.isEnabled()
    # Fits a 1366×768 screen with its taskbar and the window's title bar.
    assert dialog.sizeHint().height() <= 680
    assert dialog.sizeHint().width() <= 1340  # two columns (tax and prices on the right)
    qtbot.keyClicks(dialog.email, "desk@")
    assert dialog.error_of("email").startswith("E-mail is not valid")
    qtbot.keyClicks(dialog.email, "boltnut.example")
    assert dialog.error_of("email") == ""
    qtbot.keyClicks(dialog.tax_number, "EIN 12-3456789")
    dialog.paper.setCurrentIndex(dialog.paper.findData("a4"))
    qtbot.keyClicks(dialog.terms, "Payment due within 30 days.")

    # Not a picture, then too big: each refused with its reason, nothing stored.
    for name, data, reason in (
        ("notes.png", b"just some text", "notes.png is not a PNG or JPEG picture"),
        ("huge.png", png(filler=b"x" * 300_000), "huge.png is 29"),
    ):
        (tmp_path / name).write_bytes(data)
        dialog.choose_logo_path = lambda _parent, _caption, n=name: str(tmp_path / n)
        qtbot.mouseClick(dialog.choose_logo_button, LEFT)
        assert dialog.error_of("logo").startswith(reason), dialog.error_of("logo")
        assert not dialog.save_button.isEnabled()
    dialog.choose_logo_path = lambda _parent, _caption: str(tmp_path / "missing.png")
    qtbot.mouseClick(dialog.choose_logo_button, LEFT)
    assert dialog.error_of("logo").startswith("Could not read missing.png")
    dialog.choose_logo_path = lambda _parent, _caption: None  # cancelled: nothing changes
    qtbot.mouseClick(dialog.choose_logo_button, LEFT)
    assert dialog.error_of("logo").startswith("Could not read missing.png")

    logo = png(120, 40)
    (tmp_path / "logo.png").write_bytes(logo)
    dialog.choose_logo_path = lambda _parent, _caption: str(tmp_path / "logo.png")
    qtbot.mouseClick(dialog.choose_logo_button, LEFT)
    assert dialog.error_of("logo") == "" and dialog.save_button.isEnabled()
    assert not dialog.logo_preview.pixmap().isNull() and dialog.remove_logo_button.isEnabled()
    shots = Path(os.environ.get("MD_SHOTS_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    save_shot(dialog, shots / "shop-settings-documents.png", "Ta&x number", "Paper si&ze")
    with qtbot.waitSignal(dialog.saved, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.save_button, LEFT)
    saved = shop.get_settings(arrange)
    assert (saved.email, saved.tax_number, saved.paper_size, saved.invoice_terms) == (
        "desk@boltnut.example", "EIN 12-3456789", "a4", "Payment due within 30 days.")
    assert shop.get_logo(arrange) == logo

    # Opened again: the stored logo shows; Remove logo takes it off every document.
    again = _open(qtbot, ui, arrange)
    qtbot.waitUntil(again.remove_logo_button.isEnabled, timeout=WAIT_MS)
    assert again.paper.currentData() == "a4"
    qtbot.mouseClick(again.remove_logo_button, LEFT)
    assert again.logo_preview.text().startswith("No logo")
    with qtbot.waitSignal(again.saved, timeout=WAIT_MS):
        qtbot.mouseClick(again.save_button, LEFT)
    assert shop.get_logo(arrange) == b""
