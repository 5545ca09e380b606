"""Type inference over the whole file, identifiers kept byte for byte, dates, overrides."""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io

import pyarrow as pa
import pytest

from kaifang.errors import InvalidInput
from kaifang.ingest import apply_overrides, apply_schema, infer_schema

from .conftest import column, read_table, types


def _csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def test_identifiers_survive_byte_for_byte(write, ingest):
    rows = [
        ["社会信用代码", "身份证", "手机", "邮编", "序号", "区划"],
        ["91330100MA27XJ5U3B", "11010519900307123X", "13812345678", "010010", "007", "330106"],
        ["913301007125877777", "110105199003071234", "13912345678", "310000", "010", "330102"],
    ]
    result = ingest(write("t.csv", _csv(rows)))
    table = read_table(result)
    for index, name in enumerate(rows[0]):
        assert table.column(name).type == pa.string(), name
        assert table.column(name).to_pylist() == [rows[1][index], rows[2][index]]
    reasons = {c["name"]: c["reason"] for c in result.schema}
    assert reasons["社会信用代码"] == "identifier_name"
    assert reasons["区划"] == reasons["手机"] == "identifier_name"
    assert reasons["序号"] == "leading_zeros"


def test_value_rules_without_name_hints(write, ingest):
    rows = [["a", "b", "c", "d"], ["0012", "123456789012345678", "13812345678", "12"]]
    rows += [["0013", "123456789012345679", "15912345678", "-7"]]
    result = ingest(write("t.csv", _csv(rows)))
    assert types(result) == {"a": "text", "b": "text", "c": "text", "d": "integer"}
    assert {c["name"]: c["reason"] for c in result.schema}["c"] == "phone_numbers"
    assert column(result, "b") == ["123456789012345678", "123456789012345679"]


def test_late_alphanumeric_code_keeps_the_column_text(write, ingest):
    rows = [["value"]] + [[str(i)] for i in range(1, 30_000)] + [["A123"]]
    result = ingest(write("t.csv", _csv(rows)))
    assert types(result) == {"value": "text"}
    assert column(result, "value")[-1] == "A123"


def test_numbers_decimals_floats_booleans(write, ingest):
    rows = [["n", "amount", "ratio", "flag", "note"]]
    rows += [
        ["1", "1,234.50", "1.5e-3", "是", "x"],
        ["-2", "-0.5", "2", "否", ""],
        ["", "N/A", "3.25", "", "y"],
    ]
    result = ingest(write("t.csv", _csv(rows)))
    assert types(result) == {
        "n": "integer",
        "amount": "decimal",
        "ratio": "float",
        "flag": "boolean",
        "note": "text",
    }
    assert column(result, "amount") == [decimal.Decimal("1234.50"), decimal.Decimal("-0.50"), None]
    assert column(result, "flag") == [True, False, None]
    spec = next(c for c in result.schema if c["name"] == "amount")
    assert (spec["precision"], spec["scale"], spec["nullable"]) == (18, 2, False)


@pytest.mark.parametrize(
    "values",
    [
        ["2021年5月19日", "2021年12月1日"],
        ["2021/5/19", "2021/12/1"],
        ["2021-05-19", "2021-12-01"],
        ["2021.5.19", "2021.12.1"],
        ["2021-05-19 00:00:00", "2021-12-01 00:00:00"],
    ],
)
def test_chinese_date_forms(write, ingest, values):
    result = ingest(write("t.csv", _csv([["x"], *([v] for v in values)])))
    assert types(result) == {"x": "date"}
    assert column(result, "x") == [dt.date(2021, 5, 19), dt.date(2021, 12, 1)]


def test_datetimes(write, ingest):
    values = ["2021年5月19日 12时30分", "2021-05-19T08:00:05", "2021/5/20 9:05", "2021-05-21"]
    result = ingest(write("t.csv", _csv([["t"], *([v] for v in values)])))
    assert types(result) == {"t": "datetime"}
    assert column(result, "t")[0] == dt.datetime(2021, 5, 19, 12, 30)
    assert column(result, "t")[3] == dt.datetime(2021, 5, 21)


def test_invalid_date_keeps_text(write, ingest):
    result = ingest(write("t.csv", _csv([["x"], ["2021-02-28"], ["2021-02-30"]])))
    assert types(result) == {"x": "text"}


def test_eight_digit_dates_need_plausible_years_or_a_date_name(write, ingest):
    plausible = ingest(write("a.csv", _csv([["x"], ["20210519"], ["19991231"]])))
    assert types(plausible) == {"x": "date"}
    odd_years = [["x"], ["30000101"], ["25000101"]]
    assert types(ingest(write("b.csv", _csv(odd_years)))) == {"x": "integer"}
    named = [["成立日期"], ["30000101"], ["25000101"]]
    assert types(ingest(write("c.csv", _csv(named)))) == {"成立日期": "date"}
    not_dates = [["x"], ["20211340"], ["20210519"]]
    assert types(ingest(write("d.csv", _csv(not_dates)))) == {"x": "integer"}


def test_override_with_rejected_cells_report(write, ingest):
    rows = (
        [["名称", "金额"]]
        + [[f"n{i}", str(i)] for i in range(40)]
        + [["坏", "N/A"], ["错", "12元"]]
    )
    result = ingest(write("t.csv", _csv(rows)), column_types={"金额": "decimal(10,2)"})
    assert types(result)["金额"] == "decimal"
    report = result.report
    assert (report["rows_read"], report["rows_loaded"], report["rows_rejected"]) == (42, 41, 1)
    assert report["rejected"] == [
        {
            "row": 43,
            "column": "金额",
            "value": "12元",
            "reason": "无法转换为定点小数(10,2)（cannot convert to decimal(10,2)）",
        }
    ]


def test_override_keeping_rows_with_nulls(write, ingest):
    rows = [["x"], ["1"], ["2"], ["three"]]
    result = ingest(
        write("t.csv", _csv(rows)),
        column_types={"x": "integer"},
        on_rejected_cell="null",
        max_rejected_share=0.5,
    )
    assert column(result, "x") == [1, 2, None]
    assert result.report["rows_rejected"] == 0 and result.report["cells_rejected"] == 1


def test_override_threshold_refuses(write, ingest):
    rows = [["x"], ["1"], ["a"], ["b"]]
    with pytest.raises(InvalidInput, match="超过允许的 5%") as info:
        ingest(write("t.csv", _csv(rows)), column_types={"x": "integer"})
    assert info.value.details["rejected"][0]["row"] == 3


def test_override_to_text_keeps_inferred_numbers_verbatim(write, ingest):
    result = ingest(write("t.csv", _csv([["x"], ["1.50"], ["2"]])), column_types={"x": "文本"})
    assert column(result, "x") == ["1.50", "2"]


def test_unknown_override_column_or_type_is_refused(write, ingest):
    path = write("t.csv", _csv([["x"], ["1"]]))
    with pytest.raises(InvalidInput, match="找不到列"):
        ingest(path, column_types={"y": "integer"})
    with pytest.raises(InvalidInput, match="未知的列类型"):
        ingest(path, column_types={"x": "money"})


def test_arrow_api_infer_and_apply():
    table = pa.table({"code": ["001", "002"], "n": ["1", "x"], "d": ["2021年5月1日", None]})
    specs = infer_schema(table)
    assert [s.type for s in specs] == ["text", "text", "date"]
    specs = apply_overrides(specs, {"n": "integer"})
    result = apply_schema(table, specs, max_rejected_share=0.5)
    assert result.table is not None
    assert result.table.column("n").to_pylist() == [1]
    assert [(r.row, r.column, r.value) for r in result.rejected] == [(2, "n", "x")]
