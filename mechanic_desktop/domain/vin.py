"""Vehicle Identification Numbers (49 CFR 565): alphabet, check digit, model year, region.

North-American VINs (first character 1-5) must carry a correct check digit in position 9.
Vehicles built for other markets often carry none: those are accepted with a warning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

VIN_LENGTH = 17
VIN_ALPHABET = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"
_VIN_RE = re.compile(r"[0-9A-HJ-NPR-Z]*")

_TRANSLITERATION = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
_YEAR_CODES = "ABCDEFGHJKLMNPRSTVWXY123456789"  # 1980 + index, repeating every 30 years

_REGIONS = (
    ("ABCDEFGH", "Africa"),
    ("JKLMNPR", "Asia"),
    ("STUVWXYZ", "Europe"),
    ("12345", "North America"),
    ("67", "Oceania"),
    ("89", "South America"),
)


def normalize_vin(text: str) -> str:
    """Upper-case and drop the spaces and dashes people type or paste."""
    return re.sub(r"[\s\-]", "", text).upper()


def check_digit(vin: str) -> str:
    """The check digit (``0``-``9`` or ``X``) a 17-character VIN should carry."""
    total = sum(_TRANSLITERATION[c] * w for c, w in zip(vin, _WEIGHTS, strict=True))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def region(vin: str) -> str | None:
    """The manufacturing region coded by the first character."""
    for chars, name in _REGIONS:
        if vin[:1] and vin[0] in chars:
            return name
    return None


def model_year(vin: str, today: date | None = None) -> int | None:
    """Model year from position 10, or None when the VIN cannot tell it reliably.

    Position 7 picks the 30-year cycle (a letter: 2010-2039, a digit: 1980-2009). Only
    49 CFR 565 makes that rule, for the North-American market, and the one hint a VIN gives
    of it is a North-American manufacturer (first character 1-5). Makers elsewhere use
    positions 7 and 10 as they please, so their VINs would decode to nonsense, often a year
    in the future: their year is left for the user to type (an import built abroad for the
    US loses the decoding too; a wrong year is worse than none). A decoded year after next
    year is no model year either: a car is sold at most a year ahead of its model year.
    """
    if len(vin) != VIN_LENGTH or vin[9] not in _YEAR_CODES or region(vin) != "North America":
        return None
    year = 1980 + _YEAR_CODES.index(vin[9])
    if vin[6].isalpha():
        year += 30
    if year > (today or date.today()).year + 1:
        return None
    return year


@dataclass(frozen=True, slots=True)
class VinCheck:
    """What validation found: ``error`` refuses the VIN, ``warning`` only flags it."""

    vin: str
    error: str | None = None
    warning: str | None = None
    region: str | None = None
    model_year: int | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def check_vin(text: str) -> VinCheck:
    """Validate a VIN as typed; never raises."""
    vin = normalize_vin(text)
    if not vin:
        return VinCheck(vin, error="VIN is required.")
    bad = sorted({c for c in vin if c not in VIN_ALPHABET})
    if bad:
        if set(bad) <= set("IOQ"):
            letters = ", ".join(bad)
            return VinCheck(
                vin, error=f"A VIN never contains the letters I, O or Q (found {letters})."
            )
        shown = ", ".join(repr(c) for c in bad[:5])
        return VinCheck(vin, error=f"A VIN has only digits and capital letters (found {shown}).")
    if len(vin) != VIN_LENGTH:
        return VinCheck(vin, error=f"A VIN has 17 characters; this one has {len(vin)}.")
    where = region(vin)
    year = model_year(vin)
    expected = check_digit(vin)
    if vin[8] == expected:
        return VinCheck(vin, region=where, model_year=year)
    if where == "North America":
        return VinCheck(
            vin,
            error=f"Check digit (9th character) is {vin[8]} but should be {expected}: "
            "a character is probably mistyped.",
            region=where,
            model_year=year,
        )
    return VinCheck(
        vin,
        warning="No valid check digit: normal for vehicles built outside North America, "
        "but compare the VIN with the vehicle.",
        region=where,
        model_year=year,
    )


def is_vin_alphabet(text: str) -> bool:
    return bool(_VIN_RE.fullmatch(text))
