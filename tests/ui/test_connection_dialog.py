"""The connection dialog: each failure named against the real server, the database
created for an administrator, network shares refused, the choice remembered with its
password in the credential store (or for this session only when there is none)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail
from PySide6.QtCore import QSettings, Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from mechanic_desktop.config import database_url
from mechanic_desktop.db import local_files
from mechanic_desktop.db.engine import make_engine
from mechanic_desktop.db.probe import ProbeKind
from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.ui.connection_settings import (
    KEYRING_SERVICE,
    PasswordStore,
    load_choice,
    saved_url,
)
from mechanic_desktop.ui.dialogs import connection as connection_module
from mechanic_desktop.ui.dialogs.connection import (
    NO_KEYRING,
    STORED_HINT,
    Authority,
    ConnectionDialog,
)
from mechanic_desktop.ui.operations import DbWorker
from tests import pgserver

WAIT_MS = 10_000


class MemoryKeyring(KeyringBackend):
    """A credential store in memory, as an OS one would behave."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.items.pop((service, username), None)


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    store = MemoryKeyring()
    keyring.set_keyring(store)
    yield store
    keyring.set_keyring(previous)


@pytest.fixture
def no_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)
    PasswordStore._session.clear()


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


def _dialog(qtbot: QtBot, settings: QSettings, **kwargs: object) -> ConnectionDialog:
    kwargs.setdefault("authority", Authority.ADMIN)
    dialog = ConnectionDialog(settings, **kwargs)  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def _shared(qtbot: QtBot, dialog: ConnectionDialog, engine: Engine, database: str,
            port: int | None = None, user: str | None = None,
            password: str | None = None) -> None:
    """Fill in the shared-server page for ``engine``'s server; its password too (a CI
    server such as the Windows and macOS runners' asks for one), unless one is given."""
    url = engine.url
    qtbot.mouseClick(dialog.shared_radio, Qt.MouseButton.LeftButton)
    for edit, value in ((dialog.host, url.host or ""), (dialog.database, database),
                        (dialog.user, user or url.username or ""),
                        (dialog.password, (url.password or "") if password is None else password)):
        edit.clear()
        qtbot.keyClicks(edit, value)
    dialog.port.setValue(port or url.port or 5432)
    dialog.sslmode.setCurrentText("disable")


def _test(qtbot: QtBot, dialog: ConnectionDialog) -> str:
    with qtbot.waitSignal(dialog.probed, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    return dialog.result_text


def test_each_failure_is_named(
    qtbot: QtBot, settings: QSettings, pg_engine: Engine, memory_keyring: MemoryKeyring
) -> None:
    dialog = _dialog(qtbot, settings)
    name = str(pg_engine.url.database)
    host = pg_engine.url.host  # 127.0.0.1 here; localhost on the Windows/macOS runners
    _shared(qtbot, dialog, pg_engine, name)
    assert _test(qtbot, dialog).endswith("a shop database, ready.")
    dialog.port.setValue(1)
    assert _test(qtbot, dialog) == (f"No database server answers at {host}:1; check that "
                                    "it is running and reachable.")
    _shared(qtbot, dialog, pg_engine, "no_such_shop")
    assert _test(qtbot, dialog) == f"The server at {host} has no database named 'no_such_shop'."
    assert dialog.create_button.isVisible()
    _shared(qtbot, dialog, pg_engine, name, user="nobody_here")
    if pgserver.asks_for_password(pg_engine.url):  # it does not say whether the user exists
        assert _test(qtbot, dialog) == f"The server at {host} refused the user name or password."
    else:
        assert _test(qtbot, dialog) == f"The server at {host} has no user named 'nobody_here'."


def test_server_too_old_and_schema_states(
    qtbot: QtBot, settings: QSettings, pg_engine: Engine, pg_admin_url: str,
    memory_keyring: MemoryKeyring,
) -> None:
    from mechanic_desktop.db.probe import probe

    old = _dialog(qtbot, settings, run_probe=lambda url: probe(url, min_server_version=990000))
    _shared(qtbot, old, pg_engine, str(pg_engine.url.database))
    assert "needs PostgreSQL 99 or newer" in _test(qtbot, old)

    name = f"mechanic_newer_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    url = pgserver.create_database(pg_admin_url, name)
    try:
        dialog = _dialog(qtbot, settings)
        _shared(qtbot, dialog, pg_engine, name)
        assert "It is empty" in _test(qtbot, dialog)
        with qtbot.waitSignal(dialog.probed, timeout=WAIT_MS):
            dialog.upgrade_database()  # an administrator's step (here: set up from empty)
        engine = make_engine(url)
        try:
            with engine.begin() as conn:
                conn.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
        finally:
            engine.dispose()
        assert _test(qtbot, dialog).endswith("update this app to use it.")
    finally:
        pgserver.drop_database(pg_admin_url, name)


def test_schema_older_tells_non_admins_to_ask(
    qtbot: QtBot, settings: QSettings, memory_keyring: MemoryKeyring
) -> None:
    from mechanic_desktop.db.probe import ProbeResult

    older = ProbeResult(ProbeKind.SCHEMA_OLD, "shop on db was set up by an older "
                        "Mechanic Desktop; its schema must be upgraded before use.")
    clerk = _dialog(qtbot, settings, run_probe=lambda _url: older)
    qtbot.keyClicks(clerk.path, "")
    assert "Ask an administrator to upgrade it" in _test(qtbot, clerk)
    assert not clerk.upgrade_button.isVisible()
    admin = _dialog(qtbot, settings, run_probe=lambda _url: older, can_upgrade=True)
    assert "Ask an administrator" not in _test(qtbot, admin)
    assert admin.upgrade_button.isVisible()


def test_create_the_shop_database(
    qtbot: QtBot, settings: QSettings, pg_engine: Engine, pg_admin_url: str,
    memory_keyring: MemoryKeyring,
) -> None:
    name = f"mechanic_new_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    dialog = _dialog(qtbot, settings)
    _shared(qtbot, dialog, pg_engine, name)
    try:
        _test(qtbot, dialog)
        assert dialog.probe_result is not None
        assert dialog.probe_result.kind is ProbeKind.NO_DATABASE
        with qtbot.waitSignal(dialog.probed, timeout=WAIT_MS):
            qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
        assert dialog.result_text.endswith("a shop database, ready.")
        assert not dialog.create_button.isVisible()
    finally:
        pgserver.drop_database(pg_admin_url, name)


def test_network_share_is_refused(
    qtbot: QtBot, settings: QSettings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    memory_keyring: MemoryKeyring,
) -> None:
    share = tmp_path / "share"

    def on_share(path: str) -> str | None:
        """The share as the dialog would be told of it on any OS (Windows has no mounts
        to fake: tests/unit/test_local_files.py checks the detection itself)."""
        if Path(path).parent != share:
            return None
        return local_files.SHARE_REASON.format(path=path, kind=f"cifs at {share}")

    monkeypatch.setattr(connection_module, "network_share_reason", on_share)
    dialog = _dialog(qtbot, settings,
                     choose_file=lambda _parent, _current: str(share / "shop.sqlite3"))
    qtbot.mouseClick(dialog.local_radio, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.choose_button, Qt.MouseButton.LeftButton)
    assert "is on a network share (cifs at" in dialog.result_text
    qtbot.mouseClick(dialog.use_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and dialog.chosen_url is None
    assert load_choice(settings) is None


def test_local_choice_is_remembered_and_used_at_next_start(
    qtbot: QtBot, settings: QSettings, tmp_path: Path, memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    target = tmp_path / "desk" / "shop.sqlite3"
    target.parent.mkdir()
    dialog = _dialog(qtbot, settings, choose_file=lambda _p, _c: str(target))
    qtbot.mouseClick(dialog.local_radio, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.choose_button, Qt.MouseButton.LeftButton)
    assert "does not exist yet; it will be created." in _test(qtbot, dialog)
    qtbot.mouseClick(dialog.use_button, Qt.MouseButton.LeftButton)
    # Compared parsed: a rendered URL escapes a Windows path's ':' and '\\' (%3A, %5C).
    assert dialog.chosen_url is not None
    assert make_url(dialog.chosen_url).database == str(target)
    saved = saved_url(settings)
    monkeypatch.delenv("MECHANIC_DATABASE_URL", raising=False)
    assert make_url(database_url(None, saved)).database == str(target)
    assert database_url("sqlite:///cli.db", saved) == "sqlite:///cli.db"
    monkeypatch.setenv("MECHANIC_DATABASE_URL", "sqlite:///env.db")
    assert database_url(None, saved) == "sqlite:///env.db"


def test_password_goes_to_the_credential_store_not_the_settings(
    qtbot: QtBot, settings: QSettings, pg_engine: Engine, memory_keyring: MemoryKeyring,
) -> None:
    dialog = _dialog(qtbot, settings)
    _shared(qtbot, dialog, pg_engine, str(pg_engine.url.database), password="s3cret-Pass")
    assert not dialog.keyring_note.text().startswith("No password store")
    qtbot.mouseClick(dialog.use_button, Qt.MouseButton.LeftButton)
    assert dialog.chosen_url is not None and "s3cret-Pass" in dialog.chosen_url
    settings.sync()
    assert "s3cret-Pass" not in Path(settings.fileName()).read_text(encoding="utf-8")
    choice = load_choice(settings)
    assert choice is not None and choice.kind == "shared"
    assert memory_keyring.items[(KEYRING_SERVICE, choice.credential_key)] == "s3cret-Pass"
    assert saved_url(settings) == dialog.chosen_url
    again = _dialog(qtbot, settings)
    assert again.shared_radio.isChecked() and again.password.text() == ""  # never shown
    assert again.password.placeholderText() == STORED_HINT


def test_without_a_credential_store_the_password_lasts_this_session(
    qtbot: QtBot, settings: QSettings, pg_engine: Engine, no_keyring: None,
) -> None:
    dialog = _dialog(qtbot, settings)
    assert dialog.keyring_note.text() == NO_KEYRING
    _shared(qtbot, dialog, pg_engine, str(pg_engine.url.database), password="only-now")
    qtbot.mouseClick(dialog.use_button, Qt.MouseButton.LeftButton)
    assert "only-now" not in Path(settings.fileName()).read_text(encoding="utf-8")
    assert saved_url(settings) == dialog.chosen_url  # this run remembers it
    PasswordStore._session.clear()  # a new run: it is gone
    url = saved_url(settings)
    assert url is not None and "only-now" not in url


def test_start_url_prefers_command_line_then_environment_then_saved_choice(
    settings: QSettings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    memory_keyring: MemoryKeyring,
) -> None:
    import argparse

    from mechanic_desktop.ui.application import start_url
    from mechanic_desktop.ui.connection_settings import ConnectionChoice, save_choice

    monkeypatch.delenv("MECHANIC_DATABASE_URL", raising=False)
    default = "sqlite:///default.sqlite3"
    no_cli = argparse.Namespace(database_url=None)
    assert start_url(default, no_cli, settings) == (default, False)
    save_choice(settings, ConnectionChoice("local", path=str(tmp_path / "saved.sqlite3")))
    url, saved = start_url(default, no_cli, settings)
    assert (make_url(url).database, saved) == (str(tmp_path / "saved.sqlite3"), True)
    cli = argparse.Namespace(database_url="sqlite:///cli.sqlite3")
    assert start_url("sqlite:///cli.sqlite3", cli, settings) == ("sqlite:///cli.sqlite3", False)
    monkeypatch.setenv("MECHANIC_DATABASE_URL", "sqlite:///env.sqlite3")
    assert start_url("sqlite:///env.sqlite3", no_cli, settings) == (
        "sqlite:///env.sqlite3", False)


def test_signed_in_steps_go_through_the_service_which_checks_the_role(
    qtbot: QtBot, settings: QSettings, pg_engine: Engine, memory_keyring: MemoryKeyring,
    workers: Callable[[UnitOfWork], DbWorker],
) -> None:
    """Signed in as a mechanic, Test is refused by the service (not just hidden); an
    administrator's test is audited in the open shop's database."""
    from sqlalchemy import select

    from mechanic_desktop.db.models import AuditEntry
    from mechanic_desktop.domain.staff import Actor, Role
    from mechanic_desktop.services import staff
    from tests.conftest import empty_tables
    from tests.unit import factories
    from tests.unit.test_auth import FLOOR, GOOD

    empty_tables(pg_engine)
    uow = UnitOfWork(pg_engine)
    boss = staff.create_staff(uow, staff.StaffData("boss", "Bo Ss", "admin"), GOOD, GOOD, FLOOR)
    worker = workers(uow)
    worker.actor = factories.signed_in(uow, Role.MECHANIC, "mo")  # a real account
    dialog = _dialog(qtbot, settings, worker=worker)
    _shared(qtbot, dialog, pg_engine, str(pg_engine.url.database))
    assert _test(qtbot, dialog) == ("Mechanics cannot test a database connection; ask an "
                                    "administrator.")
    worker.actor = Actor(boss.id, "boss", "Bo Ss", Role.ADMIN)
    assert _test(qtbot, dialog).endswith("a shop database, ready.")
    with pg_engine.connect() as conn:
        tests = conn.execute(select(AuditEntry.staff_user_id, AuditEntry.summary).where(
            AuditEntry.action == "connection test")).all()
    assert [(who, summary.rsplit(": ", 1)[1]) for who, summary in tests] == [(boss.id, "ok")]
