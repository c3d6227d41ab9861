"""Our own line icons (resources/icons/actions/*.svg), drawn in the palette's text colour
so they read on light and dark themes alike.

Widgets that show one go through :func:`apply`, which remembers the icon's name, so that
:func:`recolor` can draw them again when the operating system switches between light
and dark while the app runs (the main window calls it on a palette change).
"""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QAction, QGuiApplication, QIcon, QImage, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QAbstractButton, QListWidget, QListWidgetItem, QWidget

from mechanic_desktop.assets import resources

SIZES = (16, 20, 24, 32, 48)
#: Where :func:`apply` keeps an icon's name: a Qt property, or item data on list items.
NAME_PROPERTY = "themedIcon"
NAME_ROLE = Qt.ItemDataRole.UserRole + 40


def _svg(name: str) -> str:
    return resources().joinpath("icons", "actions", f"{name}.svg").read_text(encoding="utf-8")


@cache
def _icon(name: str, colour: str, disabled: str) -> QIcon:
    icon = QIcon()
    for mode, fill in ((QIcon.Mode.Normal, colour), (QIcon.Mode.Disabled, disabled)):
        renderer = QSvgRenderer(QByteArray(_svg(name).replace("currentColor", fill).encode()))
        for size in SIZES:
            image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
            image.fill(Qt.GlobalColor.transparent)
            painter = QPainter(image)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            renderer.render(painter, QRectF(0, 0, size, size))
            painter.end()
            icon.addPixmap(QPixmap.fromImage(image), mode)
    return icon


def icon(name: str) -> QIcon:
    """The icon ``name`` (e.g. "new", "tickets") in the current palette's colours."""
    palette = QGuiApplication.palette()
    colour = palette.color(QPalette.ColorGroup.Active, QPalette.ColorRole.WindowText).name()
    disabled = palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText).name()
    return _icon(name, colour, disabled)


def apply(target: QAction | QAbstractButton | QListWidgetItem, name: str) -> None:
    """Show icon ``name`` on ``target`` and remember it for :func:`recolor`."""
    if isinstance(target, QListWidgetItem):
        target.setData(NAME_ROLE, name)
    else:
        target.setProperty(NAME_PROPERTY, name)
    target.setIcon(icon(name))


def recolor(root: QWidget) -> int:
    """Draw every icon under ``root`` set by :func:`apply` in the current palette again.

    Returns how many were redrawn.
    """
    count = 0
    targets: list[QAction | QAbstractButton] = [*root.actions(), *root.findChildren(QAction)]
    targets += root.findChildren(QAbstractButton)
    for target in dict.fromkeys(targets):
        name = target.property(NAME_PROPERTY)
        if isinstance(name, str):
            target.setIcon(icon(name))
            count += 1
    for view in root.findChildren(QListWidget):
        for row in range(view.count()):
            item = view.item(row)
            name = item.data(NAME_ROLE)
            if isinstance(name, str):
                item.setIcon(icon(name))
                count += 1
    return count
