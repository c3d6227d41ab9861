"""How report values read as text: one rule for the tables (with thousands separators)
and for CSV files (plain numbers a spreadsheet parses)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal


def format_value(value: object, kind: str = "text", *, grouped: bool = True) -> str:
    """``kind``: money, hours (value in minutes), days (value in seconds), int, date,
    or text. ``grouped`` adds thousands separators (tables) or leaves them out (CSV)."""
    sep = "," if grouped else ""
    if value is None:
        return ""
    if kind == "money" and isinstance(value, Decimal):
        return f"{value:{sep}.2f}"
    if kind == "hours" and isinstance(value, int):
        return f"{Decimal(value) / 60:{sep}.2f}"
    if kind == "days" and isinstance(value, int | float):
        return f"{value / 86400:{sep}.1f}"
    if kind == "int" and isinstance(value, int):
        return f"{value:{sep}}"
    if isinstance(value, datetime):
        local = value.astimezone()
        return local.strftime("%Y-%m-%d") if kind == "date" else local.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
