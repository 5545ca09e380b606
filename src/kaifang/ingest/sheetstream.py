"""A chosen sheet's rows as all-text Arrow batches, streamed as Arrow IPC: the child's second half.

Kept apart from ``sheetparse`` so the child can start calamine's parse (which drops the GIL)
before PyArrow is imported; see ``sheetparse.main``. Rows come from calamine's cells or, when it
lines up, from fastexcel's typed columns (``aligned_tail``); both are converted to the same
text. Numbers are converted column by column with PyArrow; numeric cells beyond 15 significant
digits raise a warning, since Excel has already lost the digits of IDs typed in as numbers.
"""

from __future__ import annotations

import functools
import itertools
import json
import logging
import operator
from collections.abc import Iterator
from typing import BinaryIO

import pyarrow as pa
import pyarrow.compute as pc

from kaifang.ingest.cells import (
    BATCH_ROWS,
    arrow_to_text,
    column_id,
    typed_to_text,
)
from kaifang.ingest.sheetparse import NOTES_KEY, SheetRows

log = logging.getLogger(__name__)
_PRECISE_LIMIT = 1e15


# Each column of a chunk as converted pieces (text and, for numbers, their values), in order.
Pieces = list[tuple[pa.Array, pa.Array | None]]
Columns = list[Pieces]


def _batches(sheet: SheetRows) -> Iterator[tuple[pa.RecordBatch, list[int], list[str]]]:
    """Batches of ``BATCH_ROWS`` source rows minus empty ones, with those rows' numbers.

    The chunks are the same whichever rows serve (calamine's cells or fastexcel's columns),
    so the batches, dropped rows and warnings are too.
    """
    flagged: set[int] = set()
    offset = sheet.first_row
    try:
        for columns, size in _chunks(sheet):
            batch, warnings = _to_batch(columns, sheet.names, flagged)
            batch, skipped = _drop_empty_rows(batch, offset)
            offset += size
            yield batch, skipped, warnings
    finally:
        sheet.book.close()


def _chunks(sheet: SheetRows) -> Iterator[tuple[Columns, int]]:
    """Each chunk of ``BATCH_ROWS`` data rows as converted columns, and its row count."""
    tail = sheet.tail
    width = len(sheet.names)
    if tail is None:
        rows = itertools.chain(sheet.head, sheet.rest)
        while chunk := list(itertools.islice(rows, BATCH_ROWS)):
            yield [[piece] for piece in _cell_columns(chunk, width)], len(chunk)
        return
    first = BATCH_ROWS - len(sheet.head)
    opening = tail.slice(0, first)
    yield _joined(sheet.head, opening, width), len(sheet.head) + opening.num_rows
    for start in range(first, tail.num_rows, BATCH_ROWS):
        part = tail.slice(start, BATCH_ROWS)
        yield [[piece] for piece in _arrow_columns(part, width)], part.num_rows


# The Python types of calamine's cells that each fastexcel column type holds.
_KINDS: dict[str, set[type]] = {
    "string": {str},
    "double": {float},
    "int64": {int},
    "bool": {bool},
}


def _joined(head: list[list[object]], tail: pa.RecordBatch, width: int) -> Columns:
    """The first chunk: calamine's data rows of the header scan, then fastexcel's rows.

    Each piece is converted on its own where calamine's cells are of the kind the fastexcel
    column holds; a column mixing kinds across the two is converted as one list, as the
    chunk would have been from calamine's cells alone.
    """
    if not head:
        return [[piece] for piece in _arrow_columns(tail, width)]
    heads = _cell_columns(head, width)
    tails = _arrow_columns(tail, width)
    columns: Columns = []
    for index in range(width):
        column = tail.column(index) if index < tail.num_columns else None
        kinds = {type(row[index]) for row in head if index < len(row)} - {type(None)}
        if (
            column is None
            or pa.types.is_null(column.type)
            or kinds <= _KINDS.get(str(column.type), set())
        ):
            columns.append([heads[index], tails[index]])
            continue
        cells = [row[index] if index < len(row) else None for row in head]
        columns.append([typed_to_text([*cells, *column.to_pylist()])])
    return columns


def aligned_tail(sheet: SheetRows, tail: pa.RecordBatch) -> pa.RecordBatch | None:
    """fastexcel's rows after the header scan, if they line up with calamine's; else None.

    Both count rows from the sheet's first row, so the tail's first row is the one after the
    header scan. Every column must be of a type calamine's cells map to, and that row must
    read the same both ways (calamine's copy is ``sheet.rest``'s next row).
    """
    width = len(sheet.names)
    probe = next(sheet.rest, None)
    if probe is None or tail.num_rows == 0:
        return None
    try:
        ours = _arrow_columns(tail.slice(0, 1), width)
    except _Unsupported:
        return None
    theirs = _cell_columns([probe], width)
    if [text.to_pylist() for text, _ in ours] != [text.to_pylist() for text, _ in theirs]:
        log.info("fastexcel's rows do not read as calamine's; the whole workbook is parsed")
        return None
    return tail


class _Unsupported(Exception):
    """A fastexcel column of a type calamine's cells never have."""


def _cell_columns(rows: list[list[object]], width: int) -> Pieces:
    # map(len) runs in C: a per-row generator cost a quarter of a second per 100k rows.
    if set(map(len, rows)) != {width}:
        rows = [[*row[:width], *[None] * (width - len(row))] for row in rows]
    # One C-level pass per column: zip(*rows) over 16k rows cost about twice as much.
    return [typed_to_text(list(map(operator.itemgetter(i), rows))) for i in range(width)]


def _arrow_columns(batch: pa.RecordBatch, width: int) -> Pieces:
    columns: Pieces = []
    for index in range(width):
        if index >= batch.num_columns:
            columns.append((pa.nulls(batch.num_rows, pa.string()), None))
            continue
        converted = arrow_to_text(batch.column(index))
        if converted is None:
            raise _Unsupported(str(batch.column(index).type))
        columns.append(converted)
    return columns


def _drop_empty_rows(batch: pa.RecordBatch, offset: int) -> tuple[pa.RecordBatch, list[int]]:
    """Rows with no value at all are formatting, not data: drop them, keep their numbers."""
    empty = functools.reduce(pc.and_, [pc.is_null(column) for column in batch.columns])
    if not pc.any(empty).as_py():
        return batch, []
    skipped = [offset + i for i in pc.indices_nonzero(empty).to_pylist()]
    return batch.filter(pc.invert(empty)), skipped


def _to_batch(
    columns: Columns, names: list[str], flagged: set[int]
) -> tuple[pa.RecordBatch, list[str]]:
    arrays, warnings = [], []
    for index, pieces in enumerate(columns):
        if index not in flagged and any(_lost_precision(numbers) for _, numbers in pieces):
            flagged.add(index)
            name = names[index] or f"第 {index + 1} 列"
            warnings.append(
                f"“{name}”列含有超过 15 位的数字单元格，Excel 已丢失其精度；身份证号等代码请设为文本格式"
                f"（column {name!r} holds numbers with more than 15 digits; Excel has already lost "
                "their precision; store identifiers as text）"
            )
        texts = [text for text, _ in pieces]
        arrays.append(texts[0] if len(texts) == 1 else pa.concat_arrays(texts))
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
