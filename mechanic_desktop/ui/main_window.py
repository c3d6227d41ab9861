"""The main window: a side bar of areas (Tickets first), one page each, shared actions,
and a status bar saying where the data lives and how many rows are shown."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QByteArray, QSettings, QSize, Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QSplitter,
    QStackedWidget,
    QStyle,
    QToolBar,
    QWidget,
)

from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.operations import Changes
from mechanic_desktop.ui.pages.customers import CustomersPage
from mechanic_desktop.ui.pages.list_page import ListPage
from mechanic_desktop.ui.pages.mechanics import MechanicsPage
from mechanic_desktop.ui.pages.stock import StockPage
from mechanic_desktop.ui.pages.tickets import TicketsPage

PAGE_TYPES: tuple[tuple[str, Callable[[UiContext, QWidget], ListPage]], ...] = (
    ("Tickets", TicketsPage),
    ("Customers", CustomersPage),
    ("Mechanics", MechanicsPage),
    ("Stock", StockPage),
)


class MainWindow(QMainWindow):
    def __init__(
        self,
        ui: UiContext,
        description: str,
        settings: QSettings | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ui = ui
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
        self.pages: list[ListPage] = []
        icons = (QStyle.StandardPixmap.SP_FileDialogDetailedView,
                 QStyle.StandardPixmap.SP_DirHomeIcon,
                 QStyle.StandardPixmap.SP_ComputerIcon,
                 QStyle.StandardPixmap.SP_DriveHDIcon)
        for (title, page_type), icon in zip(PAGE_TYPES, icons, strict=True):
            page = page_type(ui, self.stack)
            self.pages.append(page)
            self.stack.addWidget(page)
            item = QListWidgetItem(self.style().standardIcon(icon), title, self.sidebar)
            item.setSizeHint(QSize(0, 34))
            page.status_changed.connect(self._page_status)
            page.message.connect(lambda text: self.statusBar().showMessage(text, 8000))
            page.selection_changed.connect(self._update_actions)
        self.sidebar.setMinimumWidth(120)
        self.sidebar.setMaximumWidth(260)
        self.sidebar.currentRowChanged.connect(self._show_page)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.sidebar)
        self.splitter.addWidget(self.stack)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([150, 1130])
        self.splitter.setChildrenCollapsible(False)
        self.setCentralWidget(self.splitter)

        self._make_actions()
        self._make_status_bar(description)
        ui.worker.changed.connect(self.on_changed)
        ui.worker.busy_changed.connect(self._busy)
        self.restore_settings()
        self.sidebar.setCurrentRow(0)

    # -- pages -------------------------------------------------------------------------

    @property
    def current_page(self) -> ListPage:
        return self.pages[self.stack.currentIndex()]

    def page(self, key: str) -> ListPage:
        return next(p for p in self.pages if p.key == key)

    @property
    def tickets_page(self) -> TicketsPage:
        page = self.pages[0]
        assert isinstance(page, TicketsPage)
        return page

    def show_page(self, index: int) -> None:
        self.sidebar.setCurrentRow(index)

    def _show_page(self, index: int) -> None:
        if not 0 <= index < len(self.pages):
            return
        self.stack.setCurrentIndex(index)
        page = self.pages[index]
        page.start()
        self._page_status(page.status_text(), page)
        self._update_actions()

    def on_changed(self, changes: Changes) -> None:
        for page in self.pages:
            page.on_changed(changes)

    # -- actions -----------------------------------------------------------------------

    def _action(
        self, name: str, text: str, slot: Callable[[], None],
        shortcuts: tuple[QKeySequence | QKeySequence.StandardKey | str, ...] = (),
        icon: QStyle.StandardPixmap | None = None,
        tip: str = "",
    ) -> QAction:
        action = QAction(text, self)
        action.setObjectName(name)
        if icon is not None:
            action.setIcon(self.style().standardIcon(icon))
        if shortcuts:
            action.setShortcuts([QKeySequence(s) for s in shortcuts])
        label = text.replace("&", "").rstrip("….")
        tip = tip or label
        keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        action.setToolTip(f"{tip} ({keys})" if keys else tip)
        action.setStatusTip(tip)
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)
        return action

    def _make_actions(self) -> None:
        px = QStyle.StandardPixmap
        self.new_action = self._action(
            "newAction", "&New…", self._on_current("new_record"),
            (QKeySequence.StandardKey.New,), px.SP_FileIcon, "Add a new record to this list")
        self.edit_action = self._action(
            "editAction", "&Edit…", self._on_current("edit_selected"),
            ("Ctrl+E",), px.SP_FileDialogContentsView,
            "Open the selected row (or press Return / double-click it)")
        self.delete_action = self._action(
            "deleteAction", "&Delete", self._on_current("delete_selected"),
            (QKeySequence.StandardKey.Delete,), px.SP_TrashIcon, "Delete the selected row")
        self.refresh_action = self._action(
            "refreshAction", "&Refresh", self._on_current("refresh"),
            ("F5",), px.SP_BrowserReload,
            "Reload this list from the database")
        self.find_action = self._action(
            "findAction", "&Find", self._on_current("focus_search"),
            (QKeySequence.StandardKey.Find,), None, "Search this list")
        self.quit_action = self._action("quitAction", "&Quit", self._quit, ("Ctrl+Q",))
        self.go_actions = [
            self._action(f"goto{title}Action", f"&{i + 1} {title}", self._go_to(i),
                         (f"Ctrl+{i + 1}",))
            for i, (title, _type) in enumerate(PAGE_TYPES)
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
        return lambda: self.show_page(index)

    def _update_actions(self) -> None:
        page = self.current_page
        selected = page.selected_row() is not None
        self.edit_action.setEnabled(selected)
        self.delete_action.setEnabled(selected and page.can_delete)

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
        self.db_label = QLabel(description, self)
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

    # -- settings ----------------------------------------------------------------------

    def restore_settings(self) -> None:
        s = self.settings
        geometry = s.value("window/geometry")
        if isinstance(geometry, QByteArray | bytes):
            self.restoreGeometry(QByteArray(geometry))
        else:
            self.resize(1280, 800)
        splitter = s.value("window/splitter")
        if isinstance(splitter, QByteArray | bytes):
            self.splitter.restoreState(QByteArray(splitter))
        for page in self.pages:
            page.restore_state(s)

    def save_settings(self) -> None:
        s = self.settings
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/splitter", self.splitter.saveState())
        for page in self.pages:
            page.save_state(s)
        s.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_settings()
        super().closeEvent(event)
