"""Money is ``Decimal`` end to end and ``Numeric(12,2)`` in the database, never float
(issue 16): a float cannot hold 0.10 exactly, and a total summed from floats drifts by
cents. These tests read the schema and the code, so a float slipping into a money path
fails here rather than on a customer's invoice."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from sqlalchemy import Float

from mechanic_desktop.db.models import Base
from mechanic_desktop.db.types import Decimal2, Decimal3

PACKAGE = Path(__file__).resolve().parents[2] / "mechanic_desktop"
#: A column holding money, by its name: an amount, a total, a price, a cost, a cap,
#: what is owed, a rate per hour.
MONEY = re.compile(r"(^|_)(amount|total|price|cost|owed|cap)$|^(hourly|labor)_rate$")
#: A percentage (tax, a discount's share, the writers' largest discount): three places.
PERCENT = re.compile(r"(^|_)(percent|tax_rate)$|^max_writer_discount$")
#: Where money is computed: the rules, the services and the database layer.
MONEY_CODE = ("domain", "services", "db")
#: ``float(...)`` calls that are not money, and why.
FLOAT_CALLS_ALLOWED = {
    ("db/repositories.py", 'float("inf")'): "a count of matching customers: none known yet",
}


def test_no_column_is_a_float() -> None:
    floats = [f"{t.name}.{c.name}" for t in Base.metadata.tables.values()
              for c in t.columns if isinstance(c.type, Float)]
    assert floats == []


def test_every_money_column_is_two_place_decimal_and_every_percentage_three() -> None:
    money, percent = [], []
    for table in Base.metadata.tables.values():
        for column in table.columns:
            name = f"{table.name}.{column.name}"
            if MONEY.search(column.name):
                money.append(name)
                assert isinstance(column.type, Decimal2), f"{name} is {column.type!r}"
            elif PERCENT.search(column.name):
                percent.append(name)
                assert isinstance(column.type, Decimal3), f"{name} is {column.type!r}"
    # The scan found what it is about (a renamed column must not slip past it).
    assert {"payments.amount", "invoices.total", "service_tickets.owed",
            "ticket_parts.unit_price", "mechanics.hourly_rate", "fee_rules.cap"} <= set(money)
    assert {"shop_settings.tax_rate", "ticket_parts.discount_percent"} <= set(percent)


def _sources() -> list[tuple[str, ast.Module, str]]:
    found = []
    for folder in MONEY_CODE:
        for path in sorted((PACKAGE / folder).rglob("*.py")):
            text = path.read_text(encoding="utf-8")
            found.append((path.relative_to(PACKAGE).as_posix(), ast.parse(text), text))
    return found


def test_money_code_never_converts_to_float() -> None:
    calls = []
    for name, tree, text in _sources():
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id == "float"):
                call = ast.get_source_segment(text, node) or ""
                if (name, call) not in FLOAT_CALLS_ALLOWED:
                    calls.append(f"{name}:{node.lineno}: {call}")
    assert calls == []


def test_no_money_value_is_declared_a_float() -> None:
    """A dataclass field, argument or variable named like money is never typed float."""
    declared = []
    for name, tree, _text in _sources():
        for node in ast.walk(tree):
            target, annotation = None, None
            if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                target, annotation = node.target.id, node.annotation
            elif isinstance(node, ast.arg):
                target, annotation = node.arg, node.annotation
            if target is None or annotation is None or not MONEY.search(target):
                continue
            if "float" in ast.unparse(annotation):
                declared.append(f"{name}:{node.lineno}: {target}: {ast.unparse(annotation)}")
    assert declared == []
