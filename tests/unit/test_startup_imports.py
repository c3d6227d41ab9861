"""Start-up loads only what the first window needs: reports, charts and the CSV
services load when first used, and the database layer and the main window load while
the sign-in window waits for the password (see README, "What start-up costs")."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.conftest import migrated_sqlite_file

#: Loaded only when the Reports area or File → Import/Export is first used.
ON_FIRST_USE = (
    "PySide6.QtCharts",
    "mechanic_desktop.ui.charts",
    "mechanic_desktop.ui.pages.reports",
    "mechanic_desktop.ui.models.report_models",
    "mechanic_desktop.services.reports",
    "mechanic_desktop.services.csv_export",
    "mechanic_desktop.services.csv_import",
    "mechanic_desktop.ui.dialogs.import_csv",
)
#: Loaded while the sign-in window waits (ui.warm_up), not before it shows.
AFTER_FIRST_WINDOW = (
    "sqlalchemy.orm",
    "mechanic_desktop.db.models",
    "mechanic_desktop.db.unit_of_work",
    "mechanic_desktop.db.repositories",
    "mechanic_desktop.services.auth",
    "mechanic_desktop.ui.main_window",
    "mechanic_desktop.ui.pages.tickets",
    # argon2 (~4 ms) when a password is first checked; html's entity table (~2 ms) not
    # for the sign-in window's one escaped label (ui.dialogs.form.escaped).
    "argon2",
    "mechanic_desktop.services.hashing",
    "html",
    # The editor dialog and what it imports (~10 ms): the sign-in window needs only the
    # shared looks (ui.dialogs.styles).
    "mechanic_desktop.ui.dialogs.form",
)


def loaded_after_importing(module: str, watched: tuple[str, ...]) -> list[str]:
    """Which of ``watched`` a fresh interpreter has loaded after ``import module``."""
    code = (f"import json, sys, {module}\n"
            f"print(json.dumps([m for m in {list(watched)!r} if m in sys.modules]))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    found: list[str] = json.loads(done.stdout)
    return found


@pytest.mark.parametrize("module", ["mechanic_desktop.app", "mechanic_desktop.ui.application",
                                    "mechanic_desktop.ui.main_window"])
def test_start_up_does_not_import_reports_charts_or_csv(module: str) -> None:
    assert loaded_after_importing(module, ON_FIRST_USE) == []


@pytest.mark.parametrize("module", ["mechanic_desktop.app", "mechanic_desktop.ui.application"])
def test_the_sign_in_window_does_not_wait_for_the_database_layer(module: str) -> None:
    assert loaded_after_importing(module, AFTER_FIRST_WINDOW) == []


def test_opening_the_database_before_the_sign_in_window_does_not_load_the_orm(
    engine: Engine, tmp_path: Path
) -> None:
    """The app opens the database (``bootstrap.connect``: the engine, its PostgreSQL
    hooks, the schema check) before the sign-in window shows: none of it may load the
    database layer the warm-up loads later (on PostgreSQL the read pipeline's module
    loaded the whole ORM, about 70 ms before the first paint)."""
    if engine.dialect.name == "sqlite":
        url = f"sqlite:///{tmp_path / 'shop.sqlite3'}"
        shutil.copyfile(migrated_sqlite_file(), tmp_path / "shop.sqlite3")
    else:
        url = engine.url.render_as_string(hide_password=False)
    code = ("import json, sys\n"
            "import mechanic_desktop.ui.application\n"
            "from mechanic_desktop import bootstrap\n"
            f"bootstrap.connect({url!r}).close()\n"
            f"print(json.dumps([m for m in {list(AFTER_FIRST_WINDOW)!r} if m in sys.modules]))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert json.loads(done.stdout) == []


#: Python that records, in ``made``, the name of every enum made from here on (PySide6
#: makes a Qt class's enums with ``enum``'s functional API).
RECORD_ENUMS = (
    "made = []\n"
    "create = enum.EnumType._create_\n"
    "def recording(cls, name, *args, **kwargs):\n"
    "    made.append(name)\n"
    "    return create(cls, name, *args, **kwargs)\n"
    "enum.EnumType._create_ = recording\n"
)


def test_the_sign_in_window_does_not_make_qstyles_enums() -> None:
    """PySide6 makes every enum of a class the first time the class is imported: QStyle's
    (~600 members, ~30 ms) waited in front of the sign-in window for the lock screen's
    icon. They are made when first needed instead."""
    code = (
        "import enum, json, sys\n"
        + RECORD_ENUMS +
        "import mechanic_desktop.ui.application\n"
        "print(json.dumps(made))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    made = set(json.loads(done.stdout))
    assert "AlignmentFlag" in made  # Qt's: the hook sees PySide6 making its enums
    assert not made & {"StandardPixmap", "PixelMetric", "ControlElement"}


def test_after_the_warm_up_the_main_window_makes_no_qt_enums() -> None:
    """The first Qt object of one of Qt's private classes that Python is handed as a
    plain QObject (the idle lock's application-wide event filter sees the window's own
    ``QWidgetWindow``) makes PySide6 build every QObject class of QtCore, QtGui and
    QtWidgets not built yet, with their ~110 enums: 40-100 ms, which waited between
    Sign in and the first page until the sign-in window's warm-up (``ui.warm_up``)
    paid for them while the password was typed."""
    code = (
        "import enum, json, os\n"
        "os.environ['QT_QPA_PLATFORM'] = 'offscreen'\n"
        "from PySide6.QtCore import QObject\n"
        "from PySide6.QtWidgets import (QApplication, QDialog, QLineEdit, QListWidget,\n"
        "    QMainWindow, QSplitter, QTableView, QToolBar, QVBoxLayout)\n"
        "app = QApplication([])\n"
        "sign_in = QDialog()\n"
        "QVBoxLayout(sign_in).addWidget(QLineEdit(sign_in))\n"
        "sign_in.show()\n"
        "app.processEvents()\n"
        "from mechanic_desktop.ui.warm_up import WINDOW_STEPS\n"
        "for step in WINDOW_STEPS:\n"
        "    step()\n"
        + RECORD_ENUMS +
        "class Watching(QObject):  # as the idle lock's filter\n"
        "    def eventFilter(self, watched, event):\n"
        "        return False\n"
        "watching = Watching()\n"
        "app.installEventFilter(watching)\n"
        "window = QMainWindow()\n"
        "splitter = QSplitter(window)\n"
        "QListWidget(splitter)\n"
        "QTableView(splitter)\n"
        "window.setCentralWidget(splitter)\n"
        "window.addToolBar(QToolBar(window))\n"
        "window.show()\n"
        "app.processEvents()\n"
        "print(json.dumps(made))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    made = json.loads(done.stdout.splitlines()[-1])
    # Left: the few event classes only a window's first showing sends (QPlatformSurfaceEvent…).
    assert len(made) < 10, made
    assert not set(made) & {"PixelMetric", "SliderAction", "ProcessState", "WizardButton"}


def test_the_watched_modules_exist() -> None:
    """A renamed module would make the tests above pass for nothing."""
    found = loaded_after_importing(
        "mechanic_desktop.ui.pages.reports, mechanic_desktop.ui.dialogs.import_csv, "
        "mechanic_desktop.ui.warm_up, mechanic_desktop.ui.main_window, "
        "mechanic_desktop.db.unit_of_work, mechanic_desktop.services.auth",
        ON_FIRST_USE + AFTER_FIRST_WINDOW)
    assert sorted(found) == sorted(ON_FIRST_USE + AFTER_FIRST_WINDOW)
