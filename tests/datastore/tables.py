"""Small typed tables for the datastore tests, and helpers to query them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from kaifang.datastore import ColumnInfo, DataAccess, QueryResult, ServingHandle, run_query

D = dt.date
T = dt.datetime
_ = None
# code, name, district, amount, qty, day, ts, flag, price, lat, lng
ROW_VALUES: list[tuple[Any, ...]] = [
    (
        "0012",
        "张三",
        "椒江区",
        10.5,
        3,
        D(2024, 1, 1),
        T(2024, 1, 1, 8),
        True,
        "1.50",
        28.65,
        121.42,
    ),
    (
        "330102199001011234",
        "李四",
        "黄岩区",
        -3.0,
        1,
        D(2024, 1, 2),
        T(2024, 1, 1, 21),
        False,
        "2.00",
        28.58,
        121.27,
    ),
    (_, "王五", _, _, _, D(2024, 1, 3), T(2024, 1, 2, 10), _, _, _, 121.30),
    (
        "A-7",
        "=1+1",
        "椒江区",
        0.0,
        1,
        D(2024, 1, 4),
        T(2024, 1, 2, 23),
        True,
        "-0.25",
        28.52,
        121.5,
    ),
    (
        "0012",
        "赵六",
        "路桥区",
        10.5,
        7,
        D(2024, 1, 4),
        T(2024, 1, 3, 12),
        False,
        "1.50",
        95.0,
        121.4,
    ),
    (
        "9",
        "@cmd",
        "椒江区",
        99.25,
        1,
        D(2024, 1, 6),
        T(2024, 1, 4, 1),
        True,
        "1000.00",
        28.7,
        121.33,
    ),
    ("330102199001011235", _, "黄岩区", 7.0, 2, _, T(2024, 1, 4, 14), False, "3.33", 28.61, 121.25),
    ("x", "孙七", _, -3.0, 5, D(2024, 1, 8), T(2024, 1, 5, 3), True, "0.00", 28.66, 121.44),
]
NAMES = ["code", "name", "district", "amount", "qty", "day", "ts", "flag", "price", "lat", "lng"]
SCHEMA = pa.schema(
    [
        ("code", pa.string()),
        ("name", pa.string()),
        ("district", pa.string()),
        ("amount", pa.float64()),
        ("qty", pa.int64()),
        ("day", pa.date32()),
        ("ts", pa.timestamp("us")),
        ("flag", pa.bool_()),
        ("price", pa.decimal128(10, 2)),
        ("lat", pa.float64()),
        ("lng", pa.float64()),
    ]
)


def rows() -> list[dict[str, Any]]:
    """The sample rows as dicts (with Decimal prices), in table order."""
    out = []
    for values in ROW_VALUES:
        row = dict(zip(NAMES, values, strict=True))
        row["price"] = Decimal(row["price"]) if row["price"] is not None else None
        out.append(row)
    return out


def sample_table() -> pa.Table:
    return pa.Table.from_pylist(rows(), schema=SCHEMA)


def write_parquet(table: pa.Table, path: Path) -> Path:
    pq.write_table(table, path, compression="zstd")
    return path


def query(
    handle: ServingHandle, params: Any, access: DataAccess | None = None, **kw: Any
) -> QueryResult:
    """run_query with the handle's columns and the public access by default."""
    return run_query(
        handle,
        columns=handle.columns,
        params=params,
        access=access or DataAccess.public(handle.columns),
        **kw,
    )


def positions(result: QueryResult) -> list[int]:
    """Indexes into ROW_VALUES of the result rows, matched on (code, name, ts)."""
    keys = [(r["code"], r["name"], r["ts"]) for r in rows()]
    return [keys.index((r["code"], r["name"], r["ts"])) for r in result.rows]


def memory_table(table: pa.Table) -> tuple[Any, list[ColumnInfo]]:
    """An in-memory DuckDB connection holding ``table`` as ``data`` with ``_rowid``."""
    con = duckdb.connect()
    con.register("src", table)
    con.execute('CREATE TABLE data AS SELECT row_number() OVER () - 1 AS "_rowid", * FROM src')
    con.unregister("src")
    described = con.sql("DESCRIBE data").fetchall()
    return con, [ColumnInfo(r[0], r[1]) for r in described if r[0] != "_rowid"]
