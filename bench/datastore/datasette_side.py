"""The Datasette side of the benchmark: the same rows in SQLite, served over loopback HTTP.

Datasette runs from its own virtualenv (``python3 -m venv /tmp/dsbench &&
/tmp/dsbench/bin/pip install datasette``) so it never touches the project's dependencies.
"""

from __future__ import annotations

import contextlib
import socket
import sqlite3
import subprocess
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pyarrow.parquet as pq

COLUMN_TYPES = {
    "id": "INTEGER",
    "code": "TEXT",
    "name": "TEXT",
    "district": "TEXT",
    "category": "TEXT",
    "address": "TEXT",
    "day": "TEXT",
    "amount": "REAL",
    "qty": "INTEGER",
    "lat": "REAL",
    "lng": "REAL",
    "note": "TEXT",
}
# Datasette's documentation recommends indexes on faceted and looked-up columns.
INDEXES = ["code", "district", "category", "qty"]


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def load_sqlite(parquet: Path, db_path: Path) -> float:
    """Copy the Parquet rows into a rowid SQLite table ``data``; returns seconds taken."""
    started = time.perf_counter()
    db_path.unlink(missing_ok=True)
    con = sqlite3.connect(db_path)
    cols = ", ".join(f'"{n}" {t}' for n, t in COLUMN_TYPES.items())
    con.execute(f"CREATE TABLE data ({cols})")
    marks = ", ".join("?" for _ in COLUMN_TYPES)
    for batch in pq.ParquetFile(parquet).iter_batches(batch_size=50_000):
        columns = [batch.column(n).to_pylist() for n in COLUMN_TYPES]
        rows = [tuple(_plain(v) for v in row) for row in zip(*columns, strict=True)]
        con.executemany(f"INSERT INTO data VALUES ({marks})", rows)
    for col in INDEXES:
        con.execute(f'CREATE INDEX idx_{col} ON data ("{col}")')
    con.commit()
    con.execute("VACUUM")
    con.close()
    return time.perf_counter() - started


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def serve(datasette: Path, db_path: Path) -> Iterator[str]:
    """Run ``datasette serve -i`` on a loopback port; yields the base URL."""
    port = _free_port()
    proc = subprocess.Popen(
        [
            str(datasette),
            "serve",
            "-i",
            str(db_path),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--setting",
            "sql_time_limit_ms",
            "60000",
            "--setting",
            "facet_time_limit_ms",
            "60000",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _wait_ready(base: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base}/-/versions.json", timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    raise RuntimeError("datasette did not start")


def version(base: str) -> str:
    return str(httpx.get(f"{base}/-/versions.json").json()["datasette"]["version"])


def timer(
    client: httpx.Client, base: str, make_path: Callable[[int], str]
) -> Callable[[int], float]:
    """A callable timing one GET (ms) of the path made for run ``i``; fails on non-200."""

    def run(i: int) -> float:
        started = time.perf_counter()
        response = client.get(base + make_path(i))
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"{response.status_code}: {response.text[:200]}")
        return elapsed

    return run
