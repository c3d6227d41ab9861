"""Start-up opens (and may upgrade) the database on a thread of its own, showing a busy
dialog when it is slow instead of a frozen, empty screen (ui/opening.py)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QProgressDialog, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from mechanic_desktop.domain.errors import DatabaseUnavailable
from mechanic_desktop.ui import opening


def _shown() -> list[QProgressDialog]:
    return [w for w in QApplication.topLevelWidgets()
            if isinstance(w, QProgressDialog) and w.objectName() == "openingDatabase"
            and w.isVisible()]


def test_a_slow_opening_shows_what_is_happening_and_the_gui_keeps_going(qtbot: QtBot) -> None:
    seen: list[str] = []
    ticks: list[float] = []

    def look() -> None:
        seen.extend(box.labelText() for box in _shown())

    timer = QTimer(interval=100)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.timeout.connect(look)
    timer.start()
    try:
        assert opening.open_with_progress(lambda: time.sleep(1.2) or 42) == 42
    finally:
        timer.stop()
    assert seen and seen[-1] == opening.LABEL  # shown, saying what it waits for
    assert len(ticks) >= 8  # the GUI thread ran its timers all along
    QApplication.processEvents()
    assert _shown() == []  # gone once the database is open


def _made() -> list[QWidget]:
    return [w for w in QApplication.topLevelWidgets() if w.objectName() == "openingDatabase"]


def test_an_ordinary_opening_shows_nothing_nor_makes_it(qtbot: QtBot) -> None:
    """Nor builds the dialog: the first dialog a process makes costs ~4.5 ms, on every
    start before the sign-in window."""
    seen: list[tuple[int, int]] = []
    before = set(_made())  # left by an earlier test, deleted later
    timer = QTimer(interval=10)
    timer.timeout.connect(lambda: seen.append((len(_shown()), len(set(_made()) - before))))
    timer.start()
    try:
        assert opening.open_with_progress(lambda: time.sleep(0.1) or "ok") == "ok"
    finally:
        timer.stop()
    assert seen and set(seen) == {(0, 0)}


def test_a_failed_opening_is_raised_where_start_up_handles_it(qtbot: QtBot) -> None:
    def fail() -> None:
        raise DatabaseUnavailable("The database server did not answer.")

    with pytest.raises(DatabaseUnavailable, match="did not answer"):
        opening.open_with_progress(fail)


def test_the_dialog_has_no_cancel_and_reads_whole(qtbot: QtBot, tmp_path: Path) -> None:
    box = opening.opening_dialog()
    qtbot.addWidget(box)
    box.show()
    qtbot.waitExposed(box)
    assert box.findChildren(QPushButton) == []  # nothing to cancel half an upgrade with
    qtbot.keyClick(box, Qt.Key.Key_Escape)
    assert box.isVisible()  # nor a key that would leave an empty screen again
    label = box.findChild(QLabel)
    assert label is not None and label.text() == opening.LABEL
    assert label.sizeHint().width() <= label.width()  # no clipped line
    assert box.grab().save(str(tmp_path / "opening.png"))
