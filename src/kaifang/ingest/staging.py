"""The staging table: every source lands in DuckDB as text before it is typed.

One in-memory DuckDB connection per ingest job, with a memory limit and a spill directory in
the job's work directory, so large files stay within the worker's memory budget. Extensions are
never installed or autoloaded (offline deployments). Staged columns are named ``c0..cN`` so no
user-supplied label ever reaches SQL except as a quoted output alias.
"""

from __future__ import annotations

import bisect
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from kaifang.ingest.casts import quote_ident
from kaifang.ingest.duck import ORDERED
from kaifang.ingest.encodings import nul_error
from kaifang.ingest.options import IngestOptions
from kaifang.ingest.problems import human_bytes, invalid, too_large
from kaifang.ingest.readers.base import STAGING_TABLE, TableSource, column_id
from kaifang.ingest.schemas import RejectedCell

log = logging.getLogger(__name__)


@dataclass
class Staging:
    """A staged all-text table: its connection, width, row count and parse-time rejects."""

    con: duckdb.DuckDBPyConnection
    width: int
    rows: int
    first_row: int = 2
    rejected: list[RejectedCell] = field(default_factory=list)
    rejected_rows: list[int] = field(default_factory=list)
    skipped_rows: list[int] = field(default_factory=list)
    table: str = STAGING_TABLE
    _skips: list[int] | None = field(default=None, repr=False)

    def row_number(self, rowid: int) -> int:
        """The source row (header is row 1) of staged row ``rowid``, past rejected/skipped rows."""
        if self._skips is None:
            self._skips = sorted({*self.rejected_rows, *self.skipped_rows})
        row = self.first_row + rowid
        while True:
            moved = self.first_row + rowid + bisect.bisect_right(self._skips, row)
            if moved == row:
                return row
            row = moved


def as_staging(source: Staging | pa.Table) -> Staging:
    """``source`` itself, or an Arrow table of text columns staged in a private connection."""
    if isinstance(source, Staging):
        return source
    con = duckdb.connect(":memory:", config=dict(ORDERED))
    renamed = source.rename_columns([column_id(i) for i in range(source.num_columns)])
    text = renamed.cast(pa.schema([(n, pa.string()) for n in renamed.schema.names]))
    con.register("_kf_source", text)
    con.execute("CREATE TABLE staging AS SELECT * FROM _kf_source")
    con.unregister("_kf_source")
    return Staging(con, source.num_columns, source.num_rows, first_row=1)


def stage_source(
    con: duckdb.DuckDBPyConnection,
    source: TableSource,
    options: IngestOptions,
    progress: Callable[[int], None],
) -> Staging:
    """Load ``source`` into the staging table and check cell limits; returns the Staging."""
    if source.stage is not None:
        outcome = source.stage(con)
        staging = Staging(con, len(source.names), outcome.rows, source.first_row)
        staging.rejected, staging.rejected_rows = outcome.rejected, sorted(outcome.rejected_rows)
        check_cells_sql(staging, source.names, options)
        progress(outcome.rows)
        return staging
    rows = _stage_batches(con, source, options, progress)
    return Staging(con, len(source.names), rows, source.first_row)


def _stage_batches(
    con: duckdb.DuckDBPyConnection,
    source: TableSource,
    options: IngestOptions,
    progress: Callable[[int], None],
) -> int:
    width = max(len(source.names), 1)
    columns = ", ".join(f"{column_id(i)} VARCHAR" for i in range(width))
    con.execute(f"CREATE TABLE {STAGING_TABLE} ({columns})")
    rows = 0
    for batch in source.batches or iter(()):
        for index in range(width, len(source.names)):
            con.execute(f"ALTER TABLE {STAGING_TABLE} ADD COLUMN {column_id(index)} VARCHAR")
        width = max(width, len(source.names))
        check_batch(batch, source.names, rows + source.first_row, options, _geometry(source))
        con.register("_kf_batch", batch)
        try:
            con.execute(f"INSERT INTO {STAGING_TABLE} BY NAME SELECT * FROM _kf_batch")
        finally:
            con.unregister("_kf_batch")
        rows += batch.num_rows
        if rows > options.max_rows:
            raise _too_many_rows(options.max_rows)
        progress(rows)
    return rows


def _geometry(source: TableSource) -> str | None:
    stats = source.geo.get("geometry")
    return getattr(stats, "column", None)


def _too_many_rows(limit: int) -> Exception:
    return too_large(
        f"数据超过 {limit} 行上限，请拆分后上传", f"more than {limit} rows; split the file"
    )


def check_batch(
    batch: pa.RecordBatch,
    names: list[str],
    first_row: int,
    options: IngestOptions,
    geometry: str | None = None,
) -> None:
    """Refuse oversized fields and NUL characters in one batch, naming row and column.

    The ``geometry`` column (WKT of boundaries can run to megabytes) has its own limit.
    """
    for array, column in zip(batch.columns, batch.schema.names, strict=True):
        index = int(column[1:])
        limit = options.max_geometry_bytes if names[index] == geometry else options.max_field_bytes
        lengths = pc.binary_length(array)
        longest = pc.max(lengths).as_py()
        if longest is not None and longest > limit:
            at = pc.index(pc.greater(lengths, limit), True).as_py()
            raise field_too_large(first_row + at, names[index], longest, limit)
        has_nul = pc.match_substring(array, "\x00")
        if pc.any(has_nul).as_py():
            raise nul_error(first_row + pc.index(has_nul, True).as_py(), names[index])


def check_cells_sql(staging: Staging, names: list[str], options: IngestOptions) -> None:
    """The SQL twin of ``check_batch`` for sources staged directly by DuckDB (CSV)."""
    parts = []
    for i in range(staging.width):
        col = quote_ident(column_id(i))
        parts.append(f"max(strlen({col}))")
        parts.append(f"bool_or(contains({col}, chr(0)))")
    stats = staging.con.execute(f"SELECT {', '.join(parts)} FROM {staging.table}").fetchone()
    assert stats is not None
    for i in range(staging.width):
        longest, has_nul = stats[2 * i], stats[2 * i + 1]
        col = quote_ident(column_id(i))
        if longest is not None and longest > options.max_field_bytes:
            rowid = _first_rowid(staging, f"strlen({col}) > {options.max_field_bytes}")
            raise field_too_large(
                staging.row_number(rowid), names[i], longest, options.max_field_bytes
            )
        if has_nul:
            rowid = _first_rowid(staging, f"contains({col}, chr(0))")
            raise nul_error(staging.row_number(rowid), names[i])


def _first_rowid(staging: Staging, condition: str) -> int:
    found = staging.con.execute(
        f"SELECT min(rowid) FROM {staging.table} WHERE {condition}"
    ).fetchone()
    return int(found[0]) if found and found[0] is not None else 0


def field_too_large(row: int, column: str, size: int, limit: int) -> Exception:
    """The error for a single cell above ``max_field_bytes``."""
    return too_large(
        f"第 {row} 行“{column}”列的内容有 {human_bytes(size)}，超过单元格上限 {human_bytes(limit)}",
        f"row {row}, column {column!r} holds {human_bytes(size)}; a cell may hold at most "
        f"{human_bytes(limit)}",
        row=row,
        column=column,
    )


def refuse_empty(staging: Staging, source: TableSource) -> None:
    """A table without data rows is refused: empty files and header-only files."""
    if (staging.rows > 0 or staging.rejected) and source.names:
        return
    if not any(source.names):
        raise invalid("文件为空，没有任何数据", "the file is empty")
    raise invalid(
        "文件只有表头，没有数据行",
        "the file has a header row but no data rows",
        columns=len(source.names),
    )
