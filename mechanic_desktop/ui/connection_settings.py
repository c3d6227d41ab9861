"""The connection chosen in the app: remembered in QSettings, its password in the OS
credential store (``keyring``), never in the settings file.

Where no credential store exists (a headless Linux box) the password is kept in memory
for this run only and the dialog says so. ``keyring`` is imported only when a password
is read or written, to keep start-up quick.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, replace
from typing import ClassVar, Literal

from PySide6.QtCore import QSettings
from sqlalchemy.engine import URL

from mechanic_desktop.config import default_database_path

GROUP = "connection"
KEYRING_SERVICE = "Mechanic Desktop database"
#: "automatic": ``require`` for a server on another machine, ``prefer`` on this one
#: (db.engine.with_default_sslmode). "prefer" and "allow" are not offered: they fall
#: back to sending the password in the open when someone in between says "no TLS".
AUTOMATIC = "automatic"
SSL_MODES = (AUTOMATIC, "require", "verify-ca", "verify-full", "disable")
Kind = Literal["local", "shared"]


@dataclass(frozen=True)
class ConnectionChoice:
    """A local SQLite file, or a shared PostgreSQL server (password kept elsewhere)."""

    kind: Kind = "local"
    path: str = ""
    host: str = ""
    port: int = 5432
    database: str = "mechanic"
    user: str = ""
    sslmode: str = AUTOMATIC

    @property
    def credential_key(self) -> str:
        """Which password this is in the credential store."""
        return f"{self.user}@{self.host}:{self.port}/{self.database}"

    def url(self, password: str | None = None) -> URL:
        if self.kind == "local":
            return URL.create("sqlite", database=self.path or str(default_database_path()))
        return URL.create(
            "postgresql+psycopg", username=self.user or None, password=password or None,
            host=self.host or None, port=self.port, database=self.database,
            query={"sslmode": self.sslmode} if self.sslmode in SSL_MODES[1:] else {},
        )


def load_choice(settings: QSettings) -> ConnectionChoice | None:
    """The saved choice, or None when the user never chose one."""
    kind = str(settings.value(f"{GROUP}/kind", "") or "")
    if kind not in ("local", "shared"):
        return None
    base = ConnectionChoice()
    try:
        port = int(str(settings.value(f"{GROUP}/port", base.port)))
    except ValueError:
        port = base.port
    return ConnectionChoice(
        kind="local" if kind == "local" else "shared",
        path=str(settings.value(f"{GROUP}/path", "") or ""),
        host=str(settings.value(f"{GROUP}/host", "") or ""),
        port=port,
        database=str(settings.value(f"{GROUP}/database", base.database) or base.database),
        user=str(settings.value(f"{GROUP}/user", "") or ""),
        sslmode=_known_sslmode(str(settings.value(f"{GROUP}/sslmode", "") or "")),
    )


def _known_sslmode(saved: str) -> str:
    """A saved mode the dialog offers, else automatic: older versions saved "prefer"
    by default, which now means ``require`` for a server on another machine."""
    return saved if saved in SSL_MODES else AUTOMATIC


def save_choice(settings: QSettings, choice: ConnectionChoice) -> None:
    for key, value in (("kind", choice.kind), ("path", choice.path), ("host", choice.host),
                       ("port", choice.port), ("database", choice.database),
                       ("user", choice.user), ("sslmode", choice.sslmode)):
        settings.setValue(f"{GROUP}/{key}", value)
    settings.remove(f"{GROUP}/password")  # never kept here (an old file may have one)
    settings.sync()


class PasswordStore:
    """Passwords in the OS credential store, else in memory until the app closes."""

    #: This run's passwords when no credential store is available (shared by instances).
    _session: ClassVar[dict[str, str]] = {}

    def available(self) -> bool:
        """Whether a real credential store (not keyring's "fail" stand-in) is there."""
        import keyring
        from keyring.backends import fail

        try:
            backend = keyring.get_keyring()
        except Exception:  # a broken keyring configuration: same as none
            return False
        return not isinstance(backend, fail.Keyring) and getattr(backend, "priority", 1) > 0

    def get(self, key: str) -> str | None:
        if key in self._session:
            return self._session[key]
        import keyring

        try:
            return keyring.get_password(KEYRING_SERVICE, key)
        except Exception:  # no store (NoKeyringError) or a locked/unreachable one
            return None

    def set(self, key: str, password: str) -> bool:
        """Keep ``password``; True when it went to the credential store, False when it
        is kept for this session only."""
        import keyring

        if self.available():
            try:
                keyring.set_password(KEYRING_SERVICE, key, password)
            except Exception:
                pass
            else:
                self._session.pop(key, None)
                return True
        self._session[key] = password
        return False

    def forget(self, key: str) -> None:
        import keyring

        self._session.pop(key, None)
        with contextlib.suppress(Exception):  # nothing stored, or no store
            keyring.delete_password(KEYRING_SERVICE, key)


def saved_url(settings: QSettings, store: PasswordStore | None = None) -> str | None:
    """The URL of the connection chosen in the app (with its password), or None."""
    choice = load_choice(settings)
    if choice is None:
        return None
    password = None
    if choice.kind == "shared" and choice.user:
        password = (store or PasswordStore()).get(choice.credential_key)
    return choice.url(password).render_as_string(hide_password=False)


def with_path(choice: ConnectionChoice, path: str) -> ConnectionChoice:
    return replace(choice, kind="local", path=path)
