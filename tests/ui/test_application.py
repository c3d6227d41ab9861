"""Start-up: the app opens a database, signs in with --user (never without a password),
paints the first page, and explains a bad URL."""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QWidget
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


#: Options that never open the shop's database: they run their own checks and exit.
NOT_THE_GUI = {"-h", "--help", "--version", "--smoke-test", "--check-bundle"}


def _gui_argvs(url: str) -> list[list[str]]:
    """Each option of the parser alone, then all of them at once (values made up where
    one is needed, ``--user boss`` without a password): whatever a later option does,
    it is started here and must still end at a sign-in."""
    options: list[list[str]] = []
    for action in build_parser()._actions:
        names = [o for o in action.option_strings if o.startswith("--")]
        if not names or set(action.option_strings) & NOT_THE_GUI:
            continue
        if action.nargs == 0:
            options.append([names[0]])
        else:
            options.append([names[0], {"--database-url": url, "--user": "boss"}.get(
                names[0], "x")])
    assert ["--user", "boss"] in options and ["--no-demo-offer"] in options
    every = [word for option in options if option[0] != "--database-url" for word in option]
    return [["--database-url", url, *o] for o in options] + [["--database-url", url, *every]]


def test_no_option_skips_authentication(
    qtbot: QtBot, shop_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Started with any option, on a database with an account and no password given,
    the app shows the sign-in dialog (or refuses, for --user) and never a main window."""
    from mechanic_desktop.app import main
    from mechanic_desktop.ui.dialogs.login import LoginDialog

    monkeypatch.setenv(ENV_SETTINGS, str(shop_file / "settings.ini"))
    monkeypatch.delenv("MECHANIC_PASSWORD", raising=False)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    shown: list[set[str]] = []

    def first_screen(_app: object) -> int:
        """Instead of the event loop: run it until a sign-in dialog or a window shows,
        note what is on screen (a moment later, so a window opened right after the
        dialog is seen too), close it all."""
        def on_screen() -> list[QWidget]:
            return [w for w in QApplication.topLevelWidgets() if w.isVisible()]

        qtbot.waitUntil(lambda: any(isinstance(w, LoginDialog | MainWindow)
                                    for w in on_screen()), timeout=5000)
        qtbot.wait(200)
        shown.append({type(w).__name__ for w in on_screen()})
        for widget in on_screen():
            widget.close()
        return 0

    monkeypatch.setattr(QApplication, "exec", first_screen)
    # Closing the sign-in dialog ends the session with app.exit(0); outside a running
    # loop that would leave Qt quitting and stall every later wait of this test.
    monkeypatch.setattr(QApplication, "exit", lambda *_code: None)
    url = f"sqlite:///{shop_file / 'shop.sqlite3'}"
    for argv in _gui_argvs(url):
        shown.clear()
        code = main(argv)
        if "--user" in argv:  # no password anywhere: refused before any screen
            assert (code, shown) == (2, []), argv
        else:
            assert (code, shown) == (0, [{"LoginDialog"}]), argv


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
