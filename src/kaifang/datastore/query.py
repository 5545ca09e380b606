"""The data-API query engine: filtered, keyset-paged rows with optional count and facets."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from kaifang.datastore.access import DataAccess
from kaifang.datastore.budget import Deadline, fetch_timed
from kaifang.datastore.columns import ROWID, ColumnInfo, column_map, quote_ident
from kaifang.datastore.compiler import (
    ROWID_SQL,
    Fragment,
    combine,
    compile_filter,
    compile_search,
    keyset_after,
    order_by,
    select_list,
)
from kaifang.datastore.cursor import decode_cursor, encode_cursor
from kaifang.datastore.filters import Pairs, QuerySpec, parse_query, selected_columns
from kaifang.errors import QueryTooExpensive

FACET_SIZE = 30
COUNT_CAP = 10_000
COUNT_FALLBACK_MS = 50


class CursorSource(Protocol):
    """A DuckDB connection or a :class:`~kaifang.datastore.serving.ServingHandle`."""

    def cursor(self) -> AbstractContextManager[duckdb.DuckDBPyConnection]: ...


@dataclass(frozen=True)
class QueryResult:
    """One page of rows plus the opt-in extras; ``next`` is None on the last page."""

    rows: list[dict[str, Any]]
    columns: list[str]
    next: str | None
    count: int | None
    count_truncated: bool
    facets: dict[str, dict[str, Any]] | None


@dataclass(frozen=True)
class CompiledQuery:
    """A parsed request resolved against a table and an access: where clause and outputs."""

    spec: QuerySpec
    where: Fragment
    output: list[str]
    columns: dict[str, ColumnInfo]


def _fulltext_allowed(
    columns: Sequence[ColumnInfo], access: DataAccess, parts: Collection[str] | None
) -> bool:
    """The stored concatenation may be searched only if the caller may search every part."""
    if parts is None:
        return False
    queryable = access.queryable_map(columns)
    return all(name in queryable for name in parts)


def compile_query(
    columns: Sequence[ColumnInfo],
    params: Pairs | Mapping[str, str] | str,
    access: DataAccess,
    *,
    ignore: Collection[str] = (),
    fulltext: Collection[str] | None = None,
) -> CompiledQuery:
    """Parse ``params`` for this caller and build the WHERE clause shared by every part.

    ``fulltext`` names the text columns stored concatenated in ``_fulltext`` (see
    serving.py), None when the table has no such column.
    """
    visible = access.visible_map(columns)
    queryable = access.queryable_map(columns)
    spec = parse_query(params, visible, masked=access.masking.keys(), ignore=ignore)
    search = compile_search(
        spec.search,
        list(queryable.values()),
        fulltext=_fulltext_allowed(columns, access, fulltext),
    )
    where = combine(
        compile_filter(spec.filter, visible),
        compile_filter(access.row_filter, column_map(columns)),
        search,
    )
    return CompiledQuery(spec, where, selected_columns(spec, list(visible)), visible)


def fulltext_parts(source: object) -> tuple[str, ...] | None:
    """The columns in ``_fulltext`` when ``source`` is a serving handle that has it."""
    info = getattr(source, "info", None)
    return getattr(info, "fulltext_columns", None)


def _page_where(q: CompiledQuery, key: bytes | None) -> Fragment:
    if not q.spec.next:
        return q.where
    sort_col = q.columns.get(q.spec.sort.column) if q.spec.sort else None
    value, rowid = decode_cursor(q.spec.next, q.spec.sort, sort_col, key=key)
    return combine(q.where, keyset_after(q.spec.sort, value, rowid))


def _increasing(values: pa.ChunkedArray) -> bool:
    if len(values) < 2:
        return True
    flat = values.combine_chunks()
    return bool(pc.all(pc.greater(flat.slice(1), flat.slice(0, len(flat) - 1))).as_py())


def _fetch_unsorted(
    cur: duckdb.DuckDBPyConnection, q: CompiledQuery, where: Fragment, deadline: Deadline
) -> tuple[pa.Table, pa.Table]:
    """Rows in ``_rowid`` order without a sort.

    Serving tables are stored in ``_rowid`` order and DuckDB preserves insertion order
    for queries without ORDER BY, so LIMIT returns the first rows (and point lookups can
    use an index). Should a scan ever come back out of order, the sorted query is used.
    """
    limit = int(q.spec.size) + 1
    head = f"SELECT {select_list([ROWID, *q.output])} FROM data WHERE {where.sql}"
    table = fetch_timed(cur, f"{head} LIMIT {limit}", where.params, deadline)
    if not _increasing(table.column(0)):
        table = fetch_timed(cur, f"{head} {order_by(None)} LIMIT {limit}", where.params, deadline)
    return table.select([0]), table.drop_columns(table.column_names[:1])


def _fetch_sorted(
    cur: duckdb.DuckDBPyConnection, q: CompiledQuery, where: Fragment, deadline: Deadline
) -> tuple[pa.Table, pa.Table]:
    """Sorted rows in two steps: top-N over (``_rowid``, sort key), then those rows by id.

    Sorting only the narrow key columns is an order of magnitude faster than carrying
    every column through the top-N.
    """
    sort = q.spec.sort
    assert sort is not None
    keys_sql = (
        f"SELECT {select_list([ROWID, sort.column])} FROM data WHERE {where.sql} "
        f"{order_by(sort)} LIMIT {int(q.spec.size) + 1}"
    )
    keys = fetch_timed(cur, keys_sql, where.params, deadline)
    if not q.output or keys.num_rows == 0:
        return keys, pa.table({name: pa.nulls(keys.num_rows) for name in q.output})
    ids = keys.column(0).to_pylist()
    marks = ", ".join("?" for _ in ids)
    rows_sql = f"SELECT {select_list([ROWID, *q.output])} FROM data WHERE {ROWID_SQL} IN ({marks})"
    fetched = fetch_timed(cur, rows_sql, ids, deadline)
    order = pc.index_in(keys.column(0), value_set=fetched.column(0).combine_chunks())
    rows = fetched.take(order)
    return keys, rows.drop_columns(rows.column_names[:1])


def _rows(table: pa.Table, q: CompiledQuery, access: DataAccess) -> list[dict[str, Any]]:
    if not q.output:
        return [{} for _ in range(table.num_rows)]
    arrays = [access.mask(name, table.column(i)) for i, name in enumerate(q.output)]
    rows: list[dict[str, Any]] = pa.Table.from_arrays(arrays, names=q.output).to_pylist()
    return rows


def _next_token(keys: pa.Table, q: CompiledQuery, key: bytes | None) -> str | None:
    size = q.spec.size
    if keys.num_rows <= size:
        return None
    rowid = keys.column(0)[size - 1].as_py()
    value = keys.column(1)[size - 1].as_py() if q.spec.sort else None
    return encode_cursor(q.spec.sort, value, rowid, key=key)


def _facet(
    cur: duckdb.DuckDBPyConnection, q: CompiledQuery, name: str, deadline: Deadline
) -> dict[str, Any]:
    ident = quote_ident(name)
    sql = (
        f"SELECT {ident}, count(*) FROM data WHERE {q.where.sql} "
        f"GROUP BY 1 ORDER BY 2 DESC, 1 ASC NULLS LAST LIMIT {FACET_SIZE + 1}"
    )
    try:
        table = fetch_timed(cur, sql, q.where.params, deadline, what=f"facet {name}")
    except QueryTooExpensive:
        return {"name": name, "results": [], "truncated": True, "timed_out": True}
    values = table.column(0).to_pylist()[:FACET_SIZE]
    counts = table.column(1).to_pylist()[:FACET_SIZE]
    return {
        "name": name,
        "results": [{"value": v, "count": n} for v, n in zip(values, counts, strict=True)],
        "truncated": table.num_rows > FACET_SIZE,
        "timed_out": False,
    }


def _count(
    cur: duckdb.DuckDBPyConnection, q: CompiledQuery, deadline: Deadline
) -> tuple[int | None, bool]:
    """Exact count if it fits the budget; else a capped count flagged as truncated."""
    sql = f"SELECT count(*) FROM data WHERE {q.where.sql}"
    try:
        return int(
            fetch_timed(cur, sql, q.where.params, deadline, what="count")[0][0].as_py()
        ), False
    except QueryTooExpensive:
        pass
    capped = f"SELECT count(*) FROM (SELECT 1 FROM data WHERE {q.where.sql} LIMIT {COUNT_CAP + 1})"
    fallback = Deadline.after_ms(COUNT_FALLBACK_MS)
    try:
        n = int(fetch_timed(cur, capped, q.where.params, fallback, what="count")[0][0].as_py())
    except QueryTooExpensive:
        return None, True
    return (n, False) if n <= COUNT_CAP else (COUNT_CAP, True)


def run_query(
    source: CursorSource,
    *,
    columns: Sequence[ColumnInfo],
    params: Pairs | Mapping[str, str] | str,
    access: DataAccess,
    time_budget_ms: float = 1000,
    cursor_key: bytes | None = None,
    ignore: Collection[str] = (),
) -> QueryResult:
    """Answer one data-API request over the ``data`` table of ``source``.

    Raises BadRequest for unknown/hidden columns, operators, bad values and tampered
    cursors; QueryTooExpensive when the page itself does not finish within the budget.
    A count that does not fit is returned capped with ``count_truncated``; a facet that
    does not fit is returned empty with ``timed_out``.
    """
    q = compile_query(columns, params, access, ignore=ignore, fulltext=fulltext_parts(source))
    where = _page_where(q, cursor_key)
    fetch = _fetch_sorted if q.spec.sort else _fetch_unsorted
    deadline = Deadline.after_ms(time_budget_ms)
    with source.cursor() as cur:
        keys, rows = fetch(cur, q, where, deadline)
        count, truncated = _count(cur, q, deadline) if "count" in q.spec.extras else (None, False)
        facets = {name: _facet(cur, q, name, deadline) for name in q.spec.facets} or None
    return QueryResult(
        rows=_rows(rows.slice(0, q.spec.size), q, access),
        columns=list(q.output),
        next=_next_token(keys, q, cursor_key),
        count=count,
        count_truncated=truncated,
        facets=facets,
    )
