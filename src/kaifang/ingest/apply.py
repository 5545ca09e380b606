"""Applying column types to a staged table: guarded casts and the rejected-cells report.

Rows whose cells cannot be converted are dropped (``on_rejected="drop_row"``) or kept with
NULLs (``"null"``); either way each rejected cell is reported with its source row, column,
original value and reason, up to ``max_rejected_reported``. When the share of rejected rows
(cast failures plus lines the reader rejected) exceeds ``max_rejected_share`` the load is
refused with the first examples.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import pyarrow as pa

from kaifang.ingest.casts import cast_expr, quote_ident, value_expr
from kaifang.ingest.duck import arrow_table
from kaifang.ingest.options import DEFAULT_NULL_MARKERS
from kaifang.ingest.problems import bilingual, invalid, shown
from kaifang.ingest.readers.base import column_id
from kaifang.ingest.schemas import TYPE_LABELS_ZH, ColumnSpec, RejectedCell
from kaifang.ingest.staging import Staging, as_staging


@dataclass
class CastResult:
    """The typed SELECT, counts and the rejected cells (first ``max_rejected_reported``)."""

    select_sql: str
    rows_read: int
    rows_rejected: int
    cells_rejected: int
    rejected: list[RejectedCell]
    table: pa.Table | None = None

    @property
    def rows_loaded(self) -> int:
        return self.rows_read - self.rows_rejected


def apply_schema(
    source: Staging | pa.Table,
    specs: Sequence[ColumnSpec],
    *,
    null_markers: Sequence[str] = DEFAULT_NULL_MARKERS,
    on_rejected: Literal["drop_row", "null"] = "drop_row",
    max_rejected_share: float = 1.0,
    max_rejected_reported: int = 1_000,
    trust_inferred: bool = False,
) -> CastResult:
    """Cast ``source`` to ``specs``; returns the typed SELECT (and, for Arrow input, the table).

    Raises InvalidInput when the share of rejected rows (cast failures plus lines the reader
    rejected) exceeds ``max_rejected_share``; the message cites the first rejected cells.
    ``trust_inferred`` skips re-checking columns inferred from this very staging table.
    """
    staging = as_staging(source)
    checked = [
        s for s in specs if s.type != "text" and not (trust_inferred and s.origin == "inferred")
    ]
    inner = _inner_select(staging, specs, null_markers)
    oks = {
        s.source_index: f"(v{s.source_index} IS NULL OR {_typed(s, True)} IS NOT NULL)"
        for s in checked
    }
    bad_rows, bad_cells = _count_rejects(staging, inner, list(oks.values()))
    rejected = _list_rejects(staging, inner, specs, oks, max_rejected_reported) if bad_cells else []
    drop = bool(bad_cells) and on_rejected == "drop_row"
    select_sql = _select_sql(
        staging, specs, inner, list(oks.values()) if drop else [], trust_inferred
    )
    parse_rows = len(staging.rejected_rows)
    result = CastResult(
        select_sql,
        rows_read=staging.rows + parse_rows,
        rows_rejected=parse_rows + (bad_rows if on_rejected == "drop_row" else 0),
        cells_rejected=bad_cells,
        rejected=sorted([*staging.rejected, *rejected], key=lambda r: r.row)[
            :max_rejected_reported
        ],
    )
    _check_share(result, bad_rows + parse_rows, max_rejected_share)
    if not isinstance(source, Staging):
        result.table = arrow_table(staging.con, select_sql)
    return result


def _select_sql(
    staging: Staging, specs: Sequence[ColumnSpec], inner: str, filters: list[str], trust: bool
) -> str:
    """The typed SELECT; inferred columns use unguarded casts when ``trust`` (same patterns)."""
    outputs = ", ".join(
        f"{_output(s, not (trust and s.origin == 'inferred'))} AS {quote_ident(s.name)}"
        for s in specs
    )
    where = f"WHERE {' AND '.join(filters)}" if filters else ""
    return f"SELECT {outputs} FROM (SELECT {inner} FROM {staging.table}) {where}"


def _inner_select(
    staging: Staging, specs: Sequence[ColumnSpec], null_markers: Sequence[str]
) -> str:
    parts = ["rowid AS _kf_rowid"]
    for spec in specs:
        raw = quote_ident(column_id(spec.source_index))
        parts.append(f"{raw} AS t{spec.source_index}")
        if spec.type != "text":
            parts.append(
                f"{value_expr(column_id(spec.source_index), null_markers)} AS v{spec.source_index}"
            )
    return ", ".join(parts)


def _typed(spec: ColumnSpec, guarded: bool) -> str:
    return cast_expr(
        f"v{spec.source_index}", spec.type, spec.precision, spec.scale, guarded=guarded
    )


def _output(spec: ColumnSpec, guarded: bool) -> str:
    return f"t{spec.source_index}" if spec.type == "text" else _typed(spec, guarded)


def _count_rejects(staging: Staging, inner: str, oks: list[str]) -> tuple[int, int]:
    if not oks:
        return 0, 0
    cells = " + ".join(f"(NOT {ok})::INTEGER" for ok in oks)
    row = staging.con.execute(
        f"SELECT count(*) FILTER (NOT ({' AND '.join(oks)})), coalesce(sum({cells}), 0) "
        f"FROM (SELECT {inner} FROM {staging.table})"
    ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def _list_rejects(
    staging: Staging, inner: str, specs: Sequence[ColumnSpec], oks: dict[int, str], cap: int
) -> list[RejectedCell]:
    by_index = {s.source_index: s for s in specs}
    union = " UNION ALL ".join(
        f"SELECT _kf_rowid, {i} AS col, t{i} AS value FROM s WHERE NOT {ok}"
        for i, ok in oks.items()
    )
    rows = staging.con.execute(
        f"WITH s AS (SELECT {inner} FROM {staging.table}) "
        f"SELECT * FROM ({union}) ORDER BY _kf_rowid, col LIMIT {int(cap)}"
    ).fetchall()
    cells = []
    for rowid, index, value in rows:
        spec = by_index[int(index)]
        cells.append(
            RejectedCell(staging.row_number(int(rowid)), spec.name, _clip(value), _reason(spec))
        )
    return cells


def _clip(value: str | None) -> str | None:
    return None if value is None else shown(value, 200) if len(value) > 200 else value


def _reason(spec: ColumnSpec) -> str:
    label = TYPE_LABELS_ZH[spec.type]
    suffix = f"({spec.precision},{spec.scale})" if spec.type == "decimal" else ""
    return bilingual(f"无法转换为{label}{suffix}", f"cannot convert to {spec.type}{suffix}")


def _check_share(result: CastResult, bad_rows: int, limit: float) -> None:
    if result.rows_read == 0 or bad_rows / result.rows_read <= limit:
        return
    share = bad_rows / result.rows_read
    first = result.rejected[0] if result.rejected else None
    example_zh = (
        f"；例如第 {first.row} 行“{first.column or '整行'}”：{first.reason}" if first else ""
    )
    example_en = (
        f"; e.g. row {first.row}, column {first.column or '*'!r}: {first.reason}" if first else ""
    )
    raise invalid(
        f"有 {bad_rows} 行（{share:.1%}）无法导入，超过允许的 {limit:.0%}{example_zh}",
        f"{bad_rows} rows ({share:.1%}) cannot be loaded, above the allowed {limit:.0%}{example_en}",
        rows_read=result.rows_read,
        rows_rejected=bad_rows,
        rejected=[r.to_dict() for r in result.rejected[:20]],
    )
