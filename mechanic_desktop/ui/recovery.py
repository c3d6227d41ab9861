"""When the local database file is damaged: say so, and offer the newest sound backup.

The backups are the copies the app makes before a schema upgrade
(``shop.sqlite3.<date>.before-<rev>.bak``) and those made with File → Back up…
(``shop-backup-<date>.sqlite3``), found beside the file. Restoring keeps the damaged file
aside, so nothing is lost by trying.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from mechanic_desktop.db.local_files import restore_sqlite
from mechanic_desktop.db.probe import check_shop_file

Confirm = Callable[[str, str], bool]  # (title, question) → yes


def backups_beside(database: Path) -> list[Path]:
    """Sound backups of ``database``, newest first: Mechanic Desktop databases only, so
    a stray SQLite file with a backup's name is never offered."""
    folder = database.parent
    if not folder.is_dir():
        return []
    candidates = [
        p
        for p in folder.iterdir()
        if p != database
        and p.is_file()
        and (
            (p.name.startswith(database.name + ".") and p.suffix == ".bak")
            or (p.name.startswith(f"{database.stem}-backup-") and p.suffix == database.suffix)
        )
    ]
    candidates.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    return [p for p in candidates if check_shop_file(p) is None]


def offer_restore(database: Path, problem: str, confirm: Confirm) -> Path | None:
    """Ask whether to restore the newest sound backup; returns where the damaged file was
    kept when it was restored, None when there was nothing to restore or the user said no."""
    found = backups_beside(database)
    if not found:
        return None
    newest = found[0]
    question = (
        f"{problem}\n\nA backup of this database was found:\n{newest.name}\n\n"
        "Restore it? The damaged file is kept aside, not deleted; work done after the "
        "backup was made is not in it."
    )
    if not confirm("The database file is damaged", question):
        return None
    return restore_sqlite(newest, database)
