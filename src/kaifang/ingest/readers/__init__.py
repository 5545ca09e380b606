"""Readers, one module per format, behind one entry point: ``open_source``.

A plain ZIP upload may wrap exactly one data file (or the one named by ``options.sheet``);
archives inside it are refused (nesting depth 1). Shapefile ZIPs and spreadsheet packages are
formats of their own.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from kaifang.ingest.archives import extract_member, inspect_zip, open_zip, refuse_nested
from kaifang.ingest.encodings import detect_encoding
from kaifang.ingest.options import IngestOptions
from kaifang.ingest.problems import invalid
from kaifang.ingest.readers.base import TableSource
from kaifang.ingest.readers.delimited import open_delimited
from kaifang.ingest.readers.jsonfile import open_geojson, open_json
from kaifang.ingest.readers.parquet import open_parquet
from kaifang.ingest.readers.shapefile import open_shapefile
from kaifang.ingest.readers.spreadsheet import SheetInfo, list_sheets, open_spreadsheet
from kaifang.ingest.readers.xmlfile import open_xml
from kaifang.ingest.sniff import Sniffed, sniff_format

__all__ = ["SheetInfo", "TableSource", "list_sheets", "open_source", "sheets_of", "unwrap_zip"]

TEXT_FORMATS = ("csv", "tsv", "json", "ndjson", "geojson", "xml")
SPREADSHEETS = ("xlsx", "xlsb", "xls", "ods")


def open_source(path: Path, fmt: str, *, options: IngestOptions, work_dir: Path) -> TableSource:
    """Open ``path`` (already sniffed as ``fmt``) as a TableSource; raises InvalidInput."""
    if fmt in SPREADSHEETS:
        return open_spreadsheet(path, fmt=fmt, options=options, work_dir=work_dir)
    if fmt == "shapefile":
        return open_shapefile(path, options=options)
    if fmt == "parquet":
        return open_parquet(path, options=options)
    if fmt not in TEXT_FORMATS:
        raise invalid(f"不支持的格式“{fmt}”", f"unsupported format {fmt!r}")
    guess = detect_encoding(path, declared=options.encoding)
    if fmt in ("csv", "tsv"):
        return open_delimited(path, fmt=fmt, guess=guess, options=options, work_dir=work_dir)
    if fmt == "geojson":
        return open_geojson(path, guess=guess, options=options)
    if fmt == "xml":
        return open_xml(path, guess=guess, options=options)
    return open_json(path, fmt=fmt, guess=guess, options=options)


def unwrap_zip(path: Path, *, options: IngestOptions, work_dir: Path) -> tuple[Path, Sniffed, str]:
    """Extract the one data file of a plain ZIP; returns its path, format and member name."""
    with open_zip(path) as zf:
        members = [m for m in inspect_zip(zf, options.archive) if not m.is_junk]
        refuse_nested(members, options.archive)
        if not members:
            raise invalid("压缩包中没有数据文件", "the archive holds no data file")
        if isinstance(options.sheet, str):
            chosen = [
                m
                for m in members
                if m.name == options.sheet or PurePosixPath(m.name).name == options.sheet
            ]
        else:
            chosen = members if len(members) == 1 else []
        if len(chosen) != 1:
            listing = "、".join(m.name for m in members[:20])
            raise invalid(
                f"压缩包中有 {len(members)} 个文件（{listing}），请指定要导入的文件",
                f"the archive holds {len(members)} files ({listing}); choose one to import",
                members=[m.name for m in members],
            )
        member = chosen[0]
        inner = extract_member(zf, member, work_dir / f"inner{member.suffix or '.dat'}")
    sniffed = sniff_format(inner, member.name)
    if sniffed.format in ("zip", "shapefile"):
        raise invalid(
            f"压缩包中包含嵌套压缩包“{member.name}”，请解压后上传",
            f"nested archive {member.name!r} refused",
        )
    return inner, sniffed, member.name


def sheets_of(
    path: Path, fmt: str, *, options: IngestOptions, work_dir: Path
) -> list[dict[str, object]]:
    """Sheets (spreadsheets), layers (shapefiles) or members (ZIP) an officer can choose from."""
    if fmt in SPREADSHEETS:
        return [s.to_dict() for s in list_sheets(path, fmt=fmt, options=options, work_dir=work_dir)]
    if fmt in ("shapefile", "zip"):
        with open_zip(path) as zf:
            members = [m for m in inspect_zip(zf, options.archive) if not m.is_junk]
        if fmt == "zip":
            listed = [m.name for m in members]
        else:
            listed = sorted(PurePosixPath(m.name).stem for m in members if m.suffix == ".shp")
        return [{"index": i, "name": n, "visible": True, "kind": fmt} for i, n in enumerate(listed)]
    return []
