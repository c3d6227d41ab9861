"""The shared server's password in the connection dialog, against a fake server on
loopback that records every byte it is sent: a stored password is never shown and goes
only where it was stored for; only an administrator (or, when no one can sign in,
whoever types the password again) changes the connection; a server on another machine
must offer TLS."""

from __future__ import annotations

import contextlib
import os
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from pytestqt.qtbot import QtBot

from mechanic_desktop.db.engine import make_engine
from mechanic_desktop.db.probe import ProbeKind, ProbeResult
from mechanic_desktop.ui.connection_settings import (
    KEYRING_SERVICE,
    SSL_MODES,
    ConnectionChoice,
    load_choice,
    save_choice,
)
from mechanic_desktop.ui.dialogs.connection import (
    RETYPE_NEEDED,
    STORED_HINT,
    VIEW_ONLY,
    Authority,
    ConnectionDialog,
)
from tests.ui.test_connection_dialog import MemoryKeyring, memory_keyring, settings

__all__ = ["memory_keyring", "settings"]  # fixtures shared with the dialog's other tests

WAIT_MS = 15_000
SECRET = "Shop-Server-Secret-9"
SSL_REQUEST, GSS_REQUEST, PROTOCOL_3 = 80877103, 80877104, 196608


class FakeServer:
    """Speaks just enough PostgreSQL to ask for the password in clear, then refuses;
    keeps what it was sent."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.sock = socket.create_server((host, port))
        self.sock.settimeout(0.2)
        self.host, self.port = host, self.sock.getsockname()[1]
        self.received = bytearray()
        self.ssl_requests = 0
        self.startups = 0
        self.passwords: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.sock.close()

    def clear(self) -> None:
        self.received.clear()
        self.passwords.clear()
        self.ssl_requests = self.startups = 0

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(5)
                with contextlib.suppress(OSError, ValueError):  # the client hung up
                    self._talk(conn)

    def _read(self, conn: socket.socket, size: int) -> bytes:
        data = b""
        while len(data) < size:
            chunk = conn.recv(size - len(data))
            if not chunk:
                raise ValueError("closed")
            data += chunk
        self.received += data
        return data

    def _talk(self, conn: socket.socket) -> None:
        while True:
            length = int.from_bytes(self._read(conn, 4), "big")
            body = self._read(conn, length - 4)
            code = int.from_bytes(body[:4], "big")
            if code in (SSL_REQUEST, GSS_REQUEST):
                self.ssl_requests += code == SSL_REQUEST
                conn.sendall(b"N")  # no TLS here
                continue
            if code != PROTOCOL_3:
                return
            self.startups += 1
            conn.sendall(b"R" + (8).to_bytes(4, "big") + (3).to_bytes(4, "big"))  # cleartext
            if self._read(conn, 1) != b"p":
                return
            size = int.from_bytes(self._read(conn, 4), "big")
            self.passwords.append(self._read(conn, size - 4).rstrip(b"\0").decode())
            error = b"SFATAL\0C28P01\0Mpassword authentication failed for user \"x\"\0\0"
            conn.sendall(b"E" + (len(error) + 4).to_bytes(4, "big") + error)
            return


@pytest.fixture
def home() -> Iterator[FakeServer]:
    server = FakeServer()
    yield server
    server.close()


@pytest.fixture
def stored(settings: QSettings, memory_keyring: MemoryKeyring, home: FakeServer) -> None:
    """The desk's saved connection (to ``home``) and its password in the store."""
    choice = ConnectionChoice("shared", host=home.host, port=home.port, database="shop",
                              user="clerk", sslmode="disable")
    save_choice(settings, choice)
    memory_keyring.items[(KEYRING_SERVICE, choice.credential_key)] = SECRET


def _dialog(qtbot: QtBot, settings: QSettings, authority: Authority) -> ConnectionDialog:
    dialog = ConnectionDialog(settings, authority=authority)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def _test(qtbot: QtBot, dialog: ConnectionDialog) -> str:
    with qtbot.waitSignal(dialog.probed, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    return dialog.result_text


def _retype(qtbot: QtBot, edit: object, text: str) -> None:
    edit.clear()  # type: ignore[attr-defined]
    qtbot.keyClicks(edit, text)  # type: ignore[arg-type]


@pytest.mark.parametrize("changed", ["host", "port", "user", "database"])
@pytest.mark.usefixtures("stored")
def test_a_stored_password_is_never_shown_nor_sent_to_another_server(
    qtbot: QtBot, settings: QSettings, home: FakeServer, changed: str
) -> None:
    dialog = _dialog(qtbot, settings, Authority.ADMIN)
    assert dialog.password.text() == "" and dialog.password.placeholderText() == STORED_HINT
    assert "refused the user name or password" in _test(qtbot, dialog)
    assert home.passwords == [SECRET]  # its own server gets it
    other = FakeServer("127.0.0.2", home.port) if changed == "host" else home
    try:
        home.clear()
        if changed == "host":
            _retype(qtbot, dialog.host, "127.0.0.2")
        elif changed == "port":
            other = FakeServer()
            dialog.port.setValue(other.port)
        else:
            _retype(qtbot, getattr(dialog, changed), "someone-else")
        assert dialog.password.placeholderText() == ""
        _test(qtbot, dialog)
        assert other.startups == 1  # the connection was tried...
        assert other.passwords == [] and SECRET.encode() not in other.received  # ...bare
        qtbot.mouseClick(dialog.use_button, Qt.MouseButton.LeftButton)
        assert dialog.chosen_url is not None and SECRET not in dialog.chosen_url
    finally:
        if other is not home:
            other.close()


@pytest.mark.usefixtures("stored")
def test_anyone_but_an_administrator_may_only_look_and_test(
    qtbot: QtBot, settings: QSettings, home: FakeServer, tmp_path: Path
) -> None:
    dialog = _dialog(qtbot, settings, Authority.VIEW)
    for field in (dialog.host, dialog.port, dialog.user, dialog.database, dialog.password,
                  dialog.sslmode, dialog.local_radio):
        assert not field.isEnabled()
    assert dialog.use_button.isHidden()
    assert dialog.password.placeholderText() == "stored for this server"
    assert dialog.findChild(object, "connectionAuthorityNote").text() == VIEW_ONLY
    assert "refused the user name or password" in _test(qtbot, dialog)
    assert home.passwords == [SECRET]
    shots = Path(os.environ.get("MD_SHOTS_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    qtbot.waitUntil(lambda: dialog.test_button.width() >= dialog.test_button.sizeHint().width())
    dialog.grab().save(str(shots / "connection-dialog-view-only.png"))


@pytest.mark.usefixtures("stored")
def test_when_no_one_can_sign_in_a_change_needs_the_password_typed(
    qtbot: QtBot, settings: QSettings, home: FakeServer,
) -> None:
    saved = load_choice(settings)
    dialog = _dialog(qtbot, settings, Authority.RETYPE)
    assert dialog.focusWidget() is dialog.password
    _retype(qtbot, dialog.host, "127.0.0.3")
    qtbot.mouseClick(dialog.use_button, Qt.MouseButton.LeftButton)
    assert dialog.result_text == RETYPE_NEEDED and dialog.isVisible()
    assert load_choice(settings) == saved and dialog.focusWidget() is dialog.password
    qtbot.keyClicks(dialog.password, "typed-again-77")
    qtbot.mouseClick(dialog.use_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible() and dialog.chosen_url is not None
    assert "typed-again-77" in dialog.chosen_url
    choice = load_choice(settings)
    assert choice is not None and choice.host == "127.0.0.3"


def test_a_server_on_another_machine_must_offer_tls(
    qtbot: QtBot, settings: QSettings, home: FakeServer, memory_keyring: MemoryKeyring
) -> None:
    def mode(url: str) -> str:
        return str(make_engine(url).url.query.get("sslmode"))

    assert mode("postgresql+psycopg://shop:pw@shop-server/shop") == "require"
    assert mode("postgresql+psycopg://shop:pw@192.168.1.20/shop") == "require"
    assert mode("postgresql+psycopg://shop:pw@localhost/shop") == "prefer"
    assert mode("postgresql+psycopg://shop:pw@shop-server/shop?sslmode=verify-full") == (
        "verify-full")
    assert {"require", "verify-full"} <= set(SSL_MODES) and "prefer" not in SSL_MODES
    dialog = _dialog(qtbot, settings, Authority.ADMIN)
    qtbot.mouseClick(dialog.shared_radio, Qt.MouseButton.LeftButton)
    assert dialog.sslmode.currentText() == "automatic"
    for edit, text in ((dialog.host, home.host), (dialog.database, "shop"),
                       (dialog.user, "clerk"), (dialog.password, SECRET)):
        _retype(qtbot, edit, text)
    dialog.port.setValue(home.port)
    dialog.sslmode.setCurrentText("require")
    assert _test(qtbot, dialog) == (
        f"The server at {home.host} offers no encrypted (TLS) connection, which this "
        "connection requires (as it does for any server on another machine). Turn on ssl "
        "in the server's postgresql.conf or, only on a network you trust, set SSL to "
        "'disable'.")
    assert home.ssl_requests >= 1 and home.startups == 0 and home.passwords == []


@pytest.mark.usefixtures("stored")
def test_only_those_who_may_change_the_connection_are_offered_to_create_the_database(
    qtbot: QtBot, settings: QSettings,
) -> None:
    missing = ProbeResult(ProbeKind.NO_DATABASE, "The server at 127.0.0.1 has no database "
                          "named 'shop'.")
    for authority, offered in ((Authority.VIEW, False), (Authority.RETYPE, True),
                               (Authority.ADMIN, True)):
        dialog = ConnectionDialog(settings, authority=authority, run_probe=lambda _u: missing)
        qtbot.addWidget(dialog)
        dialog.show()
        _test(qtbot, dialog)
        assert dialog.create_button.isVisible() is offered, authority
