"""A chosen sheet's rows as all-text Arrow batches, streamed as Arrow IPC: the child's second half.

Kept apart from ``sheetparse`` so the child can start calamine's parse (which drops the GIL)
before PyArrow is imported; see ``sheetparse.main``. Numbers are converted column by column with
PyArrow; numeric cells beyond 15 significant digits raise a warning, since Excel has already
lost the digits of IDs typed in as numbers.
"""

from __future__ import annotations

import functools
import itertools
import json
import operator
from collections.abc import Iterator
from typing import BinaryIO

import pyarrow as pa
import pyarrow.compute as pc

from kaifang.ingest.cells import BATCH_ROWS, column_id, typed_to_text
from kaifang.ingest.sheetparse import NOTES_KEY, SheetRows

_PRECISE_LIMIT = 1e15


def _batches(sheet: SheetRows) -> Iterator[tuple[pa.RecordBatch, list[int], list[str]]]:
    """Batches of ``BATCH_ROWS`` source rows minus empty ones, with those rows' numbers."""
    rows, names, width = sheet.rows, sheet.names, len(sheet.names)
    flagged: set[int] = set()
    offset = sheet.first_row
    try:
        while chunk := list(itertools.islice(rows, BATCH_ROWS)):
            # map(len) runs in C: a per-row generator cost a quarter of a second per 100k rows.
            if set(map(len, chunk)) != {width}:
                chunk = [[*row[:width], *[None] * (width - len(row))] for row in chunk]
            batch, warnings = _to_batch(chunk, names, flagged)
            batch, skipped = _drop_empty_rows(batch, offset)
            offset += len(chunk)
            yield batch, skipped, warnings
    finally:
        sheet.book.close()


def _drop_empty_rows(batch: pa.RecordBatch, offset: int) -> tuple[pa.RecordBatch, list[int]]:
    """Rows with no value at all are formatting, not data: drop them, keep their numbers."""
    empty = functools.reduce(pc.and_, [pc.is_null(column) for column in batch.columns])
    if not pc.any(empty).as_py():
        return batch, []
    skipped = [offset + i for i in pc.indices_nonzero(empty).to_pylist()]
    return batch.filter(pc.invert(empty)), skipped


def _to_batch(
    rows: list[list[object]], names: list[str], flagged: set[int]
) -> tuple[pa.RecordBatch, list[str]]:
    arrays, warnings = [], []
    # One C-level pass per column: zip(*rows) over 16k rows cost about twice as much.
    for index in range(len(names)):
        column = list(map(operator.itemgetter(index), rows))
        text, numbers = typed_to_text(column)
        if index not in flagged and _lost_precision(numbers):
            flagged.add(index)
            name = names[index] or f"第 {index + 1} 列"
            warnings.append(
                f"“{name}”列含有超过 15 位的数字单元格，Excel 已丢失其精度；身份证号等代码请设为文本格式"
                f"（column {name!r} holds numbers with more than 15 digits; Excel has already lost "
                "their precision; store identifiers as text）"
            )
        arrays.append(text)
    batch = pa.RecordBatch.from_arrays(arrays, names=[column_id(i) for i in range(len(names))])
    return batch, warnings


def _lost_precision(numbers: pa.Array | None) -> bool:
    if numbers is None or not pa.types.is_floating(numbers.type):
        return False
    largest = pc.max(pc.abs(numbers)).as_py()
    return largest is not None and largest >= _PRECISE_LIMIT


def stream_sheet(rows: SheetRows, sink: BinaryIO) -> None:
    """Write the sheet as an Arrow IPC stream, notes in the schema's and batches' metadata."""
    notes = {"names": rows.names, "first_row": rows.first_row, "sheet": rows.sheet}
    notes["sheets"] = rows.sheets
    schema = pa.schema(
        [(column_id(i), pa.string()) for i in range(len(rows.names))],
        metadata={NOTES_KEY: json.dumps(notes, ensure_ascii=False)},
    )
    with pa.ipc.new_stream(sink, schema) as writer:
        for batch, skipped, warnings in _batches(rows):
            meta = None
            if skipped or warnings:
                meta = {NOTES_KEY: json.dumps({"skipped": skipped, "warnings": warnings})}
            writer.write_batch(batch, custom_metadata=meta)
