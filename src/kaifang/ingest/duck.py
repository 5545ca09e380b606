"""DuckDB connections for ingest jobs, and result fetching that works on DuckDB 1.x and 2.x."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pyarrow as pa

from kaifang.ingest.options import IngestOptions


def arrow_table(con: duckdb.DuckDBPyConnection, sql: str, params: object = None) -> pa.Table:
    """The result of ``sql`` as an Arrow table, on DuckDB 1.x and 2.x."""
    relation = con.sql(sql, params=params)
    method = getattr(relation, "to_arrow_table", None) or relation.fetch_arrow_table
    return method()


def arrow_reader(
    con: duckdb.DuckDBPyConnection, sql: str, params: object, batch_rows: int
) -> pa.RecordBatchReader:
    """The result of ``sql`` as a stream of record batches, on DuckDB 1.x and 2.x."""
    relation = con.sql(sql, params=params)
    method = getattr(relation, "to_arrow_reader", None) or relation.fetch_arrow_reader
    return method(batch_rows)


# Settings every ingest connection shares. A long IN (...) list (null markers, boolean words)
# is otherwise planned as a join per column, which returned rows out of their source order
# past one row group, and ran slower.
ORDERED: dict[str, str | bool] = {
    "preserve_insertion_order": True,
    "disabled_optimizers": "in_clause",
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
}


def connect(work_dir: Path, options: IngestOptions) -> duckdb.DuckDBPyConnection:
    """A private DuckDB connection with bounded memory and spill space under ``work_dir``."""
    spill = work_dir / "duckdb_tmp"
    spill.mkdir(exist_ok=True)
    config: dict[str, str | bool | int | float | list[str]] = {
        "memory_limit": options.duckdb_memory_limit,
        "temp_directory": str(spill),
        "threads": options.duckdb_threads or max(1, os.cpu_count() or 1),
        **ORDERED,
    }
    return duckdb.connect(":memory:", config=config)
