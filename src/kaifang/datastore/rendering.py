"""Shared pieces of the export renderers: the row stream, a byte sink, formula neutralising."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

# OWASP CSV Injection / CWE-1236: a cell starting with one of these may be evaluated as a
# formula by spreadsheet software; a leading apostrophe makes it literal text. NUL is
# included as ASVS 5.0 (1.2.10) lists it.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\x00")


@dataclass(frozen=True)
class GeoSpec:
    """Where a table's geometry lives: lat/lng columns, or a geometry column (GeoJSON/WKT)."""

    lat: str | None = None
    lng: str | None = None
    geometry: str | None = None
    crs: str | None = None  # the stored coordinates' system; GeoJSON output is WGS-84

    def columns(self) -> list[str]:
        return [c for c in (self.lat, self.lng, self.geometry) if c]


@dataclass
class ExportTable:
    """What a renderer receives: the schema and the (already masked) record batches.

    ``properties`` are the columns the caller asked for; ``batches`` may carry more (the
    geometry columns of a GeoJSON export).
    """

    schema: pa.Schema
    batches: Iterator[pa.RecordBatch]
    properties: list[str]
    geo: GeoSpec | None = None


@dataclass
class ChunkSink:
    """A write-only file object that hands out what was written since the last ``take``.

    It keeps counting positions so writers that record offsets (Parquet) stay correct.
    """

    _chunks: list[bytes] = field(default_factory=list)
    _pos: int = 0
    closed: bool = False

    def write(self, data: bytes | bytearray | memoryview) -> int:
        chunk = bytes(data)
        self._chunks.append(chunk)
        self._pos += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self._pos

    def flush(self) -> None:
        return None

    def close(self) -> None:
        self.closed = True

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def readable(self) -> bool:
        return False

    def take(self) -> bytes:
        out = b"".join(self._chunks)
        self._chunks = []
        return out


def is_text_type(t: pa.DataType) -> bool:
    return bool(pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t))


def neutralise_array(values: pa.Array) -> pa.Array:
    """Prefix an apostrophe to text cells that a spreadsheet would read as a formula."""
    if not is_text_type(values.type) or len(values) == 0:
        return values
    # Several prefix tests are about twice as fast as one anchored regex.
    risky = pc.starts_with(values, FORMULA_TRIGGERS[0])
    for trigger in FORMULA_TRIGGERS[1:]:
        risky = pc.or_(risky, pc.starts_with(values, trigger))
    if not pc.any(risky).as_py():
        return values
    return pc.if_else(risky, pc.binary_join_element_wise("'", values, ""), values)


def neutralise_text(value: str) -> str:
    """The same rule for one Python string (header cells)."""
    return "'" + value if value[:1] and value[:1] in FORMULA_TRIGGERS else value


def neutralise_batch(batch: pa.RecordBatch) -> pa.RecordBatch:
    """Neutralise every text column of a batch; numbers, dates and booleans are untouched."""
    arrays = [neutralise_array(col) for col in batch.columns]
    return pa.RecordBatch.from_arrays(arrays, names=batch.schema.names)


def string_bytes(values: pa.Array) -> bytes:
    """The concatenated bytes of a string array without nulls, copied once.

    A string array keeps its values back to back in one buffer, so the concatenation is
    just the slice between the first and the last offset.
    """
    if len(values) == 0:
        return b""
    if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
        values = pc.cast(values, pa.large_string())
    raw = memoryview(values.buffers()[1])
    offsets = raw.cast("q") if pa.types.is_large_string(values.type) else raw.cast("i")
    start, end = offsets[values.offset], offsets[values.offset + len(values)]
    return bytes(values.buffers()[2][start:end].to_pybytes())


def join_strings(values: pa.Array, separator: str) -> bytes:
    """All strings of ``values`` joined by ``separator``, without a Python object per row."""
    if len(values) == 0:
        return b""
    offsets = pa.array([0, len(values)], pa.int32())
    joined = pc.binary_join(pa.ListArray.from_arrays(offsets, values), separator)
    return bytes(joined[0].as_buffer().to_pybytes())
