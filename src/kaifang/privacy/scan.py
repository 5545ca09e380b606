"""Scan a pyarrow table column by column and render the findings as JSON-ready dicts.

This is what ``kaifang privacy scan FILE --format json`` prints: one object per column
with exactly the keys in ``JSON_KEYS``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pyarrow as pa

from kaifang.privacy.columns import ColumnFinding, classify_column
from kaifang.privacy.masking.base import as_strings

JSON_KEYS = (
    "column",
    "kind",
    "confidence",
    "suggested_grade",
    "suggested_open_attribute",
    "suggested_masking",
    "evidence",
)
DEFAULT_SAMPLE = 1000


def _sample_rows(table: pa.Table, size: int) -> pa.Table:
    """Return up to ``size`` rows spread evenly over the table (deterministic)."""
    if table.num_rows <= size:
        return table
    step = table.num_rows / size
    return table.take(pa.array([int(i * step) for i in range(size)], pa.int64()))


def scan_table(table: pa.Table, *, sample_size: int = DEFAULT_SAMPLE) -> list[ColumnFinding]:
    """Classify every column of ``table`` from an even sample of its rows."""
    sample = _sample_rows(table, sample_size)
    findings = []
    for name, column in zip(sample.column_names, sample.columns, strict=True):
        values = _column_strings(column)
        findings.append(classify_column(name, values, sample_size=sample_size))
    return findings


def _column_strings(column: pa.ChunkedArray) -> list[str | None]:
    """Return a column's values as text (nested and binary types are not scanned)."""
    if pa.types.is_nested(column.type) or pa.types.is_binary(column.type):
        return []
    return as_strings(column).to_pylist()


def findings_to_json(findings: Iterable[ColumnFinding]) -> list[dict[str, Any]]:
    """Return one dict per finding with exactly the ``JSON_KEYS`` keys."""
    return [{key: getattr(finding, key) for key in JSON_KEYS} for finding in findings]
