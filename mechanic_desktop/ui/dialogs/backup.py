"""File → Database connection…, Back up…, Restore…

A SQLite file is copied with SQLite's online backup API on a throwaway thread while a
progress dialog shows how far it got. A restore runs on the DB worker itself — the one
thread that touches the database, so nothing else is using it — after the engine has
closed its connections; the app then reopens the database (signing in again), since
every window was showing data that no longer exists. A PostgreSQL database is backed up
with ``pg_dump`` where it is installed; restoring one is the server administrator's job.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QProgressBar,
    QProgressDialog,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import Engine
from sqlalchemy.engine import URL

from mechanic_desktop.db.engine import describe
from mechanic_desktop.db.local_files import backup_sqlite, pg_dump_available, restore_sqlite
from mechanic_desktop.domain.staff import Role
from mechanic_desktop.ui.background import BackgroundJob, run_off_gui
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.dialogs.connection import ChooseFile, ConnectionDialog
from mechanic_desktop.ui.dialogs.form import ERROR_STYLE, NOTE_STYLE
from mechanic_desktop.ui.operations import alive

#: ``choose(parent, caption, suggested_path) -> path or None``; tests answer directly.
ChoosePath = Callable[[QWidget, str, str], str | None]
#: Reopen the app on this URL (after a restore, or a new connection chosen).
Reopen = Callable[[str], None]


def choose_backup_target(parent: QWidget, caption: str, suggested: str) -> str | None:
    path, _ = QFileDialog.getSaveFileName(parent, caption, suggested,
                                          "Backups (*.sqlite3 *.db *.dump);;All files (*)")
    return path or None


def choose_backup_source(parent: QWidget, caption: str, suggested: str) -> str | None:
    path, _ = QFileDialog.getOpenFileName(parent, caption, suggested,
                                          "Backups (*.sqlite3 *.db *.bak);;All files (*)")
    return path or None


def run_pg_dump(url: URL, target: Path, pg_dump: str) -> Path:
    """``pg_dump --format=custom``; the password goes in the environment, not argv."""
    # URL.create, not url.set(password=None): set() ignores None, and the rendered URL
    # would then carry "***" as the password, which libpq prefers over PGPASSWORD.
    conninfo = URL.create(
        "postgresql", username=url.username, host=url.host, port=url.port,
        database=url.database, query=url.query,
    ).render_as_string()
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    done = subprocess.run(
        [pg_dump, "--format=custom", "--no-owner", f"--file={target}", f"--dbname={conninfo}"],
        capture_output=True, text=True, env=env, check=False, timeout=3600)
    if done.returncode != 0:
        first = (done.stderr.strip().splitlines() or ["pg_dump failed"])[-1]
        raise RuntimeError(f"pg_dump could not back up the database: {first}")
    return target


class ServerBackupDialog(QDialog):
    """Explains backups of a shared server, and runs pg_dump where it is installed."""

    def __init__(
        self, url: URL, choose: ChoosePath, parent: QWidget | None = None,
        pg_dump: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.url = url
        self.choose = choose
        self.pg_dump = pg_dump
        self.saved_to: Path | None = None
        self.busy = False
        self.setObjectName("serverBackupDialog")
        self.setWindowTitle("Back up the shared database")
        self.setAccessibleName("Back up the shared database")
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        where = describe(url)
        text = (f"The shop's data is on the server ({where}). The server's administrator "
                "should back it up every night with the server's own tools (pg_dump or a "
                "backup service); restoring it is their job too, since every desk uses it.")
        if pg_dump:
            text += ("\n\nYou can also save a copy now with pg_dump (a .dump file that "
                     "pg_restore reads back).")
        else:
            text += ("\n\npg_dump is not installed on this computer, so no copy can be "
                     "made from here; install the PostgreSQL client tools to do so.")
        self.explanation = QLabel(text, self)
        self.explanation.setObjectName("serverBackupText")
        self.explanation.setWordWrap(True)
        layout.addWidget(self.explanation)
        self.progress = QProgressBar(self)
        self.progress.setObjectName("serverBackupProgress")
        self.progress.setAccessibleName("Backup progress")
        self.progress.setRange(0, 0)
        self.progress.hide()
        layout.addWidget(self.progress)
        self.status = QLabel(self)
        self.status.setObjectName("serverBackupStatus")
        self.status.setAccessibleName("Backup result")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        layout.addStretch(1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setObjectName("serverBackupClose")
        close.setAccessibleName("Close")
        self.dump_button = QPushButton("&Save a copy with pg_dump…", self)
        self.dump_button.setObjectName("serverBackupDump")
        self.dump_button.setAccessibleName("Save a copy with pg_dump")
        self.dump_button.setEnabled(bool(pg_dump))
        self.dump_button.setVisible(bool(pg_dump))
        buttons.addButton(self.dump_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.dump_button.clicked.connect(lambda _c=False: self.dump())
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def dump(self) -> None:
        if not self.pg_dump or self.busy:
            return
        suggested = str(Path.home() / f"{self.url.database or 'shop'}.dump")
        target = self.choose(self, "Save the database copy as", suggested)
        if not target:
            return
        self.busy = True
        self.dump_button.setEnabled(False)
        self.progress.show()
        self.status.setStyleSheet(NOTE_STYLE)
        self.status.setText("Saving a copy with pg_dump…")
        url, pg_dump = self.url, self.pg_dump
        run_off_gui(self, lambda: run_pg_dump(url, Path(target), pg_dump),
                    self._dumped, self._failed)

    def _dumped(self, path: Path) -> None:
        self.busy = False
        self.saved_to = path
        self.progress.hide()
        self.dump_button.setEnabled(True)
        self.status.setStyleSheet("color: #1b5e20;")
        self.status.setText(f"Saved {path} ({path.stat().st_size / 1e6:.1f} MB).")

    def _failed(self, error: BaseException) -> None:
        self.busy = False
        self.progress.hide()
        self.dump_button.setEnabled(True)
        self.status.setStyleSheet(ERROR_STYLE)
        self.status.setText(str(error))


class DatabaseActions(QObject):
    """Adds the connection and backup actions to a window's File menu."""

    def __init__(
        self,
        window: QMainWindow,
        ui: UiContext,
        engine: Engine,
        settings: QSettings,
        reopen: Reopen,
        *,
        choose_target: ChoosePath | None = None,
        choose_source: ChoosePath | None = None,
        choose_file: ChooseFile | None = None,
        note: str = "",
    ) -> None:
        super().__init__(window)
        self.window = window
        self.ui = ui
        self.engine = engine
        self.settings = settings
        self.reopen = reopen
        self.choose_target = choose_target or choose_backup_target
        self.choose_source = choose_source or choose_backup_source
        self.choose_file = choose_file
        self.note = note
        self.progress: QProgressDialog | None = None
        self.last_backup: Path | None = None
        self.connection_dialog: ConnectionDialog | None = None
        self.server_dialog: ServerBackupDialog | None = None
        self.connection_action = self._action(
            "connectionAction", "Database &connection…", self._connection_action,
            "Choose where the shop's data lives: this computer or a shared server")
        self.backup_action = self._action(
            "backupAction", "&Back up…", self.back_up, "Save a copy of the shop's data")
        self.restore_action = self._action(
            "restoreAction", "&Restore…", self.restore,
            "Replace the shop's data by a backup copy")
        actor = ui.actor
        admin = actor is None or actor.role is Role.ADMIN
        self.restore_action.setEnabled(admin)
        if not admin:
            self.restore_action.setToolTip("Only an administrator may restore a backup")
        menu = self._file_menu()
        if menu is not None:
            before = next((a for a in menu.actions() if a.objectName() == "quitAction"), None)
            for action in (self.connection_action, self.backup_action, self.restore_action):
                menu.insertAction(before, action) if before else menu.addAction(action)
            if before is not None:
                menu.insertSeparator(before)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @property
    def database_path(self) -> Path | None:
        db = self.engine.url.database
        return Path(db) if self.is_sqlite and db and db != ":memory:" else None

    def _action(self, name: str, text: str, slot: Callable[[], None], tip: str) -> QAction:
        action = QAction(text, self.window)
        action.setObjectName(name)
        action.setToolTip(tip)
        action.setStatusTip(tip)
        action.triggered.connect(lambda _checked=False: slot())
        self.window.addAction(action)
        return action

    def _file_menu(self) -> QMenu | None:
        for action in self.window.menuBar().actions():
            menu = action.menu()
            if isinstance(menu, QMenu) and any(a.objectName() == "quitAction"
                                               for a in menu.actions()):
                return menu
        return None

    def _say(self, text: str) -> None:
        self.window.statusBar().showMessage(text, 10000)

    # -- connection --------------------------------------------------------------------

    def _connection_action(self) -> None:
        self.open_connection()

    def open_connection(self) -> ConnectionDialog:
        actor = self.ui.actor
        dialog = ConnectionDialog(
            self.settings, choose_file=self.choose_file,
            can_upgrade=actor is not None and actor.role is Role.ADMIN, note=self.note,
            parent=self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._connection_chosen(dialog.chosen_url))
        self.connection_dialog = dialog
        dialog.open()
        return dialog

    def _connection_chosen(self, url: str | None) -> None:
        if not url:
            return
        if self.ui.prompts.confirm(
                self.window, "Switch database",
                "The new connection is saved for the next start. Switch to it now? This "
                "window closes and you sign in on that database.", "Switch now"):
            self.reopen(url)
        else:
            self._say("The new connection will be used at the next start.")

    # -- backup ------------------------------------------------------------------------

    def back_up(self) -> None:
        path = self.database_path
        if path is None:
            self.server_dialog = ServerBackupDialog(self.engine.url, self.choose_target,
                                                    self.window, pg_dump_available())
            self.server_dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            self.server_dialog.open()
            return
        suggested = str(path.with_name(f"{path.stem}-backup{path.suffix}"))
        target = self.choose_target(self.window, "Save a backup of the shop's data as",
                                    suggested)
        if not target:
            return
        progress = QProgressDialog("Backing up the shop's data…", "", 0, 100, self.window)
        progress.setObjectName("backupProgress")
        progress.setAccessibleName("Backup progress")
        progress.setWindowTitle("Back up")
        progress.setCancelButton(None)  # no cancel: it is quick
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(0)
        progress.setAutoClose(False)
        progress.setMinimumWidth(380)
        progress.setValue(0)
        self.progress = progress
        destination = Path(target)

        def work(job: BackgroundJob) -> Path:
            return backup_sqlite(path, destination, progress=job.report)

        job = BackgroundJob(self, work, self._backed_up, self._backup_failed)
        job.progress.connect(self._progressed)
        job.start()

    def _progressed(self, done: int, total: int) -> None:
        if self.progress is not None and total > 0:
            self.progress.setValue(int(done * 100 / total))

    def _close_progress(self) -> None:
        if self.progress is not None:
            self.progress.close()
            self.progress.deleteLater()
            self.progress = None

    def _backed_up(self, target: Path) -> None:
        self._close_progress()
        self.last_backup = target
        self._say(f"Backed up to {target} ({target.stat().st_size / 1e6:.1f} MB).")

    def _backup_failed(self, error: BaseException) -> None:
        self._close_progress()
        self.ui.prompts.inform(self.window, "Backup failed", f"Nothing was backed up: {error}")

    # -- restore -----------------------------------------------------------------------

    def restore(self) -> None:
        path = self.database_path
        if path is None:
            self.ui.prompts.inform(
                self.window, "Restore",
                "The shop's data is on a shared server. Restoring it replaces every desk's "
                "data, so the server's administrator does it (pg_restore), after everyone "
                "has closed Mechanic Desktop.")
            return
        source = self.choose_source(self.window, "Restore the shop's data from",
                                    str(path.parent))
        if not source:
            return
        if not self.ui.prompts.confirm(
                self.window, "Restore from a backup",
                f"Replace all of the shop's data by the backup {source}?\n\nThe data as it "
                "is now is kept aside in a file next to it. Mechanic Desktop then reopens "
                "the database and you sign in again.", "Restore"):
            return
        engine, backup = self.engine, Path(source)

        def work(_uow: object) -> Path:
            # On the DB worker: no other database job runs meanwhile; dispose() closes
            # the pooled connections so the file can be replaced underneath.
            engine.dispose()
            try:
                return restore_sqlite(backup, path)
            finally:
                engine.dispose()

        self._say("Restoring…")
        self.ui.worker.read(work, alive(self, self._restored), alive(self, self._restore_failed))

    def _restored(self, kept: Path) -> None:
        self.ui.prompts.inform(
            self.window, "Restored",
            f"The shop's data was restored. What was there before is kept in {kept}.\n\n"
            "Mechanic Desktop now reopens the database; please sign in again.")
        self.reopen(self.engine.url.render_as_string(hide_password=False))

    def _restore_failed(self, error: BaseException) -> None:
        self.ui.prompts.inform(self.window, "Restore failed",
                               f"Nothing was changed: {error}")

