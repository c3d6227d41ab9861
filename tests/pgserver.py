"""Find a PostgreSQL server for the tests, or start a throwaway one.

Order: ``MECHANIC_TEST_PG_URL``; a server on 127.0.0.1:5432 as user postgres; a cluster
made here with initdb/pg_ctl (run as the ``postgres`` user when we are root, since
pg_ctl refuses to run as root). Returns None with a reason when none can be had.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from glob import glob
from pathlib import Path

import psycopg
from sqlalchemy.engine import URL, make_url


@dataclass
class Server:
    url: str  # admin URL (database "postgres"), in psycopg form
    stop: callable | None = None  # type: ignore[valid-type]


def _answers(url: str) -> bool:
    try:
        with psycopg.connect(url, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
        return True
    except psycopg.Error:
        return False


def _find_binary(name: str) -> str | None:
    candidates = sorted(glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    return candidates[0] if candidates else shutil.which(name)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_throwaway() -> tuple[Server | None, str]:
    initdb, pg_ctl = _find_binary("initdb"), _find_binary("pg_ctl")
    if not initdb or not pg_ctl:
        return None, "no PostgreSQL server answers and initdb/pg_ctl are not installed"
    base = Path(tempfile.mkdtemp(prefix="mechanic-pg-"))
    data = base / "data"
    port = _free_port()
    prefix: list[str] = []
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # POSIX root: run it as postgres
        runuser = shutil.which("runuser")
        if not runuser:
            return None, "running as root without runuser to start PostgreSQL as postgres"
        shutil.chown(base, "postgres")
        prefix = [runuser, "-u", "postgres", "--"]
    try:
        subprocess.run(
            [*prefix, initdb, "-D", str(data), "-A", "trust", "-U", "postgres"],
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [
                *prefix,
                pg_ctl,
                "-D",
                str(data),
                "-l",
                str(base / "log"),
                "-w",
                "-o",
                f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off",
                "start",
            ],
            check=True,
            capture_output=True,
        )
    except (subprocess.CalledProcessError, OSError) as exc:
        return None, f"could not start a throwaway PostgreSQL: {exc}"

    def stop() -> None:
        subprocess.run(
            [*prefix, pg_ctl, "-D", str(data), "-m", "fast", "stop"],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(base, ignore_errors=True)

    return Server(f"postgresql://postgres@127.0.0.1:{port}/postgres", stop), ""


def find_server() -> tuple[Server | None, str]:
    env = os.environ.get("MECHANIC_TEST_PG_URL", "").strip()
    if env:
        url = env.replace("postgresql+psycopg://", "postgresql://")
        if _answers(url):
            return Server(url), ""
        return None, f"MECHANIC_TEST_PG_URL={env} does not answer"
    local = "postgresql://postgres@127.0.0.1:5432/postgres"
    if _answers(local):
        return Server(local), ""
    return _start_throwaway()


def asks_for_password(url: str | URL) -> bool:
    """Whether the test server checks passwords (its URL carries one, as the CI runners'
    on Windows and macOS do) rather than trusting local connections (the throwaway
    cluster here). Such a server answers an unknown user as it answers a wrong password,
    so tests cannot expect "no such user" from it."""
    return make_url(url).password is not None


def create_database(admin_url: str, name: str) -> str:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    head, _, _ = admin_url.rpartition("/")
    return f"{head}/{name}".replace("postgresql://", "postgresql+psycopg://", 1)


def drop_database(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
