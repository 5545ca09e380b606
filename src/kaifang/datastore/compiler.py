"""Compile filter trees, search, sort and keyset positions to parameterised DuckDB SQL.

Identifiers come only from the server-side column map and are quoted by
:func:`~kaifang.datastore.columns.quote_ident`; every user value is a bound parameter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kaifang.datastore.columns import (
    FULLTEXT,
    ROWID,
    ColumnInfo,
    parse_date_value,
    parse_value,
    quote_ident,
    resolve,
)
from kaifang.datastore.filters import And, Condition, FilterNode, Or, Sort
from kaifang.errors import BadRequest

_COMPARISONS = {"exact": "=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
_TEXT_FUNCTIONS = {"contains": "contains", "startswith": "starts_with", "endswith": "ends_with"}
ROWID_SQL = quote_ident(ROWID)


@dataclass
class Fragment:
    """A SQL boolean expression with its positional parameters."""

    sql: str
    params: list[Any] = field(default_factory=list)


def _as_text(col: ColumnInfo) -> str:
    ident = quote_ident(col.name)
    return ident if col.is_text else f"CAST({ident} AS VARCHAR)"


def _date_condition(col: ColumnInfo, raw: str) -> Fragment:
    day = parse_date_value(col, str(raw))
    ident = quote_ident(col.name)
    if col.kind == "date":
        return Fragment(f"{ident} = ?", [day])
    if col.kind == "datetime":
        return Fragment(f"CAST({ident} AS DATE) = ?", [day])
    if col.kind == "string":
        return Fragment(f"TRY_CAST({ident} AS DATE) = ?", [day])
    raise BadRequest(f"column {col.name} holds no dates", details={"column": col.name})


def _list_condition(col: ColumnInfo, op: str, raw: tuple[str, ...] | str) -> Fragment:
    items = raw if isinstance(raw, tuple) else (raw,)
    values = [parse_value(col, item) for item in items]
    ident = quote_ident(col.name)
    marks = ", ".join("?" for _ in values)
    if op == "in":
        return Fragment(f"{ident} IN ({marks})", values)
    # notin keeps NULLs: a missing value is "not one of these" (unlike SQL's NOT IN).
    return Fragment(f"({ident} IS NULL OR {ident} NOT IN ({marks}))", values)


def compile_condition(cond: Condition, columns: Mapping[str, ColumnInfo]) -> Fragment:
    """Compile one condition; the column resolves through ``columns`` or BadRequest."""
    col = resolve(cond.column, columns)
    ident = quote_ident(col.name)
    op, raw = cond.op, cond.value
    if op == "isnull":
        return Fragment(f"{ident} IS NULL")
    if op == "notnull":
        return Fragment(f"{ident} IS NOT NULL")
    if op in ("in", "notin"):
        return _list_condition(col, op, raw)
    if isinstance(raw, tuple):
        raise BadRequest(f"{op} takes a single value", details={"column": col.name})
    if op in _TEXT_FUNCTIONS:
        return Fragment(f"{_TEXT_FUNCTIONS[op]}({_as_text(col)}, ?)", [raw])
    if op == "date":
        return _date_condition(col, raw)
    if op == "not":
        # "not" keeps NULLs: a missing value differs from the given one.
        return Fragment(f"{ident} IS DISTINCT FROM ?", [parse_value(col, raw)])
    if op in _COMPARISONS:
        return Fragment(f"{ident} {_COMPARISONS[op]} ?", [parse_value(col, raw)])
    raise BadRequest(f"unknown operator: {op[:32]}", details={"operator": op[:32]})


def compile_filter(node: FilterNode | None, columns: Mapping[str, ColumnInfo]) -> Fragment:
    """Compile a filter tree (AND/OR of conditions) into one boolean expression."""
    if node is None:
        return Fragment("TRUE")
    if isinstance(node, Condition):
        return compile_condition(node, columns)
    if not isinstance(node, And | Or):
        raise TypeError(f"not a filter node: {node!r}")
    parts = [compile_filter(child, columns) for child in node.children]
    if not parts:
        return Fragment("TRUE" if isinstance(node, And) else "FALSE")
    joiner = " AND " if isinstance(node, And) else " OR "
    return Fragment(
        "(" + joiner.join(p.sql for p in parts) + ")", [v for p in parts for v in p.params]
    )


def compile_search(
    term: str | None, columns: Sequence[ColumnInfo], *, fulltext: bool = False
) -> Fragment:
    """Substring search across the given text columns (case-sensitive, no wildcards).

    With ``fulltext`` (the caller may search every text column of the table) the stored
    ``_fulltext`` concatenation is scanned instead of each column.
    """
    if term is None:
        return Fragment("TRUE")
    text_columns = [c for c in columns if c.is_text]
    if not text_columns:
        raise BadRequest("this table has no text columns to search")
    if fulltext and "\x1f" not in term:
        return Fragment(f"contains({quote_ident(FULLTEXT)}, ?)", [term])
    sql = " OR ".join(f"contains({quote_ident(c.name)}, ?)" for c in text_columns)
    return Fragment(f"({sql})", [term] * len(text_columns))


def combine(*fragments: Fragment) -> Fragment:
    """AND several fragments together, dropping trivial TRUEs."""
    parts = [f for f in fragments if f.sql != "TRUE"]
    if not parts:
        return Fragment("TRUE")
    return Fragment(" AND ".join(p.sql for p in parts), [v for p in parts for v in p.params])


def order_by(sort: Sort | None) -> str:
    """ORDER BY clause: the sort column with NULLs always last, then the row number."""
    if sort is None:
        return f"ORDER BY {ROWID_SQL}"
    direction = "DESC" if sort.descending else "ASC"
    return f"ORDER BY {quote_ident(sort.column)} {direction} NULLS LAST, {ROWID_SQL} ASC"


def keyset_after(sort: Sort | None, last_value: Any, last_rowid: int) -> Fragment:
    """Rows strictly after (last_value, last_rowid) in :func:`order_by`'s order."""
    if sort is None:
        return Fragment(f"{ROWID_SQL} > ?", [last_rowid])
    ident = quote_ident(sort.column)
    if last_value is None:
        return Fragment(f"({ident} IS NULL AND {ROWID_SQL} > ?)", [last_rowid])
    beyond = "<" if sort.descending else ">"
    return Fragment(
        f"({ident} {beyond} ? OR ({ident} = ? AND {ROWID_SQL} > ?) OR {ident} IS NULL)",
        [last_value, last_value, last_rowid],
    )


def select_list(names: Sequence[str]) -> str:
    """Comma-separated quoted column names (server-side names only)."""
    return ", ".join(quote_ident(n) for n in names)
