"""Decoding one ``.shp`` record into a GeoJSON-like geometry (2D; Z and M values are skipped).

Polygon rings follow the shapefile rule: clockwise rings are outer boundaries, counter-clockwise
rings are holes, assigned to the outer ring that contains them.
"""

from __future__ import annotations

import itertools
import struct
from typing import Any

from kaifang.ingest.problems import invalid

_POINTS = {1, 11, 21}
_MULTIPOINTS = {8, 18, 28}
_LINES = {3, 13, 23}
_POLYGONS = {5, 15, 25}

Ring = list[list[float]]


def _corrupt(number: int) -> Exception:
    return invalid(f".shp 第 {number} 条记录已损坏", f".shp record {number} is corrupt")


def read_shape(content: bytes, number: int) -> dict[str, Any] | None:
    """The geometry of one record's content (after the 8-byte record header)."""
    (kind,) = struct.unpack_from("<i", content, 0)
    if kind == 0:
        return None
    if kind in _POINTS:
        if len(content) < 20:
            raise _corrupt(number)
        x, y = struct.unpack_from("<2d", content, 4)
        return {"type": "Point", "coordinates": [x, y]}
    if kind in _MULTIPOINTS:
        points = _points(content, 36, _count(content, 36, number), number)
        return {"type": "MultiPoint", "coordinates": points}
    if kind in _LINES or kind in _POLYGONS:
        parts = _parts(content, number)
        if kind in _LINES:
            if len(parts) == 1:
                return {"type": "LineString", "coordinates": parts[0]}
            return {"type": "MultiLineString", "coordinates": parts}
        return _polygon(parts)
    raise invalid(
        f".shp 第 {number} 条记录的几何类型 {kind} 不受支持",
        f".shp record {number}: unsupported shape type {kind}",
    )


def _count(content: bytes, offset: int, number: int) -> int:
    if len(content) < offset + 4:
        raise _corrupt(number)
    count = int(struct.unpack_from("<i", content, offset)[0])
    if count < 0:
        raise _corrupt(number)
    return count


def _points(content: bytes, offset: int, count: int, number: int) -> list[list[float]]:
    end = offset + 4 + 16 * count
    if end > len(content):
        raise _corrupt(number)
    flat = struct.unpack_from(f"<{2 * count}d", content, offset + 4)
    return [[flat[i], flat[i + 1]] for i in range(0, len(flat), 2)]


def _parts(content: bytes, number: int) -> list[Ring]:
    if len(content) < 44:
        raise _corrupt(number)
    n_parts, n_points = struct.unpack_from("<2i", content, 36)
    points_at = 44 + 4 * n_parts
    if n_parts < 0 or n_points < 0 or points_at + 16 * n_points > len(content):
        raise _corrupt(number)
    starts = list(struct.unpack_from(f"<{n_parts}i", content, 44))
    flat = struct.unpack_from(f"<{2 * n_points}d", content, points_at)
    coords = [[flat[i], flat[i + 1]] for i in range(0, len(flat), 2)]
    bounds = list(itertools.pairwise([*starts, n_points]))
    if any(a < 0 or a > b or b > n_points for a, b in bounds):
        raise _corrupt(number)
    return [coords[a:b] for a, b in bounds]


def _signed_area(ring: Ring) -> float:
    return (
        sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True))
        / 2
    )


def _contains(ring: Ring, point: list[float]) -> bool:
    x, y = point
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
            inside = not inside
    return inside


def _polygon(rings: list[Ring]) -> dict[str, Any] | None:
    outers: list[list[Ring]] = []
    holes: list[Ring] = []
    for ring in rings:
        if len(ring) < 3:
            continue
        if _signed_area(ring) <= 0:
            outers.append([ring])
        else:
            holes.append(ring)
    if not outers:
        outers, holes = [[r] for r in holes], []
    for hole in holes:
        owner = next((p for p in outers if _contains(p[0], hole[0])), outers[-1])
        owner.append(hole)
    if not outers:
        return None
    if len(outers) == 1:
        return {"type": "Polygon", "coordinates": outers[0]}
    return {"type": "MultiPolygon", "coordinates": outers}
