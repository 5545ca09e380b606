"""Column profiles and coordinate detection over the written Parquet file.

One aggregate query computes, per column: nulls, approximate distinct count (HyperLogLog,
labelled as such), min/max (for text: min/max length in characters) and the most frequent values
with exact counts (``histogram``, for columns with at most 10,000 distinct values).
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb

from kaifang.ingest.casts import quote_ident, quote_literal
from kaifang.ingest.geo import (
    CHINA_LAT,
    CHINA_LNG,
    GEOMETRY_NAMES,
    CRSGuess,
    GeometryStats,
    crs_from_text,
    declared_crs,
    looks_like_wkt,
    pair_point_columns,
)
from kaifang.ingest.schemas import ColumnSpec

TOP_K = 5
HISTOGRAM_LIMIT = 10_000
_NUMERIC = ("integer", "decimal", "float")


def _jsonable(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, str) and len(value) > 200:
        return value[:199] + "…"
    return value


def _scan(path: Path) -> str:
    return f"read_parquet({quote_literal(str(path))})"


def profile_parquet(
    path: Path,
    specs: Sequence[ColumnSpec],
    *,
    con: duckdb.DuckDBPyConnection | None = None,
    top_k: int = TOP_K,
    rows_sql: str | None = None,
) -> dict[str, Any]:
    """The profile of every column of the Parquet file at ``path``.

    Top values (with exact counts) are computed for columns with at most ``HISTOGRAM_LIMIT``
    distinct values; for near-unique columns (IDs, amounts, free text) they would all be 1.
    ``rows_sql`` (a SELECT of exactly the rows and types written to ``path``) lets the profile
    run while the file is still being written.
    """
    con = con or duckdb.connect(":memory:")
    source = f"({rows_sql})" if rows_sql is not None else _scan(path)
    parts = ["count(*)"]
    for spec in specs:
        col = quote_ident(spec.name)
        measure = f"length({col})" if spec.type == "text" else col
        parts += [
            f"count({col})",
            f"approx_count_distinct({col})",
            f"min({measure})",
            f"max({measure})",
        ]
    row = con.execute(f"SELECT {', '.join(parts)} FROM {source}").fetchone()
    assert row is not None
    rows = int(row[0])
    columns = [_column(spec, rows, row[1 + 4 * i : 5 + 4 * i]) for i, spec in enumerate(specs)]
    repeating = [i for i, c in enumerate(columns) if 0 < c["distinct"] <= HISTOGRAM_LIMIT]
    _top_values(con, source, [specs[i] for i in repeating], [columns[i] for i in repeating], top_k)
    return {"rows": rows, "distinct_is_approximate": True, "columns": columns}


def _column(spec: ColumnSpec, rows: int, stats: Sequence[Any]) -> dict[str, Any]:
    filled, distinct, low, high = stats
    entry: dict[str, Any] = {
        "name": spec.name,
        "type": spec.type,
        "nulls": rows - int(filled),
        "null_share": round((rows - int(filled)) / rows, 4) if rows else 0.0,
        "distinct": min(int(distinct or 0), int(filled)),
    }
    if spec.type == "text":
        entry["min_length"], entry["max_length"] = low, high
    else:
        entry["min"], entry["max"] = _jsonable(low), _jsonable(high)
    entry["top"] = []
    return entry


def _top_values(
    con: duckdb.DuckDBPyConnection,
    source: str,
    specs: Sequence[ColumnSpec],
    columns: list[dict[str, Any]],
    top_k: int,
) -> None:
    """Exact counts of the most frequent values, from one ``histogram`` pass."""
    if not specs:
        return
    parts = ", ".join(f"histogram({quote_ident(s.name)})" for s in specs)
    found = con.execute(f"SELECT {parts} FROM {source}").fetchone()
    assert found is not None
    for column, counts in zip(columns, found, strict=True):
        ranked = sorted((counts or {}).items(), key=lambda item: (-item[1], str(item[0])))[:top_k]
        if ranked and ranked[0][1] > 1:
            column["top"] = [{"value": _jsonable(v), "count": int(n)} for v, n in ranked]


def geo_info(
    path: Path,
    specs: Sequence[ColumnSpec],
    *,
    source_geo: dict[str, Any],
    declared: str | None,
    con: duckdb.DuckDBPyConnection | None = None,
) -> dict[str, Any]:
    """Coordinate columns, geometry columns and the coordinate-system guess."""
    con = con or duckdb.connect(":memory:")
    numeric = [s.name for s in specs if s.type in _NUMERIC]
    points = [_point_pair(con, path, lat, lng) for lat, lng in pair_point_columns(numeric)]
    geometries = _geometry_columns(con, path, specs, source_geo)
    found = bool(points or geometries)
    info: dict[str, Any] = {
        "has_coordinates": found,
        "point_columns": points,
        "geometry_columns": geometries,
    }
    if source_geo.get("projected"):
        info["projected"] = True
    crs = _crs(declared, source_geo, points, geometries) if found or declared else None
    if crs is not None:
        info.update(crs.to_dict())
    return info


def _point_pair(con: duckdb.DuckDBPyConnection, path: Path, lat: str, lng: str) -> dict[str, Any]:
    y, x = quote_ident(lat), quote_ident(lng)
    in_china = f"{y} BETWEEN {CHINA_LAT[0]} AND {CHINA_LAT[1]} AND {x} BETWEEN {CHINA_LNG[0]} AND {CHINA_LNG[1]}"
    swapped = f"{x} BETWEEN {CHINA_LAT[0]} AND {CHINA_LAT[1]} AND {y} BETWEEN {CHINA_LNG[0]} AND {CHINA_LNG[1]}"
    row = con.execute(
        f"SELECT count(*) FILTER ({y} IS NOT NULL AND {x} IS NOT NULL), count(*) FILTER ({in_china}), "
        f"count(*) FILTER ({swapped}) FROM {_scan(path)}"
    ).fetchone()
    assert row is not None
    both = max(int(row[0]), 1)
    return {
        "latitude": lat,
        "longitude": lng,
        "in_china_share": round(int(row[1]) / both, 4),
        "swapped_share": round(int(row[2]) / both, 4),
    }


def _geometry_columns(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    specs: Sequence[ColumnSpec],
    source_geo: dict[str, Any],
) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    stats = source_geo.get("geometry")
    if isinstance(stats, GeometryStats):
        found.append(stats.to_dict())
    known = {g["name"] for g in found}
    for spec in specs:
        if spec.type != "text" or spec.name in known or spec.name.lower() not in GEOMETRY_NAMES:
            continue
        col = quote_ident(spec.name)
        row = con.execute(
            f"SELECT {col} FROM {_scan(path)} WHERE {col} IS NOT NULL LIMIT 1"
        ).fetchone()
        if row and looks_like_wkt(row[0]):
            found.append({"name": spec.name, "format": "wkt", "types": None, "bbox": None})
    return found


def _crs(
    declared: str | None,
    source_geo: dict[str, Any],
    points: list[dict[str, Any]],
    geometries: list[dict[str, Any]],
) -> CRSGuess:
    if declared:
        return declared_crs(declared)
    from_file = source_geo.get("crs")
    if isinstance(from_file, dict) and from_file.get("coordinate_system"):
        return CRSGuess(
            from_file["coordinate_system"], from_file.get("epsg"), from_file.get("basis", "file")
        )
    for pair in points:
        guess = crs_from_text(f"{pair['latitude']} {pair['longitude']}", "column_name")
        if guess is not None:
            return guess
    for geometry in geometries:
        guess = crs_from_text(str(geometry["name"]), "column_name")
        if guess is not None:
            return guess
    return CRSGuess("WGS-84", 4326, "default")
