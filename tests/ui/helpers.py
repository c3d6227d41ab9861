"""Small helpers for reading tables and waiting for dialogs as a user would see them,
and for screenshots that must show what they are of."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractListModel,
    QEvent,
    QModelIndex,
    QPoint,
    QRect,
    Qt,
)
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QDialog,
    QGroupBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTabBar,
    QTextEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot

from mechanic_desktop.ui.pages.list_page import ListPage

WAIT_MS = 5000


def column(model: QAbstractItemModel, col: int = 0) -> list[str]:
    """The text of one column over every row, as displayed."""
    return [model.index(r, col).data(Qt.ItemDataRole.DisplayRole) for r in
            range(model.rowCount())]


def wait_column(qtbot: QtBot, page: ListPage, expected: list[str], col: int = 0) -> None:
    qtbot.waitUntil(
        lambda: not page.model.loading and not page.model.search_pending
        and column(page.model, col) == expected,
        timeout=WAIT_MS,
    )


def wait_dialog(qtbot: QtBot, page: ListPage) -> Any:
    qtbot.waitUntil(lambda: page.dialog is not None and page.dialog.isVisible(), timeout=WAIT_MS)
    dialog = page.dialog
    assert isinstance(dialog, QDialog)
    return dialog


def select(qtbot: QtBot, page: ListPage, text: str, col: int = 0) -> None:
    rows = column(page.model, col)
    page.table.setFocus()
    page.table.selectRow(rows.index(text))
    qtbot.waitUntil(lambda: page.selected_row() is not None, timeout=WAIT_MS)


def visible_text(widget: QWidget) -> str:
    """What a person can read on ``widget``, one item a line: its title, and the labels,
    buttons, fields, boxes, tabs and table cells (headers and loaded rows) shown on it."""
    parts = [widget.windowTitle()]
    for child in [widget, *widget.findChildren(QWidget)]:
        if not child.isVisible():
            continue
        if isinstance(child, QLabel):
            parts.append(re.sub(r"<[^>]+>", "", child.text()).replace("&amp;", "&"))
        elif isinstance(child, QAbstractButton):
            parts.append(child.text().replace("&", ""))
        elif isinstance(child, QLineEdit):
            parts.append(child.text() or child.placeholderText())
        elif isinstance(child, QPlainTextEdit | QTextEdit):
            parts.append(child.toPlainText())
        elif isinstance(child, QComboBox):
            parts.append(child.currentText())
        elif isinstance(child, QGroupBox):
            parts.append(child.title())
        elif isinstance(child, QTabBar):
            parts += [child.tabText(i).replace("&", "") for i in range(child.count())]
        elif isinstance(child, QAbstractItemView) and child.model() is not None \
                and not isinstance(child, QHeaderView):  # its view shows the cells
            model, root = child.model(), QModelIndex()
            flat = isinstance(model, QAbstractListModel)  # its columnCount is private
            hidden = getattr(child, "isColumnHidden", lambda _c: False)
            columns = [c for c in range(1 if flat else model.columnCount(root)) if not hidden(c)]
            parts += [str(model.headerData(c, Qt.Orientation.Horizontal) or "")
                      for c in columns]
            for r in range(model.rowCount(root)):
                row = model.index(r, 0)
                parts += [str(model.index(r, c).data() or "") for c in columns]
                if not flat:  # a tree's lines below its row, as an expanded tree shows them
                    parts += [str(model.index(i, c, row).data() or "")
                              for i in range(model.rowCount(row)) for c in columns]
    return "\n".join(p for p in parts if p)


def inked_share(image: QImage, area: QRect | None = None, step: int = 3) -> float:
    """The share of (sampled) pixels in ``area`` that differ from its most common colour:
    about 0 for a blank area, a few percent where text or lines are drawn."""
    box = (area or image.rect()).intersected(image.rect())
    colours = Counter(
        image.pixel(x, y)
        for y in range(box.top(), box.bottom() + 1, step)
        for x in range(box.left(), box.right() + 1, step)
    )
    total = sum(colours.values())
    return 1 - colours.most_common(1)[0][1] / total if total else 0.0


def save_shot(widget: QWidget, path: Path, *expected: str) -> None:
    """Render ``widget`` to a PNG, after checking it shows what it is a picture of: each
    ``expected`` text is on it (read through the widgets), the picture is not blank, and
    every table showing rows has ink (drawn text) inside its viewport."""
    assert expected, "say what the picture must show"
    # Lay out what changed since the last event loop turn (a status bar's new text),
    # as the screen would have before anyone looked at it.
    QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
    image = widget.grab().toImage()
    assert image.width() > 100 and image.height() > 40
    text = visible_text(widget)
    missing = [e for e in expected if e not in text]
    assert not missing, f"{path.name} does not show {missing}; it shows:\n{text[:600]}"
    assert inked_share(image) > 0.01, f"{path.name} is blank"
    squeezed = [b.text() for b in widget.findChildren(QPushButton)
                if b.isVisible() and b.width() < b.sizeHint().width()]
    assert not squeezed, f"{path.name}: buttons narrower than their text: {squeezed}"
    ratio = image.width() / max(1, widget.width())  # device pixels per widget pixel
    for view in widget.findChildren(QAbstractItemView):
        model = view.model()
        if not view.isVisible() or model is None or model.rowCount(QModelIndex()) == 0:
            continue
        port = view.viewport()
        corner = port.mapTo(widget, QPoint(0, 0))
        area = QRect(int(corner.x() * ratio), int(corner.y() * ratio),
                     int(port.width() * ratio), int(port.height() * ratio))
        assert inked_share(image, area) > 0.002, f"{path.name}: a table's rows are blank"
    assert image.save(str(path))


def job_lines(work: Any, kind: str, col: int = 0) -> list[str]:
    """One column of the ticket editor's jobs tree, for the rows of ``kind`` ("job",
    "labour", "part"), as shown. Column 0 of a line is cut to what names it: the
    mechanic of a labour line ("unassigned" when nobody), the SKU of a parts line."""
    shown = []
    for index in _tree_rows(work.jobs_model):
        if index.data(Qt.ItemDataRole.UserRole) != kind:
            continue
        text = index.siblingAtColumn(col).data()
        if col == 0 and kind == "labour":
            text = text.rsplit(" — ", 1)[-1]
        elif col == 0 and kind == "part":
            text = text.split(" · ")[0]
        shown.append(text)
    return shown


def _tree_rows(model: QAbstractItemModel) -> list[QModelIndex]:
    rows = []
    for j in range(model.rowCount()):
        top = model.index(j, 0)
        rows.append(top)
        rows += [model.index(i, 0, top) for i in range(model.rowCount(top))]
    return rows


def click_line(qtbot: QtBot, work: Any, kind: str, name: str) -> None:
    """Click the jobs tree's row of ``kind`` whose first column starts with ``name``."""
    tree = work.jobs_tree
    for index in _tree_rows(work.jobs_model):
        wanted = index.data(Qt.ItemDataRole.UserRole) == kind
        if wanted and index.data().startswith(name):
            tree.scrollTo(index)
            qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton,
                             pos=tree.visualRect(index).center())
            assert tree.currentIndex() == index
            return
    raise AssertionError(f"no {kind} row starting with {name!r}")
