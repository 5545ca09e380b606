"""Parquet input, and the pipeline's report, profile, hashes, progress and size limit."""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from kaifang.errors import InvalidInput, TooLarge

from .conftest import column, read_table, types


def test_parquet_input_keeps_declared_types(tmp_path, ingest):
    table = pa.table(
        {
            "id": pa.array([1, 2], pa.int64()),
            "code": ["001", "002"],
            "amount": pa.array([decimal.Decimal("1.50"), None], pa.decimal128(10, 2)),
            "day": [dt.date(2021, 5, 19), dt.date(2021, 5, 20)],
            "at": [dt.datetime(2021, 5, 19, 8, 30), None],
            "tags": [["a"], []],
            "ok": [True, False],
        }
    )
    pq.write_table(table, tmp_path / "in.parquet")
    result = ingest(tmp_path / "in.parquet")
    assert types(result) == {
        "id": "integer",
        "code": "text",
        "amount": "decimal",
        "day": "date",
        "at": "datetime",
        "tags": "text",
        "ok": "boolean",
    }
    assert column(result, "at") == [dt.datetime(2021, 5, 19, 8, 30), None]
    assert column(result, "amount") == [decimal.Decimal("1.50"), None]
    assert column(result, "tags") == ['["a"]', "[]"]
    assert {c["name"]: c["origin"] for c in result.schema}["id"] == "declared"


def test_corrupt_parquet_is_refused(write, ingest):
    with pytest.raises(InvalidInput, match="Parquet"):
        ingest(write("t.parquet", b"PAR1" + b"\x00" * 50 + b"PAR1"))


def test_report_profile_hashes_and_progress(write, ingest):
    rows = "类别,金额,日期\n" + "".join(
        f"{'甲乙丙'[i % 3]},{i}.5,2021-05-{1 + i % 28:02d}\n" for i in range(300)
    )
    path = write("t.csv", rows)
    seen: list[tuple[int, float]] = []
    result = ingest(path, on_progress=lambda done, pct: seen.append((done, pct)))
    assert result.rows == 300 and result.report["rows_loaded"] == 300
    assert result.source_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert result.parquet_sha256 == hashlib.sha256(result.parquet_path.read_bytes()).hexdigest()
    assert pq.ParquetFile(result.parquet_path).metadata.row_group(0).column(0).compression == "ZSTD"
    assert seen[0] == (0, 0.0) and seen[-1] == (300, 100.0)
    assert [p for _d, p in seen] == sorted(p for _d, p in seen)
    profile = {c["name"]: c for c in result.profile["columns"]}
    assert profile["类别"]["top"] == [
        {"value": "丙", "count": 100},
        {"value": "乙", "count": 100},
        {"value": "甲", "count": 100},
    ]
    assert (profile["类别"]["min_length"], profile["类别"]["max_length"]) == (1, 1)
    assert (profile["金额"]["min"], profile["金额"]["max"], profile["金额"]["nulls"]) == (
        "0.5",
        "299.5",
        0,
    )
    assert profile["日期"]["min"] == "2021-05-01"
    assert profile["金额"]["top"] == []


def test_result_is_json_ready(write, ingest):
    import json

    result = ingest(write("t.csv", "a,b\n1,x\n"))
    assert json.loads(json.dumps(result.to_dict(), ensure_ascii=False))["rows"] == 1


def test_size_limit(write, ingest):
    with pytest.raises(TooLarge, match="超过上限"):
        ingest(write("t.csv", "a\n" + "1\n" * 1000), max_bytes=100)


def test_output_replaces_atomically(write, ingest, tmp_path):
    first = ingest(write("t.csv", "a\n1\n"))
    second = ingest(write("t.csv", "a\n2\n"))
    assert first.parquet_path == second.parquet_path
    assert read_table(second).column("a").to_pylist() == [2]
    assert not list(first.parquet_path.parent.glob("*.partial"))


def test_list_choices_for_workbooks_zips_and_plain_files(tmp_path, write):
    import xlsxwriter

    from kaifang.ingest import IngestOptions, list_choices

    book = xlsxwriter.Workbook(str(tmp_path / "b.xlsx"))
    book.add_worksheet("一")
    book.add_worksheet("二")
    book.close()
    options = IngestOptions(output_path=tmp_path / "o.parquet")
    found = list_choices(tmp_path / "b.xlsx", filename="b.xlsx", options=options)
    assert found["format"] == "xlsx" and [c["name"] for c in found["choices"]] == ["一", "二"]
    csv = write("t.csv", "a\n1\n")
    assert list_choices(csv, filename="t.csv", options=options)["choices"] == []


def test_reader_batches_are_text(write, tmp_path):
    from kaifang.ingest import IngestOptions, detect_encoding
    from kaifang.ingest.readers import open_source

    path = write("t.csv", "a,b\n1,x\n2,y\n")
    options = IngestOptions(output_path=tmp_path / "o.parquet")
    source = open_source(path, "csv", options=options, work_dir=tmp_path)
    batches = list(source.batches or [])
    assert source.names == ["a", "b"] and detect_encoding(path).encoding == "utf-8"
    assert batches[0].schema.names == ["c0", "c1"]
    assert batches[0].column(0).to_pylist() == ["1", "2"]
    assert all(str(t) == "string" for t in batches[0].schema.types)


def test_rows_keep_the_source_order_across_row_groups(write, ingest):
    """Typed columns (dates, low-cardinality text) once came back in another order past one
    DuckDB row group (122,880 rows): the typed SELECT is ordered by the staging row."""
    provinces = ["浙江", "河南", "安徽", "广东", "四川"]
    lines = [
        f"{i},{2000 + i % 20}-0{1 + i % 9}-1{i % 9},{provinces[i % 5]},{i * 0.25}\n"
        for i in range(300_000)
    ]
    result = ingest(write("t.csv", "序号,日期,省份,金额\n" + "".join(lines)))
    table = read_table(result)
    assert table.column("序号").to_pylist() == list(range(300_000))
    assert table.column("省份").to_pylist()[:5] == provinces
