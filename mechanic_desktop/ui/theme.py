"""Colours that must read on light and dark palettes alike (the OS chooses which).

Each colour comes in two shades and is picked when a view asks for it, so a switch to
dark mode while the app runs shows at the next repaint.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from mechanic_desktop.domain.status import TicketStatus

# (on a light background, on a dark background); each at least 4.5:1 against the base.
_STATUS = {
    TicketStatus.OPEN: ((21, 101, 192), (110, 172, 250)),
    TicketStatus.IN_PROGRESS: ((168, 84, 0), (255, 167, 38)),
    TicketStatus.COMPLETED: ((46, 125, 50), (110, 195, 114)),
    TicketStatus.CLOSED: ((97, 97, 97), (176, 176, 176)),
    TicketStatus.CANCELLED: ((170, 30, 30), (244, 120, 120)),
}
_WARNING = ((255, 236, 179), (102, 77, 0))
_OVERDUE = ((183, 28, 28), (255, 138, 128))
_ACCENT = ((38, 132, 214), (96, 170, 240))


def is_dark(palette: QPalette | None = None) -> bool:
    """Whether ``palette`` (default: the application's) has a dark window background."""
    pal = palette or QApplication.palette()
    return pal.color(QPalette.ColorRole.Window).lightness() < 128


def _pick(
    pair: tuple[tuple[int, int, int], tuple[int, int, int]], palette: QPalette | None = None
) -> QColor:
    return QColor(*pair[1] if is_dark(palette) else pair[0])


def status_colour(status: TicketStatus) -> QColor:
    """The text colour of a ticket status."""
    return _pick(_STATUS[status])


def overdue_colour() -> QColor:
    """The text colour of a promised time that has passed on unfinished work."""
    return _pick(_OVERDUE)


def warning_colour() -> QColor:
    """A readable amber background for rows that need attention (low stock)."""
    return _pick(_WARNING)


def accent(palette: QPalette | None = None) -> QColor:
    """The colour of chart bars and lines."""
    return _pick(_ACCENT, palette)
