"""Start-up: the app opens a database, paints the first page, and explains a bad URL."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from mechanic_desktop.ui import application
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.demo_offer import offer_demo_data
from mechanic_desktop.ui.main_window import MainWindow
from tests.ui.conftest import FakePrompts


def _args(**values: bool) -> argparse.Namespace:
    return argparse.Namespace(**{"exit_after_first_paint": False, "no_demo_offer": True,
                                 **values})


def test_exits_after_first_paint(tmp_path: Path) -> None:
    """Run as the start-up benchmark does, in its own process (one QApplication.exec)."""
    url = f"sqlite:///{tmp_path / 'shop.sqlite3'}"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path),
           "XDG_DATA_HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "mechanic_desktop", "--database-url", url,
         "--exit-after-first-paint"],
        capture_output=True, text=True, timeout=60, env=env, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("first page painted after")
    assert done.stdout.count("\n") == 1


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
    offer_demo_data(window, ui, engine)
    qtbot.waitUntil(lambda: bool(prompts.questions), timeout=5000)
    assert prompts.questions[0][2] == "Add demo data"
