"""Windows that fit the screen they open on, and remember their size per screen.

A shop's PCs are often 1366×768 laptops or old 1280×1024 monitors: a window opened at a
fixed 1280×800 left its status bar below the screen's edge. Every window here opens at
its wanted size or the screen's free area, whichever is smaller (less what the window
manager adds for the title bar), and the main window keeps one geometry per screen, so
moving between the laptop and the office monitor restores the right one for each.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QRect, QSettings
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

#: Height of a title bar and frame, which the window manager adds outside the widget.
FRAME = 40


def available_area(widget: QWidget) -> QRect:
    screen = widget.screen() or QGuiApplication.primaryScreen()
    return screen.availableGeometry()


def fitted(width: int, height: int, area: QRect) -> tuple[int, int]:
    """The wanted size, or the area less the frame where that is smaller."""
    return min(width, area.width()), min(height, max(1, area.height() - FRAME))


def fit_to_screen(widget: QWidget, width: int, height: int, area: QRect | None = None) -> None:
    """Resize to ``width``×``height`` or as much as the screen's free area allows, and
    keep the whole window on it."""
    area = area or available_area(widget)
    w, h = fitted(width, height, area)
    widget.setMinimumSize(min(widget.minimumWidth(), w), min(widget.minimumHeight(), h))
    widget.resize(w, h)
    x = min(max(widget.x(), area.x()), area.right() - w + 1)
    y = min(max(widget.y(), area.y()), area.bottom() - h - FRAME + 1)
    widget.move(max(x, area.x()), max(y, area.y()))


def geometry_key(widget: QWidget, name: str) -> str:
    """Where ``name``'s geometry is kept for the screen ``widget`` is on (its size too:
    the same connector may have a different monitor tomorrow)."""
    area = available_area(widget)
    screen = widget.screen() or QGuiApplication.primaryScreen()
    label = "".join(c if c.isalnum() else "_" for c in screen.name()) or "screen"
    return f"{name}/geometry/{label}-{area.width()}x{area.height()}"


def restore_geometry(widget: QWidget, settings: QSettings, name: str, width: int,
                     height: int) -> None:
    """This screen's saved geometry if it still fits; otherwise the fitted default."""
    saved = settings.value(geometry_key(widget, name))
    area = available_area(widget)
    restored = isinstance(saved, QByteArray | bytes) and widget.restoreGeometry(
        QByteArray(saved))
    if restored and widget.width() <= area.width() and widget.height() <= area.height():
        return
    fit_to_screen(widget, width, height, area)


def save_geometry(widget: QWidget, settings: QSettings, name: str) -> None:
    settings.setValue(geometry_key(widget, name), widget.saveGeometry())
