"""Python's cycle collector, run on the GUI thread only, between events.

Left to itself, Python collects reference cycles in whichever thread happens to allocate
past a threshold: often the DB worker. A cycle holding a widget's Python wrapper is then
destroyed there, and Qt objects must die on the thread that owns them. So, for as long as
the app runs, automatic collection is off and a timer on the GUI thread collects each
generation when its count passes the threshold Python would have used (the scheme of
pyqtgraph's and OpenCue's collectors).

Once the first main window has shown its rows, everything loaded by then (modules, the
ORM's mappers, the window's wrappers: ~1M objects that live as long as the app) is moved
out of the collector's sight (``gc.freeze``). A full collection then looks only at what
came after: measured in the running app on the 1M-ticket databases, 4–7 ms instead of
50–75, a pause the desk no longer feels while typing. A cycle among the frozen objects is
never collected; they were made to last the whole run.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

#: How often the GUI thread looks at the collector's counts (ms): garbage cycles wait at
#: most this long; the check itself is three integer comparisons.
INTERVAL_MS = 500


class GuiCollector(QObject):
    """Collects on the GUI thread's timer while started; ``stop`` gives collection back
    to Python as it was."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thresholds = gc.get_threshold()
        self._was_enabled = gc.isenabled()
        self._timer = QTimer(self)
        self._timer.setInterval(INTERVAL_MS)
        self._timer.timeout.connect(self.check)
        self.frozen = False

    def start(self) -> GuiCollector:
        self._was_enabled = gc.isenabled()
        gc.disable()
        self._timer.start()
        return self

    def check(self) -> None:
        """Collect the generations whose counts passed their thresholds, youngest first,
        as Python's own collection would."""
        young, middle, old = gc.get_count()
        t0, t1, t2 = self._thresholds
        if t0 and young > t0:  # a threshold of 0: collection was switched off
            gc.collect(0)
            if middle + 1 > t1:
                gc.collect(1)
                if old + 1 > t2:
                    gc.collect(2)

    def freeze(self) -> None:
        """Put every object alive now out of the collector's sight (once)."""
        if not self.frozen:
            self.frozen = True
            gc.freeze()

    def stop(self) -> None:
        self._timer.stop()
        if self.frozen:
            gc.unfreeze()
            self.frozen = False
        if self._was_enabled:
            gc.enable()
