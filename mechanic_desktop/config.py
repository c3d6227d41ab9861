"""Where the shop's data lives: the URL given with ``--database-url`` /
``MECHANIC_DATABASE_URL``, else the connection chosen in the app (passed in by the UI,
which reads it from its settings: this module stays free of Qt), else a SQLite file in
the user data folder."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_path, user_log_path
from sqlalchemy.engine import URL

APP_NAME = "MechanicDesktop"
APP_AUTHOR = "MechanicDesktop"
ENV_URL = "MECHANIC_DATABASE_URL"
#: An .ini file to keep the app's settings in instead of the platform's own store (the
#: registry, ~/Library/Preferences, ~/.config): for tests, the self-checks, portable use.
ENV_SETTINGS = "MECHANIC_SETTINGS_FILE"


def data_dir() -> Path:
    return user_data_path(APP_NAME, APP_AUTHOR, ensure_exists=True)


def log_dir() -> Path:
    return user_log_path(APP_NAME, APP_AUTHOR, ensure_exists=True)


def settings_file() -> Path | None:
    """The .ini file named by ``MECHANIC_SETTINGS_FILE``, if any."""
    named = os.environ.get(ENV_SETTINGS, "").strip()
    return Path(named) if named else None


def default_database_path() -> Path:
    return data_dir() / "shop.sqlite3"


def sqlite_url(path: Path | str) -> str:
    """A SQLite URL for ``path`` that survives parsing: "#", "?" and "%" in a folder name
    (say "Shop #2") are escaped, which f"sqlite:///{path}" does not do."""
    return URL.create("sqlite", database=str(path)).render_as_string(hide_password=False)


def database_url(cli_value: str | None, saved: str | None = None) -> str:
    """The URL to open: the command line wins, then the environment, then the connection
    saved in the app's settings, then the default file."""
    if cli_value:
        return cli_value
    env = os.environ.get(ENV_URL, "").strip()
    if env:
        return env
    if saved:
        return saved
    return sqlite_url(default_database_path())


def url_given_outside(cli_value: str | None) -> bool:
    """Whether the command line or the environment names the database (then a connection
    saved in the app does not apply)."""
    return bool(cli_value) or bool(os.environ.get(ENV_URL, "").strip())
