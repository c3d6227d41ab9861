"""The main window: a side bar of areas (Tickets first), one page each, shared actions,
and a status bar saying where the data lives and how many rows are shown.

A page is built when its area is first shown (start-up builds only the first one and
imports no other page's module); ``pages`` builds them all, for code that needs every one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from PySide6.QtCore import QByteArray, QEvent, QSettings, QSize, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QSplitter,
    QStackedWidget,
    QToolBar,
    QWidget,
)

from mechanic_desktop.domain.changes import Changes
from mechanic_desktop.domain.permissions import Action
from mechanic_desktop.domain.staff import Actor
from mechanic_desktop.ui import access, icons
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.dialogs.export_csv import install_data_actions
from mechanic_desktop.ui.pages.list_page import ListPage
from mechanic_desktop.ui.pages.tickets import TicketsPage
from mechanic_desktop.ui.permission_gate import gate, show_reasons
from mechanic_desktop.ui.screen_fit import restore_geometry, save_geometry
from mechanic_desktop.ui.window_actions import window_action

#: The areas of a window nobody signed in to (see ``access.areas_for``).
PAGE_TYPES: tuple[tuple[str, Callable[[UiContext, QWidget], ListPage]], ...] = tuple(
    (area.title, area.factory) for area in access.UNSIGNED
)

#: The toolbar's and Edit menu's icons (``ui.warm_up`` draws them before Sign in).
ACTION_ICONS = ("new", "edit", "delete", "refresh", "search")

#: About how many characters of the database's description the status bar shows.
DB_LABEL_CHARS = 48


class MainWindow(QMainWindow):
    #: The signed-in person chose Sign out (the session shows the sign-in dialog again).
    sign_out_requested = Signal()
    #: An area's page was built (on its first showing, or by ``pages``).
    page_built = Signal(object)

    def __init__(
        self,
        ui: UiContext,
        description: str,
        settings: QSettings | None = None,
        parent: QWidget | None = None,
        actor: Actor | None = None,
    ) -> None:
        super().__init__(parent)
        self.ui = ui
        #: Who is signed in; None (tests, tools) shows every area as before sign-in existed.
        self.actor = actor
        self.areas = access.areas_for(actor)
        self.settings = settings if settings is not None else QSettings()
        self.setObjectName("mainWindow")
        self.setWindowTitle("Mechanic Desktop")
        self.setAccessibleName("Mechanic Desktop")

        self.sidebar = QListWidget(self)
        self.sidebar.setObjectName("sidebar")
        self.sidebar.setAccessibleName("Areas")
        self.sidebar.setIconSize(QSize(20, 20))
        self.sidebar.setSpacing(2)
        self.stack = QStackedWidget(self)
        self.stack.setObjectName("pages")
        #: Each area's page once built; until then an empty stand-in holds its place.
        self._pages: list[ListPage | None] = []
        for area in self.areas:
            self._pages.append(None)
            self.stack.addWidget(QWidget(self.stack))
            item = QListWidgetItem(area.title, self.sidebar)
            icons.apply(item, area.icon)
            item.setSizeHint(QSize(0, 34))
        self.sidebar.setMinimumWidth(120)
        self.sidebar.setMaximumWidth(260)
        self.sidebar.currentRowChanged.connect(self._show_page)
        # A page chosen with the mouse (or Ctrl+1…) is for typing a search into at once;
        # arrow keys in the sidebar keep the focus there, to walk on.
        self.sidebar.itemClicked.connect(lambda _item: self.current_page.focus_search())

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.sidebar)
        self.splitter.addWidget(self.stack)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([150, 1130])
        self.splitter.setChildrenCollapsible(False)
        self.setCentralWidget(self.splitter)

        #: Whether the actions exist yet (``_update_actions`` waits for them).
        self._built = False
        self._make_status_bar(description)
        ui.worker.busy_changed.connect(self._busy)
        if self.areas:
            # The first page asks for its rows now, so the DB worker reads them while the
            # rest of the window is built (sign-in and start-up time); shown at the end.
            self.page_at(0).start()
        self._make_actions()
        self._make_account_menu()
        self._make_shop_menu()
        self.data_actions = install_data_actions(self)  # File → Import…/Export CSV…
        ui.worker.changed.connect(self.on_changed)
        self.restore_settings()
        self._built = True
        self.sidebar.setCurrentRow(0)
        if self.areas:
            # Opened (after Sign in) ready for a name or number typed at once: the
            # sidebar, first in the tab order, would take the focus, unmarked.
            self.current_page.focus_search()

    # -- pages -------------------------------------------------------------------------

    @property
    def pages(self) -> list[ListPage]:
        """Every area's page, building those not shown yet."""
        return [self.page_at(i) for i in range(len(self.areas))]

    def built_pages(self) -> list[ListPage]:
        return [p for p in self._pages if p is not None]

    def page_at(self, index: int) -> ListPage:
        """The page of area ``index``, built (and its saved state restored) on first use."""
        page = self._pages[index]
        if page is not None:
            return page
        area = self.areas[index]
        page = area.factory(self.ui, self.stack)
        self._pages[index] = page  # first: what follows may ask for this page again
        access.restrict(page, area, self.actor)
        page.status_changed.connect(self._page_status)
        page.message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        page.selection_changed.connect(self._update_actions)
        page.restore_state(self.settings)
        current = self.stack.currentWidget()
        stand_in = self.stack.widget(index)
        assert stand_in is not None
        self.stack.removeWidget(stand_in)
        self.stack.insertWidget(index, page)
        if current is not stand_in and current is not None:
            self.stack.setCurrentWidget(current)
        stand_in.deleteLater()
        self.page_built.emit(page)
        return page

    @property
    def current_page(self) -> ListPage:
        return self.page_at(max(0, self.sidebar.currentRow()))

    def page(self, key: str) -> ListPage:
        return self.page_at(self.index_of(key))

    def index_of(self, key: str) -> int:
        return next(i for i, area in enumerate(self.areas) if area.key == key)

    @property
    def tickets_page(self) -> TicketsPage:
        return cast(TicketsPage, self.page_at(0))

    def show_page(self, index: int) -> None:
        self.sidebar.setCurrentRow(index)

    def _show_page(self, index: int) -> None:
        if not 0 <= index < len(self.areas):
            return
        page = self.page_at(index)
        self.stack.setCurrentIndex(index)
        page.start()
        self._page_status(page.status_text(), page)
        self._update_actions()

    def on_changed(self, changes: Changes) -> None:
        for page in self.built_pages():  # one built later reads the rows fresh
            page.on_changed(changes)

    # -- actions -----------------------------------------------------------------------

    def _action(
        self, name: str, text: str, slot: Callable[[], None],
        shortcuts: tuple[QKeySequence | QKeySequence.StandardKey | str, ...] = (),
        icon: str | None = None,
        tip: str = "",
    ) -> QAction:
        return window_action(self, name, text, slot, shortcuts, tip=tip, icon=icon)

    def _make_actions(self) -> None:
        self.new_action = self._action(
            "newAction", "&New…", self._on_current("new_record"),
            (QKeySequence.StandardKey.New,), "new", "Add a new record to this list")
        self.edit_action = self._action(
            "editAction", "&Edit…", self._on_current("edit_selected"),
            ("Ctrl+E",), "edit",
            "Open the selected row (or press Return / double-click it)")
        self.delete_action = self._action(
            "deleteAction", "&Delete", self._on_current("delete_selected"),
            (QKeySequence.StandardKey.Delete,), "delete", "Delete the selected row")
        self.refresh_action = self._action(
            "refreshAction", "&Refresh", self._on_current("refresh"),
            ("F5",), "refresh",
            "Reload this list from the database")
        self.find_action = self._action(
            "findAction", "&Find", self._on_current("focus_search"),
            (QKeySequence.StandardKey.Find,), "search", "Search this list")
        self.quit_action = self._action("quitAction", "&Quit", self._quit, ("Ctrl+Q",))
        self.go_actions = [
            self._action(f"goto{title}Action", f"&{i + 1} {title}", self._go_to(i),
                         (f"Ctrl+{i + 1}",))
            for i, title in enumerate(area.title for area in self.areas)
        ]

        toolbar = QToolBar("Actions", self)
        toolbar.setObjectName("mainToolbar")
        toolbar.setAccessibleName("Actions")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        for action in (self.new_action, self.edit_action, self.delete_action,
                       self.refresh_action):
            toolbar.addAction(action)
        self.addToolBar(toolbar)

        menus = self.menuBar()
        file_menu = menus.addMenu("&File")
        file_menu.addAction(self.quit_action)
        edit_menu = menus.addMenu("&Edit")
        for action in (self.new_action, self.edit_action, self.delete_action):
            edit_menu.addAction(action)
        edit_menu.addSeparator()
        edit_menu.addAction(self.find_action)
        view_menu = menus.addMenu("&View")
        for action in self.go_actions:
            view_menu.addAction(action)
        view_menu.addSeparator()
        view_menu.addAction(self.refresh_action)

    def _on_current(self, method: str) -> Callable[[], None]:
        """An action's slot that acts on whichever page is showing when it fires."""

        def run() -> None:
            getattr(self.current_page, method)()

        return run

    def _quit(self) -> None:
        self.close()

    def _go_to(self, index: int) -> Callable[[], None]:
        def go() -> None:
            self.show_page(index)
            self.current_page.focus_search()

        return go

    def _update_actions(self) -> None:
        """New, Edit and Delete as the page showing and the signed-in role allow: what
        the role may not do is disabled, and its tooltip says why."""
        if not self._built:
            return
        index = self.stack.currentIndex()
        if not 0 <= index < len(self.areas):
            return
        area, page = self.areas[index], self.page_at(index)
        selected = page.selected_row() is not None
        gate(self.new_action, self.ui, area.new or (), ready=area.new is not None)
        gate(self.edit_action, self.ui, area.open,
             ready=selected and (bool(area.open) or self.actor is None))
        gate(self.delete_action, self.ui, Action.DELETE_RECORDS,
             ready=selected and page.can_delete)

    # -- status bar --------------------------------------------------------------------

    def _make_status_bar(self, description: str) -> None:
        bar = self.statusBar()
        bar.setObjectName("statusBar")
        self.rows_label = QLabel(self)
        self.rows_label.setObjectName("rowCount")
        self.rows_label.setAccessibleName("Rows shown")
        self.busy_label = QLabel(self)
        self.busy_label.setObjectName("busyIndicator")
        self.busy_label.setAccessibleName("Database activity")
        # A local file's path can be long (a profile folder, a network share): shown
        # shortened in its middle, whole in the tooltip, so the page's own status (rows
        # shown, the report's period) beside it is never the text that gets cut.
        width = self.fontMetrics().averageCharWidth() * DB_LABEL_CHARS
        shown = self.fontMetrics().elidedText(description, Qt.TextElideMode.ElideMiddle, width)
        self.db_label = QLabel(shown, self)
        self.db_label.setObjectName("databaseDescription")
        self.db_label.setAccessibleName("Database")
        self.db_label.setToolTip(f"Data is stored in {description}")
        bar.addPermanentWidget(self.busy_label)
        bar.addPermanentWidget(self.rows_label)
        bar.addPermanentWidget(self.db_label)

    def _page_status(self, text: str, page: ListPage | None = None) -> None:
        sender = page if page is not None else self.sender()
        if sender is self.current_page:
            self.rows_label.setText(text)
        self._update_actions()

    def _busy(self, pending: int) -> None:
        self.busy_label.setText("Working…" if pending else "")

    # -- who is signed in ---------------------------------------------------------------

    def _make_account_menu(self) -> None:
        """Account menu and the status bar's "signed in as" (only once someone is)."""
        self.user_label: QLabel | None = None
        self.change_password_action: QAction | None = None
        self.sign_out_action: QAction | None = None
        actor = self.actor
        if actor is None:
            return
        self.user_label = QLabel(f"Signed in as {actor.full_name} ({actor.role.label})", self)
        self.user_label.setObjectName("signedInAs")
        self.user_label.setAccessibleName("Signed in as")
        self.user_label.setToolTip(f"User name: {actor.username}")
        self.user_label.setContentsMargins(12, 0, 4, 0)
        self.statusBar().addPermanentWidget(self.user_label)
        self.change_password_action = self._action(
            "changePasswordAction", "&Change my password…", self.change_password,
            tip="Choose a new password (your current one is required)")
        self.sign_out_action = self._action(
            "signOutAction", "&Sign out", self.sign_out_requested.emit,
            tip="Close this window and let someone else sign in")
        menu = self.menuBar().addMenu("&Account")
        menu.setObjectName("accountMenu")
        menu.addAction(self.change_password_action)
        menu.addSeparator()
        menu.addAction(self.sign_out_action)

    def change_password(self) -> None:
        from mechanic_desktop.ui.dialogs.change_password import ChangePasswordDialog

        if self.actor is None:
            return
        dialog = ChangePasswordDialog(self.ui, self.actor, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(
            lambda _r: self.statusBar().showMessage("Your password has been changed.", 8000))
        self.password_dialog = dialog
        dialog.open()

    # -- settings ----------------------------------------------------------------------

    def restore_settings(self) -> None:
        s = self.settings
        restore_geometry(self, s, "window", 1280, 800)
        splitter = s.value("window/splitter")
        if isinstance(splitter, QByteArray | bytes):
            self.splitter.restoreState(QByteArray(splitter))
        for page in self.built_pages():  # the others restore theirs when built
            page.restore_state(s)

    def save_settings(self) -> None:
        s = self.settings
        save_geometry(self, s, "window")
        s.setValue("window/splitter", self.splitter.saveState())
        for page in self.built_pages():  # a page never built kept its saved state
            page.save_state(s)
        s.sync()

    def changeEvent(self, event: QEvent) -> None:
        # The OS switched light/dark (or the palette changed): our line icons are drawn
        # in the text colour, so draw them again or they vanish on the new background.
        if event.type() == QEvent.Type.PaletteChange:
            icons.recolor(self)
        super().changeEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_settings()
        super().closeEvent(event)

    # -- shop settings (ticket workflow) ------------------------------------------------

    def _make_shop_menu(self) -> None:
        """Settings → Shop settings…: name and address for printouts, tax, ticket prefix."""
        self.shop_settings_dialog: QWidget | None = None
        self.shop_settings_action = self._action(
            "shopSettingsAction", "&Shop settings…", self.open_shop_settings,
            tip="Shop name and address for printouts, sales tax, ticket number prefix")
        gate(self.shop_settings_action, self.ui, Action.EDIT_SETTINGS)
        self.canned_jobs_dialog: QWidget | None = None
        self.canned_jobs_action = self._action(
            "cannedJobsAction", "&Canned jobs…", self.open_canned_jobs, ("Ctrl+Shift+J",),
            tip="The library of jobs added to tickets in one step (brakes, oil change…)")
        menu = self.menuBar().addMenu("&Settings")
        menu.setObjectName("settingsMenu")
        menu.addAction(self.shop_settings_action)
        menu.addAction(self.canned_jobs_action)
        for menu in self.menuBar().findChildren(QMenu):
            show_reasons(menu)  # a disabled entry's tooltip says why

    def open_canned_jobs(self) -> None:
        """Settings → Canned jobs…: administrators keep the library, others may look."""
        from mechanic_desktop.ui.dialogs.canned_jobs import CannedJobsDialog

        dialog = CannedJobsDialog(self.ui, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.canned_jobs_dialog = dialog
        dialog.open()

    def open_shop_settings(self) -> None:
        """Read the settings on the worker, then open the dialog (kept local to this
        section so the window's imports stay as the rest of the window needs them)."""
        from mechanic_desktop.domain.records import ShopSettingsRecord
        from mechanic_desktop.services import shop
        from mechanic_desktop.ui.dialogs.shop_settings import ShopSettingsDialog
        from mechanic_desktop.ui.operations import alive

        def show(record: ShopSettingsRecord) -> None:
            dialog = ShopSettingsDialog(self.ui, record, self)
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            dialog.saved.connect(
                lambda _r: self.statusBar().showMessage("Shop settings saved.", 8000))
            self.shop_settings_dialog = dialog
            dialog.open()

        self.ui.worker.read(shop.get_settings, alive(self, show),
                            alive(self, lambda e: self.statusBar().showMessage(str(e), 8000)))
