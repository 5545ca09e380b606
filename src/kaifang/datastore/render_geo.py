"""GeoJSON export (RFC 7946) from lat/lng columns or a geometry column (GeoJSON or WKT text).

RFC 7946 requires WGS-84: GCJ-02 and BD-09 positions are converted (``coords``), while the
properties keep the coordinates as stored. WGS-84 and CGCS2000 (identical at this precision)
pass through; Xi'an-80 and Beijing-54 cannot be converted and are written as stored. Rows
without a usable position get ``"geometry": null``.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

from kaifang.datastore.coords import Point, needs_shift, wgs84_converter
from kaifang.datastore.rendering import ExportTable, GeoSpec

Convert = Callable[[float, float], Point]

_GEOJSON_TYPES = {
    "Point",
    "LineString",
    "Polygon",
    "MultiPoint",
    "MultiLineString",
    "MultiPolygon",
    "GeometryCollection",
}
_WKT_TYPES = {t.upper(): t for t in _GEOJSON_TYPES - {"GeometryCollection"}}
_WKT_HEAD = re.compile(r"\s*([A-Za-z]+)\s*(?:Z|M|ZM)?\s*(\(.*\)|EMPTY)\s*", re.S | re.I)
_WKT_TOKEN = re.compile(r"\(|\)|,|[^\s(),]+")


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def point(lat: Any, lng: Any) -> dict[str, Any] | None:
    """A GeoJSON Point from latitude/longitude values, or None when missing or out of range."""
    y, x = _number(lat), _number(lng)
    if x is None or y is None or not (-90 <= y <= 90 and -180 <= x <= 180):
        return None
    return {"type": "Point", "coordinates": [x, y]}


def reproject(geometry: dict[str, Any] | None, convert: Convert) -> dict[str, Any] | None:
    """A copy of a GeoJSON geometry with every position passed through ``convert``."""
    if geometry is None:
        return None
    if geometry.get("type") == "GeometryCollection":
        parts = [reproject(g, convert) for g in geometry.get("geometries") or []]
        return {**geometry, "geometries": parts}
    return {**geometry, "coordinates": _positions(geometry.get("coordinates"), convert)}


def _positions(coords: Any, convert: Convert) -> Any:
    if isinstance(coords, list) and coords and isinstance(coords[0], (int, float)):
        lng, lat = convert(float(coords[0]), float(coords[1]))
        return [lng, lat, *coords[2:]]
    if isinstance(coords, list):
        return [_positions(c, convert) for c in coords]
    return coords


def _converter(crs: str | None) -> Convert | None:
    """The conversion to WGS-84, or None when positions are written as stored."""
    if not needs_shift(crs):
        return None
    return wgs84_converter(crs)


def _wkt_group(tokens: list[str], pos: int) -> tuple[list[Any], int]:
    """Parse ``( … )`` at ``pos``: a list of groups, or a list of positions."""
    if tokens[pos] != "(":
        raise ValueError("expected (")
    pos += 1
    items: list[Any] = []
    while True:
        if tokens[pos] == "(":
            item, pos = _wkt_group(tokens, pos)
        else:
            coords = []
            while tokens[pos] not in (",", ")"):
                coords.append(float(tokens[pos]))
                pos += 1
            if not 2 <= len(coords) <= 4:
                raise ValueError("bad position")
            item = coords[:3]
        items.append(item)
        if tokens[pos] == ")":
            return items, pos + 1
        if tokens[pos] != ",":
            raise ValueError("expected ,")
        pos += 1


def parse_wkt(text: str) -> dict[str, Any] | None:
    """A GeoJSON geometry from WKT (Point … MultiPolygon), or None if it cannot be read."""
    match = _WKT_HEAD.fullmatch(text)
    if not match or match[1].upper() not in _WKT_TYPES or match[2].upper() == "EMPTY":
        return None
    kind = _WKT_TYPES[match[1].upper()]
    tokens = _WKT_TOKEN.findall(match[2])
    try:
        group, end = _wkt_group(tokens, 0)
    except (ValueError, IndexError):
        return None
    if end != len(tokens):
        return None
    if kind == "Point":
        return {"type": kind, "coordinates": group[0]}
    if kind == "MultiPoint" and group and isinstance(group[0][0], list):
        group = [g[0] for g in group]
    return {"type": kind, "coordinates": group}


def parse_geometry(value: Any) -> dict[str, Any] | None:
    """Geometry from a GeoJSON object or string, or from WKT text."""
    if isinstance(value, dict):
        geometry = value
    elif isinstance(value, str) and value.lstrip().startswith("{"):
        try:
            geometry = json.loads(value)
        except ValueError:
            return None
    elif isinstance(value, str):
        return parse_wkt(value)
    else:
        return None
    if not isinstance(geometry, dict) or geometry.get("type") not in _GEOJSON_TYPES:
        return None
    return geometry


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value) if value.is_finite() else None
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def _finite(value: Any) -> Any:
    """JSON has no NaN or infinity: such numbers become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _features(batch: Any, spec: GeoSpec, properties: list[str]) -> Iterator[str]:
    columns = {name: batch.column(name).to_pylist() for name in set(spec.columns() + properties)}
    convert = _converter(spec.crs)
    for i in range(batch.num_rows):
        if spec.geometry:
            geometry = parse_geometry(columns[spec.geometry][i])
        else:
            geometry = point(columns[spec.lat or ""][i], columns[spec.lng or ""][i])
        if convert is not None:
            geometry = reproject(geometry, convert)
        feature = {
            "type": "Feature",
            "geometry": geometry,
            "properties": {name: _finite(columns[name][i]) for name in properties},
        }
        yield json.dumps(
            feature,
            ensure_ascii=False,
            default=_json_default,
            allow_nan=False,
            separators=(",", ":"),
        )


def render_geojson(table: ExportTable) -> Iterator[bytes]:
    """A FeatureCollection, streamed one batch at a time."""
    spec = table.geo or GeoSpec()
    properties = [p for p in table.properties if p != spec.geometry]
    yield b'{"type":"FeatureCollection","features":['
    first = True
    for batch in table.batches:
        features = list(_features(batch, spec, properties))
        if features:
            yield (b"\n" if first else b",\n") + ",\n".join(features).encode()
            first = False
    yield b"\n]}\n"
