"""Streaming renderers for CSV, JSON, NDJSON, XML and Parquet; each yields bytes chunks.

Everything is vectorised over Arrow batches (no Python object per cell), so memory stays at
about one batch and throughput is that of Arrow/DuckDB kernels.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from kaifang.datastore.rendering import (
    ChunkSink,
    ExportTable,
    join_strings,
    neutralise_batch,
    neutralise_text,
    string_bytes,
)

UTF8_BOM = b"\xef\xbb\xbf"


def _csv_batch(batch: pa.RecordBatch) -> pa.RecordBatch:
    batch = neutralise_batch(batch)
    return batch.rename_columns([neutralise_text(n) for n in batch.schema.names])


def _encoder(encoding: str) -> tuple[bytes, str | None]:
    """(prefix, Python codec to re-encode to, or None to keep UTF-8)."""
    if encoding == "utf-8":
        return b"", None
    if encoding == "utf-8-sig":
        return UTF8_BOM, None
    if encoding == "gb18030":
        return b"", "gb18030"
    raise ValueError(f"unsupported CSV encoding: {encoding}")


def render_csv(table: ExportTable, *, encoding: str = "utf-8") -> Iterator[bytes]:
    """RFC 4180 CSV (CRLF rows, strings quoted), formula cells neutralised.

    ``encoding`` is ``utf-8``, ``utf-8-sig`` (BOM, for Excel) or ``gb18030``. GB18030 maps
    every Unicode scalar value, so nothing is lost; characters outside GBK become four-byte
    sequences that GBK-only software shows wrongly (offer UTF-8 with BOM for those users).
    Arrow text is valid UTF-8, so no lone surrogates can arrive; were one to, it would be
    written as ``?`` (``errors="replace"``) rather than abort the download.
    """
    prefix, codec = _encoder(encoding)
    sink = ChunkSink()
    options = pacsv.WriteOptions(quoting_style="needed", eol="\r\n")
    writer: pacsv.CSVWriter | None = None
    if prefix:
        yield prefix
    for batch in table.batches:
        batch = _csv_batch(batch)
        if writer is None:
            writer = pacsv.CSVWriter(
                pa.PythonFile(sink, mode="w"), batch.schema, write_options=options
            )
        writer.write_batch(batch)
        yield _reencode(sink.take(), codec)
    if writer is None:
        empty = _csv_batch(pa.RecordBatch.from_pylist([], schema=table.schema))
        writer = pacsv.CSVWriter(pa.PythonFile(sink, mode="w"), empty.schema, write_options=options)
    writer.close()
    tail = sink.take()
    if tail:
        yield _reencode(tail, codec)


def _reencode(chunk: bytes, codec: str | None) -> bytes:
    if codec is None:
        return chunk
    return chunk.decode("utf-8").encode(codec, errors="replace")


def _row_alias(names: list[str]) -> str:
    alias = "r"
    while alias in names:
        alias += "_"
    return alias


def _finite_floats(batch: pa.RecordBatch) -> pa.RecordBatch:
    """JSON has no NaN or infinity: such values become null."""
    arrays = [
        pc.if_else(pc.is_finite(col), col, pa.scalar(None, col.type))
        if pa.types.is_floating(col.type)
        else col
        for col in batch.columns
    ]
    return pa.RecordBatch.from_arrays(arrays, names=batch.schema.names)


def _json_rows(fmt: duckdb.DuckDBPyConnection, batch: pa.RecordBatch, before: str) -> bytes:
    """Each row as a JSON object (DuckDB's to_json) preceded by ``before``, concatenated."""
    batch = _finite_floats(batch)
    alias = _row_alias(batch.schema.names)
    fmt.register("batch", batch)
    try:
        result = fmt.sql(
            f'SELECT ? || to_json("{alias}") FROM batch AS "{alias}"', params=[before]
        ).to_arrow_table()
    finally:
        fmt.unregister("batch")
    return string_bytes(result.column(0).combine_chunks())


def render_ndjson(table: ExportTable) -> Iterator[bytes]:
    """Newline-delimited JSON: one object per line, values as in the JSON API."""
    first = True
    with duckdb.connect() as fmt:
        for batch in table.batches:
            if batch.num_rows:
                chunk = _json_rows(fmt, batch, "\n")
                yield chunk[1:] if first else chunk
                first = False
    if not first:
        yield b"\n"


def render_json(table: ExportTable) -> Iterator[bytes]:
    """A single JSON array of row objects, streamed."""
    yield b"["
    first = True
    with duckdb.connect() as fmt:
        for batch in table.batches:
            if batch.num_rows:
                chunk = _json_rows(fmt, batch, ",\n")
                yield b"\n" + chunk[2:] if first else chunk
                first = False
    yield b"\n]\n" if not first else b"]\n"


def render_parquet(table: ExportTable) -> Iterator[bytes]:
    """Parquet with zstd compression, one row group per batch."""
    sink = ChunkSink()
    writer: pq.ParquetWriter | None = None
    for batch in table.batches:
        if writer is None:
            writer = pq.ParquetWriter(
                pa.PythonFile(sink, mode="w"), batch.schema, compression="zstd"
            )
        writer.write_batch(batch)
        yield sink.take()
    if writer is None:
        writer = pq.ParquetWriter(pa.PythonFile(sink, mode="w"), table.schema, compression="zstd")
    writer.close()
    yield sink.take()


_NAME_START = (
    "A-Z_a-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_NAME_CHAR = _NAME_START + r"\-.0-9\u00b7\u0300-\u036f\u203f\u2040"
_NOT_NAME_CHAR = re.compile(f"[^{_NAME_CHAR}]")
_NAME_START_RE = re.compile(f"[{_NAME_START}]")
# XML 1.0 forbids these characters even when escaped; they become U+FFFD.
_XML_INVALID = "[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]"


def xml_names(names: list[str]) -> list[str]:
    """XML element names for columns: invalid characters → ``_``, unique, not ``xml…``."""
    out: list[str] = []
    for name in names:
        safe = _NOT_NAME_CHAR.sub("_", name) or "_"
        if not _NAME_START_RE.match(safe) or safe.lower().startswith("xml"):
            safe = "_" + safe
        candidate, n = safe, 2
        while candidate in out:
            candidate, n = f"{safe}_{n}", n + 1
        out.append(candidate)
    return out


def _xml_text(values: pa.Array) -> pa.Array:
    if not pa.types.is_string(values.type):
        try:
            values = pc.cast(values, pa.string())
        except (pa.ArrowNotImplementedError, pa.ArrowInvalid):
            values = pa.array(
                [None if v is None else str(v) for v in values.to_pylist()], pa.string()
            )
    values = pc.replace_substring_regex(values, _XML_INVALID, "\ufffd")
    for raw, escaped in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):
        values = pc.replace_substring(values, raw, escaped)
    return values


def _xml_rows(batch: pa.RecordBatch, tags: list[str]) -> pa.Array:
    elements = []
    for values, tag in zip(batch.columns, tags, strict=True):
        wrapped = pc.binary_join_element_wise(f"<{tag}>", _xml_text(values), f"</{tag}>", "")
        elements.append(pc.fill_null(wrapped, f'<{tag} xsi:nil="true"/>'))
    return pc.binary_join_element_wise("<row>", *elements, "</row>", "")


def render_xml(table: ExportTable) -> Iterator[bytes]:
    """``<data><row><column>value</column>…</row>…</data>``; NULL is ``xsi:nil``.

    Column names are made XML-safe with :func:`xml_names`; text is escaped and characters
    XML 1.0 cannot carry (C0 controls other than tab/LF/CR) are replaced by U+FFFD.
    """
    tags = xml_names(table.schema.names)
    yield (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<data xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
    )
    for batch in table.batches:
        if batch.num_rows:
            yield join_strings(_xml_rows(batch, tags), "\n") + b"\n"
    yield b"</data>\n"
