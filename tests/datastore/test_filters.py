"""The filter language: every operator, typed values, unknown names and injection attempts."""

from __future__ import annotations

import pyarrow as pa
import pytest

from kaifang.datastore import ServingHandle
from kaifang.datastore.filters import parse_filter, parse_query
from kaifang.errors import BadRequest

from .tables import memory_table, positions, query, sample_table

OPERATOR_CASES = [
    ("code=0012", [0, 4]),
    ("code__exact=0012", [0, 4]),
    ("district__not=椒江区", [1, 2, 4, 6, 7]),
    ("name__contains=五", [2]),
    ("code__startswith=3301", [1, 6]),
    ("code__endswith=35", [6]),
    ("name__startswith==", [3]),
    ("amount__gt=7", [0, 4, 5]),
    ("amount__gte=7", [0, 4, 5, 6]),
    ("amount__lt=0", [1, 7]),
    ("amount__lte=0", [1, 3, 7]),
    ("qty__in=1,7", [1, 3, 4, 5]),
    ("qty__in=[1, 7]", [1, 3, 4, 5]),
    ('code__in=["0012", "x"]', [0, 4, 7]),
    ('code__in=["0012,x"]', []),
    ("district__notin=椒江区,黄岩区", [2, 4, 7]),
    ("district__isnull=1", [2, 7]),
    ("district__notnull=1", [0, 1, 3, 4, 5, 6]),
    ("district__isnull=", [2, 7]),
    ("day__date=2024-01-04", [3, 4]),
    ("ts__date=2024-01-02", [2, 3]),
    ("day__gte=2024-01-04", [3, 4, 5, 7]),
    ("ts__gt=2024-01-04T00:00:00", [5, 6, 7]),
    ("flag=true", [0, 3, 5, 7]),
    ("flag__not=true", [1, 2, 4, 6]),
    ("price=1.50", [0, 4]),
    ("price__gte=1.5", [0, 1, 4, 5, 6]),
    ("amount__contains=.25", [5]),
    ("qty__gte=2&qty__lte=5", [0, 6, 7]),
    ("district=椒江区&flag=true&amount__gt=0", [0, 5]),
]


@pytest.mark.parametrize(("params", "expected"), OPERATOR_CASES)
def test_operator(handle: ServingHandle, params: str, expected: list[int]) -> None:
    assert positions(query(handle, params)) == expected


@pytest.mark.parametrize(
    ("params", "column"),
    [
        ("qty=abc", "qty"),
        ("qty__gt=1.5", "qty"),
        ("qty=99999999999999999999", "qty"),
        ("amount=xyz", "amount"),
        ("amount=nan", "amount"),
        ("day=2024-13-01", "day"),
        ("day__date=yesterday", "day"),
        ("ts=not-a-time", "ts"),
        ("flag=maybe", "flag"),
        ("price=1e", "price"),
        ("qty__in=1,x", "qty"),
    ],
)
def test_bad_value_names_the_column(handle: ServingHandle, params: str, column: str) -> None:
    with pytest.raises(BadRequest) as err:
        query(handle, params)
    assert column in err.value.message
    assert err.value.details["column"] == column


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ("nope=1", "unknown column: nope"),
        ("nope__gt=1", "unknown column: nope"),
        ("qty__like=1", "unknown operator: like"),
        ("_foo=1", "unknown parameter: _foo"),
        ("_extra=everything", "unknown _extra: everything"),
        ("_size=0", "_size"),
        ("_size=1001", "_size"),
        ("_size=ten", "_size"),
        ("_sort=qty&_sort_desc=qty", "either _sort or _sort_desc"),
        ("_sort=nope", "unknown column: nope"),
        ("_sort=qty&_sort=code", "only once"),
        ("_col=code,nope", "unknown column: nope"),
        ("_nocol=nope", "unknown column: nope"),
        ("_facet=nope", "unknown column: nope"),
        ("district__isnull=maybe", "isnull"),
        ("qty__in=[1, [2]]", "JSON array"),
        ("qty__in=[1, null]", "isnull"),
        ("qty__in=[1,", "invalid JSON"),
        ("_version=../x", "_version"),
        ("_search=" + "字" * 201, "_search"),
        ("ts__date=2024-01-01&name__date=x", "name"),
        ("flag__date=2024-01-01", "flag"),
    ],
)
def test_bad_request_messages(handle: ServingHandle, params: str, message: str) -> None:
    with pytest.raises(BadRequest) as err:
        query(handle, params)
    assert message in err.value.message


def test_special_parameters(handle: ServingHandle) -> None:
    result = query(handle, "_col=name,code&_size=3")
    assert result.columns == ["name", "code"]
    assert list(result.rows[0]) == ["name", "code"]
    assert len(result.rows) == 3
    assert query(handle, [("_col", "code"), ("_col", "qty")]).columns == ["code", "qty"]
    assert "ts" not in query(handle, "_nocol=ts,lat").columns
    assert "lat" not in query(handle, "_nocol=ts,lat").columns
    assert query(handle, "_size=max").next is None


def test_parse_query_collects_options(handle: ServingHandle) -> None:
    columns = {c.name: c for c in handle.columns}
    spec = parse_query(
        "_sort_desc=qty&_size=5&_facet=district&_facet=flag,code&_extra=count&_version=v2"
        "&_search=张&qty__gt=1&_format=csv",
        columns,
        ignore={"_format"},
    )
    assert spec.sort is not None and spec.sort.descending and spec.sort.column == "qty"
    assert (spec.size, spec.facets, spec.extras) == (5, ("district", "flag", "code"), {"count"})
    assert (spec.version, spec.search) == ("v2", "张")
    assert len(spec.filter.children) == 1


def test_injection_attempts_are_inert(handle: ServingHandle) -> None:
    with pytest.raises(BadRequest, match="unknown column"):
        query(handle, [('name" OR 1=1 --', "x")])
    with pytest.raises(BadRequest, match="unknown column"):
        query(handle, [("_sort", "code; DROP TABLE data")])
    with pytest.raises(BadRequest, match="unknown column"):
        query(handle, [("_facet", 'code", (SELECT 1) --')])
    assert query(handle, [("name", "' OR 1=1 --")]).rows == []
    assert query(handle, [("name__contains", "%")]).rows == []
    assert query(handle, [("name__contains", "_")]).rows == []
    assert len(query(handle, "").rows) == 8


def test_awkward_column_names_resolve_exactly() -> None:
    table = pa.table({'a"b': [1, 2, 3], "x__y": [1, 2, 3], "sp ace": ["p", "q", "r"]})
    con, columns = memory_table(table)
    from kaifang.datastore import DataAccess, run_query

    def rows(params: object) -> list[dict[str, object]]:
        access = DataAccess.public(columns)
        return run_query(con, columns=columns, params=params, access=access).rows

    assert rows([('a"b', "2")]) == [{'a"b': 2, "x__y": 2, "sp ace": "q"}]
    assert [r["x__y"] for r in rows([("x__y", "3")])] == [3]
    assert [r["x__y"] for r in rows([("x__y__gt", "1")])] == [2, 3]
    assert [r["sp ace"] for r in rows([("_sort_desc", "sp ace")])] == ["r", "q", "p"]
    con.close()


def test_parse_filter_refuses_special_keys(handle: ServingHandle) -> None:
    columns = {c.name: c for c in handle.columns}
    tree = parse_filter("district=椒江区&qty__gte=1", columns)
    assert [c.op for c in tree.children] == ["exact", "gte"]
    with pytest.raises(BadRequest):
        parse_filter("_sort=qty", columns)


def test_sample_table_shape() -> None:
    assert sample_table().num_rows == 8
