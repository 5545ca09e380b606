"""Ingest limits and choices: one immutable options object per ingest job.

The defaults are deliberately conservative for a 2-vCPU worker with a 1 GB memory budget; the
settings layer may pass other values. Every limit is enforced by counting what was actually read,
never by trusting sizes declared inside a file.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

KIB = 1024
MIB = 1024 * KIB
GIB = 1024 * MIB

#: Values treated as "no value" in columns that are typed as numbers, dates or booleans.
#: Text columns keep every value byte for byte.
DEFAULT_NULL_MARKERS: tuple[str, ...] = (
    "",
    "NULL",
    "null",
    "N/A",
    "n/a",
    "#N/A",
    "NA",
    "-",
    "—",
    "无",
)

MAX_COLUMNS = 2_000
MAX_FIELD_BYTES = 1 * MIB
MAX_HEADER_NAME_CHARS = 128

ProgressCallback = Callable[[int, float], None]


@dataclass(frozen=True, kw_only=True)
class ArchiveLimits:
    """Limits for ZIP containers (plain archives, XLSX/ODS packages, zipped shapefiles)."""

    max_members: int = 1_000
    max_total_uncompressed: int = 4 * GIB
    max_member_uncompressed: int = 2 * GIB
    max_ratio: float = 200.0
    max_depth: int = 1

    def __post_init__(self) -> None:
        if min(self.max_members, self.max_total_uncompressed, self.max_member_uncompressed) <= 0:
            raise ValueError("archive limits must be positive")
        if self.max_ratio < 1 or self.max_depth < 0:
            raise ValueError("max_ratio must be >= 1 and max_depth >= 0")


@dataclass(frozen=True, kw_only=True)
class IngestOptions:
    """What to read, how to type it, where to write it, and the limits that apply."""

    output_path: Path
    work_dir: Path | None = None
    format: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | int | None = None
    header_row: int | None = None
    record_path: str | None = None
    column_types: Mapping[str, str] = field(default_factory=dict)
    coordinate_system: str | None = None
    geometry_format: Literal["wkt", "geojson"] = "wkt"
    on_rejected_cell: Literal["drop_row", "null"] = "drop_row"
    null_markers: tuple[str, ...] = DEFAULT_NULL_MARKERS
    max_bytes: int = 1 * GIB
    max_columns: int = MAX_COLUMNS
    max_field_bytes: int = MAX_FIELD_BYTES
    max_geometry_bytes: int = 16 * MIB
    max_rows: int = 100_000_000
    max_cells: int = 20_000_000
    max_rejected_share: float = 0.05
    max_rejected_reported: int = 1_000
    archive: ArchiveLimits = field(default_factory=ArchiveLimits)
    duckdb_memory_limit: str = "768MB"
    duckdb_threads: int | None = None
    on_progress: ProgressCallback | None = None

    def __post_init__(self) -> None:
        positive = (
            self.max_bytes,
            self.max_columns,
            self.max_field_bytes,
            self.max_geometry_bytes,
            self.max_rows,
        )
        if min(positive) <= 0 or self.max_cells <= 0 or self.max_rejected_reported < 0:
            raise ValueError("ingest limits must be positive")
        if not 0 <= self.max_rejected_share <= 1:
            raise ValueError("max_rejected_share must be between 0 and 1")
        if self.header_row is not None and self.header_row < 1:
            raise ValueError("header_row is 1-based")
        if self.delimiter is not None and len(self.delimiter) != 1:
            raise ValueError("delimiter must be one character")

    def progress(self, rows_done: int, pct: float) -> None:
        """Report progress to the callback, if any (pct in 0..100)."""
        if self.on_progress is not None:
            self.on_progress(rows_done, round(min(max(pct, 0.0), 100.0), 1))
