"""The portal's preview grid (first rows, schema, profile) and the chart builder's aggregates."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from kaifang.datastore.access import DataAccess
from kaifang.datastore.budget import Deadline, fetch_timed
from kaifang.datastore.columns import ColumnInfo, quote_ident, unknown_column
from kaifang.datastore.filters import Pairs
from kaifang.datastore.query import CursorSource, compile_query, fulltext_parts, run_query
from kaifang.errors import BadRequest

AggregateFunction = Literal["count", "sum", "avg", "min", "max"]
AGGREGATES = {"count": "count", "sum": "sum", "avg": "avg", "min": "min", "max": "max"}
MAX_PREVIEW_ROWS = 200
MAX_GROUPS = 1000


@dataclass(frozen=True)
class Preview:
    """What the preview grid shows: visible columns, the first rows and the profile."""

    columns: list[dict[str, Any]]
    rows: list[dict[str, Any]]
    count: int | None
    count_truncated: bool
    profile: dict[str, Any] | None


@dataclass(frozen=True)
class AggregateResult:
    """Groups for a chart: ``rows`` of {"key", "value"}, largest value first."""

    group_by: str
    agg: str
    value: str | None
    rows: list[dict[str, Any]]
    truncated: bool


def _schema(columns: Sequence[ColumnInfo], access: DataAccess) -> list[dict[str, Any]]:
    return [
        {
            "name": c.name,
            "label": c.label or c.name,
            "type": c.kind,
            "sql_type": c.sql_type,
            "masked": c.name in access.masking,
        }
        for c in access.visible_map(columns).values()
    ]


def _column_entries(entries: Any, allowed: set[str]) -> Any:
    if isinstance(entries, Mapping):
        return {k: v for k, v in entries.items() if k in allowed}
    if isinstance(entries, list):
        return [e for e in entries if isinstance(e, Mapping) and e.get("name") in allowed]
    return None


def visible_profile(
    profile: Mapping[str, Any] | None, columns: Sequence[ColumnInfo], access: DataAccess
) -> dict[str, Any] | None:
    """The ingest profile, cut to what this caller may see.

    Per-column entries (``profile["columns"]``, a list of {"name", …} or a mapping by name)
    of hidden and masked columns are removed, since their statistics (min, max, top
    values) would reveal raw values. Under a row filter the profile describes rows the
    caller may not see, so none is returned.
    """
    if profile is None or access.row_filter is not None:
        return None
    allowed = set(access.queryable_map(columns))
    out = {k: v for k, v in profile.items() if k != "columns"}
    if "columns" in profile:
        out["columns"] = _column_entries(profile["columns"], allowed)
    return out


def preview(
    source: CursorSource,
    *,
    columns: Sequence[ColumnInfo],
    access: DataAccess,
    limit: int = 20,
    profile: Mapping[str, Any] | None = None,
    time_budget_ms: float = 1000,
) -> Preview:
    """First ``limit`` rows (table order) with the schema, a count and the profile."""
    size = max(1, min(int(limit), MAX_PREVIEW_ROWS))
    result = run_query(
        source,
        columns=columns,
        params=[("_size", str(size)), ("_extra", "count")],
        access=access,
        time_budget_ms=time_budget_ms,
    )
    return Preview(
        columns=_schema(columns, access),
        rows=result.rows,
        count=result.count,
        count_truncated=result.count_truncated,
        profile=visible_profile(profile, columns, access),
    )


def _queryable(name: str, columns: Sequence[ColumnInfo], access: DataAccess) -> ColumnInfo:
    visible = access.visible_map(columns)
    if name not in visible:
        raise unknown_column(name)
    if name in access.masking:
        raise BadRequest(f"column {name} is masked and can only be read", details={"column": name})
    return visible[name]


def _aggregate_expr(agg: str, value: ColumnInfo | None) -> str:
    if agg not in AGGREGATES:
        raise BadRequest(f"unknown aggregate: {agg[:16]}", details={"agg": agg[:16]})
    if value is None:
        if agg != "count":
            raise BadRequest(f"{agg} needs a value column")
        return "count(*)"
    if agg in ("sum", "avg") and value.kind not in ("integer", "number"):
        raise BadRequest(f"{agg} needs a numeric column", details={"column": value.name})
    if agg in ("min", "max") and not value.sortable:
        raise BadRequest(f"{agg} needs a comparable column", details={"column": value.name})
    return f"{AGGREGATES[agg]}({quote_ident(value.name)})"


def aggregate(
    source: CursorSource,
    *,
    columns: Sequence[ColumnInfo],
    group_by: str,
    agg: str,
    value: str | None,
    access: DataAccess,
    limit: int = 50,
    params: Pairs | Mapping[str, str] | str = (),
    time_budget_ms: float = 1000,
) -> AggregateResult:
    """Group the (filtered) rows by ``group_by`` and aggregate ``value`` for a chart.

    The same column-map and access rules as the data API apply; raises BadRequest for
    unknown, hidden or masked columns and unsuitable types, QueryTooExpensive when the
    budget is exceeded.
    """
    group = _queryable(group_by, columns, access)
    measure = _queryable(value, columns, access) if value else None
    expr = _aggregate_expr(agg, measure)
    q = compile_query(columns, params, access, fulltext=fulltext_parts(source))
    cap = max(1, min(int(limit), MAX_GROUPS))
    sql = (
        f"SELECT {quote_ident(group.name)}, {expr} FROM data WHERE {q.where.sql} "
        f"GROUP BY 1 ORDER BY 2 DESC NULLS LAST, 1 ASC NULLS LAST LIMIT {cap + 1}"
    )
    with source.cursor() as cur:
        table = fetch_timed(cur, sql, q.where.params, Deadline.after_ms(time_budget_ms))
    keys, values = table.column(0).to_pylist(), table.column(1).to_pylist()
    rows = [{"key": k, "value": v} for k, v in zip(keys[:cap], values[:cap], strict=True)]
    return AggregateResult(
        group.name, agg, measure.name if measure else None, rows, len(keys) > cap
    )
