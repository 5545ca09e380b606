"""GeoJSON, zipped shapefiles and coordinate detection."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest

from kaifang.errors import InvalidInput
from kaifang.ingest.geo import geometry_to_wkt, pair_point_columns

from .conftest import column, make_zip, types

FEATURES = {
    "type": "FeatureCollection",
    "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4490"}},
    "features": [
        {
            "type": "Feature",
            "id": 7,
            "properties": {"名称": "西湖", "信息": {"级别": "5A"}},
            "geometry": {"type": "Point", "coordinates": [120.15, 30.25]},
        },
        {
            "type": "Feature",
            "properties": {"名称": "湖区"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[120.1, 30.2], [120.2, 30.2], [120.2, 30.3], [120.1, 30.2]]],
            },
        },
        {"type": "Feature", "properties": {"名称": "无"}, "geometry": None},
    ],
}


def test_geojson_feature_collection(write, ingest):
    result = ingest(write("t.geojson", json.dumps(FEATURES, ensure_ascii=False)))
    assert list(types(result)) == ["名称", "信息.级别", "id", "geometry"]
    assert column(result, "geometry") == [
        "POINT (120.15 30.25)",
        "POLYGON ((120.1 30.2, 120.2 30.2, 120.2 30.3, 120.1 30.2))",
        None,
    ]
    geo = result.geo
    assert geo["coordinate_system"] == "CGCS2000" and geo["epsg"] == 4490
    (geometry,) = geo["geometry_columns"]
    assert geometry["types"] == {"Point": 1, "Polygon": 1, "null": 1}
    assert geometry["bbox"] == [120.1, 30.2, 120.2, 30.3]


def test_geojson_as_geojson_text(write, ingest):
    result = ingest(write("t.json", json.dumps(FEATURES)), geometry_format="geojson")
    assert json.loads(column(result, "geometry")[0]) == {
        "type": "Point",
        "coordinates": [120.15, 30.25],
    }


def test_wkt_for_every_geometry_type():
    assert (
        geometry_to_wkt({"type": "MultiPoint", "coordinates": [[1, 2], [3, 4]]})
        == "MULTIPOINT ((1 2), (3 4))"
    )
    assert (
        geometry_to_wkt({"type": "LineString", "coordinates": [[1, 2], [3, 4.5]]})
        == "LINESTRING (1 2, 3 4.5)"
    )
    multi = {"type": "MultiPolygon", "coordinates": [[[[0, 0], [1, 0], [0, 1], [0, 0]]]]}
    assert geometry_to_wkt(multi) == "MULTIPOLYGON (((0 0, 1 0, 0 1, 0 0)))"
    collection = {
        "type": "GeometryCollection",
        "geometries": [{"type": "Point", "coordinates": [1, 2]}],
    }
    assert geometry_to_wkt(collection) == "GEOMETRYCOLLECTION (POINT (1 2))"
    with pytest.raises(InvalidInput):
        geometry_to_wkt({"type": "Point", "coordinates": ["x", 1]})


def test_point_columns_and_declared_crs(write, ingest):
    rows = "名称,百度经度,百度纬度\n" + "".join(
        f"点{i},120.{i:02d},30.{i:02d}\n" for i in range(20)
    )
    result = ingest(write("t.csv", rows))
    pair = result.geo["point_columns"][0]
    assert (pair["latitude"], pair["longitude"], pair["in_china_share"]) == (
        "百度纬度",
        "百度经度",
        1.0,
    )
    assert (result.geo["coordinate_system"], result.geo["basis"]) == ("BD-09", "column_name")
    declared = ingest(write("u.csv", rows), coordinate_system="GCJ-02")
    assert (declared.geo["coordinate_system"], declared.geo["basis"]) == ("GCJ-02", "declared")


def test_swapped_coordinates_are_noted(write, ingest):
    rows = "lat,lng\n" + "".join(f"120.{i},30.{i}\n" for i in range(10))
    pair = ingest(write("t.csv", rows)).geo["point_columns"][0]
    assert pair["in_china_share"] == 0.0 and pair["swapped_share"] == 1.0


def test_no_coordinates(write, ingest):
    geo = ingest(write("t.csv", "a,b\n1,2\n")).geo
    assert geo == {"has_coordinates": False, "point_columns": [], "geometry_columns": []}


def test_pairing_by_name():
    names = ["gcj_lat", "gcj_lng", "wgs_lat", "wgs_lng", "x1"]
    assert pair_point_columns(names) == [("gcj_lat", "gcj_lng"), ("wgs_lat", "wgs_lng")]
    assert pair_point_columns(["经度", "纬度"]) == [("纬度", "经度")]


# --- shapefile written by hand -------------------------------------------------------------

PRJ = 'GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000"]]'


def _shp(shapes: list[tuple[int, bytes]]) -> bytes:
    records = b""
    for number, (kind, body) in enumerate(shapes, start=1):
        content = struct.pack("<i", kind) + body
        records += struct.pack(">ii", number, len(content) // 2) + content
    header = struct.pack(">7i", 9994, 0, 0, 0, 0, 0, (100 + len(records)) // 2)
    header += struct.pack("<2i", 1000, shapes[0][0]) + struct.pack("<8d", *([0.0] * 8))
    return header + records


def _point(x: float, y: float) -> tuple[int, bytes]:
    return 1, struct.pack("<2d", x, y)


def _polygon(rings: list[list[tuple[float, float]]]) -> tuple[int, bytes]:
    points = [p for ring in rings for p in ring]
    starts, offset = [], 0
    for ring in rings:
        starts.append(offset)
        offset += len(ring)
    body = struct.pack("<4d", 0, 0, 0, 0) + struct.pack("<2i", len(rings), len(points))
    body += struct.pack(f"<{len(starts)}i", *starts)
    body += b"".join(struct.pack("<2d", x, y) for x, y in points)
    return 5, body


def _dbf(
    fields: list[tuple[str, str, int]], rows: list[list[str]], encoding: str, deleted: int = -1
) -> bytes:
    header_len = 32 + 32 * len(fields) + 1
    record_len = 1 + sum(length for _n, _t, length in fields)
    head = struct.pack("<B3BIHH20x", 3, 126, 1, 1, len(rows), header_len, record_len)
    for name, kind, length in fields:
        head += (
            name.encode(encoding).ljust(11, b"\0")
            + kind.encode()
            + b"\0" * 4
            + bytes([length, 0])
            + b"\0" * 14
        )
    body = b""
    for index, row in enumerate(rows):
        body += b"*" if index == deleted else b" "
        for (_n, _t, length), value in zip(fields, row, strict=True):
            body += value.encode(encoding).ljust(length, b" ")[:length]
    return head + b"\r" + body + b"\x1a"


def _zipped_shapefile(path: Path, *, cpg: str | None = "GBK", deleted: int = -1) -> Path:
    outer = [(120.0, 30.0), (120.0, 31.0), (121.0, 31.0), (121.0, 30.0), (120.0, 30.0)]
    hole = [(120.2, 30.2), (120.4, 30.2), (120.4, 30.4), (120.2, 30.4), (120.2, 30.2)]
    shapes = [_point(120.15, 30.25), _polygon([outer, hole]), _point(116.4, 39.9)]
    fields = [("名称", "C", 20), ("人口", "N", 10), ("设立", "D", 8), ("有效", "L", 1)]
    rows = [
        ["西湖区", "1110000", "20010101", "T"],
        ["湖区", "", "", "F"],
        ["北京", "21893095", "19491001", "?"],
    ]
    members = {
        "layer/districts.shp": _shp(shapes),
        "layer/districts.dbf": _dbf(fields, rows, "gbk", deleted),
        "layer/districts.prj": PRJ.encode(),
        "__MACOSX/._districts.shp": b"junk",
    }
    if cpg:
        members["layer/districts.cpg"] = cpg.encode()
    return make_zip(path, members)


def test_zipped_shapefile(tmp_path, ingest):
    result = ingest(_zipped_shapefile(tmp_path / "t.zip"))
    assert result.report["format"] == "shapefile" and result.report["sheet"] == "districts"
    assert types(result) == {
        "名称": "text",
        "人口": "integer",
        "设立": "date",
        "有效": "boolean",
        "geometry": "text",
    }
    assert column(result, "名称") == ["西湖区", "湖区", "北京"]
    assert column(result, "有效") == [True, False, None]
    geometry = column(result, "geometry")
    assert geometry[0] == "POINT (120.15 30.25)"
    assert (
        geometry[1].startswith("POLYGON ((120.0 30.0, 120.0 31.0")
        and "), (120.2 30.2" in geometry[1]
    )
    assert result.geo["coordinate_system"] == "CGCS2000" and result.geo["basis"] == "prj"


def test_shapefile_without_cpg_detects_gbk(tmp_path, ingest):
    assert column(ingest(_zipped_shapefile(tmp_path / "t.zip", cpg=None)), "名称")[0] == "西湖区"


def test_shapefile_deleted_records_are_skipped(tmp_path, ingest):
    assert column(ingest(_zipped_shapefile(tmp_path / "t.zip", deleted=1)), "名称") == [
        "西湖区",
        "北京",
    ]


def test_shapefile_without_dbf_is_refused(tmp_path, ingest):
    path = make_zip(tmp_path / "t.zip", {"a.shp": _shp([_point(1, 2)])})
    with pytest.raises(InvalidInput, match=r"\.dbf"):
        ingest(path)


def test_corrupt_shp_record_is_refused(tmp_path, ingest):
    shp = _shp([_point(1, 2)])
    broken = shp[:100] + struct.pack(">ii", 1, 500) + shp[108:]
    fields = [("a", "C", 5)]
    path = make_zip(tmp_path / "t.zip", {"a.shp": broken, "a.dbf": _dbf(fields, [["x"]], "ascii")})
    with pytest.raises(InvalidInput, match="记录已损坏"):
        ingest(path)


def test_large_geometries_have_their_own_limit(write, ingest):
    ring = [[120 + i / 1e5, 30 + (i % 7) / 1e5] for i in range(60_000)] + [[120, 30]]
    big = {
        "type": "Feature",
        "properties": {"名称": "边界"},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }
    result = ingest(
        write("t.geojson", json.dumps({"type": "FeatureCollection", "features": [big]}))
    )
    assert len(column(result, "geometry")[0]) > 1024 * 1024
