"""What every reader returns: a ``TableSource`` of all-text record batches, and batch helpers.

Batches name their columns ``c0``, ``c1``... by position in ``TableSource.names``; record
formats (JSON, XML, GeoJSON) discover keys while streaming, so ``names`` may grow and a batch
may carry only some of the columns. Values are strings or nulls; typing happens later over the
whole staged table.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from kaifang.ingest.cells import BATCH_ROWS, column_id, text_of
from kaifang.ingest.headers import check_width
from kaifang.ingest.problems import invalid
from kaifang.ingest.schemas import RejectedCell

if TYPE_CHECKING:
    import duckdb

MAX_NESTING = 32
STAGING_TABLE = "staging"


@dataclass
class StageOutcome:
    """What a custom stager (CSV) loaded into the staging table, and the lines it rejected."""

    rows: int
    rejected: list[RejectedCell] = field(default_factory=list)
    rejected_rows: list[int] = field(default_factory=list)


Stager = Callable[["duckdb.DuckDBPyConnection"], StageOutcome]


@dataclass
class TableSource:
    """A parsed table before typing: raw header labels plus all-text record batches."""

    format: str
    names: list[str]
    batches: Iterator[pa.RecordBatch] | None = None
    stage: Stager | None = None
    first_row: int = 2
    encoding: str | None = None
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)
    declared: dict[int, tuple[str, int | None, int | None]] = field(default_factory=dict)
    geo: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    fraction_read: Callable[[], float] | None = None
    skipped_rows: list[int] = field(default_factory=list)


def flatten(record: Mapping[str, Any], prefix: str = "", depth: int = 0) -> dict[str, str | None]:
    """Nested objects become ``a.b`` keys; arrays are kept as JSON text."""
    if depth > MAX_NESTING:
        raise invalid(
            f"嵌套层级超过 {MAX_NESTING} 层", f"objects are nested deeper than {MAX_NESTING} levels"
        )
    flat: dict[str, str | None] = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            flat.update(flatten(value, name + ".", depth + 1))
        else:
            flat[name] = text_of(value)
    return flat


class RecordBatcher:
    """Collects dict records into batches, registering new keys in ``names`` as they appear."""

    def __init__(self, names: list[str], *, max_columns: int, batch_rows: int = BATCH_ROWS):
        self.names = names
        self._index = {name: i for i, name in enumerate(names)}
        self._max_columns = max_columns
        self._batch_rows = batch_rows
        self._rows: list[Mapping[str, str | None]] = []
        self.count = 0

    def add(self, record: Mapping[str, str | None]) -> pa.RecordBatch | None:
        """Add one record; returns a full batch when one is ready."""
        for key in record:
            if key not in self._index:
                self._index[key] = len(self.names)
                self.names.append(key)
                check_width(len(self.names), self._max_columns)
        self._rows.append(record)
        self.count += 1
        return self.flush() if len(self._rows) >= self._batch_rows else None

    def flush(self) -> pa.RecordBatch | None:
        """The pending records as a batch, or None if there are none."""
        if not self._rows:
            return None
        rows, self._rows = self._rows, []
        keys = sorted({k for row in rows for k in row}, key=self._index.__getitem__)
        arrays = [pa.array([row.get(k) for row in rows], type=pa.string()) for k in keys]
        return pa.RecordBatch.from_arrays(arrays, names=[column_id(self._index[k]) for k in keys])


def link_with_suffix(source: Path, work_dir: Path, suffix: str) -> Path:
    """A name for ``source`` ending in ``suffix`` (parsers that dispatch on the extension)."""
    target = work_dir / f"source{suffix}"
    if target.exists():
        target.unlink()
    try:
        os.link(source, target)
    except OSError:
        target.symlink_to(source.resolve())
    return target
