"""Start-up: the app opens a database, signs in with --user (never without a password),
paints the first page, and explains a bad URL."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from mechanic_desktop import bootstrap
from mechanic_desktop.app import build_parser
from mechanic_desktop.config import ENV_SETTINGS
from mechanic_desktop.ui import application
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.demo_offer import offer_demo_data
from mechanic_desktop.ui.main_window import MainWindow
from tests.ui.accounts import GOOD, make_admin
from tests.ui.conftest import FakePrompts


def _args(**values: bool) -> argparse.Namespace:
    return argparse.Namespace(**{"exit_after_first_paint": False, "no_demo_offer": True,
                                 **values})


def _run(tmp_path: Path, *extra: str, password: str | None = GOOD,
         stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Start the app in its own process (one QApplication.exec), as the benchmark does."""
    url = f"sqlite:///{tmp_path / 'shop.sqlite3'}"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path),
           "XDG_DATA_HOME": str(tmp_path), ENV_SETTINGS: str(tmp_path / "settings.ini")}
    env.pop("MECHANIC_PASSWORD", None)
    if password is not None:
        env["MECHANIC_PASSWORD"] = password
    return subprocess.run(
        [sys.executable, "-m", "mechanic_desktop", "--database-url", url, *extra],
        capture_output=True, text=True, timeout=60, env=env, check=False,
        input=stdin if stdin is not None else "",
    )


@pytest.fixture
def shop_file(tmp_path: Path) -> Path:
    context = bootstrap.connect(f"sqlite:///{tmp_path / 'shop.sqlite3'}")
    try:
        make_admin(context.uow)
    finally:
        context.close()
    return tmp_path


def test_user_option_signs_in_and_exits_after_first_paint(shop_file: Path) -> None:
    done = _run(shop_file, "--user", "boss", "--exit-after-first-paint")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 2, done.stdout
    assert lines[0].startswith("login_hash_ms ") and int(lines[0].split()[1]) >= 0
    assert lines[1].startswith("first page painted after")
    # MECHANIC_SETTINGS_FILE kept the window's place out of the platform's settings store.
    kept = QSettings(str(shop_file / "settings.ini"), QSettings.Format.IniFormat)
    assert any(key.startswith("window/geometry/") for key in kept.allKeys())


def test_user_option_reads_one_line_of_standard_input(shop_file: Path) -> None:
    done = _run(shop_file, "--user", "boss", "--exit-after-first-paint", password=None,
                stdin=GOOD + "\n")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("login_hash_ms ")


def test_user_option_failure_says_why_and_exits_2(shop_file: Path) -> None:
    done = _run(shop_file, "--user", "boss", "--exit-after-first-paint",
                password="not the password")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1] == \
        "mechanic-desktop: Wrong user name or password."
    assert "first page" not in done.stdout
    missing = _run(shop_file, "--user", "boss", "--exit-after-first-paint", password=None)
    assert missing.returncode == 2
    assert "set MECHANIC_PASSWORD" in missing.stderr


def test_no_option_skips_authentication() -> None:
    options = {o for action in build_parser()._actions for o in action.option_strings}
    assert "--user" in options
    assert not any(word in o for o in options for word in ("skip", "no-login", "no-auth"))


def test_unusable_database_is_explained(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown: list[str] = []
    monkeypatch.setattr(application.QMessageBox, "critical",
                        lambda _parent, _title, text: shown.append(text))
    assert application.run_gui("mysql://shop@host/db", _args()) == 2
    assert shown == ["'mysql' databases are not supported; use SQLite or PostgreSQL."]


def test_empty_database_offers_demo_data(
    qtbot: QtBot, window: MainWindow, ui: UiContext, engine: Engine, prompts: FakePrompts
) -> None:
    prompts.answer = False  # declined: nothing is written
    offer_demo_data(window, ui)
    qtbot.waitUntil(lambda: bool(prompts.questions), timeout=5000)
    assert prompts.questions[0][2] == "Add demo data"


def test_demo_data_message_fits_the_status_bar(
    qtbot: QtBot, window: MainWindow, ui: UiContext, engine: Engine, prompts: FakePrompts
) -> None:
    """The seeder's whole report ran past the row count and was cut; now a short line
    fits on a 1280-pixel window and the report is its tooltip."""
    window.resize(1280, 800)
    window.show()
    offer_demo_data(window, ui)
    bar = window.statusBar()
    qtbot.waitUntil(lambda: bar.currentMessage().startswith("Demo data added"),
                    timeout=120_000)
    assert "Seeded" in bar.toolTip() and "customers" in bar.toolTip()
    room = bar.width() - sum(w.width() for w in bar.findChildren(QWidget)
                             if w.isVisible() and w.parent() is bar)
    assert bar.fontMetrics().horizontalAdvance(bar.currentMessage()) < room
