"""Streaming exports of any filtered view, the renderer registry and download headers.

Exports use the data-API filter language (the same access rules apply), without the page
cap: rows are read from DuckDB in Arrow batches and handed to a renderer that yields bytes,
so memory stays flat whatever the row count. ``_size``, ``_next``, ``_facet`` and
``_extra`` are accepted (so a page URL can be turned into an export URL) but not applied.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from urllib.parse import quote

import duckdb
import pyarrow as pa

from kaifang.datastore.access import DataAccess
from kaifang.datastore.columns import ColumnInfo, unknown_column
from kaifang.datastore.compiler import order_by, select_list
from kaifang.datastore.filters import Pairs
from kaifang.datastore.query import CursorSource, compile_query, fulltext_parts
from kaifang.datastore.render_geo import render_geojson
from kaifang.datastore.render_text import (
    render_csv,
    render_json,
    render_ndjson,
    render_parquet,
    render_xml,
)
from kaifang.datastore.render_xlsx import render_xlsx
from kaifang.datastore.rendering import ExportTable, GeoSpec
from kaifang.errors import BadRequest

DEFAULT_BATCH_ROWS = 16_384
BatchTransform = Callable[
    [pa.RecordBatch], pa.RecordBatch
]  # ~5 MB of rows: flat memory, kernels still amortised


@dataclass(frozen=True)
class Exporter:
    """One download format: how to render it and how to label it over HTTP."""

    name: str
    media_type: str
    extension: str
    render: Callable[[ExportTable], Iterator[bytes]]
    needs_geo: bool = False


EXPORT_FORMATS: dict[str, Exporter] = {
    e.name: e
    for e in (
        Exporter("csv", "text/csv; charset=utf-8", "csv", render_csv),
        Exporter(
            "csv-bom", "text/csv; charset=utf-8", "csv", partial(render_csv, encoding="utf-8-sig")
        ),
        Exporter(
            "csv-gb18030",
            "text/csv; charset=gb18030",
            "csv",
            partial(render_csv, encoding="gb18030"),
        ),
        Exporter(
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
            render_xlsx,
        ),
        Exporter("json", "application/json", "json", render_json),
        Exporter("ndjson", "application/x-ndjson", "ndjson", render_ndjson),
        Exporter("xml", "application/xml; charset=utf-8", "xml", render_xml),
        Exporter("parquet", "application/vnd.apache.parquet", "parquet", render_parquet),
        Exporter("geojson", "application/geo+json", "geojson", render_geojson, needs_geo=True),
    )
}


def get_exporter(fmt: str) -> Exporter:
    """The registered exporter for ``fmt`` or BadRequest."""
    exporter = EXPORT_FORMATS.get(fmt)
    if exporter is None:
        raise BadRequest(f"unknown export format: {fmt[:32]}", details={"format": fmt[:32]})
    return exporter


def _geo_columns(geo: GeoSpec | None, visible: Mapping[str, ColumnInfo]) -> list[str]:
    if geo is None or not (geo.geometry or (geo.lat and geo.lng)):
        raise BadRequest("this table has no coordinates or geometry for GeoJSON")
    for name in geo.columns():
        if name not in visible:
            raise unknown_column(name)
    return geo.columns()


def stream_export(
    source: CursorSource,
    *,
    columns: Sequence[ColumnInfo],
    params: Pairs | Mapping[str, str] | str,
    access: DataAccess,
    fmt: str,
    geo: GeoSpec | None = None,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    ignore: Collection[str] = (),
    limit: int | None = None,
    mark: BatchTransform | None = None,
) -> Iterator[bytes]:
    """Validate the request now (BadRequest before any byte is sent) and return the stream.

    ``limit`` caps the rows (the preview map); downloads pass None and have no cap.

    Rows come in table order unless ``_sort``/``_sort_desc`` is given; hidden columns are
    absent, the row filter applies and masked values are masked, as in :func:`run_query`.
    ``mark`` (e.g. a recipient's fingerprint) is applied to every batch after masking.
    """
    exporter = get_exporter(fmt)
    q = compile_query(columns, params, access, ignore=ignore, fulltext=fulltext_parts(source))
    fetch = list(q.output)
    if exporter.needs_geo:
        fetch += [c for c in _geo_columns(geo, q.columns) if c not in fetch]
    if not fetch:
        raise BadRequest("no columns selected")
    # Without _sort the scan keeps insertion (= _rowid) order, which avoids a full sort.
    ordering = order_by(q.spec.sort) if q.spec.sort else ""
    sql = f"SELECT {select_list(fetch)} FROM data WHERE {q.where.sql} {ordering}"
    if limit is not None:
        sql += f" LIMIT {max(int(limit), 0)}"
    return _stream(source, sql, q.where.params, access, exporter, q.output, geo, batch_rows, mark)


def _stream(
    source: CursorSource,
    sql: str,
    params: list[object],
    access: DataAccess,
    exporter: Exporter,
    properties: list[str],
    geo: GeoSpec | None,
    batch_rows: int,
    mark: BatchTransform | None,
) -> Iterator[bytes]:
    with source.cursor() as cur:
        reader = cur.sql(sql, params=params).to_arrow_reader(batch_rows)
        schema = access.mask_table(pa.RecordBatch.from_pylist([], schema=reader.schema)).schema
        table = ExportTable(schema, _masked(reader, access, mark), properties, geo)
        yield from exporter.render(table)


def _masked(
    reader: pa.RecordBatchReader, access: DataAccess, mark: BatchTransform | None
) -> Iterator[pa.RecordBatch]:
    try:
        for batch in reader:
            masked = access.mask_table(batch)
            yield mark(masked) if mark is not None else masked
    except (OSError, duckdb.Error) as exc:
        raise BadRequest("the export was interrupted") from exc


_UNSAFE_FILENAME = re.compile(r'[\\/:*?"<>|;,\x00-\x1f\x7f]')
_ATTR_CHAR_SAFE = "!#$&+-.^_`|~"


def _clean_stem(stem: str) -> str:
    text = "".join(ch for ch in stem if unicodedata.category(ch)[0] != "C")
    text = _UNSAFE_FILENAME.sub("_", text)
    text = re.sub(r"\s+", " ", text).strip(" ._")
    return text[:120] or "download"


def content_disposition(filename_stem: str, ext: str, *, inline: bool = False) -> str:
    """A safe Content-Disposition value with an ASCII fallback and an RFC 5987 UTF-8 name.

    Path separators, quotes, control characters (CR/LF included) and other characters
    that are unsafe in file names are replaced; leading dots are dropped.
    """
    stem = _clean_stem(filename_stem)
    suffix = re.sub(r"[^A-Za-z0-9]", "", ext)[:16] or "bin"
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    ascii_stem = re.sub(r"[^A-Za-z0-9._()\- ]", "_", ascii_stem).strip(" ._")
    if not ascii_stem.strip("_"):
        ascii_stem = "download"
    encoded = quote(f"{stem}.{suffix}", safe=_ATTR_CHAR_SAFE)
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_stem}.{suffix}\"; filename*=UTF-8''{encoded}"
