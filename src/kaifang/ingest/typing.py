"""Column types from the whole staged table (never a sample), and applying chosen types.

Inference runs in DuckDB over every row. A sample of the first rows only orders the candidate
types (boolean, integer, decimal, float, date, datetime); each candidate is then verified over
the whole column in one aggregate query per round, so a code that turns alphanumeric at row
900,001 still makes the column text. Identifiers stay text, byte for byte: any value with a
leading zero, more than 15 digits, all-mobile-phone columns, and code-like names (编码, 代码,
号码, 证件, 电话, 邮编, id, code...). Eight-digit numbers become dates only when every value is
a valid date and the name suggests a date or all years lie in 1900-2100.

``apply_schema`` (in ``apply.py``, exported here) casts with the same guarded expressions and
reports each rejected cell (row, column, value, reason); rows with rejected cells are dropped
(or kept with NULLs) unless their share exceeds ``max_rejected_share``, which refuses the load.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, cast

import pyarrow as pa

from kaifang.ingest import casts
from kaifang.ingest.apply import CastResult, apply_schema
from kaifang.ingest.casts import cast_expr, quote_ident, value_expr
from kaifang.ingest.headers import resolve_column
from kaifang.ingest.hints import is_date_name, is_identifier_name
from kaifang.ingest.options import DEFAULT_NULL_MARKERS
from kaifang.ingest.problems import invalid
from kaifang.ingest.readers.base import column_id
from kaifang.ingest.schemas import COLUMN_TYPES, ColumnSpec, ColumnType
from kaifang.ingest.staging import Staging, as_staging

__all__ = ["CastResult", "apply_overrides", "apply_schema", "infer_schema", "parse_type"]

SAMPLE_ROWS = 1_000
_NUMERIC = ("integer", "decimal", "float")
MAX_IDENTIFIER_DIGITS = 15
_TYPE_ALIASES = {
    "int": "integer",
    "bigint": "integer",
    "整数": "integer",
    "number": "decimal",
    "numeric": "decimal",
    "小数": "decimal",
    "数值": "decimal",
    "double": "float",
    "浮点数": "float",
    "bool": "boolean",
    "布尔": "boolean",
    "日期": "date",
    "timestamp": "datetime",
    "日期时间": "datetime",
    "string": "text",
    "varchar": "text",
    "文本": "text",
}


@dataclass
class _Column:
    index: int
    name: str
    original: str
    candidates: list[str] = field(default_factory=list)
    spec: ColumnSpec | None = None
    raw_count: int = 0
    follow_up: str = ""


def infer_schema(
    source: Staging | pa.Table,
    *,
    names: Sequence[str] | None = None,
    originals: Sequence[str] | None = None,
    declared: Mapping[int, tuple[str, int | None, int | None]] | None = None,
    null_markers: Sequence[str] = DEFAULT_NULL_MARKERS,
) -> list[ColumnSpec]:
    """One ColumnSpec per column, inferred over every row of ``source``.

    ``source`` is a staged table or an Arrow table of text columns; ``names`` are the cleaned
    output names (default: the Arrow names), ``declared`` maps column positions to types a
    typed source already carries.
    """
    staging = as_staging(source)
    if names is None:
        names = (
            source.schema.names
            if isinstance(source, pa.Table)
            else [column_id(i) for i in range(staging.width)]
        )
    originals = originals or names
    columns = [_Column(i, names[i], str(originals[i])) for i in range(staging.width)]
    markers = frozenset({*null_markers, ""})
    samples = _sample(staging, markers)
    for column in columns:
        found = (declared or {}).get(column.index)
        if found is not None:
            column.candidates = [found[0]]
        else:
            column.candidates = _candidates(column.name, samples[column.index])
    _run_rounds(staging, columns, null_markers, declared or {})
    _follow_up(staging, columns, null_markers)
    return [c.spec for c in columns if c.spec is not None]


def _candidates(name: str, values: list[str]) -> list[str]:
    """Types every sampled value fits, most specific first; identifiers never get numbers."""
    fits = [t for t in casts.CANDIDATE_ORDER if all(casts.PY_CHECKS[t](v) for v in values)]
    if is_identifier_name(name):
        fits = [t for t in fits if t not in _NUMERIC]
    return fits


def _sample(staging: Staging, markers: frozenset[str]) -> list[list[str]]:
    select = ", ".join(column_id(i) for i in range(staging.width))
    rows = staging.con.execute(
        f"SELECT {select} FROM {staging.table} LIMIT {SAMPLE_ROWS}"
    ).fetchall()
    samples: list[list[str]] = [[] for _ in range(staging.width)]
    for row in rows:
        for i, value in enumerate(row):
            cleaned = casts.clean_sample_value(value, markers)
            if cleaned is not None:
                samples[i].append(cleaned)
    return samples


def _ok_expr(type_: str, v: str) -> str:
    if type_ == "integer":
        return f"regexp_full_match({v}, {casts.quote_literal(casts.INT_RE)})"
    if type_ in ("decimal", "float"):
        pattern = casts.DECIMAL_RE if type_ == "decimal" else casts.FLOAT_RE
        return f"regexp_full_match({v}, {casts.quote_literal(pattern)})"
    return f"({cast_expr(v, type_, 38, 12)} IS NOT NULL)"


def _round_parts(column: _Column, v: str) -> list[tuple[str, str]]:
    parts = [("raw", f"count({quote_ident(column_id(column.index))})"), ("n", f"count({v})")]
    if not column.candidates:
        return parts
    candidate = column.candidates[0]
    parts.append(
        (
            "bad",
            f"count(*) FILTER ({v} IS NOT NULL AND NOT coalesce({_ok_expr(candidate, v)}, false))",
        )
    )
    if candidate in ("integer", "decimal"):
        lead = casts.quote_literal(casts.LEADING_ZERO_RE)
        parts.append(("lead0", f"count(*) FILTER (regexp_matches({v}, {lead}))"))
    if candidate == "integer":
        parts += [("minlen", f"min(strlen({v}))"), ("maxlen", f"max(strlen({v}))")]
    if candidate == "decimal":
        dot = f"strpos({v}, '.')"
        parts.append(("scale", f"max(CASE WHEN {dot} > 0 THEN strlen({v}) - {dot} ELSE 0 END)"))
        parts.append(("digits", f"max(CASE WHEN {dot} > 0 THEN {dot} - 1 ELSE strlen({v}) END)"))
    return parts


def _aggregate(
    staging: Staging, columns: list[_Column], null_markers: Sequence[str], build: Any
) -> list[dict[str, Any]]:
    inner = ", ".join(
        f"{value_expr(column_id(c.index), null_markers)} AS v{c.index}, {quote_ident(column_id(c.index))}"
        for c in columns
    )
    plan = [(c, build(c, f"v{c.index}")) for c in columns]
    select = ", ".join(expr for _c, parts in plan for _k, expr in parts)
    row = staging.con.execute(
        f"SELECT {select} FROM (SELECT {inner} FROM {staging.table})"
    ).fetchone()
    assert row is not None
    values = iter(row)
    return [{key: next(values) for key, _e in parts} for _c, parts in plan]


def _run_rounds(
    staging: Staging,
    columns: list[_Column],
    null_markers: Sequence[str],
    declared: Mapping[int, Any],
) -> None:
    pending = list(columns)
    while pending:
        results = _aggregate(staging, pending, null_markers, _round_parts)
        still: list[_Column] = []
        for column, stats in zip(pending, results, strict=True):
            column.raw_count = int(stats["raw"])
            if not column.candidates or stats["n"] == 0:
                column.spec = _spec(column, staging, "text", _text_reason(column, stats["n"]))
            elif stats["bad"] == 0:
                column.spec = _decide(column, staging, stats, declared.get(column.index))
            else:
                column.candidates.pop(0)
                still.append(column)
        pending = still


def _text_reason(column: _Column, filled: int) -> str:
    if filled == 0:
        return "empty"
    return "identifier_name" if is_identifier_name(column.name) else "text"


def _spec(
    column: _Column,
    staging: Staging,
    type_: str,
    reason: str,
    precision: int | None = None,
    scale: int | None = None,
) -> ColumnSpec:
    return ColumnSpec(
        name=column.name,
        type=type_,  # type: ignore[arg-type]
        nullable=column.raw_count < staging.rows or staging.rows == 0,
        original_name=column.original,
        source_index=column.index,
        precision=precision,
        scale=scale,
        reason=reason,
    )


def _decide(column: _Column, staging: Staging, stats: dict[str, Any], declared: Any) -> ColumnSpec:
    candidate = column.candidates[0]
    if declared is not None:
        spec = _spec(column, staging, declared[0], "declared", declared[1], declared[2])
        return replace(spec, origin="declared")
    if candidate in ("integer", "decimal") and stats["lead0"]:
        return _spec(column, staging, "text", "leading_zeros")
    if candidate == "integer":
        if stats["maxlen"] > MAX_IDENTIFIER_DIGITS:
            return _spec(column, staging, "text", "long_digits")
        if stats["minlen"] == stats["maxlen"] in (8, 11):
            column.follow_up = "date8" if stats["maxlen"] == 8 else "phone"
        return _spec(column, staging, "integer", "integer")
    if candidate == "decimal":
        digits, scale = int(stats["digits"] or 0), int(stats["scale"] or 0)
        if digits > MAX_IDENTIFIER_DIGITS:
            return _spec(column, staging, "text", "long_digits")
        precision = max(18, digits + scale)
        if precision > 38:
            return _spec(column, staging, "float", "float")
        return _spec(column, staging, "decimal", "decimal", precision, scale)
    return _spec(column, staging, candidate, candidate)


def _follow_up_parts(column: _Column, v: str) -> list[tuple[str, str]]:
    if column.follow_up == "phone":
        return [
            ("n", f"count({v})"),
            ("hits", f"count(*) FILTER (regexp_full_match({v}, '{casts.PHONE_RE}'))"),
        ]
    day = casts.date_expr(v)
    low, high = casts.PLAUSIBLE_YEARS
    return [
        ("n", f"count({v})"),
        ("hits", f"count({day})"),
        ("plausible", f"count(*) FILTER (year({day}) BETWEEN {low} AND {high})"),
    ]


def _follow_up(staging: Staging, columns: list[_Column], null_markers: Sequence[str]) -> None:
    pending = [c for c in columns if c.follow_up]
    if not pending:
        return
    for column, stats in zip(
        pending, _aggregate(staging, pending, null_markers, _follow_up_parts), strict=True
    ):
        if stats["hits"] != stats["n"]:
            continue
        if column.follow_up == "phone":
            column.spec = _spec(column, staging, "text", "phone_numbers")
        elif is_date_name(column.name) or stats["plausible"] == stats["n"]:
            column.spec = _spec(column, staging, "date", "yyyymmdd")


def parse_type(
    text: str, current: ColumnSpec | None = None
) -> tuple[ColumnType, int | None, int | None]:
    """(type, precision, scale) of an officer's type name such as ``decimal(18,2)`` or ``文本``."""
    raw = text.strip().lower()
    base, _, rest = raw.partition("(")
    base = _TYPE_ALIASES.get(base.strip(), base.strip())
    if base not in COLUMN_TYPES:
        allowed = ", ".join(COLUMN_TYPES)
        raise invalid(
            f"未知的列类型“{text[:30]}”（可用：{allowed}）",
            f"unknown column type {text[:30]!r} ({allowed})",
        )
    kind = cast(ColumnType, base)
    if kind != "decimal":
        return kind, None, None
    if rest:
        try:
            precision, scale = (int(x) for x in rest.rstrip(")").split(","))
        except ValueError:
            raise invalid(
                f"小数类型写法错误“{text[:30]}”，应为 decimal(18,2)",
                "write decimal(p,s), e.g. decimal(18,2)",
            ) from None
        if not 1 <= precision <= 38 or not 0 <= scale <= precision:
            raise invalid(
                "小数精度应在 1-38 之间，且小数位不超过精度",
                "decimal precision must be 1-38 and scale <= precision",
            )
        return kind, precision, scale
    if current is not None and current.type == "decimal":
        return kind, current.precision, current.scale
    return kind, 18, 4


def apply_overrides(specs: Sequence[ColumnSpec], overrides: Mapping[str, str]) -> list[ColumnSpec]:
    """Specs with officers' type choices applied, by cleaned or original column name."""
    result = list(specs)
    names = [s.name for s in specs]
    originals = [s.original_name for s in specs]
    for column, type_text in overrides.items():
        index = resolve_column(column, names, originals)
        type_, precision, scale = parse_type(type_text, result[index])
        result[index] = replace(
            result[index],
            type=type_,
            precision=precision,
            scale=scale,
            origin="override",
            reason="override",
            nullable=True,
        )
    return result
