"""GCJ-02 and BD-09 to WGS-84 against published reference points, and the GeoJSON export."""

from __future__ import annotations

import json
import math

import pyarrow as pa
import pytest

from kaifang.datastore.coords import (
    bd09_to_gcj02,
    bd09_to_wgs84,
    convertible,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    wgs84_converter,
    wgs84_to_gcj02,
)
from kaifang.datastore.render_geo import render_geojson
from kaifang.datastore.rendering import ExportTable, GeoSpec

# (WGS-84 lat, lng, GCJ-02 lat, lng): the reference points published with eviltransform.
WGS_GCJ = [
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),  # Shanghai
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),  # Shenzhen
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),  # Beijing
]
# GCJ-02 (116.404, 39.915) in BD-09, as published with coordtransform.
GCJ_TO_BD = ((116.404, 39.915), (116.41036949371029, 39.92133699351021))
# ... and BD-09 (116.404, 39.915) to GCJ-02 with its closed-form approximation (to ~1e-6°).
BD_TO_GCJ_APPROX = ((116.404, 39.915), (116.39762729119315, 39.90865673957631))
EXACT = 1e-9  # degrees; about 0.1 mm


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Rough ground distance between two (lng, lat) points."""
    lat = math.radians((a[1] + b[1]) / 2)
    dx = (a[0] - b[0]) * 111_320 * math.cos(lat)
    dy = (a[1] - b[1]) * 110_540
    return math.hypot(dx, dy)


@pytest.mark.parametrize(("wlat", "wlng", "glat", "glng"), WGS_GCJ)
def test_gcj02_matches_the_reference_points(
    wlat: float, wlng: float, glat: float, glng: float
) -> None:
    lng, lat = wgs84_to_gcj02(wlng, wlat)
    assert lng == pytest.approx(glng, abs=EXACT) and lat == pytest.approx(glat, abs=EXACT)
    back = gcj02_to_wgs84(glng, glat)
    assert back[0] == pytest.approx(wlng, abs=EXACT) and back[1] == pytest.approx(wlat, abs=EXACT)
    assert metres((wlng, wlat), (glng, glat)) > 100  # the shift the conversion undoes


def test_bd09_matches_the_reference_points() -> None:
    (lng, lat), expected = GCJ_TO_BD
    assert gcj02_to_bd09(lng, lat) == pytest.approx(expected, abs=EXACT)
    (bd_lng, bd_lat), approx = BD_TO_GCJ_APPROX
    gcj = bd09_to_gcj02(bd_lng, bd_lat)
    assert gcj == pytest.approx(approx, abs=1e-6)
    assert gcj02_to_bd09(*gcj) == pytest.approx((bd_lng, bd_lat), abs=EXACT)


def test_bd09_to_wgs84_round_trips_a_taizhou_point() -> None:
    wgs = (121.4208, 28.6561)  # Jiaojiang district
    bd = gcj02_to_bd09(*wgs84_to_gcj02(*wgs))
    assert metres(bd, wgs) > 300
    assert bd09_to_wgs84(*bd) == pytest.approx(wgs, abs=EXACT)


def test_points_outside_china_and_national_systems_are_not_shifted() -> None:
    assert wgs84_to_gcj02(2.3522, 48.8566) == (2.3522, 48.8566)  # Paris
    assert gcj02_to_wgs84(2.3522, 48.8566) == (2.3522, 48.8566)
    assert wgs84_converter("CGCS2000")(121.4, 28.6) == (121.4, 28.6)
    assert wgs84_converter(None)(121.4, 28.6) == (121.4, 28.6)
    assert not convertible("Xian-80")
    with pytest.raises(ValueError, match="Xian-80"):
        wgs84_converter("Xian-80")


def _export(spec: GeoSpec, table: pa.Table) -> dict:
    body = b"".join(
        render_geojson(
            ExportTable(table.schema, iter(table.to_batches()), table.column_names, spec)
        )
    )
    return json.loads(body)


def test_geojson_export_is_wgs84_and_keeps_stored_values() -> None:
    (wlat, wlng, glat, glng) = WGS_GCJ[0]
    table = pa.table({"name": ["甲", "乙"], "lat": [glat, None], "lng": [glng, None]})
    out = _export(GeoSpec(lat="lat", lng="lng", crs="GCJ-02"), table)
    first = out["features"][0]
    assert first["geometry"]["coordinates"] == pytest.approx([wlng, wlat], abs=EXACT)
    assert first["properties"]["lat"] == glat  # the stored value, untouched
    assert out["features"][1]["geometry"] is None


def test_geojson_geometry_columns_are_converted_too() -> None:
    bd = gcj02_to_bd09(*wgs84_to_gcj02(121.4208, 28.6561))
    table = pa.table({"geometry": [f"POINT ({bd[0]!r} {bd[1]!r})"]})
    out = _export(GeoSpec(geometry="geometry", crs="BD-09"), table)
    assert out["features"][0]["geometry"]["coordinates"] == pytest.approx(
        [121.4208, 28.6561], abs=EXACT
    )
    plain = _export(GeoSpec(geometry="geometry", crs="WGS-84"), table)
    assert plain["features"][0]["geometry"]["coordinates"] == pytest.approx(list(bd))
