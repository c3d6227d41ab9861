"""Start-up loads only what the first window needs: reports, charts and the CSV
services load when first used, and the database layer and the main window load while
the sign-in window waits for the password (see README, "What start-up costs")."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

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


def test_the_sign_in_window_does_not_make_qstyles_enums() -> None:
    """PySide6 makes every enum of a class the first time the class is imported: QStyle's
    (~600 members, ~30 ms) waited in front of the sign-in window for the lock screen's
    icon. They are made when first needed instead."""
    code = (
        "import enum, json, sys\n"
        "made = []\n"
        "create = enum.EnumType._create_\n"
        "def recording(cls, name, *args, **kwargs):\n"
        "    made.append(name)\n"
        "    return create(cls, name, *args, **kwargs)\n"
        "enum.EnumType._create_ = recording\n"
        "import mechanic_desktop.ui.application\n"
        "print(json.dumps(made))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    made = set(json.loads(done.stdout))
    assert "AlignmentFlag" in made  # Qt's: the hook sees PySide6 making its enums
    assert not made & {"StandardPixmap", "PixelMetric", "ControlElement"}


def test_the_watched_modules_exist() -> None:
    """A renamed module would make the tests above pass for nothing."""
    found = loaded_after_importing(
        "mechanic_desktop.ui.pages.reports, mechanic_desktop.ui.dialogs.import_csv, "
        "mechanic_desktop.ui.warm_up, mechanic_desktop.ui.main_window, "
        "mechanic_desktop.db.unit_of_work, mechanic_desktop.services.auth",
        ON_FIRST_USE + AFTER_FIRST_WINDOW)
    assert sorted(found) == sorted(ON_FIRST_USE + AFTER_FIRST_WINDOW)
