"""The manufacturer a VIN names (its first three characters, the WMI), for filling in
a vehicle's make as soon as its VIN is typed.

vininfo's WMI table does the lookup; it is imported on first use so start-up does not
pay for it. An unknown WMI (or a VIN too short to have one) gives None: the clerk types
the make by hand.
"""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=256)
def manufacturer(vin: str) -> str | None:
    if len(vin) < 3:
        return None
    from vininfo import Vin  # the WMI table: imported when a VIN is first decoded

    try:
        name = Vin(vin).manufacturer
    except Exception:
        return None
    return name if isinstance(name, str) and name and name != "Unsupported" else None
