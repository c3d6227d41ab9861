"""``mechanic-desktop --check-bundle``: every piece the app loads only when needed, loaded.

``--smoke-test`` proves the start-up path; this proves the rest of what a packaged build
must carry, because the app imports these lazily (to start fast) and a bundler that
misses one would only fail the first time a clerk types an e-mail address or prints an
invoice. Each check prints ``ok <piece>`` or ``FAILED <piece>: <why>``; the exit code is
the number of failures (0 when all is there).
"""

from __future__ import annotations

import os
import sys
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path


def _expect(condition: object, why: str) -> None:
    """An assertion that ``python -O`` cannot strip."""
    if not condition:
        raise RuntimeError(why)


def _email(_folder: Path) -> None:
    from mechanic_desktop.domain.validation import check_email

    _expect(check_email("Ann.Lee@Example.com") == ("ann.lee@example.com", None), "accepts")
    _expect(check_email("ann@")[1] is not None, "refuses a bad address")


def _phone(_folder: Path) -> None:
    from mechanic_desktop.domain.validation import check_phone

    _expect(check_phone("+1 415 555 0100")[1] is None, "accepts a real number")
    _expect(check_phone("12")[1] is not None, "refuses two digits")


def _password_strength(_folder: Path) -> None:
    from mechanic_desktop.services.auth import password_problem

    _expect(password_problem("password1234") is not None, "refuses a common password")
    _expect(password_problem("brake-rotor-lantern-71") is None, "accepts a strong one")


def _demo_data(folder: Path) -> None:
    """As the first start's "Add demo data" does it (migrations included)."""
    from mechanic_desktop.bootstrap import connect
    from mechanic_desktop.config import sqlite_url
    from mechanic_desktop.services.demo import add_demo_data

    context = connect(sqlite_url(folder / "demo.sqlite3"))
    try:
        report = add_demo_data(context.uow, customers=3, tickets=3)
    finally:
        context.close()
    _expect(report.splitlines()[-1].startswith("Seeded 3 customers"), report)


def _postgres_driver(_folder: Path) -> None:
    import psycopg
    from sqlalchemy import create_engine

    _expect(psycopg.pq.__impl__ in {"binary", "c"}, f"libpq wrapper: {psycopg.pq.__impl__}")
    engine = create_engine("postgresql+psycopg://check@localhost/check")
    _expect(engine.dialect.driver == "psycopg", engine.dialect.driver)
    engine.dispose()


def _pdf(folder: Path) -> None:
    from mechanic_desktop.ui.documents import write_pdf

    target = write_pdf("<h1>Work order</h1><p>Brake pads</p>", folder / "check.pdf", "Check")
    _expect(target.read_bytes().startswith(b"%PDF"), "not a PDF")


def _printing(folder: Path) -> None:
    """Through QPrinter, as the Print dialog does (QtPrintSupport and its plugins)."""
    from PySide6.QtGui import QTextDocument
    from PySide6.QtPrintSupport import QPrinter, QPrinterInfo

    QPrinterInfo.availablePrinterNames()  # loads the platform's print plugin
    printer = QPrinter()
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(folder / "printed.pdf"))
    document = QTextDocument()
    document.setHtml("<p>Invoice</p>")
    document.print_(printer)
    _expect((folder / "printed.pdf").read_bytes().startswith(b"%PDF"), "nothing printed")


def _charts(_folder: Path) -> None:
    from decimal import Decimal

    from mechanic_desktop.ui.charts import RankingChart, RevenueChart

    RankingChart().set_data(["Ann"], [3], "Completed tickets")
    RevenueChart().set_data(["Jan"], [Decimal("10.00")], "Revenue")


def _icons(_folder: Path) -> None:
    from PySide6.QtGui import QIcon

    from mechanic_desktop.assets import asset_path
    from mechanic_desktop.ui.icons import icon

    _expect(not icon("tickets").isNull(), "action icon")
    _expect(not QIcon(asset_path("icons", "app.svg")).pixmap(32, 32).isNull(), "app icon (SVG)")


def _text_services(_folder: Path) -> None:
    """Qt's ICU-backed pieces (the Linux bundle carries a trimmed ICU data set)."""
    from PySide6.QtCore import QCollator, QLocale, QStringDecoder, QTimeZone

    german = QCollator(QLocale("de_DE"))
    _expect(german.compare("Äpfel", "Zebra") < 0, "German collation")
    berlin = QTimeZone(b"Europe/Berlin").displayName(
        QTimeZone.TimeType.StandardTime, QTimeZone.NameType.LongName, QLocale("de_DE")
    )
    _expect(berlin.strip() != "", "time-zone names")  # empty when the zone data is missing
    if sys.platform.startswith("linux"):  # ICU's alone; Qt on macOS and Windows has no ICU
        _expect(QStringDecoder("Shift_JIS").isValid(), "legacy text encodings")
        _expect(QLocale("tr_TR").toUpper("i") == "İ", "locale case mapping")


def _vin_maker(_folder: Path) -> None:
    """vininfo's WMI table, imported when a VIN is first decoded (make from the VIN)."""
    from mechanic_desktop.domain.vin_maker import manufacturer

    manufacturer.cache_clear()
    _expect(manufacturer("1G4AH59H45G118341") == "Buick", "the maker named by a VIN")


def _first_use_modules(_folder: Path) -> None:
    """Every page and dialog, imported when its area or editor is first opened, and the
    modules the sign-in window's warm-up loads (see ``ui.warm_up``)."""
    import importlib
    import pkgutil

    from mechanic_desktop.ui import dialogs, pages
    from mechanic_desktop.ui.warm_up import WINDOW_STEPS

    found = set()
    for package in (pages, dialogs):
        for module in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"{package.__name__}.{module.name}")
            found.add(module.name)
    _expect({"tickets", "reports", "audit", "ticket", "import_csv", "backup"} <= found,
            f"pages and dialogs found: {sorted(found)}")
    for step in WINDOW_STEPS:
        step()
    for name in ("services.csv_export", "services.csv_import", "services.reports"):
        importlib.import_module(f"mechanic_desktop.{name}")


def _credential_store(_folder: Path) -> None:
    import keyring

    keyring.get_keyring()


#: What is checked, in order: (piece, check(temporary folder)); a check raises when missing.
CHECKS: list[tuple[str, Callable[[Path], None]]] = [
    ("e-mail validation", _email),
    ("phone validation", _phone),
    ("password strength", _password_strength),
    ("demo data", _demo_data),
    ("PostgreSQL driver", _postgres_driver),
    ("PDF documents", _pdf),
    ("printing", _printing),
    ("charts", _charts),
    ("icons", _icons),
    ("text services", _text_services),
    ("VIN maker names", _vin_maker),
    ("credential store", _credential_store),
    ("pages and dialogs", _first_use_modules),
]


def run_bundle_check() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(["mechanic-desktop"])
    failures = 0
    with tempfile.TemporaryDirectory(prefix="mechanic-check-") as name:
        folder = Path(name)
        for piece, check in CHECKS:
            try:
                check(folder)
            except Exception as exc:  # every failure is reported; none stops the rest
                failures += 1
                why = str(exc) or type(exc).__name__
                print(f"FAILED {piece}: {why}", flush=True)
                traceback.print_exc()
            else:
                print(f"ok {piece}", flush=True)
    del app
    print("bundle check ok" if failures == 0 else f"bundle check: {failures} failed", flush=True)
    return failures
