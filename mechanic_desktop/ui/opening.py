"""Opening the database at start-up without a frozen, empty screen.

Start-up opens the database before any window exists, and a new version upgrades its
schema there: on SQLite the file is backed up first, ~15-20 s for a shop with a million
tickets (2.3 GB), during which nothing was on screen and the app looked hung. The
opening now runs on a thread of its own while the GUI thread shows a busy dialog saying
what is happening, from half a second on (an ordinary start never shows it). The GUI
thread does not wait on the database: it runs its own event loop until the thread ends.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import QEventLoop, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QProgressDialog

T = TypeVar("T")

#: How long the opening may take before the dialog shows (an ordinary start is faster).
SHOW_AFTER_MS = 500
LABEL = ("Opening the shop's database…\n\n"
         "When this version upgrades it, the file is backed up first:\n"
         "on a large shop that can take a minute. Please wait.")


class _Busy(QProgressDialog):
    """A progress dialog nothing dismisses: Escape would only hide it (the opening
    cannot stop), leaving the empty screen it is there to explain."""

    def reject(self) -> None:
        pass


def opening_dialog() -> QProgressDialog:
    """The busy dialog: no Cancel (an upgrade stopped half-way helps nobody; the backup
    is made before anything changes), no close button to press by mistake, and Escape
    does nothing."""
    box = _Busy(LABEL, "", 0, 0)
    box.setObjectName("openingDatabase")
    box.setWindowTitle("Mechanic Desktop")
    box.setAccessibleName("Opening the database")
    box.setCancelButton(None)  # Qt: None removes the button
    box.setWindowFlags(Qt.WindowType.Dialog | Qt.WindowType.CustomizeWindowHint
                       | Qt.WindowType.WindowTitleHint)
    box.setMinimumWidth(420)
    return box


class _Finished(QObject):
    """Tells the GUI thread's event loop, from the opening's thread, that it is done."""

    done = Signal()


def open_with_progress(work: Callable[[], T]) -> T:
    """``work()`` (start-up's database opening) on its own thread, the GUI thread
    showing ``opening_dialog`` if it takes longer than ``SHOW_AFTER_MS``; its result, or
    its exception raised here. The thread's end wakes the GUI thread at once (a queued
    signal, not a poll: start-up waits not a millisecond more than the opening)."""
    outcome: list[T] = []
    failure: list[BaseException] = []
    finished = _Finished()
    loop = QEventLoop()
    finished.done.connect(loop.quit, Qt.ConnectionType.QueuedConnection)

    def run() -> None:
        try:
            outcome.append(work())
        except BaseException as exc:  # handed to the GUI thread, raised there
            failure.append(exc)
        finally:
            finished.done.emit()

    thread = threading.Thread(target=run, name="open-database", daemon=True)
    # Built only when it is to show: the first dialog of a process costs ~4.5 ms to make
    # (on every start, before the sign-in window), and an ordinary start never shows it.
    made: list[QProgressDialog] = []

    def show() -> None:
        if thread.is_alive():
            made.append(opening_dialog())
            made[0].show()

    shown = QTimer(singleShot=True, interval=SHOW_AFTER_MS)
    shown.timeout.connect(show)
    thread.start()
    shown.start()
    loop.exec()  # the GUI thread keeps painting while the database opens
    shown.stop()
    for box in made:
        box.hide()
        box.deleteLater()
    thread.join()
    if failure:
        raise failure[0]
    return outcome[0]
