"""The main window driven as a user would: search, filter, shortcuts, create, edit,
delete, refused deletes explained, and every model checked against Qt's rules."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QColor, QIcon, QKeySequence, QPalette
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QCheckBox,
    QComboBox,
    QHeaderView,
    QLineEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from mechanic_desktop.db.unit_of_work import UnitOfWork
from mechanic_desktop.domain.changes import Changes
from mechanic_desktop.services import customers, mechanics
from mechanic_desktop.ui.context import UiContext
from mechanic_desktop.ui.main_window import MainWindow
from mechanic_desktop.ui.models.paged_model import ROW_ID_ROLE
from tests.ui.conftest import FakePrompts, Shop
from tests.ui.helpers import WAIT_MS, column, select, wait_column, wait_dialog


def _inside_composite(widget: QWidget) -> bool:
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QComboBox | QAbstractSpinBox | QLineEdit | QAbstractItemView):
            return True
        parent = parent.parentWidget()
    return False


def _open(qtbot: QtBot, window: MainWindow, key: str) -> None:
    index = [p.key for p in window.pages].index(key)
    window.go_actions[index].trigger()
    page = window.current_page
    assert page.key == key
    qtbot.waitUntil(lambda: page.model.loaded_once and not page.model.loading, timeout=WAIT_MS)


def test_every_page_model_follows_qt_rules(
    qtbot: QtBot, shop: Shop, window: MainWindow, qtmodeltester: object
) -> None:
    for page in window.pages:
        _open(qtbot, window, page.key)
        assert page.model.rowCount() > 0
        qtmodeltester.check(page.model)  # type: ignore[attr-defined]


def test_tickets_page_is_default_and_shows_rows(
    qtbot: QtBot, shop: Shop, window: MainWindow
) -> None:
    page = window.current_page
    assert page.key == "tickets"
    wait_column(qtbot, page, [f"RO-{shop.ticket.number}"])
    assert column(page.model, 2) == ["Ada Lovelace"]
    assert column(page.model, 6) == ["Sam Wrench"]
    assert window.db_label.text() == window.db_label.text().strip() != ""
    assert window.rows_label.text() == "1 ticket"


def test_a_long_database_path_is_shortened_in_the_middle_never_the_page_status(
    qtbot: QtBot, ui: UiContext, settings: QSettings
) -> None:
    """A deep local path used to push the rows / report-period text off the status bar."""
    path = "/home/shop/" + "very-long-folder-name/" * 8 + "shop.sqlite3"
    window = MainWindow(ui, path, settings)
    qtbot.addWidget(window)
    label = window.db_label
    assert label.text().startswith("/home/shop/") and label.text().endswith("shop.sqlite3")
    assert "…" in label.text() and len(label.text()) < 60
    assert path in label.toolTip()


def test_search_as_you_type(qtbot: QtBot, shop: Shop, window: MainWindow) -> None:
    _open(qtbot, window, "customers")
    page = window.current_page
    wait_column(qtbot, page, ["Ada Lovelace", "Bob Builder"])
    qtbot.keyClicks(page.search, "lovel")
    wait_column(qtbot, page, ["Ada Lovelace"])
    page.search.clear()
    qtbot.keyClicks(page.search, "zzz")
    wait_column(qtbot, page, [])
    assert page.empty.isVisible()
    assert "No customers match" in page.empty.text()
    assert window.rows_label.text() == "0 customers"


def test_empty_database_says_what_to_do(qtbot: QtBot, window: MainWindow) -> None:
    page = window.current_page
    assert page.empty.isVisible()
    new_keys = QKeySequence(QKeySequence.StandardKey.New)
    assert new_keys.toString(QKeySequence.SequenceFormat.NativeText) in page.empty.text()


def test_quick_filters(qtbot: QtBot, shop: Shop, window: MainWindow) -> None:
    _open(qtbot, window, "stock")
    stock = window.current_page
    wait_column(qtbot, stock, ["FLT-100", "OIL-5W30"])
    low = stock.model.index(1, 0)  # 4 on hand, reorder at 10
    assert low.data(Qt.ItemDataRole.BackgroundRole) is not None
    assert low.data(Qt.ItemDataRole.DecorationRole) is not None
    assert stock.model.index(0, 0).data(Qt.ItemDataRole.BackgroundRole) is None
    qtbot.mouseClick(stock.low_stock, Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]
    wait_column(qtbot, stock, ["OIL-5W30"])

    _open(qtbot, window, "mechanics")
    crew = window.current_page
    wait_column(qtbot, crew, ["Pat Retired", "Sam Wrench"])
    crew.active_only.setChecked(True)  # type: ignore[attr-defined]
    wait_column(qtbot, crew, ["Sam Wrench"])

    _open(qtbot, window, "tickets")
    board = window.tickets_page
    closed = board.status_filter.findText("Closed")
    board.status_filter.setCurrentIndex(closed)
    wait_column(qtbot, board, [])
    board.status_filter.setCurrentIndex(1)  # active
    wait_column(qtbot, board, [f"RO-{shop.ticket.number}"])
    qtbot.waitUntil(lambda: board.mechanic_filter.count() == 2, timeout=WAIT_MS)
    board.mechanic_filter.setCurrentIndex(1)
    wait_column(qtbot, board, [f"RO-{shop.ticket.number}"])


def test_keyboard_shortcuts(qtbot: QtBot, shop: Shop, window: MainWindow) -> None:
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT_MS)
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert window.current_page.key == "customers"
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(window.current_page.search.hasFocus, timeout=WAIT_MS)
    qtbot.keyClick(window, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    assert window.current_page.key == "stock"
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    dialog = wait_dialog(qtbot, window.current_page)
    assert dialog.objectName() == "partDialog"
    dialog.reject()


def test_a_page_chosen_is_ready_for_typing_a_search(
    qtbot: QtBot, shop: Shop, window: MainWindow
) -> None:
    """Found walking the app under a window manager: a click on Customers left the focus
    in the sidebar, so the name typed next went nowhere. A click or Ctrl+number puts it
    in the page's search box; arrow keys in the sidebar keep it there, to walk on."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT_MS)
    sidebar = window.sidebar
    item = sidebar.item(1)
    assert item is not None
    qtbot.mouseClick(sidebar.viewport(), Qt.MouseButton.LeftButton,
                     pos=sidebar.visualItemRect(item).center())
    assert window.current_page.key == "customers"
    qtbot.waitUntil(window.current_page.search.hasFocus, timeout=WAIT_MS)
    qtbot.keyClicks(window.current_page.search, "love")
    assert window.current_page.search.text() == "love"
    qtbot.keyClick(window, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(window.current_page.search.hasFocus, timeout=WAIT_MS)
    sidebar.setFocus()
    qtbot.waitUntil(sidebar.hasFocus, timeout=WAIT_MS)
    qtbot.keyClick(sidebar, Qt.Key.Key_Up)
    assert window.current_page.key == "mechanics" and sidebar.hasFocus()


def test_the_main_window_opens_ready_for_typing_a_search(
    qtbot: QtBot, shop: Shop, window: MainWindow
) -> None:
    """Found walking the app on a virtual screen: after Sign in the focus was in the
    sidebar (first in the tab order), with no mark of it, so a customer's name typed at
    once went nowhere and Down switched the page. The window opens with the focus in
    its first page's search box, as a page chosen does."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT_MS)
    page = window.current_page
    assert page.key == "tickets"
    assert window.focusWidget() is page.search
    qtbot.keyClicks(QApplication.focusWidget(), "Ada")
    assert page.search.text() == "Ada"


def test_create_customer_through_the_dialog(
    qtbot: QtBot, shop: Shop, window: MainWindow
) -> None:
    _open(qtbot, window, "customers")
    page = window.current_page
    window.new_action.trigger()
    dialog = wait_dialog(qtbot, page)
    assert not dialog.save_button.isEnabled()  # name missing
    qtbot.keyClicks(dialog.name, "Grace Hopper")
    qtbot.keyClicks(dialog.email, "grace@example")
    assert dialog.error_of("email").startswith("E-mail is not valid")
    assert not dialog.save_button.isEnabled()
    qtbot.keyClicks(dialog.email, ".com")
    qtbot.keyClicks(dialog.phone, "555-222-3333")
    assert dialog.error_of("email") == ""
    assert dialog.save_button.isEnabled()
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    wait_column(qtbot, page, ["Ada Lovelace", "Bob Builder", "Grace Hopper"])
    assert page.selected_row() is not None and page.selected_row().name == "Grace Hopper"


def test_service_validation_lands_next_to_the_field(
    qtbot: QtBot, shop: Shop, window: MainWindow
) -> None:
    _open(qtbot, window, "customers")
    page = window.current_page
    window.new_action.trigger()
    dialog = wait_dialog(qtbot, page)
    qtbot.keyClicks(dialog.name, "Ada Again")
    qtbot.keyClicks(dialog.email, "ADA@example.com")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.error_of("email") != "", timeout=WAIT_MS)
    assert "Ada Lovelace already has this e-mail" in dialog.error_of("email")
    assert dialog.isVisible()
    assert dialog.name.text() == "Ada Again"
    assert dialog.email.text() == "ADA@example.com"
    qtbot.keyClicks(dialog.email, "x")  # typing clears the service's message
    assert dialog.error_of("email") == ""
    dialog.reject()


def test_edit_with_return_keeps_selection(
    qtbot: QtBot, shop: Shop, window: MainWindow
) -> None:
    _open(qtbot, window, "customers")
    page = window.current_page
    select(qtbot, page, "Bob Builder")
    qtbot.keyClick(page.table, Qt.Key.Key_Return)
    dialog = wait_dialog(qtbot, page)
    assert dialog.name.text() == "Bob Builder"
    dialog.name.clear()
    qtbot.keyClicks(dialog.name, "Bob Mason")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    wait_column(qtbot, page, ["Ada Lovelace", "Bob Mason"])
    assert page.selected_row().name == "Bob Mason"


def test_refused_delete_is_explained(
    qtbot: QtBot, shop: Shop, window: MainWindow, prompts: FakePrompts
) -> None:
    _open(qtbot, window, "customers")
    page = window.current_page
    select(qtbot, page, "Ada Lovelace")
    window.delete_action.trigger()
    qtbot.waitUntil(lambda: bool(prompts.notices), timeout=WAIT_MS)
    assert prompts.questions[0][2] == "Delete"
    _title, text = prompts.notices[0]
    assert "service tickets" in text and "edit their details instead" in text
    assert column(page.model) == ["Ada Lovelace", "Bob Builder"]


def test_delete_after_confirmation(
    qtbot: QtBot, shop: Shop, window: MainWindow, prompts: FakePrompts
) -> None:
    _open(qtbot, window, "customers")
    page = window.current_page
    select(qtbot, page, "Bob Builder")
    prompts.answer = False
    window.delete_action.trigger()
    assert len(prompts.questions) == 1
    assert column(page.model) == ["Ada Lovelace", "Bob Builder"]
    prompts.answer = True
    window.delete_action.trigger()
    wait_column(qtbot, page, ["Ada Lovelace"])


def test_mechanic_who_worked_can_be_marked_inactive(
    qtbot: QtBot, shop: Shop, window: MainWindow, prompts: FakePrompts, arrange: UnitOfWork
) -> None:
    _open(qtbot, window, "mechanics")
    page = window.current_page
    select(qtbot, page, "Sam Wrench")
    window.delete_action.trigger()
    qtbot.waitUntil(lambda: len(prompts.questions) == 2, timeout=WAIT_MS)
    assert prompts.questions[1][2] == "Mark inactive"
    qtbot.waitUntil(lambda: column(page.model, 3) == ["No", "No"], timeout=WAIT_MS)
    assert not mechanics.get_mechanic(arrange, shop.sam.id).active


def test_pages_refresh_only_for_their_entities(
    qtbot: QtBot, shop: Shop, window: MainWindow
) -> None:
    for page in window.pages:
        page.start()
    qtbot.waitUntil(lambda: all(not p.model.loading for p in window.pages), timeout=WAIT_MS)
    asked: list[tuple[int, str]] = []  # (page, how): its rows, or its whole window
    for i, page in enumerate(window.pages):
        for how in ("refresh", "refresh_rows"):
            original = getattr(page.model, how)
            setattr(page.model, how, lambda *args, _i=i, _how=how, _original=original: (
                asked.append((_i, _how)), _original(*args)))
    window.on_changed(Changes.build({"part": [shop.oil.id]}))
    assert asked == [(3, "refresh_rows")]  # the stock page, that part's row
    qtbot.waitUntil(lambda: window.ui.worker.pending == 0, timeout=WAIT_MS)
    asked.clear()
    window.on_changed(Changes.build({"customer": [shop.ada.id]}))
    # Tickets show the customer's name (which tickets: unknown, so the window); the
    # customers page reads Ada's row.
    assert asked == [(0, "refresh"), (1, "refresh_rows")]


def test_write_elsewhere_refreshes_and_keeps_selection(
    qtbot: QtBot, shop: Shop, window: MainWindow, ui: UiContext
) -> None:
    _open(qtbot, window, "customers")
    page = window.current_page
    select(qtbot, page, "Bob Builder")
    ui.worker.write(
        lambda uow: customers.create_customer(uow, customers.CustomerData("Aaron Aardvark")),
    )
    wait_column(qtbot, page, ["Aaron Aardvark", "Ada Lovelace", "Bob Builder"])
    assert page.selected_row().name == "Bob Builder"
    assert page.table.currentIndex().data(ROW_ID_ROLE) == shop.bob.id


def test_settings_remember_sort_and_widths(
    qtbot: QtBot, shop: Shop, ui: UiContext, settings: QSettings
) -> None:
    first = MainWindow(ui, "test", settings)
    qtbot.addWidget(first)
    first.show_page(1)
    page = first.current_page
    page.table.setColumnWidth(1, 222)
    page.table.horizontalHeader().setSortIndicator(0, Qt.SortOrder.DescendingOrder)
    qtbot.waitUntil(lambda: page.model.query.descending, timeout=WAIT_MS)
    first.close()
    second = MainWindow(ui, "test", settings)
    qtbot.addWidget(second)
    again = second.page("customers")
    assert again.table.columnWidth(1) == 222
    assert again.model.query.sort == "name" and again.model.query.descending
    second.show_page(1)
    wait_column(qtbot, again, ["Bob Builder", "Ada Lovelace"])


def test_every_interactive_widget_is_named(
    qtbot: QtBot, shop: Shop, window: MainWindow
) -> None:
    kinds = (QLineEdit, QComboBox, QCheckBox, QAbstractButton, QAbstractItemView)
    unnamed = []
    for widget in window.findChildren(QWidget):
        if not isinstance(widget, kinds) or isinstance(widget, QHeaderView):
            continue
        if _inside_composite(widget):
            continue  # Qt's own parts of a composite widget
        if type(widget).__name__ in ("QToolButton", "QLineEditIconButton"):
            continue  # tool-bar buttons take the action's name and text
        if not widget.objectName() or not widget.accessibleName():
            unnamed.append(f"{type(widget).__name__} {widget.objectName()!r}")
    assert unnamed == []


def test_tickets_filter_by_opened_date(
    qtbot: QtBot, shop: Shop, window: MainWindow, engine: Engine
) -> None:
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import update

    from mechanic_desktop.db.models import ServiceTicket
    from mechanic_desktop.services import tickets

    old = tickets.create_ticket(
        UnitOfWork(engine), tickets.TicketData(shop.ada.id, shop.car.id, "Last year's job")
    )
    with engine.begin() as conn:
        conn.execute(
            update(ServiceTicket)
            .where(ServiceTicket.id == old.id)
            .values(opened_at=datetime.now(UTC) - timedelta(days=400))
        )
    _open(qtbot, window, "tickets")
    board = window.tickets_page
    board.refresh()  # the old ticket was written behind the window's back (F5)
    both = sorted([f"RO-{old.number}", f"RO-{shop.ticket.number}"])

    def shown() -> list[str]:
        return sorted(column(board.model)) if not board.model.loading else []

    qtbot.waitUntil(lambda: shown() == both, timeout=WAIT_MS)
    board.opened_filter.setCurrentIndex(board.opened_filter.findText("Last 30 days"))
    wait_column(qtbot, board, [f"RO-{shop.ticket.number}"])
    board.opened_filter.setCurrentIndex(board.opened_filter.findText("Any time"))
    qtbot.waitUntil(lambda: shown() == both, timeout=WAIT_MS)


def _ink(icon: QIcon) -> set[str]:
    """The opaque colours an icon is drawn in (its line colour)."""
    image = icon.pixmap(24, 24).toImage()
    return {
        image.pixelColor(x, y).name()
        for x in range(image.width())
        for y in range(image.height())
        if image.pixelColor(x, y).alpha() == 255
    }


def test_icons_follow_a_switch_between_light_and_dark(qtbot: QtBot, window: MainWindow) -> None:
    """When the OS turns dark mode on while the app runs, the line icons are drawn again
    in the new text colour (or they would be dark lines on a dark background)."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    light = app.palette()
    dark = QPalette(light)
    dark.setColor(QPalette.ColorRole.Window, QColor("#202124"))
    dark.setColor(QPalette.ColorRole.WindowText, QColor("#e8eaed"))
    new_action = window.findChild(QAction, "newAction")
    assert new_action is not None
    sidebar_item = window.sidebar.item(0)
    assert "#e8eaed" not in _ink(new_action.icon())
    try:
        app.setPalette(dark)
        qtbot.waitUntil(lambda: _ink(new_action.icon()) == {"#e8eaed"}, timeout=WAIT_MS)
        assert _ink(sidebar_item.icon()) == {"#e8eaed"}
    finally:
        app.setPalette(light)
    qtbot.waitUntil(lambda: "#e8eaed" not in _ink(new_action.icon()), timeout=WAIT_MS)
