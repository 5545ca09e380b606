"""Generalisation operators: dates to year or month, ages to bands, addresses to a
division level, coordinates to a grid and IP addresses to their network."""

from __future__ import annotations

import ipaddress
import re
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

import pyarrow as pa
import pyarrow.compute as pc

from kaifang.privacy.addresses import generalize_address
from kaifang.privacy.masking.base import MaskingOperator, map_distinct
from kaifang.privacy.normalize import fold_width

_DATE = re.compile(
    r"^\s*(?P<y>[0-9]{4})(?:[-/.年]\s*(?P<m>[0-9]{1,2})(?:[-/.月]\s*[0-9]{1,2}日?)?"
    r"|(?P<m2>[0-9]{2})[0-9]{2})?(?:[ T].*)?\s*$"
)
_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
ADDRESS_LEVELS = ("province", "city", "district", "street")


class DateGeneralizer(MaskingOperator):
    """Cut dates to ``year`` (1990) or ``month`` (1990-03); unparseable values are blanked."""

    name = "generalize"

    def __init__(self, level: str) -> None:
        self.level = level

    @property
    def rule(self) -> str:
        return f"generalize:{self.level}"

    def apply_value(self, value: str | None, key: bytes) -> str | None:
        if value is None:
            return None
        match = _DATE.match(fold_width(value))
        if match is None:
            return None
        year = match.group("y")
        if self.level == "year":
            return year
        month = match.group("m") or match.group("m2")
        if month is None or not 1 <= int(month) <= 12:
            return None
        return f"{year}-{int(month):02d}"

    def apply_array(self, array: pa.Array, key: bytes) -> pa.Array:
        """Use strftime on date and timestamp columns; parse text columns."""
        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks()
        if pa.types.is_date(array.type) or pa.types.is_timestamp(array.type):
            return pc.strftime(array, format="%Y" if self.level == "year" else "%Y-%m")
        return map_distinct(array, lambda value: self.apply_value(value, key))


class AgeBandGeneralizer(MaskingOperator):
    """Put ages in bands of ``width`` years (30-39), top-coded at ``top`` (90+)."""

    name = "generalize"

    def __init__(self, width: int = 10, top: int = 90) -> None:
        self.width, self.top = width, top

    @property
    def rule(self) -> str:
        return f"generalize:age={self.width}"

    def apply_value(self, value: str | None, key: bytes) -> str | None:
        if value is None:
            return None
        try:
            age = int(float(fold_width(value).strip().rstrip("岁")))
        except ValueError:
            return None
        if age < 0:
            return None
        if age >= self.top:
            return f"{self.top}+"
        low = age - age % self.width
        return f"{low}-{low + self.width - 1}"


class AddressGeneralizer(MaskingOperator):
    """Keep an address down to a division level (province, city, district, street)."""

    name = "generalize"

    def __init__(self, level: str) -> None:
        self.level = level

    @property
    def rule(self) -> str:
        return f"generalize:{self.level}"

    def apply_value(self, value: str | None, key: bytes) -> str | None:
        return None if value is None else generalize_address(fold_width(value), self.level)


class GridGeneralizer(MaskingOperator):
    """Round coordinates to a grid of ``size`` degrees (0.01 is about 1.1 km)."""

    name = "generalize"

    def __init__(self, size: Decimal = Decimal("0.01")) -> None:
        self.size = size

    @property
    def rule(self) -> str:
        return f"generalize:grid={self.size}"

    def _round(self, number: str) -> str:
        steps = (Decimal(number) / self.size).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
        return str((steps * self.size).quantize(self.size))

    def apply_value(self, value: str | None, key: bytes) -> str | None:
        if value is None:
            return None
        try:
            return _NUMBER.sub(lambda m: self._round(m.group()), fold_width(value))
        except InvalidOperation:
            return None

    def apply_array(self, array: pa.Array, key: bytes) -> pa.Array:
        """Round float columns with pyarrow; text columns number by number."""
        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks()
        if pa.types.is_floating(array.type) or pa.types.is_decimal(array.type):
            digits = max(0, -self.size.as_tuple().exponent)  # type: ignore[operator]
            steps = pc.round(pc.divide(pc.cast(array, pa.float64()), float(self.size)))
            return pc.round(pc.multiply(steps, float(self.size)), digits)
        return map_distinct(array, lambda value: self.apply_value(value, key))


class IPGeneralizer(MaskingOperator):
    """Keep the network part of an IP address: /24 for IPv4 (a.b.c.0), /48 for IPv6."""

    name = "generalize"

    def __init__(self, prefix: int = 24) -> None:
        self.prefix = prefix

    @property
    def rule(self) -> str:
        return f"generalize:ip={self.prefix}"

    def apply_value(self, value: str | None, key: bytes) -> str | None:
        if value is None:
            return None
        try:
            address = ipaddress.ip_address(value.strip())
        except ValueError:
            return None
        prefix = self.prefix if address.version == 4 else max(self.prefix, 48)
        return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False).network_address)
