"""SQLite files: refusing network shares, one running app per file, consistent backups
and restores; and ``pg_dump`` copies of a shared server.

SQLite's locking is unreliable over SMB/NFS (two desks can corrupt the file), so a path
on a network share is refused with the reason; shared use means PostgreSQL. A running
app holds a lock beside its file (``shop.sqlite3.lock``), so a second copy opening the
same file is told so instead of racing the first (a restore by one would delete the
other's unsaved ``-wal``). A restore also refuses while any other process has the file
open.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import IO

from sqlalchemy.engine import URL

from mechanic_desktop.domain.errors import DatabaseInUse

#: Kernel filesystems that reach another machine (Linux /proc/mounts, macOS ``mount``).
NETWORK_FILESYSTEMS = frozenset(
    {
        "nfs", "nfs4", "cifs", "smbfs", "smb3", "smb2", "afpfs", "ncpfs", "ncp", "9p",
        "davfs", "webdav", "sshfs", "afs", "openafs", "coda", "glusterfs", "ceph", "lustre",
        "beegfs", "gpfs", "orangefs", "pvfs2", "ocfs2", "gfs2", "vboxsf", "vmhgfs",
    }
)
#: FUSE filesystems (``fuse.<name>`` in /proc/mounts) that reach another machine:
#: GNOME's gvfs (its SMB, SFTP, WebDAV and FTP mounts all show as gvfsd-fuse), KDE's
#: kio-fuse, and the SSH, cloud-storage and cluster clients.
NETWORK_FUSE = frozenset(
    {
        "gvfsd-fuse", "kio-fuse", "sshfs", "rclone", "s3fs", "davfs2", "glusterfs",
        "ceph-fuse", "cephfs", "smbnetfs", "fusesmb", "curlftpfs", "goofys", "gcsfuse",
        "juicefs", "seaweedfs", "blobfuse", "blobfuse2", "onedriver", "geesefs", "s3ql",
        "google-drive-ocamlfuse", "vmhgfs-fuse", "mountpoint-s3", "lizardfs", "mfs",
        "moosefs", "httpfs2", "wdfs", "ftpfs", "afpfs", "nfs", "cifs",
    }
)


def is_network_filesystem(kind: str) -> bool:
    """Whether a mount of type ``kind`` is on another machine (``fuse.sshfs``,
    ``fuse.gvfsd-fuse``, ``nfs4``...); local FUSE (``fuseblk``, ``fuse.bindfs``) is not."""
    low = kind.strip().lower()
    if low in NETWORK_FILESYSTEMS:
        return True
    base = low.removeprefix("fuse.").removeprefix("fuse3.")
    return base != low and (base in NETWORK_FUSE or base in NETWORK_FILESYSTEMS)


SHARE_REASON = (
    "{path} is on a network share ({kind}). SQLite files must stay on this computer's own "
    "disk, since file locking over a network can corrupt them; for several workstations "
    "use a shared PostgreSQL server instead."
)

Progress = Callable[[int, int], None]  # (pages done, pages in all)


def parse_mounts(text: str) -> list[tuple[str, str]]:
    """(mount point, filesystem type) pairs from /proc/mounts-style text."""
    mounts = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) >= 3:
            mounts.append((fields[1].replace("\\040", " "), fields[2]))
    return mounts


#: A line of BSD/macOS ``mount`` output: ``//user@nas/shop on /Volumes/shop (smbfs, ...)``.
_BSD_MOUNT = re.compile(r"^.+? on (?P<point>/.*) \((?P<kind>[^,()]+)[,)]")


def parse_bsd_mounts(text: str) -> list[tuple[str, str]]:
    """(mount point, filesystem type) pairs from the output of macOS's ``mount``."""
    mounts = []
    for line in text.splitlines():
        found = _BSD_MOUNT.match(line.strip())
        if found:
            mounts.append((found["point"], found["kind"].strip()))
    return mounts


def _read_mounts(platform: str = sys.platform) -> list[tuple[str, str]]:
    """This machine's mounts: /proc/mounts on Linux; macOS has no /proc, so its
    ``mount`` command is asked (else SMB/AFP/NFS shares under /Volumes pass unseen)."""
    if platform == "darwin":
        try:
            listed = subprocess.run(
                ["/sbin/mount"], capture_output=True, text=True, timeout=10, check=False
            )
        except (OSError, subprocess.SubprocessError):
            return []
        return parse_bsd_mounts(listed.stdout)
    try:
        return parse_mounts(Path("/proc/mounts").read_text(encoding="utf-8"))
    except OSError:
        return []


def network_share_reason(
    path: str | os.PathLike[str],
    *,
    platform: str = sys.platform,
    mounts: Iterable[tuple[str, str]] | None = None,
    windows_drive_is_remote: Callable[[str], bool] | None = None,
) -> str | None:
    """Why ``path`` may not hold a SQLite database, or None when it is a local disk."""
    text = os.fspath(path)
    if platform == "win32" or text.startswith(("\\\\", "//")):
        win = PureWindowsPath(text)
        if win.drive.startswith(("\\\\", "//")):
            return SHARE_REASON.format(path=text, kind="a Windows network path")
        if win.drive and (windows_drive_is_remote or _drive_is_remote)(win.drive):
            return SHARE_REASON.format(path=text, kind=f"mapped network drive {win.drive}")
        return None
    # Symlinks are resolved only on this machine; a POSIX path checked for another
    # platform (tests on Windows) keeps its slashes instead of gaining a drive letter.
    resolved = PurePosixPath(os.path.realpath(text) if platform == sys.platform else text)
    best: tuple[str, str] | None = None
    for point, kind in mounts if mounts is not None else _read_mounts(platform):
        if (resolved == PurePosixPath(point) or PurePosixPath(point) in resolved.parents) and (
            best is None or len(point) > len(best[0])
        ):
            best = (point, kind)
    if best is not None and is_network_filesystem(best[1]):
        return SHARE_REASON.format(path=text, kind=f"{best[1]} at {best[0]}")
    return None


def _drive_is_remote(drive: str) -> bool:  # pragma: no cover - Windows only
    if sys.platform != "win32":
        return False
    import ctypes

    drive_remote = 4
    kernel32 = getattr(ctypes, "windll").kernel32  # noqa: B009 - exists on Windows only
    return bool(kernel32.GetDriveTypeW(drive.rstrip("\\") + "\\") == drive_remote)


def backup_sqlite(
    database: Path, target: Path | None = None, progress: Progress | None = None
) -> Path:
    """A consistent copy of a live SQLite file via the online backup API."""
    if target is None:
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        target = database.with_name(f"{database.stem}-backup-{stamp}{database.suffix}")
    partial = target.with_name(target.name + ".partial")
    source = sqlite3.connect(database)
    try:
        dest = sqlite3.connect(partial)
        try:
            source.backup(
                dest,
                pages=256,
                progress=(lambda _s, left, total: progress(total - left, total))
                if progress
                else None,
            )
        finally:
            dest.close()
    finally:
        source.close()
    os.replace(partial, target)
    return target


def check_sqlite_file(path: Path) -> str | None:
    """Why ``path`` is not a sound SQLite database, or None when it is."""
    try:
        # as_uri() escapes "#", "?" and "%" in folder names (f"file:{path}" would not).
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            result = conn.execute("PRAGMA integrity_check").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        return f"{path.name} is not a usable database ({exc})."
    if result is None or result[0] != "ok":
        return f"{path.name} is damaged: {result[0] if result else 'no answer'}."
    return None


def open_elsewhere(database: Path) -> bool:
    """Whether any other connection has ``database`` open (another process, or a pool
    of this one that was not disposed).

    Every connection the app makes uses WAL, and a WAL connection keeps a shared lock on
    the file while it is open; so an exclusive lock taken without waiting is refused
    exactly while someone else has it open, idle or not.
    """
    if not database.exists():
        return False
    conn = sqlite3.connect(database, timeout=0, isolation_level=None)
    try:
        conn.execute("PRAGMA locking_mode=EXCLUSIVE")
        conn.execute("BEGIN EXCLUSIVE")
        conn.execute("ROLLBACK")
    except sqlite3.OperationalError as exc:
        text = str(exc).lower()
        return "locked" in text or "busy" in text  # else damaged: nobody can use it
    except sqlite3.DatabaseError:
        return False
    finally:
        conn.close()
    return False


IN_USE = ("{name} is open in another program (another copy of Mechanic Desktop, or a "
          "tool reading the file); close it first: restoring now would lose what it "
          "has not written yet.")


def restore_sqlite(backup: Path, database: Path) -> Path:
    """Replace ``database`` by ``backup``; the current file is kept aside and returned.

    The backup is checked first, and copied with the backup API so the result is whole;
    the app must have closed its connections to ``database`` before this runs, and it
    refuses (``DatabaseInUse``) while another process still has the file open.
    """
    problem = check_sqlite_file(backup)
    if problem is not None:
        raise ValueError(problem)
    if open_elsewhere(database):
        raise DatabaseInUse(IN_USE.format(name=database.name))
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    kept = database.with_name(f"{database.stem}-before-restore-{stamp}{database.suffix}")
    if database.exists():
        try:
            backup_sqlite(database, kept)
        except sqlite3.DatabaseError:  # damaged beyond reading: keep its bytes as they are
            shutil.copy2(database, kept)
    restored = backup_sqlite(backup, database.with_name(database.name + ".restoring"))
    for suffix in ("-wal", "-shm"):
        Path(str(database) + suffix).unlink(missing_ok=True)
    os.replace(restored, database)
    return kept


def pg_dump_available() -> str | None:
    return shutil.which("pg_dump")


#: Environment variables never handed to ``pg_dump``: the app's own sign-in password.
PRIVATE_ENVIRONMENT = ("MECHANIC_PASSWORD",)


def run_pg_dump(url: URL, target: Path, pg_dump: str) -> Path:
    """``pg_dump --format=custom``; the password goes in the environment, not argv."""
    # URL.create, not url.set(password=None): set() ignores None, and the rendered URL
    # would then carry "***" as the password, which libpq prefers over PGPASSWORD.
    conninfo = URL.create(
        "postgresql", username=url.username, host=url.host, port=url.port,
        database=url.database, query=url.query,
    ).render_as_string()
    env = {k: v for k, v in os.environ.items() if k not in PRIVATE_ENVIRONMENT}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    done = subprocess.run(
        [pg_dump, "--format=custom", "--no-owner", f"--file={target}", f"--dbname={conninfo}"],
        capture_output=True, text=True, env=env, check=False, timeout=3600)
    if done.returncode != 0:
        first = (done.stderr.strip().splitlines() or ["pg_dump failed"])[-1]
        raise RuntimeError(f"pg_dump could not back up the database: {first}")
    return target


class DatabaseLock:
    """This process's claim on a SQLite file (see the module's docstring)."""

    def __init__(self, path: Path, handle: IO[str]) -> None:
        self.path = path
        self._handle: IO[str] | None = handle

    def release(self) -> None:
        """Let another copy open the file (closing the handle drops the OS lock)."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    @property
    def held(self) -> bool:
        return self._handle is not None


#: The lock byte sits past the process id written at the start of the lock file, so
#: Windows' mandatory range lock does not stop the second copy from reading that id.
_LOCK_OFFSET = 64


def lock_database(database: Path) -> DatabaseLock:
    """Take the one-app-per-file lock beside ``database``, or raise ``DatabaseInUse``
    naming the process that holds it."""
    path = database.with_name(database.name + ".lock")
    handle = open(path, "a+", encoding="ascii")  # noqa: SIM115 - held until release()
    try:
        _lock(handle)
    except OSError:
        handle.seek(0)
        holder = handle.read(_LOCK_OFFSET).strip()
        handle.close()
        process = f" (process {holder})" if holder.isdigit() else ""
        raise DatabaseInUse(
            f"Mechanic Desktop is already running with {database.name} on this "
            f"computer{process}. Use that window, or close it and start again: two copies "
            "working on one file could lose each other's work.") from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    return DatabaseLock(path, handle)


def _lock(handle: IO[str]) -> None:
    if sys.platform == "win32":  # pragma: no cover - Windows only
        import msvcrt

        handle.seek(_LOCK_OFFSET)
        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
    else:
        import fcntl

        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
