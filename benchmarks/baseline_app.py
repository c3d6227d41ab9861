"""The start-up baseline: the least a PySide6 + SQLAlchemy app must do to show a window
over the same database (import both, show an empty main window, run ``SELECT 1``, quit
after the first paint). The app's start-up time is reported as a ratio to this."""

from __future__ import annotations

import sys
import time

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
from sqlalchemy import create_engine, text


class _QuitOnPaint(QObject):
    def __init__(self, app: QApplication) -> None:
        super().__init__()
        self.app = app
        self.done = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not self.done and event.type() == QEvent.Type.Paint:
            self.done = True
            QTimer.singleShot(0, self._finish)  # once the paint is done
        return False

    def _finish(self) -> None:
        # As the app's --exit-after-first-paint: when, so start-up ends at the paint.
        print(f"painted (at {time.time():.6f}, cpu {time.process_time() * 1000:.0f})",
              flush=True)
        self.app.quit()


def main(url: str) -> int:
    app = QApplication(sys.argv[:1])
    engine = create_engine(url)
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    window = QMainWindow()
    window.resize(1200, 800)
    watcher = _QuitOnPaint(app)
    window.installEventFilter(watcher)
    window.show()
    code = app.exec()
    engine.dispose()
    return code


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
