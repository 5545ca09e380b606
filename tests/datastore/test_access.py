"""DataAccess: hidden columns, row filters and masking apply to every part of a query."""

from __future__ import annotations

import dataclasses

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from kaifang.datastore import ColumnInfo, DataAccess, ServingHandle, run_query
from kaifang.datastore.filters import And, Condition, Or, parse_filter
from kaifang.errors import BadRequest

from .tables import positions, query


def _hide(handle: ServingHandle, *hidden: str) -> DataAccess:
    return DataAccess(visible_columns=frozenset(c.name for c in handle.columns) - set(hidden))


def _mask_code(values: pa.Array) -> pa.Array:
    return pc.binary_join_element_wise(pc.utf8_slice_codeunits(values, 0, 2), "****", "")


def test_hidden_columns_are_absent(handle: ServingHandle) -> None:
    access = _hide(handle, "code", "lat")
    result = query(handle, "_size=2", access)
    assert "code" not in result.columns and "lat" not in result.columns
    assert all("code" not in row for row in result.rows)


@pytest.mark.parametrize(
    "params",
    [
        "code=0012",
        "code__startswith=33",
        "_sort=code",
        "_sort_desc=code",
        "_facet=code",
        "_col=name,code",
        "_nocol=code",
    ],
)
def test_naming_a_hidden_column_answers_like_an_unknown_one(
    handle: ServingHandle, params: str
) -> None:
    access = _hide(handle, "code")
    with pytest.raises(BadRequest) as hidden:
        query(handle, params, access)
    with pytest.raises(BadRequest) as unknown:
        query(handle, params.replace("code", "nosuchcolumn"), access)
    assert hidden.value.message == unknown.value.message.replace("nosuchcolumn", "code")
    assert hidden.value.message == "unknown column: code"


def test_search_skips_hidden_columns(handle: ServingHandle) -> None:
    assert positions(query(handle, "_search=3301")) == [1, 6]
    assert query(handle, "_search=3301", _hide(handle, "code")).rows == []


def test_public_access_hides_non_public_columns(handle: ServingHandle) -> None:
    columns = [dataclasses.replace(c, public=c.name != "price") for c in handle.columns]
    access = DataAccess.public(columns)
    assert "price" not in query(handle, "", access).columns
    with pytest.raises(BadRequest, match="unknown column: price"):
        query(handle, "price=1.5", access)


def test_row_filter_is_anded_into_every_part(handle: ServingHandle) -> None:
    columns = {c.name: c for c in handle.columns}
    access = DataAccess(row_filter=parse_filter("district=椒江区", columns))
    assert positions(query(handle, "", access)) == [0, 3, 5]
    assert positions(query(handle, "flag=true&amount__gt=1", access)) == [0, 5]
    result = query(handle, "_extra=count&_facet=district&_size=1", access)
    assert result.count == 3
    assert result.facets and result.facets["district"]["results"] == [
        {"value": "椒江区", "count": 3}
    ]
    assert positions(query(handle, "_search=3301", access)) == []


def test_row_filter_may_use_hidden_columns_and_or_groups(handle: ServingHandle) -> None:
    tree = Or((Condition("code", "exact", "0012"), Condition("code", "exact", "x")))
    access = DataAccess(
        visible_columns=frozenset({"name", "qty"}), row_filter=And((tree,)), channel="grant"
    )
    result = query(handle, "_sort=qty", access)
    assert result.columns == ["name", "qty"]
    assert [r["name"] for r in result.rows] == ["张三", "孙七", "赵六"]


def test_row_filter_with_a_bad_value_is_rejected(handle: ServingHandle) -> None:
    access = DataAccess(row_filter=Condition("qty", "gt", "lots"))
    with pytest.raises(BadRequest, match="qty"):
        query(handle, "", access)


def test_masking_applies_before_rows_leave(handle: ServingHandle) -> None:
    access = DataAccess(masking={"code": _mask_code})
    result = query(handle, "_size=2&_col=code,name", access)
    assert [r["code"] for r in result.rows] == ["00****", "33****"]
    paged = query(handle, [("_size", "2"), ("_next", result.next or "")], access)
    assert paged.rows[0]["code"] is None  # NULL stays NULL through the mask


@pytest.mark.parametrize("params", ["code=0012", "code__startswith=0", "_sort=code", "_facet=code"])
def test_masked_columns_are_output_only(handle: ServingHandle, params: str) -> None:
    access = DataAccess(masking={"code": _mask_code})
    with pytest.raises(BadRequest, match="masked"):
        query(handle, params, access)


def test_search_skips_masked_columns(handle: ServingHandle) -> None:
    access = DataAccess(masking={"code": _mask_code})
    assert query(handle, "_search=3301", access).rows == []


def test_column_info_kinds() -> None:
    kinds = {
        t: ColumnInfo("c", t).kind
        for t in ["VARCHAR", "BIGINT", "DECIMAL(10,2)", "DOUBLE", "DATE", "TIMESTAMP", "BOOLEAN"]
    }
    assert kinds == {
        "VARCHAR": "string",
        "BIGINT": "integer",
        "DECIMAL(10,2)": "number",
        "DOUBLE": "number",
        "DATE": "date",
        "TIMESTAMP": "datetime",
        "BOOLEAN": "boolean",
    }
    assert ColumnInfo("c", "BLOB").sortable is False


def test_search_never_reaches_columns_left_out_of_the_column_list(handle: ServingHandle) -> None:
    columns = [c for c in handle.columns if c.name != "code"]
    access = DataAccess.public(columns)
    result = run_query(handle, columns=columns, params="_search=3301", access=access)
    assert result.rows == []
    found = run_query(handle, columns=columns, params="_search=椒江", access=access)
    assert [r["name"] for r in found.rows] == ["张三", "=1+1", "@cmd"]
