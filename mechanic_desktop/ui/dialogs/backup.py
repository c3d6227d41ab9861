"""File → Database connection…, Back up…, Restore…

The work is ``services.maintenance``'s (which checks the role and audits each step),
run as operations on the DB worker; this module asks for files and shows progress. A
SQLite file is copied while a progress dialog shows how far it got. A restore runs on
the DB worker — the one thread that touches the database, so nothing else is using it;
the app then reopens the database (signing in again), since every window was showing
data that no longer exists. A PostgreSQL database is backed up with ``pg_dump`` where it is
installed; restoring one is the server administrator's job. Back up and Restore are
offered to administrators only.
"""

from __future__ import annotations

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
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from mechanic_desktop.domain.permissions import Action
from mechanic_desktop.domain.staff import Role
from mechanic_desktop.services import maintenance
from mechanic_desktop.services.maintenance import Location
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.dialogs.connection import Authority, ChooseFile, ConnectionDialog
from mechanic_desktop.ui.dialogs.styles import ERROR_STYLE, NOTE_STYLE
from mechanic_desktop.ui.operations import DbWorker, Progress, alive
from mechanic_desktop.ui.permission_gate import gate
from mechanic_desktop.ui.window_actions import add_to_file_menu, window_action

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


class ServerBackupDialog(QDialog):
    """Explains backups of a shared server, and runs pg_dump where it is installed."""

    def __init__(
        self, where: Location, worker: DbWorker, choose: ChoosePath,
        parent: QWidget | None = None, pg_dump: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.where = where
        self.worker = worker
        self.choose = choose
        self.pg_dump = pg_dump
        self.saved_to: Path | None = None
        self.busy = False
        self.setObjectName("serverBackupDialog")
        self.setWindowTitle("Back up the shared database")
        self.setAccessibleName("Back up the shared database")
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        text = (f"The shop's data is on the server ({where.description}). The server's "
                "administrator should back it up every night with the server's own tools "
                "(pg_dump or a backup service); restoring it is their job too, since every "
                "desk uses it.")
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
        suggested = str(Path.home() / f"{self.where.database}.dump")
        target = self.choose(self, "Save the database copy as", suggested)
        if not target:
            return
        self.busy = True
        self.dump_button.setEnabled(False)
        self.progress.show()
        self.status.setStyleSheet(NOTE_STYLE)
        self.status.setText("Saving a copy with pg_dump…")
        path = Path(target)
        self.worker.write(lambda uow: maintenance.dump_server(uow, path),
                          alive(self, self._dumped), alive(self, self._failed))

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
        where: Location,
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
        self.where = where
        self.settings = settings
        self.reopen = reopen
        self.choose_target = choose_target or choose_backup_target
        self.choose_source = choose_source or choose_backup_source
        self.choose_file = choose_file
        self.note = note
        self.progress: Progress | None = None
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
        # The service refuses anyway; the menu only saves a pointless click.
        gate(self.backup_action, ui, Action.BACK_UP)
        gate(self.restore_action, ui, Action.RESTORE_BACKUP)
        add_to_file_menu(self.window, (self.connection_action, self.backup_action,
                                       self.restore_action))

    @property
    def database_path(self) -> Path | None:
        return self.where.file

    def _action(self, name: str, text: str, slot: Callable[[], None], tip: str) -> QAction:
        return window_action(self.window, name, text, slot, tip=tip)

    def _say(self, text: str) -> None:
        self.window.statusBar().showMessage(text, 10000)

    # -- connection --------------------------------------------------------------------

    def _connection_action(self) -> None:
        self.open_connection()

    def open_connection(self) -> ConnectionDialog:
        dialog = ConnectionDialog(
            self.settings, choose_file=self.choose_file, worker=self.ui.worker,
            can_upgrade=self.ui.actor is not None and self.ui.can(Action.UPGRADE_SCHEMA),
            authority=Authority.ADMIN if self.ui.actor is not None
            and self.ui.actor.role is Role.ADMIN else Authority.VIEW,
            note=self.note, parent=self.window)
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
            self.server_dialog = ServerBackupDialog(
                self.where, self.ui.worker, self.choose_target, self.window,
                maintenance.pg_dump_available())
            self.server_dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            self.server_dialog.open()
            return
        suggested = str(path.with_name(f"{path.stem}-backup{path.suffix}"))
        target = self.choose_target(self.window, "Save a backup of the shop's data as",
                                    suggested)
        if not target:
            return
        progress = Progress(self.window, "Back up", "Backing up the shop's data…",
                            name="backupProgress")
        if progress.dialog is not None:
            progress.dialog.setCancelButton(None)  # no cancel: it is quick
            progress.dialog.setMinimumDuration(0)
            progress.dialog.setMinimumWidth(380)
        self.progress = progress
        destination = Path(target)
        self.ui.worker.write(
            lambda uow: maintenance.back_up(uow, destination,
                                            progress=progress.report),
            alive(self, self._backed_up), alive(self, self._backup_failed), progress=progress)

    def _close_progress(self) -> None:
        if self.progress is not None:
            self.progress.finish()
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
        backup = Path(source)
        self._say("Restoring…")
        # On the DB worker: no other database job runs meanwhile. Not retried as a
        # write would be: a restore that failed is reported, never repeated.
        self.ui.worker.read(lambda uow: maintenance.restore(uow, backup),
                            alive(self, self._restored), alive(self, self._restore_failed))

    def _restored(self, kept: Path) -> None:
        self.ui.prompts.inform(
            self.window, "Restored",
            f"The shop's data was restored. What was there before is kept in {kept}.\n\n"
            "Mechanic Desktop now reopens the database; please sign in again.")
        self.reopen(self.where.url)

    def _restore_failed(self, error: BaseException) -> None:
        self.ui.prompts.inform(self.window, "Restore failed",
                               f"Nothing was changed: {error}")

