"""National code checks shared by every domain (GB 32100 credit codes, GB/T 2260 region codes)."""

from __future__ import annotations

import re

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_SHAPE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")
_REGION_SHAPE = re.compile(r"^\d{2}(\d{2}(\d{2}(\d{3}(\d{3})?)?)?)?$")


def uscc_check_char(first17: str) -> str:
    """The GB 32100 check character for the first 17 characters of a credit code."""
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def is_valid_uscc(code: str) -> bool:
    """True when ``code`` is an 18-character unified social credit code with a correct check."""
    code = code.strip().upper()
    if not _USCC_SHAPE.match(code):
        return False
    return uscc_check_char(code[:17]) == code[17]


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


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def resident_id_check_char(first17: str) -> str:
    """The GB 11643 (ISO 7064 MOD 11-2) check character of an 18-digit resident ID."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return "10X98765432"[total % 11]


def luhn_check_digit(payload: str) -> str:
    """The Luhn check digit to append to ``payload`` (bank card numbers)."""
    total = 0
    for i, ch in enumerate(reversed(payload)):
        d = int(ch)
        if i % 2 == 0:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return str((10 - total % 10) % 10)
