"""run_query: sorting with NULLs and ties, keyset paging, cursors, facets, counts, search."""

from __future__ import annotations

import base64
import json
import math
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kaifang.datastore import DataAccess, ServingHandle, run_query
from kaifang.datastore import query as query_module
from kaifang.datastore.cursor import encode_cursor
from kaifang.datastore.filters import Sort
from kaifang.errors import BadRequest

from .tables import memory_table, positions, query

ASC_AMOUNT = [1, 7, 3, 6, 0, 4, 5, 2]
DESC_AMOUNT = [5, 0, 4, 6, 3, 1, 7, 2]


def all_pages(handle: Any, params: list[tuple[str, str]], **kw: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    token: str | None = None
    for _ in range(100):
        extra = [("_next", token)] if token else []
        result = run_query(handle, params=params + extra, **kw)
        rows += result.rows
        token = result.next
        if token is None:
            return rows
    raise AssertionError("paging did not end")


def test_sort_asc_and_desc_put_nulls_last_and_break_ties_by_row(handle: ServingHandle) -> None:
    assert positions(query(handle, "_sort=amount")) == ASC_AMOUNT
    assert positions(query(handle, "_sort_desc=amount")) == DESC_AMOUNT
    assert positions(query(handle, "")) == list(range(8))


@pytest.mark.parametrize("size", [1, 2, 3, 7, 8])
@pytest.mark.parametrize(("key", "expected"), [("_sort", ASC_AMOUNT), ("_sort_desc", DESC_AMOUNT)])
def test_keyset_pages_visit_every_row_once(
    handle: ServingHandle, size: int, key: str, expected: list[int]
) -> None:
    access = DataAccess.public(handle.columns)
    rows = all_pages(
        handle, [(key, "amount"), ("_size", str(size))], columns=handle.columns, access=access
    )
    assert len(rows) == 8
    from .tables import rows as sample_rows

    keys = [(r["code"], r["ts"]) for r in sample_rows()]
    assert [keys.index((r["code"], r["ts"])) for r in rows] == expected


@pytest.mark.parametrize(
    "column", ["code", "name", "district", "qty", "day", "ts", "flag", "price"]
)
@pytest.mark.parametrize("key", ["_sort", "_sort_desc"])
def test_paging_over_each_type_matches_one_big_page(
    handle: ServingHandle, column: str, key: str
) -> None:
    access = DataAccess.public(handle.columns)
    paged = all_pages(
        handle, [(key, column), ("_size", "3")], columns=handle.columns, access=access
    )
    assert paged == query(handle, [(key, column)]).rows


def _expected_order(values: list[Any], descending: bool | None) -> list[int]:
    if descending is None:
        return list(range(len(values)))
    present = [i for i, v in enumerate(values) if v is not None]

    def key(i: int) -> tuple[int, Any]:
        v = values[i]
        is_nan = isinstance(v, float) and math.isnan(v)
        return (1, 0.0) if is_nan else (0, v)

    ordered = sorted(present, key=key, reverse=descending)
    return ordered + [i for i, v in enumerate(values) if v is None]


VALUE_STRATEGIES = {
    "int": (pa.int64(), st.one_of(st.none(), st.integers(-3, 3))),
    "text": (pa.string(), st.one_of(st.none(), st.sampled_from(["", "a", "b", "椒江", "z z"]))),
    "float": (
        pa.float64(),
        st.one_of(st.none(), st.sampled_from([-1.5, 0.0, 2.25, math.inf, math.nan])),
    ),
}


@settings(max_examples=60, deadline=None)
@given(
    data=st.data(),
    kind=st.sampled_from(sorted(VALUE_STRATEGIES)),
    descending=st.sampled_from([None, False, True]),
    size=st.integers(1, 6),
)
def test_keyset_paging_property(data: Any, kind: str, descending: bool | None, size: int) -> None:
    arrow_type, values_strategy = VALUE_STRATEGIES[kind]
    values = data.draw(st.lists(values_strategy, max_size=25))
    table = pa.table({"v": pa.array(values, arrow_type), "i": pa.array(range(len(values)))})
    con, columns = memory_table(table)
    params = [("_size", str(size))]
    if descending is not None:
        params.append(("_sort_desc" if descending else "_sort", "v"))
    try:
        rows = all_pages(con, params, columns=columns, access=DataAccess.public(columns))
    finally:
        con.close()
    assert [r["i"] for r in rows] == _expected_order(values, descending)


def test_next_is_none_on_the_last_page(handle: ServingHandle) -> None:
    assert query(handle, "_size=8").next is None
    assert query(handle, "_size=7").next is not None


def _tamper(token: str) -> str:
    payload, mac = token.split(".")
    body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    body["r"] = 0
    raw = base64.urlsafe_b64encode(json.dumps(body).encode()).rstrip(b"=").decode()
    return raw + "." + mac


@pytest.mark.parametrize(
    "mangle",
    [
        _tamper,
        lambda t: t[:-3],
        lambda t: t.replace(".", ""),
        lambda t: "not-a-cursor",
        lambda t: "@@@.###",
        lambda t: "x" * 5000,
    ],
)
def test_tampered_or_garbled_cursor_is_bad_request(handle: ServingHandle, mangle: Any) -> None:
    token = query(handle, "_sort=amount&_size=2").next
    assert token
    with pytest.raises(BadRequest, match="cursor"):
        query(handle, [("_sort", "amount"), ("_size", "2"), ("_next", mangle(token))])


def test_cursor_is_bound_to_sort_and_key(handle: ServingHandle) -> None:
    token = query(handle, "_sort=amount&_size=2").next
    assert token
    with pytest.raises(BadRequest, match="different sort"):
        query(handle, [("_sort_desc", "amount"), ("_next", token)])
    with pytest.raises(BadRequest, match="different sort"):
        query(handle, [("_next", token)])
    with pytest.raises(BadRequest, match="cursor"):
        query(handle, [("_sort", "amount"), ("_next", token)], cursor_key=b"k" * 32)
    signed = query(handle, "_sort=amount&_size=2", cursor_key=b"k" * 32).next
    assert signed
    page = query(
        handle, [("_sort", "amount"), ("_size", "2"), ("_next", signed)], cursor_key=b"k" * 32
    )
    assert positions(page) == ASC_AMOUNT[2:4]


def test_cursor_value_must_match_the_column_type(handle: ServingHandle) -> None:
    forged = encode_cursor(Sort("amount"), "not a number", 3)
    with pytest.raises(BadRequest, match="cursor"):
        query(handle, [("_sort", "amount"), ("_next", forged)])


def test_facets_count_values_with_nulls_last_among_ties(handle: ServingHandle) -> None:
    result = query(handle, "_facet=district&_facet=flag&_size=1")
    assert result.facets is not None
    district = result.facets["district"]
    assert district["results"] == [
        {"value": "椒江区", "count": 3},
        {"value": "黄岩区", "count": 2},
        {"value": None, "count": 2},
        {"value": "路桥区", "count": 1},
    ]
    assert district["truncated"] is False
    assert result.facets["flag"]["results"][0] == {"value": True, "count": 4}
    filtered = query(handle, "district=椒江区&_facet=flag")
    assert filtered.facets and filtered.facets["flag"]["results"] == [{"value": True, "count": 3}]
    assert query(handle, "").facets is None


def test_facets_are_capped_and_flagged(
    handle: ServingHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(query_module, "FACET_SIZE", 2)
    result = query(handle, "_facet=code")
    assert result.facets is not None
    facet = result.facets["code"]
    assert facet["truncated"] is True
    assert facet["results"][0] == {"value": "0012", "count": 2}
    assert len(facet["results"]) == 2


def test_count_is_opt_in_and_exact(handle: ServingHandle) -> None:
    assert query(handle, "qty__gte=2").count is None
    result = query(handle, "qty__gte=2&_extra=count&_size=1")
    assert (result.count, result.count_truncated) == (4, False)
    assert query(handle, "_extra=count").count == 8


def test_search_spans_text_columns(handle: ServingHandle) -> None:
    assert positions(query(handle, "_search=椒江")) == [0, 3, 5]
    assert positions(query(handle, "_search=3301")) == [1, 6]
    assert positions(query(handle, "_search=椒江&qty__gt=1")) == [0]
    assert query(handle, "_search=").rows  # an empty search is no search


def test_search_without_text_columns_is_bad_request() -> None:
    con, columns = memory_table(pa.table({"n": [1, 2]}))
    with pytest.raises(BadRequest, match="no text columns"):
        run_query(con, columns=columns, params="_search=1", access=DataAccess.public(columns))
    con.close()


def test_run_query_accepts_a_plain_connection() -> None:
    con, columns = memory_table(pa.table({"n": [3, 1, 2]}))
    result = run_query(con, columns=columns, params="_sort=n", access=DataAccess.public(columns))
    assert [r["n"] for r in result.rows] == [1, 2, 3]
    con.close()
