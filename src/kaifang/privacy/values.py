"""Whole-cell checks: is this one value a valid, merely well-shaped, or masked instance of a kind.

Column classification calls these on sampled cells. "valid" means the value passes the
kind's validation (checksum, allocated prefix, real date, parseable address), "matched"
that it has the shape but fails validation (a look-alike), "masked" that it is a
partially masked value (``138****5678``), "no" that it is something else.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from datetime import date

from kaifang import checksums
from kaifang.privacy.addresses import address_value_status
from kaifang.privacy.detectors import PassportDetector, PlateDetector, TravelPermitDetector
from kaifang.privacy.names import name_value_status
from kaifang.privacy.normalize import fold_width

VALID, MATCHED, MASKED, NO = "valid", "matched", "masked", "no"

_SEPARATORS = re.compile(r"[\s\-]")
_COUNTRY = re.compile(r"^(?:\+|00)86|^\(\+?86\)")
_MASK = re.compile(r"^[0-9A-Za-z]{1,6}\*{3,}[0-9A-Za-z]{0,4}$")
_ID_SHAPE = re.compile(r"^(?:[0-9]{17}[0-9Xx]|[0-9]{15})$")
_USCC_SHAPE = re.compile(r"^[0-9A-Z]{18}$")
_LANDLINE = re.compile(
    r"^\(?0(?:10|2[0-9]|[3-9][0-9]{2})\)?[ -]?[2-9][0-9]{6,7}(?:(?:-|转)[0-9]{1,5})?$"
)
_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}\.)+[A-Za-z]{2,24}$")
_DATE = re.compile(
    r"^(?P<y>(?:19|20)[0-9]{2})(?:[-/.年](?P<m>0?[1-9]|1[0-2])[-/.月](?P<d>0?[1-9]|[12][0-9]|3[01])日?"
    r"|(?P<m2>0[1-9]|1[0-2])(?P<d2>0[1-9]|[12][0-9]|3[01]))(?:[ T]00:00(?::00)?)?$"
)
_DEGREES = re.compile(r"^-?[0-9]{1,3}\.([0-9]+)$")
_PAIR = re.compile(r"^(-?[0-9]{1,3}\.[0-9]{4,})\s*[,，/ ]\s*(-?[0-9]{1,3}\.[0-9]{4,})$")


def canonical(value: str) -> str:
    """Return a cell folded to half-width and stripped."""
    return fold_width(value).strip()


def _compact(value: str) -> str:
    return _SEPARATORS.sub("", value)


def _masked_length(value: str, lengths: range) -> bool:
    return _MASK.match(value) is not None and len(value) in lengths


def resident_id_status(value: str) -> str:
    """Check a cell as a GB 11643 resident ID."""
    text = _compact(value)
    if _ID_SHAPE.match(text):
        return VALID if checksums.is_valid_resident_id(text) else MATCHED
    return MASKED if _masked_length(text, range(18, 19)) else NO


def mobile_status(value: str) -> str:
    """Check a cell as a mobile number (country prefix and separators allowed)."""
    text = _compact(_COUNTRY.sub("", value))
    if len(text) == 11 and text.isdigit() and text[0] == "1":
        return VALID if checksums.is_valid_mobile(text) else MATCHED
    return MASKED if _masked_length(text, range(11, 12)) and text[0] == "1" else NO


def landline_status(value: str) -> str:
    """Check a cell as a fixed-line number with area code."""
    return VALID if _LANDLINE.match(value) else NO


def bank_card_status(value: str) -> str:
    """Check a cell as a bank card number (Luhn and BIN)."""
    text = _compact(value)
    if text.isdigit() and 15 <= len(text) <= 19:
        return VALID if checksums.is_valid_bank_card(text) else MATCHED
    return MASKED if _masked_length(text, range(15, 20)) else NO


def uscc_status(value: str) -> str:
    """Check a cell as a unified social credit code."""
    text = _compact(value).upper()
    if _USCC_SHAPE.match(text):
        return VALID if checksums.is_valid_uscc(text) else MATCHED
    return NO


def _pattern_status(pattern: re.Pattern[str], weak_group: str = "") -> Callable[[str], str]:
    """Return a check accepting a full match; matches of ``weak_group`` only count as shaped."""

    def status(value: str) -> str:
        match = pattern.fullmatch(value)
        if match is None:
            return NO
        return MATCHED if weak_group and match.lastgroup == weak_group else VALID

    return status


def email_status(value: str) -> str:
    """Check a cell as an e-mail address."""
    return VALID if _EMAIL.match(value) else NO


def ip_status(value: str) -> str:
    """Check a cell as an IPv4 or IPv6 address."""
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return NO
    return VALID


def birth_date_status(value: str) -> str:
    """Check a cell as a past calendar date (a birth date when the column says so)."""
    match = _DATE.match(value)
    if match is None:
        return NO
    month = match.group("m") or match.group("m2")
    day = match.group("d") or match.group("d2")
    try:
        born = date(int(match.group("y")), int(month), int(day))
    except ValueError:
        return MATCHED
    return VALID if born <= date.today() else MATCHED


def coordinates_status(value: str) -> str:
    """Check a cell as a precise coordinate (one degree value or a lat,lng pair)."""
    pair = _PAIR.match(value)
    if pair:
        return (
            VALID if abs(float(pair.group(1))) <= 180 and abs(float(pair.group(2))) <= 180 else NO
        )
    single = _DEGREES.match(value)
    if single is None or abs(float(value)) > 180:
        return NO
    return VALID if len(single.group(1)) >= 4 else MATCHED


def person_name_status(value: str) -> str:
    """Check a cell as a Chinese person name."""
    return name_value_status(value)


def address_status(value: str) -> str:
    """Check a cell as a postal address."""
    return address_value_status(value)


STATUS_CHECKS: dict[str, Callable[[str], str]] = {
    "resident_id": resident_id_status,
    "mobile": mobile_status,
    "landline": landline_status,
    "bank_card": bank_card_status,
    "uscc": uscc_status,
    "passport": _pattern_status(PassportDetector.pattern, "official"),
    "travel_permit": _pattern_status(TravelPermitDetector.pattern, "bare"),
    "plate": _pattern_status(PlateDetector.pattern),
    "email": email_status,
    "ip": ip_status,
    "person_name": person_name_status,
    "address": address_status,
    "birth_date": birth_date_status,
    "coordinates": coordinates_status,
}
