"""Zipped ESRI shapefiles, read by a small pure-Python reader (no GDAL, no pyshp).

Supported: points, multipoints, polylines and polygons, including their Z and M variants
(read as 2D); ``.dbf`` attributes (C, N, F, L, D fields); ``.prj`` for the coordinate system;
``.cpg`` (often GBK in China) or the DBF language driver for the text encoding, else the
encoding ladder. A ZIP holding several layers exposes them like sheets (``options.sheet``).
Every count and length read from the files is checked against the bytes actually present.
"""

from __future__ import annotations

import struct
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

import pyarrow as pa

from kaifang.ingest.archives import ZipMember, inspect_zip, open_zip, refuse_nested, verify_members
from kaifang.ingest.encodings import classify_bytes, normalize_encoding
from kaifang.ingest.geo import GeometryStats, crs_from_text, geometry_text
from kaifang.ingest.headers import check_width
from kaifang.ingest.options import IngestOptions
from kaifang.ingest.problems import invalid
from kaifang.ingest.readers.base import RecordBatcher, TableSource
from kaifang.ingest.readers.shapes import read_shape

GEOMETRY_COLUMN = "geometry"
_LDID = {0x4D: "gb18030", 0x7A: "gb18030", 0x78: "big5hkscs", 0x4F: "big5hkscs", 0x57: None}
_PRJ_LIMIT = 64 * 1024


@dataclass
class Layer:
    """The members of one shapefile layer inside the ZIP."""

    name: str
    parts: dict[str, ZipMember] = field(default_factory=dict)


@dataclass(frozen=True)
class DBFField:
    name: bytes
    kind: str
    length: int


def _layers(members: list[ZipMember]) -> list[Layer]:
    layers: dict[str, Layer] = {}
    for member in members:
        if member.is_junk:
            continue
        stem = str(PurePosixPath(member.name).with_suffix(""))
        layers.setdefault(stem.lower(), Layer(PurePosixPath(stem).name)).parts[member.suffix] = (
            member
        )
    return sorted((x for x in layers.values() if ".shp" in x.parts), key=lambda x: x.name)


def _choose(layers: list[Layer], wanted: str | int | None) -> Layer:
    if not layers:
        raise invalid("压缩包中没有 .shp 文件", "the archive holds no .shp file")
    if isinstance(wanted, int) and 0 <= wanted < len(layers):
        return layers[wanted]
    if isinstance(wanted, str):
        for layer in layers:
            if layer.name == wanted:
                return layer
    if wanted is not None:
        raise invalid(f"找不到图层“{str(wanted)[:60]}”", f"no layer {str(wanted)[:60]!r}")
    return layers[0]


def open_shapefile(path: Path, *, options: IngestOptions) -> TableSource:
    """The chosen layer of a zipped shapefile as rows of attributes plus a geometry column."""
    zf = open_zip(path)
    members = inspect_zip(zf, options.archive, label="Shapefile")
    refuse_nested(members, options.archive)
    layers = _layers(members)
    layer = _choose(layers, options.sheet)
    if ".dbf" not in layer.parts:
        raise invalid(
            f"图层“{layer.name}”缺少 .dbf 属性文件", f"layer {layer.name!r} has no .dbf file"
        )
    verify_members(zf, list(layer.parts.values()), label="Shapefile")
    prj = _small_text(zf, layer.parts.get(".prj"))
    fields, header = _dbf_header(zf, layer.parts[".dbf"], options)
    encoding = _encoding(zf, layer, header)
    names = [f.name.decode(encoding, errors="replace") for f in fields] + [GEOMETRY_COLUMN]
    stats = GeometryStats(column=GEOMETRY_COLUMN, format=options.geometry_format)
    source = TableSource(
        "shapefile", names, first_row=1, sheet=layer.name, sheets=[x.name for x in layers]
    )
    source.encoding = encoding.upper()
    source.geo = {"geometry": stats, "prj": prj}
    if prj:
        guess = crs_from_text(prj, "prj")
        source.geo["crs"] = guess.to_dict() if guess else None
        source.geo["projected"] = "PROJCS[" in prj.upper()
    source.batches = _batches(zf, layer, fields, header, encoding, stats, options, source)
    return source


def _small_text(zf: zipfile.ZipFile, member: ZipMember | None) -> str | None:
    if member is None or member.size > _PRJ_LIMIT:
        return None
    return zf.read(member.info).decode("latin-1").strip()


def _dbf_header(
    zf: zipfile.ZipFile, member: ZipMember, options: IngestOptions
) -> tuple[list[DBFField], dict[str, int]]:
    with zf.open(member.info) as stream:
        head = stream.read(32)
        if len(head) < 32:
            raise _bad_dbf()
        count, header_len, record_len = struct.unpack("<IHH", head[4:12])
        raw = stream.read(max(header_len - 32, 0))
    fields: list[DBFField] = []
    for offset in range(0, len(raw) - 31, 32):
        if raw[offset] == 0x0D:
            break
        desc = raw[offset : offset + 32]
        fields.append(DBFField(desc[:11].split(b"\x00")[0], chr(desc[11]), desc[16]))
        check_width(len(fields) + 1, options.max_columns)
    if (
        1 + sum(f.length for f in fields) != record_len
        or header_len + count * record_len > member.size + 1
    ):
        raise _bad_dbf()
    return fields, {
        "count": count,
        "header_len": header_len,
        "record_len": record_len,
        "ldid": head[29],
    }


def _bad_dbf() -> Exception:
    return invalid(".dbf 属性文件已损坏", "the .dbf attribute file is corrupt")


def _encoding(zf: zipfile.ZipFile, layer: Layer, header: dict[str, int]) -> str:
    cpg = _small_text(zf, layer.parts.get(".cpg"))
    if cpg:
        return normalize_encoding(cpg.split()[0])
    declared = _LDID.get(header["ldid"])
    if declared:
        return declared
    with zf.open(layer.parts[".dbf"].info) as stream:
        stream.read(header["header_len"])
        sample = stream.read(256 * 1024)
    return classify_bytes(sample).encoding


def _batches(
    zf: zipfile.ZipFile,
    layer: Layer,
    fields: list[DBFField],
    header: dict[str, int],
    encoding: str,
    stats: GeometryStats,
    options: IngestOptions,
    source: TableSource,
) -> Iterator[pa.RecordBatch]:
    batcher = RecordBatcher(source.names, max_columns=options.max_columns)
    try:
        with zf.open(layer.parts[".shp"].info) as shp, zf.open(layer.parts[".dbf"].info) as dbf:
            dbf.read(header["header_len"])
            shapes = _shapes(shp)
            for number in range(1, header["count"] + 1):
                record = dbf.read(header["record_len"])
                geometry = next(shapes, None)
                if len(record) < header["record_len"]:
                    raise _bad_dbf()
                if record[:1] == b"*":
                    source.skipped_rows.append(number)
                    continue
                row = _attributes(record, fields, encoding, number)
                stats.update(geometry)
                row[GEOMETRY_COLUMN] = geometry_text(geometry, options.geometry_format)
                batch = batcher.add(row)
                if batch is not None:
                    yield batch
        tail = batcher.flush()
        if tail is not None:
            yield tail
    finally:
        zf.close()


def _shapes(shp: IO[bytes]) -> Iterator[dict[str, Any] | None]:
    head = shp.read(100)
    if len(head) < 100 or struct.unpack(">i", head[:4])[0] != 9994:
        raise invalid(".shp 文件头无效", "the .shp header is invalid")
    number = 0
    while True:
        record_head = shp.read(8)
        if len(record_head) < 8:
            return
        number += 1
        words = struct.unpack(">ii", record_head)[1]
        content = shp.read(words * 2)
        if words < 2 or len(content) < words * 2:
            raise invalid(f".shp 第 {number} 条记录已损坏", f".shp record {number} is corrupt")
        yield read_shape(content, number)


def _attributes(
    record: bytes, fields: list[DBFField], encoding: str, number: int
) -> dict[str, str | None]:
    row: dict[str, str | None] = {}
    offset = 1
    for item in fields:
        raw = record[offset : offset + item.length].strip(b" \x00")
        offset += item.length
        name = item.name.decode(encoding, errors="replace")
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            raise invalid(
                f".dbf 第 {number} 条记录的“{name}”字段不是 {encoding} 编码",
                f".dbf record {number}, field {name!r} is not {encoding}",
            ) from None
        row[name] = _dbf_value(item.kind, text)
    return row


def _dbf_value(kind: str, text: str) -> str | None:
    if not text or set(text) <= {"*", "?"}:
        return None
    if kind == "L":
        return "true" if text[0] in "TtYy" else "false" if text[0] in "FfNn" else None
    if kind == "D" and len(text) == 8 and text.isdigit() and text != "00000000":
        return f"{text[:4]}-{text[4:6]}-{text[6:]}"
    return text
