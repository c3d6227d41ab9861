"""SQLite files: refusing network shares, and consistent backups and restores.

SQLite's locking is unreliable over SMB/NFS (two desks can corrupt the file), so a path
on a network share is refused with the reason; shared use means PostgreSQL.
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

NETWORK_FILESYSTEMS = frozenset(
    {
        "nfs",
        "nfs4",
        "cifs",
        "smbfs",
        "smb3",
        "afpfs",
        "ncpfs",
        "9p",
        "davfs",
        "fuse.sshfs",
        "sshfs",
        "fuse.davfs2",
        "webdav",
        "afs",
        "glusterfs",
        "ceph",
        "fuse.glusterfs",
        "fuse.rclone",
        "fuse.s3fs",
    }
)
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
    if best is not None and best[1].lower() in NETWORK_FILESYSTEMS:
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


def restore_sqlite(backup: Path, database: Path) -> Path:
    """Replace ``database`` by ``backup``; the current file is kept aside and returned.

    The backup is checked first, and copied with the backup API so the result is whole;
    the app must have closed its connections to ``database`` before this runs.
    """
    problem = check_sqlite_file(backup)
    if problem is not None:
        raise ValueError(problem)
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
