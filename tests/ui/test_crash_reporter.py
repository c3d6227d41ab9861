"""An exception escaping a slot shows the error dialog, is logged, and the app goes on."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from mechanic_desktop.ui.crash_reporter import CrashReporter


@pytest.mark.qt_no_exception_capture
def test_unhandled_exception_shows_dialog_writes_log_and_app_goes_on(
    qtbot: QtBot, tmp_path: Path
) -> None:
    reporter = CrashReporter(tmp_path).install()
    try:
        button = QPushButton("Boom")
        qtbot.addWidget(button)

        def explode() -> None:
            raise RuntimeError("the brake lathe caught fire")

        button.clicked.connect(explode)
        button.click()
        qtbot.waitUntil(lambda: len(reporter.dialogs) == 1, timeout=3000)
        dialog = reporter.dialogs[0]
        assert "RuntimeError: the brake lathe caught fire" in dialog.summary.text()
        assert "Traceback" in dialog.text.toPlainText()
        qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
        assert "the brake lathe caught fire" in QGuiApplication.clipboard().text()
        logged = (tmp_path / "mechanic-desktop.log").read_text(encoding="utf-8")
        assert "the brake lathe caught fire" in logged and "Traceback" in logged
        ran = []
        QTimer.singleShot(0, lambda: ran.append(True))  # the event loop still runs
        qtbot.waitUntil(lambda: ran == [True], timeout=2000)
        dialog.close()
    finally:
        reporter.uninstall()


@pytest.mark.qt_no_exception_capture
def test_exception_in_a_worker_thread_is_reported_on_the_gui_thread(
    qtbot: QtBot, tmp_path: Path
) -> None:
    import threading

    reporter = CrashReporter(tmp_path).install()
    try:
        thread = threading.Thread(target=lambda: 1 / 0)
        thread.start()
        thread.join()
        qtbot.waitUntil(lambda: len(reporter.dialogs) == 1, timeout=3000)
        assert "ZeroDivisionError" in reporter.dialogs[0].summary.text()
        reporter.dialogs[0].close()
    finally:
        reporter.uninstall()
