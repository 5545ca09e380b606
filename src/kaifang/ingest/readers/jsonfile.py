"""JSON (an array of objects, a wrapper object around one, NDJSON) and GeoJSON.

Records stream one at a time (``jsonstream``). Nested objects are flattened to ``a.b`` columns,
arrays are kept as JSON text, and a wrapper such as ``{"code": 0, "data": {"list": [...]}}``
is searched for its first array of objects (or the ``record_path`` an officer gives, e.g.
``data.list``). GeoJSON FeatureCollections become one row per feature: the flattened
``properties`` plus a ``geometry`` column in WKT (or GeoJSON text), with the geometry types,
bounding box and any legacy ``crs`` member kept as geo metadata.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import pyarrow as pa

from kaifang.ingest.encodings import DecodedText, EncodingGuess
from kaifang.ingest.geo import GeometryStats, crs_from_text, geometry_text
from kaifang.ingest.options import IngestOptions
from kaifang.ingest.problems import invalid
from kaifang.ingest.readers.base import RecordBatcher, TableSource, flatten, text_of
from kaifang.ingest.readers.jsonstream import JSONStream, find_records

GEOMETRY_COLUMN = "geometry"


def _stream(
    path: Path, guess: EncodingGuess, options: IngestOptions
) -> tuple[BinaryIO, DecodedText, JSONStream]:
    raw = path.open("rb")
    text = DecodedText(raw, guess, chunk_bytes=1 << 20)
    limit = max(options.max_field_bytes * 4, 16 << 20) + 2 * options.max_geometry_bytes
    return raw, text, JSONStream(text.read, max_value_chars=limit)


def open_json(path: Path, *, fmt: str, guess: EncodingGuess, options: IngestOptions) -> TableSource:
    """A JSON, NDJSON or wrapped-JSON file as a TableSource of flattened records."""
    raw, text, stream = _stream(path, guess, options)
    source = TableSource(fmt, [], first_row=1, encoding=guess.label)
    source.fraction_read = _fraction(text, path)
    meta: dict[str, Any] = {}
    records = _records(stream, fmt, options, meta)
    source.batches = _batches((_as_record(r, stream) for r in records), source, options, raw)
    return source


def _records(
    stream: JSONStream, fmt: str, options: IngestOptions, meta: dict[str, Any]
) -> Iterator[Any]:
    first = stream.peek()
    if first == "":
        raise invalid("文件为空，没有任何数据", "the file is empty")
    if first == "[":
        return stream.elements()
    if first != "{":
        raise invalid(
            "JSON 文件应为对象数组或对象",
            "the JSON file must hold an array of objects or an object",
        )
    if fmt == "ndjson":
        return _values(stream)
    path = options.record_path.split(".") if options.record_path else None
    return find_records(stream, path=path, prefer=None, meta=meta)


def _values(stream: JSONStream) -> Iterator[Any]:
    while stream.peek():
        yield stream.value()


def _as_record(value: Any, stream: JSONStream) -> dict[str, str | None]:
    if isinstance(value, dict):
        return flatten(value)
    return {"value": text_of(value)}


def _batches(
    records: Iterator[dict[str, str | None]],
    source: TableSource,
    options: IngestOptions,
    raw: BinaryIO,
) -> Iterator[pa.RecordBatch]:
    batcher = RecordBatcher(source.names, max_columns=options.max_columns)
    try:
        for record in records:
            batch = batcher.add(record)
            if batch is not None:
                yield batch
        tail = batcher.flush()
        if tail is not None:
            yield tail
    finally:
        raw.close()


def _fraction(text: DecodedText, path: Path) -> Any:
    total = max(path.stat().st_size, 1)
    return lambda: min(text.bytes_read / total, 1.0)


def open_geojson(path: Path, *, guess: EncodingGuess, options: IngestOptions) -> TableSource:
    """A GeoJSON FeatureCollection (or single Feature) as rows of properties plus geometry."""
    raw, text, stream = _stream(path, guess, options)
    if stream.peek() != "{":
        raise invalid(
            "GeoJSON 文件应为 FeatureCollection 对象", "a GeoJSON file must be a FeatureCollection"
        )
    source = TableSource("geojson", [], first_row=1, encoding=guess.label)
    source.fraction_read = _fraction(text, path)
    stats = GeometryStats(column=GEOMETRY_COLUMN, format=options.geometry_format)
    meta: dict[str, Any] = {}
    features = find_records(stream, path=None, prefer="features", meta=meta)
    rows = _feature_rows(features, stats, options.geometry_format, stream)
    source.batches = _batches(rows, source, options, raw)
    source.geo = {"geometry": stats, "meta": meta}
    return source


def _feature_rows(
    features: Iterator[Any], stats: GeometryStats, fmt: str, stream: JSONStream
) -> Iterator[dict[str, str | None]]:
    for feature in features:
        if not isinstance(feature, dict) or feature.get("type") not in ("Feature", None):
            if isinstance(feature, dict) and feature.get("type") == "FeatureCollection":
                raise invalid(
                    "不支持嵌套的 FeatureCollection", "nested FeatureCollections are not supported"
                )
            raise stream.error(
                "features 中的元素不是 Feature 对象", "a member of features is not a Feature"
            )
        properties = feature.get("properties") or {}
        row = (
            flatten(properties)
            if isinstance(properties, dict)
            else {"properties": text_of(properties)}
        )
        if "id" in feature and "id" not in row:
            row["id"] = text_of(feature["id"])
        geometry = feature.get("geometry")
        stats.update(geometry)
        row[GEOMETRY_COLUMN] = geometry_text(geometry, fmt)
        yield row


def geojson_crs(meta: dict[str, Any]) -> str | None:
    """The coordinate system named by a legacy GeoJSON ``crs`` member, if any."""
    crs = meta.get("crs")
    if not isinstance(crs, dict):
        return None
    guess = crs_from_text(str(crs), "crs_member")
    return guess.name if guess else None
