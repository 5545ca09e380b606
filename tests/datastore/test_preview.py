"""The preview grid and the chart builder's aggregates follow the same access rules."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from kaifang.datastore import DataAccess, ServingHandle, aggregate, preview
from kaifang.datastore.filters import parse_filter
from kaifang.errors import BadRequest

PROFILE = {
    "row_count": 8,
    "columns": [
        {"name": "code", "distinct": 7, "top": ["0012"]},
        {"name": "name", "distinct": 7},
        {"name": "qty", "min": 1, "max": 7},
    ],
}


def _mask(values: pa.Array) -> pa.Array:
    return pc.utf8_slice_codeunits(values, 0, 1)


def test_preview_returns_rows_schema_and_profile(handle: ServingHandle) -> None:
    result = preview(
        handle,
        columns=handle.columns,
        access=DataAccess.public(handle.columns),
        limit=3,
        profile=PROFILE,
    )
    assert len(result.rows) == 3 and result.rows[0]["code"] == "0012"
    assert (result.count, result.count_truncated) == (8, False)
    assert result.columns[0] == {
        "name": "code",
        "label": "code",
        "type": "string",
        "sql_type": "VARCHAR",
        "masked": False,
    }
    assert result.profile == PROFILE


def test_preview_profile_drops_hidden_and_masked_columns(handle: ServingHandle) -> None:
    access = DataAccess(visible_columns=frozenset({"name", "qty", "code"}), masking={"code": _mask})
    result = preview(handle, columns=handle.columns, access=access, profile=PROFILE)
    assert [c["name"] for c in result.columns] == ["code", "name", "qty"]
    assert result.columns[0]["masked"] is True
    assert result.rows[1]["code"] == "3"
    assert result.profile is not None
    assert [c["name"] for c in result.profile["columns"]] == ["name", "qty"]
    by_name = {"columns": {"code": {}, "qty": {}}}
    assert preview(handle, columns=handle.columns, access=access, profile=by_name).profile == {
        "columns": {"qty": {}}
    }


def test_preview_has_no_profile_under_a_row_filter(handle: ServingHandle) -> None:
    columns = {c.name: c for c in handle.columns}
    access = DataAccess(row_filter=parse_filter("district=椒江区", columns))
    result = preview(handle, columns=handle.columns, access=access, profile=PROFILE)
    assert result.profile is None and result.count == 3


def test_aggregate_count_sum_avg_min_max(handle: ServingHandle) -> None:
    access = DataAccess.public(handle.columns)

    def agg(fn: str, value: str | None, **kw: object) -> list[dict[str, object]]:
        return aggregate(
            handle,
            columns=handle.columns,
            group_by="district",
            agg=fn,
            value=value,
            access=access,
            **kw,
        ).rows

    assert agg("count", None) == [
        {"key": "椒江区", "value": 3},
        {"key": "黄岩区", "value": 2},
        {"key": None, "value": 2},
        {"key": "路桥区", "value": 1},
    ]
    assert agg("sum", "qty")[0] == {"key": "路桥区", "value": 7}
    assert {r["key"]: r["value"] for r in agg("avg", "amount")}["黄岩区"] == 2.0
    assert agg("max", "day")[:2] == [
        {"key": None, "value": dt.date(2024, 1, 8)},
        {"key": "椒江区", "value": dt.date(2024, 1, 6)},
    ]
    assert agg("count", None, params="flag=true") == [
        {"key": "椒江区", "value": 3},
        {"key": None, "value": 1},
    ]
    limited = aggregate(
        handle,
        columns=handle.columns,
        group_by="district",
        agg="count",
        value=None,
        access=access,
        limit=2,
    )
    assert limited.truncated and len(limited.rows) == 2


@pytest.mark.parametrize(
    ("group_by", "agg", "value", "message"),
    [
        ("nope", "count", None, "unknown column: nope"),
        ("code", "count", None, "unknown column: code"),  # hidden
        ("district", "sum", "code", "unknown column: code"),
        ("flag", "sum", "district", "numeric"),
        ("district", "median", "qty", "unknown aggregate"),
        ("district", "sum", None, "needs a value"),
        ("name", "count", None, "masked"),
    ],
)
def test_aggregate_rejects(
    handle: ServingHandle, group_by: str, agg: str, value: str | None, message: str
) -> None:
    visible = frozenset(c.name for c in handle.columns) - {"code"}
    access = DataAccess(visible_columns=visible, masking={"name": _mask})
    with pytest.raises(BadRequest, match=message):
        aggregate(
            handle, columns=handle.columns, group_by=group_by, agg=agg, value=value, access=access
        )


def test_aggregate_respects_row_filter(handle: ServingHandle) -> None:
    columns = {c.name: c for c in handle.columns}
    access = DataAccess(row_filter=parse_filter("flag=false", columns))
    result = aggregate(
        handle, columns=handle.columns, group_by="district", agg="sum", value="qty", access=access
    )
    assert result.rows == [{"key": "路桥区", "value": 7}, {"key": "黄岩区", "value": 3}]
