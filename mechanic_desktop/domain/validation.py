"""Field rules shared by every service: names, e-mail, phone, years, search keys."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

MAX_NAME = 200
MAX_EMAIL = 254
MAX_PHONE = 40
MAX_TEXT = 10_000
#: Longer than any name, VIN or note fragment anyone searches for; also well under
#: SQLite's 50,000-byte limit on a LIKE pattern ("pattern too complex").
MAX_SEARCH = 200
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(text: str | None) -> str:
    """Trim, fold Unicode to NFC and drop control characters (kept: tab and newlines)."""
    if text is None:
        return ""
    return _CONTROL.sub("", unicodedata.normalize("NFC", text)).strip()


def clean_line(text: str | None) -> str:
    """A one-line field: like :func:`clean_text`, with inner runs of white space folded."""
    return " ".join(clean_text(text).split())


def check_search(text: str | None) -> tuple[str, str | None]:
    """The cleaned search text, and why it cannot be searched for, if it cannot."""
    cleaned = clean_line(text)
    if len(cleaned) > MAX_SEARCH:
        return cleaned, f"Search for at most {MAX_SEARCH} characters."
    try:
        cleaned.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate, e.g. half of an emoji pasted
        return cleaned, "The search holds a broken character (half of one pasted); retype it."
    return cleaned, None


def search_key(text: str) -> str:
    """The case-folded form names are indexed and searched by."""
    return clean_line(text).casefold()


#: A search typed as a phone number: digits and the punctuation phones are written with.
_PHONE_LIKE = re.compile(r"[0-9 ().+\-/]+")


def is_phone_like(text: str) -> bool:
    """Whether ``text`` reads as (part of) a phone number: three digits or more, with
    nothing but phone punctuation between them ("5519", "(929) 352-5519", "+1 929")."""
    return bool(_PHONE_LIKE.fullmatch(text)) and len(phone_digits(text)) >= 3


def phone_search_digits(text: str) -> str:
    """The digits a phone search looks for inside stored numbers: the country code is
    left out (a "+1 929 352 5519" typed finds "(929) 352-5519" stored, and the reverse
    holds anyway, the stored number containing the national one)."""
    digits = phone_digits(text)
    if text.lstrip().startswith("+1") or (len(digits) == 11 and digits.startswith("1")):
        return digits[1:]
    return digits


def search_terms(text: str) -> list[str]:
    """The words a search narrows by, each of which a row must match somewhere
    ("bush 5519": a name word and a phone run). A search typed as a phone number is one
    term, its spaces being punctuation ("929 352 5519")."""
    cleaned = clean_line(text)
    if not cleaned:
        return []
    if is_phone_like(cleaned):
        return [cleaned]
    return cleaned.split(" ")


def name_part_matches(name: str, text: str) -> bool:
    """Whether a search for ``text`` finds ``name``: some word of the name starts with it
    ("wren" and "sam w" find "Sam Wrench"; "rench" does not). Staff roles are matched
    this way in Python; names in lists are searched in SQL (``db/search.py``)."""
    key, name_key = search_key(text), search_key(name)
    return name_key.startswith(key) or f" {key}" in name_key


def check_name(text: str | None, label: str = "Name") -> tuple[str, str | None]:
    """Return the cleaned name and an error message, if any."""
    name = clean_line(text)
    if not name:
        return name, f"{label} is required."
    if len(name) > MAX_NAME:
        return name, f"{label} is too long ({len(name)} characters; at most {MAX_NAME})."
    return name, None


def check_email(text: str | None) -> tuple[str | None, str | None]:
    """Return the normalised (lower-case) e-mail or None when blank, and an error message."""
    raw = clean_line(text)
    if not raw:
        return None, None
    if len(raw) > MAX_EMAIL:
        return raw, f"E-mail is too long (at most {MAX_EMAIL} characters)."
    from email_validator import EmailNotValidError, validate_email  # slow to import

    try:
        result = validate_email(raw, check_deliverability=False)
    except EmailNotValidError as exc:
        return raw, f"E-mail is not valid: {exc}"
    return result.normalized.lower(), None


def check_phone(text: str | None, region: str = "US") -> tuple[str, str | None]:
    """Return the phone as typed (trimmed) and an error message when it cannot be a number."""
    raw = clean_line(text)
    if not raw:
        return "", None
    if len(raw) > MAX_PHONE:
        return raw, f"Phone is too long (at most {MAX_PHONE} characters)."
    import phonenumbers  # slow to import; most start-ups never check a phone

    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return raw, "Phone is not a phone number: use digits, spaces, +, - or ()."
    if not phonenumbers.is_possible_number(number):
        return raw, "Phone has the wrong number of digits."
    return raw, None


def phone_digits(text: str) -> str:
    """Digits only: what phone searches match against."""
    return "".join(c for c in text if c in "0123456789")


def check_year(value: int | None, label: str = "Year") -> str | None:
    if value is None:
        return None
    latest = date.today().year + 2
    if not 1886 <= value <= latest:
        return f"{label} must be between 1886 and {latest}."
    return None
