"""A damaged SQLite file: the newest sound backup is offered, and restoring it works."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

import pytest

from mechanic_desktop.bootstrap import connect
from mechanic_desktop.db.local_files import backup_sqlite
from mechanic_desktop.domain.errors import DatabaseUnavailable
from mechanic_desktop.services import customers
from mechanic_desktop.ui.recovery import backups_beside, offer_restore


def _shop(path: Path, *names: str) -> None:
    context = connect(f"sqlite:///{path}")
    for name in names:
        customers.create_customer(context.uow, customers.CustomerData(name))
    context.close()


def test_damaged_file_offers_the_newest_sound_backup(tmp_path: Path) -> None:
    db = tmp_path / "shop.sqlite3"
    _shop(db, "Ada Lovelace")
    older = backup_sqlite(db, tmp_path / "shop-backup-20260101-000000.sqlite3")
    os.utime(older, (time.time() - 3600, time.time() - 3600))
    _shop(db, "Bob Builder")
    newer = backup_sqlite(db, tmp_path / "shop-backup-20260102-000000.sqlite3")
    (tmp_path / "shop-backup-20260103-000000.sqlite3").write_bytes(b"not a database")
    stray = sqlite3.connect(tmp_path / "shop-backup-20260104-000000.sqlite3")
    stray.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY)")  # sound, but not a shop
    stray.close()
    db.write_bytes(b"\x00" * 8192)  # the disk ate it
    with pytest.raises(DatabaseUnavailable) as caught:
        connect(f"sqlite:///{db}")
    assert backups_beside(db) == [newer, older]

    asked: list[str] = []
    kept = offer_restore(db, str(caught.value), lambda _t, q: asked.append(q) or True)
    assert kept is not None and kept.read_bytes() == b"\x00" * 8192
    assert newer.name in asked[0] and "damaged file is kept aside" in asked[0]
    context = connect(f"sqlite:///{db}")
    try:
        assert customers.count_customers(context.uow) == 2
    finally:
        context.close()


def test_nothing_to_offer_or_user_declines(tmp_path: Path) -> None:
    db = tmp_path / "shop.sqlite3"
    db.write_bytes(b"junk" * 100)
    assert offer_restore(db, "damaged", lambda _t, _q: True) is None
    _shop(tmp_path / "other.sqlite3")
    backup_sqlite(tmp_path / "other.sqlite3", tmp_path / "shop-backup-1.sqlite3")
    assert offer_restore(db, "damaged", lambda _t, _q: False) is None
    assert db.read_bytes() == b"junk" * 100


def test_start_up_offers_the_backup_for_a_damaged_file(
    tmp_path: Path, qapp: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtWidgets import QMessageBox

    from mechanic_desktop.ui import application

    db = tmp_path / "shop.sqlite3"
    _shop(db, "Ada Lovelace")
    backup_sqlite(db, tmp_path / "shop-backup-20260101-000000.sqlite3")
    db.write_bytes(b"\x00" * 4096)
    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "question", lambda *_a, **_k: QMessageBox.StandardButton.Yes)
    monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text: told.append(text))
    url = f"sqlite:///{db}"
    with pytest.raises(DatabaseUnavailable) as caught:
        connect(url)
    assert application._restored_from_backup(url, caught.value)
    assert "damaged file was kept as" in told[0]
    context = connect(url)
    context.close()


@pytest.mark.parametrize("from_saved", [False, True])
def test_a_second_copy_is_told_the_file_is_open_and_offered_nothing(
    tmp_path: Path, qapp: object, monkeypatch: pytest.MonkeyPatch, from_saved: bool
) -> None:
    """Not a restore of a backup, not the connection dialog: the file is fine, another
    copy of the app has it."""
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QMessageBox

    from mechanic_desktop.ui import application
    from mechanic_desktop.ui.dialogs.connection import ConnectionDialog

    url = f"sqlite:///{tmp_path / 'shop.sqlite3'}"
    first = connect(url)
    backup_sqlite(tmp_path / "shop.sqlite3", tmp_path / "shop-backup-20260101-000000.sqlite3")
    told: list[tuple[str, str]] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda _p, title, text: told.append((title, text)))
    monkeypatch.setattr(QMessageBox, "question", lambda *_a, **_k: pytest.fail("offered a restore"))
    monkeypatch.setattr(ConnectionDialog, "exec", lambda _self: pytest.fail("connection dialog"))
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    try:
        assert application._connect(url, settings, None, from_saved) is None
    finally:
        first.close()
    [(title, text)] = told
    assert title == "Already open" and "already running with shop.sqlite3" in text
