"""Demo phone numbers that reach no phone (decision 0055)."""

from __future__ import annotations

# A South African mobile number's layout (+27 AA BBB CCCC) with "00" where the network code
# goes: no network has it, so no real phone is ever reached (decision 0055).
FICTITIOUS_PREFIX = "+27 00 "


def fictitious_phone(number: int) -> str:
    """The `number`th demo mobile number: "+27 00 000 0001", "+27 00 000 0002", ..."""
    if not 0 < number < 10**7:
        raise ValueError(f"demo phone numbers run from 1 to 9999999, not {number}")
    return f"{FICTITIOUS_PREFIX}{number // 10**4:03d} {number % 10**4:04d}"
