"""Exports: every format read back, formula neutralising, sheets, headers, access rules."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import defusedxml.ElementTree as ET
import openpyxl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from kaifang.datastore import (
    EXPORT_FORMATS,
    DataAccess,
    GeoSpec,
    ServingHandle,
    content_disposition,
    stream_export,
)
from kaifang.datastore.render_text import xml_names
from kaifang.datastore.render_xlsx import write_xlsx
from kaifang.datastore.rendering import ExportTable
from kaifang.errors import BadRequest

from .tables import memory_table, rows

LONG_CODE = "330102199001011234"


def export(
    handle: Any, fmt: str, params: Any = "", access: DataAccess | None = None, **kw: Any
) -> bytes:
    columns = kw.pop("columns", None) or handle.columns
    chunks = stream_export(
        handle,
        columns=columns,
        params=params,
        access=access or DataAccess.public(columns),
        fmt=fmt,
        **kw,
    )
    return b"".join(chunks)


@pytest.mark.parametrize(
    ("fmt", "encoding", "bom"),
    [("csv", "utf-8", False), ("csv-bom", "utf-8", True), ("csv-gb18030", "gb18030", False)],
)
def test_csv_in_three_encodings(handle: ServingHandle, fmt: str, encoding: str, bom: bool) -> None:
    data = export(handle, fmt)
    assert data.startswith(b"\xef\xbb\xbf") is bom
    text = data.decode(encoding).lstrip("\ufeff")
    table = list(csv.DictReader(io.StringIO(text, newline="")))
    assert len(table) == 8
    assert table[0]["code"] == "0012"
    assert table[1]["code"] == LONG_CODE
    assert table[0]["name"] == "张三"
    assert table[2]["code"] == ""  # NULL
    assert table[3]["name"] == "'=1+1"  # text neutralised
    assert table[5]["name"] == "'@cmd"
    assert table[1]["amount"] == "-3"  # numbers untouched
    assert table[3]["price"] == "-0.25"
    assert data.count(b"\r\n") == 9


def test_gb18030_keeps_characters_outside_gbk() -> None:
    con, columns = memory_table(pa.table({"name": ["𠀀字", "€", "😀"]}))
    text = export(con, "csv-gb18030", columns=columns).decode("gb18030")
    assert text.splitlines()[1:] == ['"𠀀字"', '"€"', '"😀"']
    con.close()


def test_xlsx_keeps_identifiers_as_text_and_neutralises(
    handle: ServingHandle, tmp_path: Path
) -> None:
    path = tmp_path / "x.xlsx"
    path.write_bytes(export(handle, "xlsx"))
    ws = openpyxl.load_workbook(path, read_only=True).active
    table = [list(r) for r in ws.iter_rows(values_only=True)]
    header, body = table[0], table[1:]
    assert header[:3] == ["code", "name", "district"]
    assert body[0][0] == "0012" and body[1][0] == LONG_CODE
    assert body[3][1] == "'=1+1" and body[5][1] == "'@cmd"
    assert body[1][3] == -3 and not isinstance(body[1][3], str)  # amount is a number
    assert body[0][4] == 3 and body[2][4] is None
    assert body[0][5].date().isoformat() == "2024-01-01"
    assert body[0][7] is True
    assert body[5][8] == 1000


def test_xlsx_cells_have_no_formulas(handle: ServingHandle, tmp_path: Path) -> None:
    path = tmp_path / "x.xlsx"
    path.write_bytes(export(handle, "xlsx"))
    ws = openpyxl.load_workbook(path).active
    assert all(cell.data_type != "f" for row in ws.iter_rows() for cell in row)


def test_xlsx_splits_sheets(tmp_path: Path) -> None:
    table = pa.table({"code": [f"{i:04d}" for i in range(7)], "n": list(range(7))})
    path = tmp_path / "split.xlsx"
    sheets = write_xlsx(
        ExportTable(table.schema, iter(table.to_batches(max_chunksize=2)), ["code", "n"]),
        path,
        max_rows_per_sheet=3,
    )
    assert sheets == 3
    book = openpyxl.load_workbook(path, read_only=True)
    values = [[list(r) for r in ws.iter_rows(values_only=True)] for ws in book.worksheets]
    assert [len(v) for v in values] == [4, 4, 2]
    assert all(v[0] == ["code", "n"] for v in values)
    assert [r[0] for v in values for r in v[1:]] == [f"{i:04d}" for i in range(7)]


def _read_xlsx(path: Path) -> list[list[list[Any]]]:
    """Cell values per sheet and row, without the trailing empty cells some writers pad."""
    book = openpyxl.load_workbook(path, read_only=True)
    sheets = []
    for ws in book.worksheets:
        rows_ = [list(r) for r in ws.iter_rows(values_only=True)]
        for row in rows_:
            while row and row[-1] is None:
                row.pop()
        sheets.append(rows_)
    return sheets


def test_fast_xlsx_matches_the_xlsxwriter_reference(tmp_path: Path) -> None:
    import datetime as dt
    from decimal import Decimal

    table = pa.table(
        {
            "code": ["0012", LONG_CODE, None, "=SUM(A1)", "-x", " lead", "a&b<c>"],
            "n": pa.array([1, -(10**16), None, 0, 10**15 - 1, 7, -7], pa.int64()),
            "f": [1.5, float("nan"), None, -0.1, 1e20, 2.0, float("inf")],
            "d": pa.array(
                [Decimal("1.50"), None, Decimal("-2.25")] * 2 + [None], pa.decimal128(9, 2)
            ),
            "day": [dt.date(2024, 1, 2), dt.date(1899, 6, 1), None, dt.date(1900, 3, 1)] * 1
            + [dt.date(2000, 2, 29), dt.date(9999, 12, 31), None],
            "ts": [dt.datetime(2024, 1, 2, 3, 4, 5), None] * 3 + [dt.datetime(1970, 1, 1)],
            "t": [dt.time(12, 30), None, dt.time(0, 0, 1)] * 2 + [None],
            "b": [True, False, None, True, True, False, None],
            "big": pa.array(
                [Decimal("1234567890123.45"), Decimal("12345678901234567.89"), None] * 2 + [None],
                pa.decimal128(20, 2),
            ),
        }
    )
    from kaifang.datastore import render_xlsxwriter

    fast, reference = tmp_path / "fast.xlsx", tmp_path / "ref.xlsx"
    batches = list(table.to_batches(max_chunksize=3))
    write_xlsx(ExportTable(table.schema, iter(batches), table.column_names), fast)
    render_xlsxwriter.write_xlsx(
        ExportTable(table.schema, iter(batches), table.column_names),
        reference,
        max_rows_per_sheet=100,
    )
    got, want = _read_xlsx(fast), _read_xlsx(reference)
    assert got == want
    rows_ = got[0]
    assert rows_[1][0] == "0012" and rows_[2][0] == LONG_CODE and rows_[4][0] == "'=SUM(A1)"
    assert rows_[2][1] == str(-(10**16))  # beyond 15 digits: text, not rounded
    assert rows_[2][2] is None and rows_[7][2] is None  # NaN, inf left empty
    assert rows_[2][4] == "1899-06-01"  # before Excel's calendar: ISO text
    assert rows_[1][8] == 1234567890123.45 and rows_[2][8] == "12345678901234567.89"


def test_fast_xlsx_is_well_formed(handle: ServingHandle, tmp_path: Path) -> None:
    import zipfile

    (tmp_path / "x.xlsx").write_bytes(export(handle, "xlsx"))
    with zipfile.ZipFile(tmp_path / "x.xlsx") as zf:
        for name in zf.namelist():
            ET.fromstring(zf.read(name))
        assert "xl/worksheets/sheet1.xml" in zf.namelist()


def test_xlsx_huge_integers_become_text(tmp_path: Path) -> None:
    table = pa.table({"n": pa.array([123, 10**17 + 3], pa.int64())})
    path = tmp_path / "n.xlsx"
    write_xlsx(
        ExportTable(table.schema, iter(table.to_batches()), ["n"]), path, max_rows_per_sheet=10
    )
    ws = openpyxl.load_workbook(path, read_only=True).active
    assert [r[0] for r in ws.iter_rows(min_row=2, values_only=True)] == [123, str(10**17 + 3)]


def test_json_and_ndjson(handle: ServingHandle) -> None:
    as_json = json.loads(export(handle, "json"))
    lines = [json.loads(line) for line in export(handle, "ndjson").splitlines()]
    assert as_json == lines
    assert len(lines) == 8
    assert lines[0]["code"] == "0012" and lines[1]["code"] == LONG_CODE
    assert lines[3]["name"] == "=1+1"  # raw values in JSON
    assert lines[2]["amount"] is None
    assert lines[0]["day"] == "2024-01-01"
    assert json.loads(export(handle, "json", "code=none")) == []
    assert export(handle, "ndjson", "code=none") == b""


def test_json_has_no_nan() -> None:
    con, columns = memory_table(pa.table({"f": [1.5, float("nan"), float("inf")]}))
    assert json.loads(export(con, "json", columns=columns)) == [
        {"f": 1.5},
        {"f": None},
        {"f": None},
    ]
    con.close()


def test_xml_parses_with_safe_names_and_escaping() -> None:
    table = pa.table(
        {
            "名称": ["<b>&", "ok\x01"],
            "1st col": [1, None],
            "xmlish": ["a", "b"],
            "a b": ["x", "y"],
            "a_b": ["z", "w"],
        }
    )
    con, columns = memory_table(table)
    root = ET.fromstring(export(con, "xml", columns=columns))
    rows_ = root.findall("row")
    assert [child.tag for child in rows_[0]] == ["名称", "_1st_col", "_xmlish", "a_b", "a_b_2"]
    assert rows_[0].find("名称").text == "<b>&"
    assert rows_[1].find("名称").text == "ok\ufffd"
    nil = rows_[1].find("_1st_col")
    assert nil.text is None
    assert nil.get("{http://www.w3.org/2001/XMLSchema-instance}nil") == "true"
    con.close()


def test_xml_names_are_unique() -> None:
    assert xml_names(["a", "a", "XMLdata", "", "-x"]) == ["a", "a_2", "_XMLdata", "_", "_-x"]


def test_parquet_round_trips(handle: ServingHandle) -> None:
    table = pq.read_table(io.BytesIO(export(handle, "parquet")))
    assert table.num_rows == 8
    assert table.column("code").to_pylist()[:2] == ["0012", LONG_CODE]
    assert table.schema.field("price").type == pa.decimal128(10, 2)
    assert (
        pq.read_metadata(io.BytesIO(export(handle, "parquet"))).row_group(0).column(0).compression
        == "ZSTD"
    )


def test_geojson_from_lat_lng(handle: ServingHandle) -> None:
    doc = json.loads(export(handle, "geojson", "_col=code,name", geo=GeoSpec(lat="lat", lng="lng")))
    assert doc["type"] == "FeatureCollection"
    features = doc["features"]
    assert features[0]["geometry"] == {"type": "Point", "coordinates": [121.42, 28.65]}
    assert features[0]["properties"] == {"code": "0012", "name": "张三"}
    assert features[2]["geometry"] is None  # missing latitude
    assert features[4]["geometry"] is None  # latitude 95 is out of range


def test_geojson_from_a_geometry_column() -> None:
    wkt = [
        "POINT (121.4 28.6)",
        "LINESTRING (30 10, 10 30, 40 40)",
        "POLYGON ((30 10, 40 40, 20 40, 30 10))",
        "MULTIPOINT ((10 40), (40 30))",
        '{"type": "Point", "coordinates": [1, 2]}',
        "nonsense",
        None,
    ]
    con, columns = memory_table(pa.table({"geom": wkt, "id": list(range(7))}))
    doc = json.loads(export(con, "geojson", columns=columns, geo=GeoSpec(geometry="geom")))
    geometries = [f["geometry"] for f in doc["features"]]
    assert geometries[0] == {"type": "Point", "coordinates": [121.4, 28.6]}
    assert geometries[1]["coordinates"] == [[30, 10], [10, 30], [40, 40]]
    assert geometries[2]["type"] == "Polygon" and len(geometries[2]["coordinates"][0]) == 4
    assert geometries[3]["coordinates"] == [[10, 40], [40, 30]]
    assert geometries[4] == {"type": "Point", "coordinates": [1, 2]}
    assert geometries[5] is None and geometries[6] is None
    assert doc["features"][0]["properties"] == {"id": 0}
    con.close()


def test_geojson_needs_coordinates(handle: ServingHandle) -> None:
    with pytest.raises(BadRequest, match="coordinates"):
        export(handle, "geojson")
    with pytest.raises(BadRequest, match="unknown column: lat"):
        access = DataAccess(visible_columns=frozenset({"code", "lng"}))
        export(handle, "geojson", access=access, geo=GeoSpec(lat="lat", lng="lng"))


def test_export_uses_filters_sort_and_access(handle: ServingHandle) -> None:
    access = DataAccess(
        visible_columns=frozenset({"code", "name", "qty", "district"}),
        masking={"name": lambda a: pc.utf8_slice_codeunits(a, 0, 1)},
    )
    lines = [
        json.loads(x)
        for x in export(handle, "ndjson", "_sort_desc=qty&qty__gte=2&_size=1", access).splitlines()
    ]
    assert [r["qty"] for r in lines] == [7, 5, 3, 2]  # no page cap
    assert lines[0] == {"code": "0012", "name": "赵", "district": "路桥区", "qty": 7}
    with pytest.raises(BadRequest, match="unknown column: amount"):
        export(handle, "csv", "amount__gt=1", access)


def test_export_streams_in_batches(handle: ServingHandle) -> None:
    chunks = list(
        stream_export(
            handle,
            columns=handle.columns,
            params="",
            access=DataAccess.public(handle.columns),
            fmt="ndjson",
            batch_rows=2,
        )
    )
    assert len(chunks) >= 4
    lines = b"".join(chunks).splitlines()
    assert [json.loads(line)["name"] for line in lines] == [r["name"] for r in rows()]


def test_empty_exports_are_valid(handle: ServingHandle, tmp_path: Path) -> None:
    assert export(handle, "csv", "code=none").decode().startswith('"code","name"')
    assert ET.fromstring(export(handle, "xml", "code=none")).findall("row") == []
    assert pq.read_table(io.BytesIO(export(handle, "parquet", "code=none"))).num_rows == 0
    (tmp_path / "e.xlsx").write_bytes(export(handle, "xlsx", "code=none"))
    ws = openpyxl.load_workbook(tmp_path / "e.xlsx", read_only=True).active
    assert len(list(ws.iter_rows(values_only=True))) == 1


def test_unknown_format(handle: ServingHandle) -> None:
    with pytest.raises(BadRequest, match="unknown export format"):
        export(handle, "docx")


def test_registry_labels() -> None:
    assert EXPORT_FORMATS["csv-gb18030"].media_type == "text/csv; charset=gb18030"
    assert EXPORT_FORMATS["xlsx"].extension == "xlsx"
    assert {e.extension for e in EXPORT_FORMATS.values()} >= {
        "csv",
        "xlsx",
        "json",
        "ndjson",
        "xml",
        "parquet",
        "geojson",
    }


def test_content_disposition_for_a_chinese_name() -> None:
    header = content_disposition("台州市 公交站点 2024", "csv")
    assert header.startswith('attachment; filename="')
    assert header.isascii()
    assert "filename*=UTF-8''%E5%8F%B0%E5%B7%9E%E5%B8%82%20" in header
    assert header.endswith(".csv")
    assert 'filename="2024.csv"' in header


def test_content_disposition_for_a_hostile_name() -> None:
    header = content_disposition('../x"\r\n.csv', "csv")
    assert "\r" not in header and "\n" not in header
    assert "/" not in header.split("filename*=")[0]
    assert "%2F" not in header and ".." not in header
    assert header.count('"') == 2
    assert header == "attachment; filename=\"x_.csv.csv\"; filename*=UTF-8''x_.csv.csv"
    assert 'filename="download.csv"' in content_disposition("报表", 'c/s"v')
    assert content_disposition("", "").startswith('attachment; filename="download.bin"')
