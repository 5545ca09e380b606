"""Parquet input: columns are staged as text like every other source, but their declared types
(integers, decimals, floats, booleans, dates, timestamps) are kept instead of re-inferred.
Nested columns (lists, structs, maps) become JSON text.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from kaifang.ingest.headers import check_width
from kaifang.ingest.options import IngestOptions
from kaifang.ingest.problems import invalid, too_large
from kaifang.ingest.readers.base import BATCH_ROWS, TableSource, column_id

Declared = tuple[str, int | None, int | None]


def declared_type(kind: pa.DataType) -> Declared | None:
    """The column type a Parquet type maps to, or None to infer it from the text."""
    if pa.types.is_integer(kind):
        return ("integer", None, None)
    if pa.types.is_decimal(kind):
        return ("decimal", kind.precision, kind.scale)
    if pa.types.is_floating(kind):
        return ("float", None, None)
    if pa.types.is_boolean(kind):
        return ("boolean", None, None)
    if pa.types.is_date(kind):
        return ("date", None, None)
    if pa.types.is_timestamp(kind) and kind.tz is None:
        return ("datetime", None, None)
    return None


def open_parquet(path: Path, *, options: IngestOptions) -> TableSource:
    """A Parquet file as text batches plus declared column types."""
    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError):
        raise invalid(
            "Parquet 文件已损坏或无法读取", "the Parquet file is corrupt or unreadable"
        ) from None
    schema = parquet.schema_arrow
    check_width(len(schema), options.max_columns)
    if parquet.metadata.num_rows > options.max_rows:
        raise too_large(f"数据超过 {options.max_rows} 行上限", f"more than {options.max_rows} rows")
    source = TableSource("parquet", list(schema.names), first_row=1)
    for index, item in enumerate(schema):
        found = declared_type(item.type)
        if found is not None:
            source.declared[index] = found
    source.batches = _batches(parquet, schema)
    return source


def _batches(parquet: pq.ParquetFile, schema: pa.Schema) -> Iterator[pa.RecordBatch]:
    try:
        for batch in parquet.iter_batches(batch_size=BATCH_ROWS):
            arrays = [_as_text(batch.column(i)) for i in range(batch.num_columns)]
            yield pa.RecordBatch.from_arrays(
                arrays, names=[column_id(i) for i in range(len(arrays))]
            )
    except (pa.ArrowInvalid, OSError):
        raise invalid(
            "Parquet 文件数据页已损坏", "a data page of the Parquet file is corrupt"
        ) from None
    finally:
        parquet.close()


def _as_text(array: pa.Array) -> pa.Array:
    kind = array.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return pc.cast(array, pa.string())
    if pa.types.is_dictionary(kind):
        return _as_text(array.dictionary_decode())
    if pa.types.is_nested(kind) or pa.types.is_binary(kind):
        values = [None if v is None else _json_text(v) for v in array.to_pylist()]
        return pa.array(values, type=pa.string())
    try:
        return pc.cast(array, pa.string())
    except (pa.ArrowNotImplementedError, pa.ArrowInvalid):
        return pa.array(
            [None if v is None else str(v) for v in array.to_pylist()], type=pa.string()
        )


def _json_text(value: object) -> str:
    if isinstance(value, bytes):
        return value.hex()
    return json.dumps(value, ensure_ascii=False, default=str, separators=(",", ":"))
