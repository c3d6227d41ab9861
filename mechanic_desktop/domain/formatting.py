"""How values read as text: report values, one rule for the tables (with thousands
separators) and for CSV files (plain numbers a spreadsheet parses); and phone numbers,
one format wherever one is shown (lists, editors, printed documents)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache


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


@lru_cache(maxsize=4096)
def phone_text(stored: str, region: str = "US") -> str:
    """A phone number as shown: the shop's own country in national form ("(555)
    123-4567"), others in international form ("+44 20 7946 0958"), an extension after
    it ("ext. 12"). Phones are stored as typed (and searched by ``phone_digits``), so
    555.123.4567 and 555-123-4567 both read (555) 123-4567; text that is not a possible
    number reads as stored."""
    if not stored:
        return ""
    import phonenumbers  # slow to import; most start-ups show no phone

    try:
        number = phonenumbers.parse(stored, region)
    except phonenumbers.NumberParseException:
        return stored
    if not phonenumbers.is_possible_number(number):
        return stored
    style = (phonenumbers.PhoneNumberFormat.NATIONAL
             if number.country_code == phonenumbers.country_code_for_region(region)
             else phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return str(phonenumbers.format_number(number, style))
