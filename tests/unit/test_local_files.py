"""SQLite files: network shares refused; backup and restore round-trip every table."""

from __future__ import annotations

import hashlib
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from mechanic_desktop.db.engine import make_engine
from mechanic_desktop.db.local_files import (
    backup_sqlite,
    check_sqlite_file,
    network_share_reason,
    parse_bsd_mounts,
    parse_mounts,
    restore_sqlite,
)
from mechanic_desktop.db.migrations import upgrade
from mechanic_desktop.db.unit_of_work import UnitOfWork
from tests.unit import factories

MOUNTS = parse_mounts(
    "/dev/sda1 / ext4 rw 0 0\n"
    "server:/export /mnt/nfs nfs4 rw 0 0\n"
    "//nas/shop /mnt/shop\\040files cifs rw 0 0\n"
    "/dev/sdb1 /mnt/nfs/local ext4 rw 0 0\n"
)


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/mnt/nfs/shop.sqlite3", "nfs4 at /mnt/nfs"),
        ("/mnt/shop files/shop.sqlite3", "cifs at /mnt/shop files"),
    ],
)
def test_posix_network_mounts_are_refused(path: str, kind: str) -> None:
    reason = network_share_reason(path, platform="linux", mounts=MOUNTS)
    assert reason is not None and f"({kind})" in reason and "PostgreSQL" in reason


@pytest.mark.parametrize("path", ["/home/sam/shop.sqlite3", "/mnt/nfs/local/shop.sqlite3"])
def test_local_disks_are_accepted(path: str) -> None:
    assert network_share_reason(path, platform="linux", mounts=MOUNTS) is None


FUSE_MOUNTS = parse_mounts(
    "/dev/sda1 / ext4 rw 0 0\n"
    "gvfsd-fuse /run/user/1000/gvfs fuse.gvfsd-fuse rw,nosuid,nodev 0 0\n"
    "sam@server:/srv /home/sam/server fuse.sshfs rw 0 0\n"
    "gdrive: /home/sam/drive fuse.rclone rw 0 0\n"
    "shop-bucket /mnt/bucket fuse.s3fs rw 0 0\n"
    "kio-fuse /run/user/1000/kio-fuse-x fuse.kio-fuse rw 0 0\n"
    "/dev/sdb1 /media/usb fuseblk rw 0 0\n"
    "/srv/data /home/sam/bound fuse.bindfs rw 0 0\n"
    "portal /run/user/1000/doc fuse.portal rw 0 0\n"
)


@pytest.mark.parametrize(
    ("path", "refused"),
    [
        ("/run/user/1000/gvfs/smb-share:server=nas,share=shop/shop.sqlite3", True),
        ("/home/sam/server/shop.sqlite3", True),
        ("/home/sam/drive/shop.sqlite3", True),
        ("/mnt/bucket/shop.sqlite3", True),
        ("/run/user/1000/kio-fuse-x/smb/nas/shop.sqlite3", True),
        ("/media/usb/shop.sqlite3", False),  # an NTFS stick: local
        ("/home/sam/bound/shop.sqlite3", False),
        ("/run/user/1000/doc/shop.sqlite3", False),
    ],
)
def test_fuse_network_filesystems_are_refused(path: str, refused: bool) -> None:
    """GNOME's SMB mounts (gvfsd-fuse) and the other FUSE clients of another machine."""
    reason = network_share_reason(path, platform="linux", mounts=FUSE_MOUNTS)
    assert (reason is not None and "network share (fuse." in reason) is refused


@pytest.mark.parametrize(
    "path", [r"\\NAS\shop\shop.sqlite3", "//nas/shop/shop.sqlite3", r"Z:\shop.sqlite3"]
)
def test_windows_network_paths_are_refused(path: str) -> None:
    reason = network_share_reason(
        path, platform="win32", windows_drive_is_remote=lambda d: d == "Z:"
    )
    assert reason is not None and "network" in reason


# What macOS's `mount` prints (it has no /proc/mounts); shares appear under /Volumes.
MAC_MOUNTS = parse_bsd_mounts(
    "/dev/disk3s1s1 on / (apfs, sealed, local, read-only, journaled)\n"
    "/dev/disk3s5 on /System/Volumes/Data (apfs, local, journaled, nobrowse)\n"
    "map auto_home on /System/Volumes/Data/home (autofs, automounted, nobrowse)\n"
    "//sam@nas._smb._tcp.local/shop on /Volumes/shop (smbfs, nodev, nosuid, mounted by sam)\n"
    "server:/export on /Volumes/Shop Files (2) (nfs, nodev, nosuid, mounted by sam)\n"
    "/dev/disk4s1 on /Volumes/USB Stick (msdos, local, nodev, nosuid, noowners)\n"
)


def test_macos_mount_output_is_read() -> None:
    assert ("/Volumes/shop", "smbfs") in MAC_MOUNTS
    assert ("/Volumes/Shop Files (2)", "nfs") in MAC_MOUNTS
    assert ("/", "apfs") in MAC_MOUNTS and len(MAC_MOUNTS) == 6


@pytest.mark.parametrize(
    ("path", "refused"),
    [
        ("/Volumes/shop/shop.sqlite3", True),
        ("/Volumes/Shop Files (2)/shop.sqlite3", True),
        ("/Volumes/USB Stick/shop.sqlite3", False),
        ("/Users/sam/Library/Application Support/shop.sqlite3", False),
    ],
)
def test_macos_shares_are_refused(path: str, refused: bool) -> None:
    reason = network_share_reason(path, platform="darwin", mounts=MAC_MOUNTS)
    assert (reason is not None and "network share" in reason) is refused


def test_windows_local_drive_is_accepted() -> None:
    assert (
        network_share_reason(
            r"C:\Users\sam\shop.sqlite3", platform="win32", windows_drive_is_remote=lambda d: False
        )
        is None
    )


def _checksum(path: Path) -> dict[str, tuple[int, str]]:
    # closing(): sqlite3's own context manager only commits, and a connection left open
    # until garbage collection stops Windows from replacing the file in restore_sqlite.
    with closing(sqlite3.connect(path)) as conn:
        tables = [
            r[0]
            for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")
        ]
        result = {}
        for table in tables:
            rows = conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
            result[table] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
        return result


@pytest.mark.parametrize("folder", ["Shop #2", "50% off", "a%20b"])
def test_a_backup_in_any_folder_name_is_checked(tmp_path: Path, folder: str) -> None:
    good = tmp_path / folder / "backup.sqlite3"
    good.parent.mkdir()
    with closing(sqlite3.connect(good)) as conn:
        conn.execute("CREATE TABLE t (x)")
        conn.commit()
    assert check_sqlite_file(good) is None
    bad = tmp_path / folder / "notes.sqlite3"
    bad.write_bytes(b"not a database at all" * 100)
    assert check_sqlite_file(bad) == (
        "notes.sqlite3 is not a usable database (file is not a database)."
    )


def test_backup_and_restore_round_trip_every_table(tmp_path: Path) -> None:
    path = tmp_path / "shop.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    uow = UnitOfWork(engine)
    factories.ticket(uow)
    before = _checksum(path)
    progress: list[tuple[int, int]] = []
    copy = backup_sqlite(
        path, tmp_path / "copy.sqlite3", progress=lambda d, t: progress.append((d, t))
    )
    assert progress and progress[-1][0] == progress[-1][1]
    assert check_sqlite_file(copy) is None
    factories.customer(uow, "Added After Backup")
    engine.dispose()
    kept = restore_sqlite(copy, path)
    assert _checksum(path) == before
    assert _checksum(kept)["customers"][0] == 2
    assert sum(n for n, _ in before.values()) > 3


def test_restoring_a_damaged_file_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"SQLite format 3\x00" + b"\xff" * 5000)
    target = tmp_path / "shop.sqlite3"
    target.write_bytes(b"")
    with pytest.raises(ValueError, match=r"not a usable database|damaged"):
        restore_sqlite(bad, target)
    assert target.read_bytes() == b""  # the current file is untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.sqlite3", "shop.sqlite3"]
