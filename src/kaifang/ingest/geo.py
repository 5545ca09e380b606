"""Geometry text and coordinate-system hints (data-pipeline.md §3.6).

Geometries from GeoJSON and shapefiles are kept as WKT (or GeoJSON text) in a ``geometry``
column, with their types and bounding box. Coordinates are never converted here: the
coordinate system is recorded as metadata (WGS-84 unless a declaration, a ``.prj``/``crs`` or a
column name says GCJ-02, BD-09, CGCS2000, Xi'an 80 or Beijing 54), as RFC 7946 consumers and
the legal constraints on maps in mainland China require the original values to be kept.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from kaifang.ingest.problems import invalid

CHINA_LAT = (3.0, 54.0)
CHINA_LNG = (73.0, 136.0)

_CRS_RULES: tuple[tuple[str, int | None, re.Pattern[str]], ...] = (
    ("GCJ-02", None, re.compile(r"gcj|火星|高德|腾讯|amap|tencent")),
    ("BD-09", None, re.compile(r"bd[-_ ]?09|^bd_|_bd$|baidu|百度")),
    (
        "CGCS2000",
        4490,
        re.compile(r"cgcs|china[_ ]geodetic|4490|天地图|tianditu|国家2000|2000国家"),
    ),
    ("Xian-80", 4610, re.compile(r"xian[_ ]?1980|xian[_ ]?80|西安80|西安1980|4610")),
    ("Beijing-54", 4214, re.compile(r"beijing[_ ]?1954|beijing[_ ]?54|北京54|北京1954|4214")),
    ("WGS-84", 4326, re.compile(r"wgs[-_ ]?84|wgs[-_ ]?1984|4326|crs84")),
)
_LAT_WORDS = {"lat", "latitude", "y", "wd", "weidu", "纬度"}
_LNG_WORDS = {"lng", "lon", "long", "longitude", "x", "jd", "jingdu", "经度"}
_TOKENS = re.compile(r"[a-z]+|[0-9]+|[^\x00-\x7f]+")
_WKT_PREFIX = re.compile(r"\s*(POINT|LINESTRING|POLYGON|MULTI|GEOMETRYCOLLECTION)", re.IGNORECASE)
GEOMETRY_NAMES = {"geometry", "geom", "wkt", "the_geom", "shape", "几何", "空间信息"}


@dataclass(frozen=True)
class CRSGuess:
    """A coordinate system and what it was inferred from."""

    name: str
    epsg: int | None
    basis: str

    def to_dict(self) -> dict[str, Any]:
        return {"coordinate_system": self.name, "epsg": self.epsg, "basis": self.basis}


def crs_from_text(text: str, basis: str) -> CRSGuess | None:
    """The coordinate system named in ``text`` (a .prj, a GeoJSON crs, a column name)."""
    lowered = text.lower()
    for name, epsg, pattern in _CRS_RULES:
        if pattern.search(lowered):
            return CRSGuess(name, epsg, basis)
    return None


def declared_crs(value: str) -> CRSGuess:
    """An officer's declared coordinate system; refuses names it cannot map."""
    guess = crs_from_text(value, "declared")
    if guess is None:
        raise invalid(
            f"无法识别坐标系“{value[:40]}”（可用：WGS-84、GCJ-02、BD-09、CGCS2000）",
            f"unknown coordinate system {value[:40]!r} (use WGS-84, GCJ-02, BD-09 or CGCS2000)",
        )
    return guess


def _fmt(number: object) -> str:
    if (
        not isinstance(number, (int, float))
        or isinstance(number, bool)
        or not math.isfinite(number)
    ):
        raise invalid("几何坐标不是有限数值", "a geometry coordinate is not a finite number")
    return repr(number) if isinstance(number, float) else str(number)


def _pos(coord: Sequence[object]) -> str:
    if not isinstance(coord, (list, tuple)) or len(coord) < 2:
        raise invalid("几何坐标格式错误", "a geometry coordinate is malformed")
    return " ".join(_fmt(c) for c in coord[:2])


def _ring(coords: Iterable[Sequence[object]]) -> str:
    return "(" + ", ".join(_pos(c) for c in coords) + ")"


def _poly(rings: Iterable[Iterable[Sequence[object]]]) -> str:
    return "(" + ", ".join(_ring(r) for r in rings) + ")"


def geometry_to_wkt(geometry: dict[str, Any] | None) -> str | None:
    """WKT (2D) of a GeoJSON geometry object; None for a null geometry."""
    if geometry is None:
        return None
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    coords = geometry.get("coordinates") if isinstance(geometry, dict) else None
    try:
        if kind == "GeometryCollection":
            parts = [geometry_to_wkt(g) or "POINT EMPTY" for g in geometry.get("geometries") or []]
            return (
                "GEOMETRYCOLLECTION (" + ", ".join(parts) + ")"
                if parts
                else "GEOMETRYCOLLECTION EMPTY"
            )
        if not coords:
            return f"{str(kind).upper()} EMPTY" if kind else None
        writers = {
            "Point": lambda c: f"POINT ({_pos(c)})",
            "MultiPoint": lambda c: "MULTIPOINT (" + ", ".join(f"({_pos(p)})" for p in c) + ")",
            "LineString": lambda c: "LINESTRING " + _ring(c),
            "MultiLineString": lambda c: "MULTILINESTRING " + _poly(c),
            "Polygon": lambda c: "POLYGON " + _poly(c),
            "MultiPolygon": lambda c: "MULTIPOLYGON (" + ", ".join(_poly(p) for p in c) + ")",
        }
        return writers[str(kind)](coords)
    except (KeyError, TypeError):
        raise invalid(
            f"不支持的几何类型“{str(kind)[:30]}”", f"unsupported geometry type {str(kind)[:30]!r}"
        ) from None


def geometry_text(geometry: dict[str, Any] | None, fmt: str) -> str | None:
    """The geometry as WKT or as compact GeoJSON text."""
    if fmt == "geojson":
        return (
            None
            if geometry is None
            else json.dumps(geometry, ensure_ascii=False, separators=(",", ":"))
        )
    return geometry_to_wkt(geometry)


@dataclass
class GeometryStats:
    """Geometry types and the bounding box seen while reading."""

    column: str = "geometry"
    format: str = "wkt"
    types: Counter[str] = field(default_factory=Counter)
    bbox: list[float] = field(default_factory=lambda: [math.inf, math.inf, -math.inf, -math.inf])

    def update(self, geometry: dict[str, Any] | None) -> None:
        if not isinstance(geometry, dict):
            self.types["null"] += 1
            return
        self.types[str(geometry.get("type"))] += 1
        self._extend(geometry.get("coordinates"))
        for child in geometry.get("geometries") or []:
            self.update(child)

    def _extend(self, coords: object) -> None:
        if isinstance(coords, (list, tuple)) and coords and isinstance(coords[0], (int, float)):
            if len(coords) >= 2 and all(isinstance(c, (int, float)) for c in coords[:2]):
                x, y = float(coords[0]), float(coords[1])
                box = self.bbox
                box[0], box[1] = min(box[0], x), min(box[1], y)
                box[2], box[3] = max(box[2], x), max(box[3], y)
        elif isinstance(coords, (list, tuple)):
            for item in coords:
                self._extend(item)

    def to_dict(self) -> dict[str, Any]:
        box = self.bbox if math.isfinite(self.bbox[0]) else None
        return {"name": self.column, "format": self.format, "types": dict(self.types), "bbox": box}


def _tokens(name: str) -> set[str]:
    return set(_TOKENS.findall(name.lower()))


def is_lat_name(name: str) -> bool:
    return "纬度" in name or bool(_tokens(name) & _LAT_WORDS)


def is_lng_name(name: str) -> bool:
    return "经度" in name or bool(_tokens(name) & _LNG_WORDS)


def pair_point_columns(names: Sequence[str]) -> list[tuple[str, str]]:
    """(latitude, longitude) column pairs by name, matching prefixes such as ``gcj_``."""
    lats = [n for n in names if is_lat_name(n)]
    lngs = [n for n in names if is_lng_name(n) and n not in lats]
    if len(lats) == 1 and len(lngs) == 1:
        return [(lats[0], lngs[0])]
    pairs = []
    for lat in lats:
        match = next((g for g in lngs if _stem(g) == _stem(lat)), None)
        if match is not None:
            pairs.append((lat, match))
    return pairs


def _stem(name: str) -> str:
    kept = []
    for token in _TOKENS.findall(name.lower()):
        if token not in _LAT_WORDS and token not in _LNG_WORDS:
            kept.append(token.replace("纬度", "").replace("经度", ""))
    return "".join(kept)


def looks_like_wkt(value: str | None) -> bool:
    return bool(value) and _WKT_PREFIX.match(value or "") is not None
