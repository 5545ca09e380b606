"""Producing the next item of an iterator in a worker thread while the caller uses this one.

Inflating ZIP members (zlib and CRC release the GIL) overlaps the package guard's regular
expressions, and building the next Arrow batch of a sheet overlaps DuckDB staging the
current one (DuckDB releases the GIL while it executes).
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
_END = object()


def read_ahead(items: Iterator[T]) -> Iterator[T]:
    """``items`` in order, one produced ahead in a worker thread; errors surface in order."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(next, items, _END)
        while (item := pending.result()) is not _END:
            pending = pool.submit(next, items, _END)
            yield item  # type: ignore[misc]
