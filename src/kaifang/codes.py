"""Region codes (GB/T 2260) and re-exports of the national check-digit functions."""

from __future__ import annotations

import re

from kaifang.checksums import (
    USCC_ALPHABET,
    is_valid_uscc,
    luhn_check_digit,
    resident_id_check_char,
    uscc_check_char,
)

__all__ = [
    "USCC_ALPHABET",
    "is_valid_region_code",
    "is_valid_uscc",
    "luhn_check_digit",
    "region_contains",
    "resident_id_check_char",
    "uscc_check_char",
]

_REGION_SHAPE = re.compile(r"^\d{2}(\d{2}(\d{2}(\d{3}(\d{3})?)?)?)?$")


def is_valid_region_code(code: str) -> bool:
    """True for a GB/T 2260 / statistical division code of 2, 4, 6, 9 or 12 digits."""
    return bool(_REGION_SHAPE.match(code)) and not code.startswith("00")


def region_contains(scope: str | None, code: str | None) -> bool:
    """True when region ``code`` lies in the subtree of ``scope`` (None scope = whole platform)."""
    if scope is None:
        return True
    if code is None:
        return False
    return code.startswith(scope)
