"""Sign in as a person does, in the real app: start it (no ``--user``), wait for the
sign-in window, type the user name and password over 2 seconds, press Sign in, and time
from the press to the main window's first page painted. The password check
(``auth.login``: argon2id, slow on purpose) is timed apart and left out, as in
``startup_ratio``. Prints one JSON line."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit, QPushButton, QWidget

from mechanic_desktop.services import auth
from mechanic_desktop.ui.application import run_gui

# The probe reaches the app's windows by object name, not by importing their modules:
# importing them here would hide what the app itself has (or has not) loaded by then.

TYPING_S = 2.0
TIMEOUT_S = 60.0


class Probe(QObject):
    def __init__(self, user: str, password: str) -> None:
        super().__init__()
        self.user, self.password = user, password
        self.login_ms: list[float] = []
        self.pressed: float | None = None
        self.figures: dict[str, Any] = {}
        self.window: Any = None
        self.deadline = time.monotonic() + TIMEOUT_S
        self._wrap_login()
        QTimer.singleShot(0, self._find_dialog)

    def _wrap_login(self) -> None:
        real = auth.login
        probe = self

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return real(*args, **kwargs)
            finally:
                probe.login_ms.append((time.perf_counter() - started) * 1000)

        auth.login = timed  # type: ignore[assignment]  # the dialog calls auth.login

    def _fail(self, why: str) -> None:
        self.figures = {"error": why}
        QApplication.instance().exit(1)  # type: ignore[union-attr]

    def _find_dialog(self) -> None:
        if time.monotonic() > self.deadline:
            self._fail("no sign-in window")
            return
        dialogs = [w for w in QApplication.topLevelWidgets()
                   if w.objectName() == "loginDialog" and w.isVisible()]
        if not dialogs:
            QTimer.singleShot(5, self._find_dialog)
            return
        self._type(dialogs[0])

    def _type(self, dialog: QWidget) -> None:
        """Type both fields, a key at a time, spread over TYPING_S seconds."""
        typed_started = time.perf_counter()
        username = dialog.findChild(QLineEdit, "loginUsername")
        password = dialog.findChild(QLineEdit, "loginPassword")
        button = dialog.findChild(QPushButton, "loginSignIn")
        username.clear()
        keys = len(self.user) + len(self.password)
        pause = int(TYPING_S * 1000 / max(1, 2 * keys))  # QTest waits at press and release
        username.setFocus()
        QTest.keyClicks(username, self.user, delay=pause)
        password.setFocus()
        QTest.keyClicks(password, self.password, delay=pause)
        left = TYPING_S - (time.perf_counter() - typed_started)
        if left > 0:
            QTest.qWait(int(left * 1000))
        self.figures["typing_s"] = round(time.perf_counter() - typed_started, 2)
        app = QApplication.instance()
        assert app is not None
        app.installEventFilter(self)  # until the main window shows (see eventFilter)
        self.pressed = time.perf_counter()
        QTest.mouseClick(button, Qt.MouseButton.LeftButton)

    def _watch(self, window: Any) -> None:
        self.window = window
        window.current_page.table.viewport().installEventFilter(self)
        window.current_page.model.failed.connect(lambda text: self._fail(f"page: {text}"))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (self.window is None and event.type() == QEvent.Type.Show
                and watched.objectName() == "mainWindow"):
            app = QApplication.instance()
            assert app is not None
            app.removeEventFilter(self)
            self._watch(watched)
        window = self.window
        if (window is not None and self.pressed is not None and "ms" not in self.figures
                and event.type() == QEvent.Type.Paint and window.current_page.model.loaded_once):
            total = (time.perf_counter() - self.pressed) * 1000
            hashed = sum(self.login_ms)
            self.figures.update({"signin_to_main_ms": round(total - hashed, 1),
                                 "login_ms": round(hashed, 1),
                                 "with_login_ms": round(total, 1)})
            QTimer.singleShot(0, window.close)
        return False


def main(url: str, user: str) -> int:
    password = os.environ.pop("MECHANIC_PASSWORD")
    QApplication(sys.argv[:1])
    probe = Probe(user, password)
    args = argparse.Namespace(database_url=url, user=None, no_demo_offer=True,
                              exit_after_first_paint=False)
    code = run_gui(url, args)
    figures = probe.figures or {"error": f"the app ended ({code}) before its main window"}
    print(json.dumps(figures), flush=True)
    return 0 if "signin_to_main_ms" in figures else 1


if __name__ == "__main__":
    code = main(sys.argv[1], sys.argv[2])
    sys.stdout.flush()
    os._exit(code)  # as ui_probe: skip PySide6's teardown at exit
