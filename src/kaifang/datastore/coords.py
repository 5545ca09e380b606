"""GCJ-02 and BD-09 coordinates to WGS-84 for maps and GeoJSON (data-pipeline.md §3.6).

Stored data keeps the coordinates as published; only what is drawn or exported as GeoJSON
(RFC 7946 requires WGS-84) is converted. The forward GCJ-02 transform is the widely published
reconstruction of the national obfuscation (Krasovsky ellipsoid, two trigonometric series),
and BD-09 is Baidu's published rotation and offset on top of GCJ-02. The inverses have no
closed form: they are solved by fixed-point iteration against the forward transforms until
the round trip agrees within 1e-9 degrees (about 0.1 mm).

Accuracy: the forward formulas reproduce the published reference points exactly (tests), so
a converted point is as good as the published reconstruction, which is reported as metre
level against the official transform; that cannot be checked offline. Good for a preview map,
not for surveying. CGCS2000 and WGS-84 differ by centimetres and are passed through; points
outside mainland China are never shifted, as the maps do not shift them either. Xi'an-80 and
Beijing-54 need datum parameters the platform does not hold, so they are not converted.
"""

from __future__ import annotations

import math
from collections.abc import Callable

Point = tuple[float, float]  # (longitude, latitude) in degrees

KRASOVSKY_A = 6378245.0
KRASOVSKY_EE = 0.00669342162296594323
BD_FACTOR = math.pi * 3000.0 / 180.0
BD_OFFSET_LNG, BD_OFFSET_LAT = 0.0065, 0.006
TOLERANCE_DEG = 1e-9
MAX_ITERATIONS = 30
#: What the API says about a converted point's accuracy (see the module docstring).
ACCURACY_NOTE = {
    "GCJ-02": "published GCJ-02 reconstruction inverted to 1e-9 degrees; metre level",
    "BD-09": "published BD-09 and GCJ-02 transforms inverted to 1e-9 degrees; metre level",
    "CGCS2000": "CGCS2000 used as WGS-84 (centimetre level)",
    "WGS-84": "as stored",
}

_PASS_THROUGH = frozenset({"WGS-84", "CGCS2000"})
_SHIFTED = frozenset({"GCJ-02", "BD-09"})


def convertible(crs: str | None) -> bool:
    """True when points in ``crs`` can be drawn on a WGS-84 map (unknown means WGS-84)."""
    return crs is None or crs in _PASS_THROUGH or crs in _SHIFTED


def needs_shift(crs: str | None) -> bool:
    """True for the coordinate systems whose points move when drawn on a WGS-84 map."""
    return crs in _SHIFTED


def in_mainland_china(lng: float, lat: float) -> bool:
    """The rectangle inside which the published transforms shift coordinates."""
    return 72.004 <= lng <= 137.8347 and 0.8293 <= lat <= 55.8271


def _offset_lat(x: float, y: float) -> float:
    out = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    out += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    out += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    out += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y / 30.0 * math.pi)) * 2.0 / 3.0
    return out


def _offset_lng(x: float, y: float) -> float:
    out = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    out += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    out += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    out += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return out


def wgs84_to_gcj02(lng: float, lat: float) -> Point:
    """The forward GCJ-02 transform; points outside mainland China are returned unchanged."""
    if not in_mainland_china(lng, lat):
        return lng, lat
    x, y = lng - 105.0, lat - 35.0
    rad = lat / 180.0 * math.pi
    magic = 1.0 - KRASOVSKY_EE * math.sin(rad) ** 2
    root = math.sqrt(magic)
    d_lat = (
        _offset_lat(x, y) * 180.0 / ((KRASOVSKY_A * (1 - KRASOVSKY_EE)) / (magic * root) * math.pi)
    )
    d_lng = _offset_lng(x, y) * 180.0 / (KRASOVSKY_A / root * math.cos(rad) * math.pi)
    return lng + d_lng, lat + d_lat


def gcj02_to_bd09(lng: float, lat: float) -> Point:
    """Baidu's published rotation and offset of GCJ-02 coordinates."""
    z = math.hypot(lng, lat) + 0.00002 * math.sin(lat * BD_FACTOR)
    theta = math.atan2(lat, lng) + 0.000003 * math.cos(lng * BD_FACTOR)
    return z * math.cos(theta) + BD_OFFSET_LNG, z * math.sin(theta) + BD_OFFSET_LAT


def _invert(forward: Callable[[float, float], Point], target: Point, start: Point) -> Point:
    """Solve ``forward(p) == target`` by fixed-point iteration from ``start``.

    The offsets change slowly with position, so each step gains about four digits.
    """
    lng, lat = start
    for _ in range(MAX_ITERATIONS):
        got_lng, got_lat = forward(lng, lat)
        d_lng, d_lat = got_lng - target[0], got_lat - target[1]
        lng, lat = lng - d_lng, lat - d_lat
        if abs(d_lng) < TOLERANCE_DEG and abs(d_lat) < TOLERANCE_DEG:
            break
    return lng, lat


def gcj02_to_wgs84(lng: float, lat: float) -> Point:
    """The inverse of ``wgs84_to_gcj02``, within 1e-9 degrees of the forward round trip."""
    return _invert(wgs84_to_gcj02, (lng, lat), (lng, lat))


def bd09_to_gcj02(lng: float, lat: float) -> Point:
    """The inverse of ``gcj02_to_bd09``, started from Baidu's published approximation."""
    x, y = lng - BD_OFFSET_LNG, lat - BD_OFFSET_LAT
    z = math.hypot(x, y) - 0.00002 * math.sin(y * BD_FACTOR)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * BD_FACTOR)
    return _invert(gcj02_to_bd09, (lng, lat), (z * math.cos(theta), z * math.sin(theta)))


def bd09_to_wgs84(lng: float, lat: float) -> Point:
    """BD-09 to GCJ-02 to WGS-84."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lng, lat))


_TO_WGS84: dict[str, Callable[[float, float], Point]] = {
    "GCJ-02": gcj02_to_wgs84,
    "BD-09": bd09_to_wgs84,
}


def wgs84_converter(crs: str | None) -> Callable[[float, float], Point]:
    """A function taking (lng, lat) in ``crs`` to WGS-84; ValueError for Xi'an-80 and the like."""
    if crs in _TO_WGS84:
        return _TO_WGS84[crs]
    if convertible(crs):
        return lambda lng, lat: (lng, lat)
    raise ValueError(f"coordinates in {crs} cannot be converted to WGS-84")
