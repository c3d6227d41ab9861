"""Where the shop's data lives: a SQLite file in the user data folder by default, or
the URL given with ``--database-url`` / ``MECHANIC_DATABASE_URL``."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_path, user_log_path

APP_NAME = "MechanicDesktop"
APP_AUTHOR = "MechanicDesktop"
ENV_URL = "MECHANIC_DATABASE_URL"


def data_dir() -> Path:
    return user_data_path(APP_NAME, APP_AUTHOR, ensure_exists=True)


def log_dir() -> Path:
    return user_log_path(APP_NAME, APP_AUTHOR, ensure_exists=True)


def default_database_path() -> Path:
    return data_dir() / "shop.sqlite3"


def database_url(cli_value: str | None) -> str:
    """The URL to open: the command line wins, then the environment, then the default."""
    if cli_value:
        return cli_value
    env = os.environ.get(ENV_URL, "").strip()
    if env:
        return env
    return f"sqlite:///{default_database_path()}"
