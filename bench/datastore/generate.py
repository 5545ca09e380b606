"""Generate the benchmark table: 1,000,000 rows x 12 columns of Taizhou-like public data."""

from __future__ import annotations

import argparse
from pathlib import Path

import duckdb

DISTRICTS = [
    "椒江区",
    "黄岩区",
    "路桥区",
    "临海市",
    "温岭市",
    "玉环市",
    "天台县",
    "仙居县",
    "三门县",
]
CATEGORIES = [f"类别{i:02d}" for i in range(20)]
WORDS = [
    "中国",
    "台州",
    "公共",
    "数据",
    "开放",
    "交通",
    "医疗",
    "教育",
    "环境",
    "企业",
    "服务",
    "窗口",
]


def _pick(values: list[str], seed: str) -> str:
    literal = "[" + ", ".join(f"'{v}'" for v in values) + "]"
    return f"{literal}[1 + CAST(hash({seed}) % {len(values)} AS BIGINT)]"


def generate(path: Path, rows: int) -> Path:
    """Write ``rows`` deterministic rows to a zstd Parquet file at ``path``."""
    sql = f"""
    COPY (
      SELECT
        i AS id,
        '3310' || lpad(CAST((i * 7919) % 100000000000000 AS VARCHAR), 14, '0') AS code,
        {_pick(WORDS, "i")} || {_pick(WORDS, "i * 3")} || '服务点' || CAST(i % 977 AS VARCHAR)
            AS name,
        {_pick(DISTRICTS, "i * 5")} AS district,
        {_pick(CATEGORIES, "i * 11")} AS category,
        '浙江省台州市' || {_pick(DISTRICTS, "i * 5")} || {_pick(WORDS, "i * 13")} || '路'
            || CAST(i % 2000 AS VARCHAR) || '号' AS address,
        DATE '2015-01-01' + CAST(hash(i * 17) % 3650 AS INTEGER) AS day,
        CAST((hash(i * 19) % 10000000) / 100.0 AS DECIMAL(12, 2)) AS amount,
        CAST(hash(i * 23) % 50 AS INTEGER) AS qty,
        28.0 + (hash(i * 29) % 1000000) / 1000000.0 * 1.5 AS lat,
        120.5 + (hash(i * 31) % 1000000) / 1000000.0 * 1.5 AS lng,
        {_pick(WORDS, "i * 37")} || {_pick(WORDS, "i * 41")} || {_pick(WORDS, "i * 43")}
            || '相关说明文本' || CAST(i % 101 AS VARCHAR) AS note
      FROM range({rows}) t(i)
    ) TO '{path}' (FORMAT parquet, COMPRESSION zstd)
    """
    with duckdb.connect() as con:
        con.execute(sql)
    return path


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("path", type=Path)
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    generate(args.path, args.rows)
