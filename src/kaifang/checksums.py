"""Check-digit validators and generators of valid values for Chinese identifiers.

Validators: GB 11643-1999 resident ID (MOD 11-2 check, birth date, province prefix;
legacy 15-digit IDs by date), GB 32100-2015 unified social credit code (MOD 31 check
over the 31-character alphabet without I, O, Z, S, V), GB 11714 organisation code (the
USCC's 9th-17th characters), Luhn for bank cards and the allocated mobile prefixes.
Generators return valid values for demo data and format-preserving substitution; they
take a ``random.Random`` so callers control determinism.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from operator import mul

# GB/T 2260 province-level codes that appear on resident IDs: the 31 mainland provinces
# plus 81/82/83, the residence permits of Hong Kong, Macau and Taiwan residents (2018).
# 71 (Taiwan) is a valid division code but no mainland ID carries it.
PROVINCE_CODES: frozenset[str] = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "81",
        "82",
        "83",
    ]
)

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_EARLIEST = date(1850, 1, 1)  # GB 11643 itself gives an 1880 example

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUE = {char: index for index, char in enumerate(USCC_ALPHABET)}
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# Checksums run on every candidate a detector finds, so they work on the ASCII codes at C
# speed (map/sum) instead of looping over characters: the ``ord("0")`` of each digit is
# subtracted once through the weights' sum.
_ID_ZERO_OFFSET = ord("0") * sum(_ID_WEIGHTS)
_LUHN_DOUBLED = str.maketrans("0123456789", "0246813579")
# First character: the registering authority (1 organs, 5 civil affairs, 9 industry and
# commerce, Y others, ...); GB 32100 table 1.
USCC_AUTHORITIES = frozenset("123456789ABCDEFGY")

_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

# Three-digit mobile prefixes allocated by MIIT (voice and data SIMs, 11 digits).
MOBILE_PREFIXES: frozenset[str] = frozenset(
    [f"13{d}" for d in range(10)]
    + ["145", "146", "147", "148", "149"]
    + [f"15{d}" for d in "012356789"]
    + ["162", "165", "166", "167"]
    + [f"17{d}" for d in "012345678"]
    + [f"18{d}" for d in range(10)]
    + [f"19{d}" for d in "012356789"]
)

# First digits of card numbers issued or accepted in China: 3 (JCB, Amex), 4 (Visa),
# 5 (Mastercard), 6 (UnionPay 62, Discover), 9 (older domestic debit cards), plus the
# Mastercard 2-series (222100-272099), checked separately.
_BIN_FIRST_DIGITS = frozenset("34569")


def resident_id_check_char(body: str) -> str:
    """Return the GB 11643 check character for 17 digits; ValueError on bad input."""
    if len(body) != 17 or not body.isdigit():
        raise ValueError("a resident ID body is 17 digits")
    body = _ascii_digits(body)
    total = sum(map(mul, body.encode("ascii"), _ID_WEIGHTS)) - _ID_ZERO_OFFSET
    return _ID_CHECK[total % 11]


def _ascii_digits(digits: str) -> str:
    """Return digits of any script as ASCII digits (ValueError on digit-like non-digits)."""
    return digits if digits.isascii() else str(int(digits)).zfill(len(digits))


def resident_id_birth_date(value: str) -> date | None:
    """Return the birth date encoded in an 18- or 15-digit ID, or None if it is no date."""
    if len(value) == 18:
        text = value[6:14]
    elif len(value) == 15:
        text = "19" + value[6:12]
    else:
        return None
    if not text.isdigit():
        return None
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return None


def is_valid_resident_id(value: str, *, today: date | None = None) -> bool:
    """Return whether ``value`` is a valid 18-digit (or legacy 15-digit) resident ID."""
    if len(value) == 18:
        body, check = value[:17], value[17].upper()
        if not body.isdigit() or resident_id_check_char(body) != check:
            return False
    elif len(value) != 15 or not value.isdigit():
        return False
    if value[:2] not in PROVINCE_CODES:
        return False
    born = resident_id_birth_date(value)
    return born is not None and _ID_EARLIEST <= born <= (today or date.today())


def uscc_check_char(body: str) -> str:
    """Return the GB 32100 check character for 17 characters; ValueError on bad input."""
    if len(body) != 17:
        raise ValueError("a USCC body is 17 characters")
    try:
        total = sum(map(mul, map(_USCC_VALUE.__getitem__, body), _USCC_WEIGHTS))
    except KeyError as exc:
        raise ValueError(f"{exc.args[0]!r} is not in the USCC alphabet") from None
    return USCC_ALPHABET[(31 - total % 31) % 31]


def is_valid_uscc(value: str) -> bool:
    """Return whether ``value`` is a unified social credit code with a correct check char."""
    if len(value) != 18 or value[0] not in USCC_AUTHORITIES or not value[2:8].isdigit():
        return False
    if value[17] not in _USCC_VALUE:
        return False
    try:
        return uscc_check_char(value[:17]) == value[17]
    except ValueError:
        return False


def org_code_check_char(body: str) -> str:
    """Return the GB 11714 check character for an 8-character organisation code body."""
    if len(body) != 8 or any(char not in _ORG_ALPHABET for char in body):
        raise ValueError("an organisation code body is 8 digits or capital letters")
    total = sum(
        _ORG_ALPHABET.index(char) * weight for char, weight in zip(body, _ORG_WEIGHTS, strict=True)
    )
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def is_valid_org_code(value: str) -> bool:
    """Return whether ``value`` (9 characters, no hyphen) passes the GB 11714 check."""
    if len(value) != 9:
        return False
    try:
        return org_code_check_char(value[:8]) == value[8]
    except ValueError:
        return False


def luhn_check_digit(body: str) -> str:
    """Return the Luhn check digit that completes ``body``; ValueError on non-digits."""
    if not body.isdigit():
        raise ValueError("a Luhn body is digits only")
    body = _ascii_digits(body)
    # From the right, every other digit starting with the last is doubled (9 subtracted
    # above 9): the translation table does that per digit, and ASCII sums do the rest.
    reversed_body = body[::-1]
    doubled = reversed_body[0::2].translate(_LUHN_DOUBLED).encode("ascii")
    kept = reversed_body[1::2].encode("ascii")
    total = sum(doubled) + sum(kept) - ord("0") * len(body)
    return str((10 - total % 10) % 10)


def luhn_valid(number: str) -> bool:
    """Return whether a digit string passes the Luhn check."""
    if len(number) < 2 or not number.isdigit():
        return False
    return luhn_check_digit(number[:-1]) == number[-1]


def is_plausible_bin(number: str) -> bool:
    """Return whether a card number starts like a card issued or accepted in China."""
    if number[:1] in _BIN_FIRST_DIGITS:
        return True
    return number[:1] == "2" and "222100" <= number[:6] <= "272099"


def is_valid_bank_card(value: str) -> bool:
    """Return whether ``value`` is a 15-19 digit card number with a plausible BIN and Luhn."""
    return 15 <= len(value) <= 19 and is_plausible_bin(value) and luhn_valid(value)


def is_valid_mobile(value: str) -> bool:
    """Return whether ``value`` is an 11-digit mobile number on an allocated prefix."""
    return len(value) == 11 and value.isdigit() and value[:3] in MOBILE_PREFIXES


def _digits(rng: random.Random, count: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(count))


def make_resident_id(
    rng: random.Random,
    region: str | None = None,
    birth: date | None = None,
    *,
    sex: str | None = None,
) -> str:
    """Return a valid 18-digit resident ID; ``region`` is 6 digits, ``sex`` "M" or "F"."""
    if region is None:
        region = rng.choice(sorted(PROVINCE_CODES - {"81", "82", "83"})) + _digits(rng, 4)
    if len(region) != 6 or not region.isdigit() or region[:2] not in PROVINCE_CODES:
        raise ValueError("region must be 6 digits starting with a province code")
    if birth is None:
        birth = date(1940, 1, 1) + timedelta(days=rng.randrange(365 * 70))
    sequence = _digits(rng, 2)
    parity = str(rng.randrange(10))
    if sex is not None:
        parity = rng.choice("13579" if sex.upper() == "M" else "02468")
    body = f"{region}{birth:%Y%m%d}{sequence}{parity}"
    return body + resident_id_check_char(body)


def make_legacy_resident_id(rng: random.Random, region: str | None = None) -> str:
    """Return a plausible legacy 15-digit ID (born 1930-1999, no check digit)."""
    full = make_resident_id(rng, region, date(1930, 1, 1) + timedelta(days=rng.randrange(25000)))
    return full[:6] + full[8:17]


def make_org_code(rng: random.Random) -> str:
    """Return a valid 9-character GB 11714 organisation code."""
    body = (
        _digits(rng, 8)
        if rng.random() < 0.7
        else "MA" + rng.choice("0123456789ABCDEFGH") + (_digits(rng, 5))
    )
    return body + org_code_check_char(body)


def make_uscc(rng: random.Random, region: str | None = None) -> str:
    """Return a valid unified social credit code whose embedded org code is valid too."""
    authority, kind = rng.choice((("9", "1"), ("9", "2"), ("9", "3"), ("1", "1"), ("5", "2")))
    if region is None:
        region = rng.choice(sorted(PROVINCE_CODES - {"81", "82", "83"})) + _digits(rng, 4)
    for _ in range(100):
        org = make_org_code(rng)
        if all(char in _USCC_VALUE for char in org):
            body = f"{authority}{kind}{region}{org}"
            return body + uscc_check_char(body)
    raise RuntimeError("could not draw an organisation code in the USCC alphabet")


def make_bank_card(rng: random.Random, length: int = 19, bin_prefix: str | None = None) -> str:
    """Return a Luhn-valid card number of ``length`` digits (default: a UnionPay 62 BIN)."""
    if not 15 <= length <= 19:
        raise ValueError("card numbers are 15-19 digits")
    prefix = bin_prefix or rng.choice(("622202", "622848", "621700", "622588", "623668", "625"))
    if not prefix.isdigit() or len(prefix) >= length:
        raise ValueError("bin_prefix must be digits shorter than the card")
    body = prefix + _digits(rng, length - len(prefix) - 1)
    return body + luhn_check_digit(body)


def make_mobile(rng: random.Random, prefix: str | None = None) -> str:
    """Return an 11-digit mobile number on an allocated prefix."""
    prefix = prefix or rng.choice(sorted(MOBILE_PREFIXES))
    if prefix not in MOBILE_PREFIXES:
        raise ValueError(f"{prefix} is not an allocated mobile prefix")
    return prefix + _digits(rng, 8)
