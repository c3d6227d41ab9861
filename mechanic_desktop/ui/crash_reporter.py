"""Unhandled exceptions in the GUI: write the traceback to a rotating log file in the
user's log folder, show a readable error dialog with "Copy details", and keep running.

Qt calls ``sys.excepthook`` for an exception escaping a slot and then carries on, so the
app survives; what matters is that the user is told and the details are kept.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from collections.abc import Callable
from logging.handlers import RotatingFileHandler
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

log = logging.getLogger("mechanic_desktop")
LOG_NAME = "mechanic-desktop.log"


class ErrorDialog(QDialog):
    """'Something went wrong' with the details folded below and a copy button."""

    def __init__(
        self, summary: str, details: str, log_path: Path | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("errorDialog")
        self.setWindowTitle("Something went wrong")
        self.setAccessibleName("Error report")
        self.details = details
        layout = QVBoxLayout(self)
        headline = QLabel(
            "<b>Mechanic Desktop hit an unexpected problem.</b><br>"
            "What you were doing may not have finished; nothing else is affected and you "
            "can keep working. If it happens again, send the details below to support."
        )
        headline.setWordWrap(True)
        layout.addWidget(headline)
        self.summary = QLabel(summary)
        self.summary.setObjectName("errorSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.summary)
        self.text = QPlainTextEdit(details)
        self.text.setObjectName("errorDetails")
        self.text.setAccessibleName("Error details")
        self.text.setReadOnly(True)
        self.text.setMinimumSize(560, 180)
        layout.addWidget(self.text)
        if log_path is not None:
            where = QLabel(f"The details were also saved to {log_path}.")
            where.setWordWrap(True)
            layout.addWidget(where)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton("Copy details")
        self.copy_button.setObjectName("copyErrorDetails")
        self.copy_button.setAccessibleName("Copy details")
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self.copy)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def copy(self) -> None:
        clipboard = QGuiApplication.clipboard()
        clipboard.setText(self.details)
        self.copy_button.setText("Copied")


class _Relay(QObject):
    """Carries reports from any thread to the GUI thread."""

    report = Signal(str, str)


class CrashReporter:
    """Installs the hooks; ``dialogs`` keeps the shown dialogs (tests read them)."""

    def __init__(self, log_dir: Path, parent: Callable[[], QWidget | None] = lambda: None) -> None:
        self.log_path = log_dir / LOG_NAME
        self._parent = parent
        self.dialogs: list[ErrorDialog] = []
        self._handler = RotatingFileHandler(
            self.log_path, maxBytes=1_000_000, backupCount=5, encoding="utf-8"
        )
        self._handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
        )
        self._relay = _Relay()
        self._relay.report.connect(self._show, Qt.ConnectionType.QueuedConnection)
        self._previous = sys.excepthook
        self._previous_thread = threading.excepthook

    def install(self) -> CrashReporter:
        log.addHandler(self._handler)
        log.setLevel(logging.INFO)
        sys.excepthook = self.handle
        threading.excepthook = self._thread_hook
        return self

    def uninstall(self) -> None:
        sys.excepthook = self._previous
        threading.excepthook = self._previous_thread
        log.removeHandler(self._handler)
        self._handler.close()

    def handle(
        self,
        exc_type: type[BaseException],
        exc: BaseException,
        tb: TracebackType | None,
    ) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            self._previous(exc_type, exc, tb)
            return
        details = "".join(traceback.format_exception(exc_type, exc, tb))
        log.error("unhandled exception\n%s", details)
        self._handler.flush()
        summary = f"{exc_type.__name__}: {exc}"
        self._relay.report.emit(summary, details)

    def _thread_hook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None:
            self.handle(args.exc_type, args.exc_value, args.exc_traceback)

    def _show(self, summary: str, details: str) -> None:
        if QApplication.instance() is None:
            return
        dialog = ErrorDialog(summary, details, self.log_path, self._parent())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(
            lambda _r: self.dialogs.remove(dialog) if dialog in self.dialogs else None
        )
        self.dialogs.append(dialog)
        dialog.open()  # window-modal, never blocks the event loop
