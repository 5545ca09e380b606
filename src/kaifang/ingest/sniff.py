"""Format detection by content first, the file name second.

Departments rename files freely (an ``.xls`` that is really XLSX, a ``.csv`` saved from a web
page), so magic bytes and package contents decide; the extension only separates look-alikes
(TSV from CSV, GeoJSON from JSON) and a mismatch is reported as a warning.
"""

from __future__ import annotations

import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from kaifang.ingest.archives import open_zip
from kaifang.ingest.problems import invalid

FORMATS = (
    "csv",
    "tsv",
    "xlsx",
    "xlsb",
    "xls",
    "ods",
    "json",
    "ndjson",
    "geojson",
    "xml",
    "shapefile",
    "parquet",
)
_EXTENSIONS = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".xlsb": "xlsb",
    ".xls": "xls",
    ".et": "xls",
    ".ods": "ods",
    ".json": "json",
    ".ndjson": "ndjson",
    ".jsonl": "ndjson",
    ".geojson": "geojson",
    ".xml": "xml",
    ".parquet": "parquet",
    ".zip": "zip",
}
_REFUSED_MAGIC = (
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bzip2"),
    (b"\xfd7zXZ", "xz"),
    (b"7z\xbc\xaf", "7z"),
    (b"Rar!", "RAR"),
    (b"%PDF", "PDF"),
    (b"\x89PNG", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF8", "GIF"),
)
_HTML = re.compile(rb"\s*(<!doctype\s+html|<html|<head|<body)", re.IGNORECASE)
_HEAD_BYTES = 64 * 1024


@dataclass(frozen=True)
class Sniffed:
    """The detected format and any warnings about the file name."""

    format: str
    warnings: list[str] = field(default_factory=list)


def extension_format(filename: str) -> str | None:
    return _EXTENSIONS.get(PurePosixPath(filename.lower()).suffix)


def sniff_format(path: Path, filename: str, *, forced: str | None = None) -> Sniffed:
    """The format of the file at ``path`` (its original name is ``filename``)."""
    if forced is not None:
        if forced not in FORMATS:
            raise invalid(f"不支持的格式“{forced[:20]}”", f"unsupported format {forced[:20]!r}")
        return Sniffed(forced)
    with path.open("rb") as raw:
        head = raw.read(_HEAD_BYTES)
    if not head.strip(b" \t\r\n\xef\xbb\xbf"):
        raise invalid("文件为空，没有任何数据", "the file is empty")
    by_name = extension_format(filename)
    detected = _by_content(path, head, by_name)
    warnings = []
    if _mismatch(by_name, detected):
        warnings.append(
            f"文件扩展名与内容不符，已按 {detected.upper()} 格式读取"
            f"（the file name suggests {by_name}, the content is {detected}）"
        )
    return Sniffed(detected, warnings)


def _mismatch(by_name: str | None, detected: str) -> bool:
    lenient = {"csv", "tsv", "json", "ndjson"}
    if by_name is None or by_name == detected or not {by_name, detected} - lenient:
        return False
    return not (by_name == "zip" and detected == "shapefile")


def _by_content(path: Path, head: bytes, by_name: str | None) -> str:
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_kind(path)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "xls"
    if head.startswith(b"PAR1"):
        return "parquet"
    for magic, label in _REFUSED_MAGIC:
        if head.startswith(magic):
            raise invalid(
                f"不支持 {label} 文件；请上传 CSV、Excel、JSON、XML、GeoJSON、Shapefile（ZIP）或 Parquet",
                f"{label} files are not supported; upload CSV, Excel, JSON, XML, GeoJSON, "
                "zipped Shapefile or Parquet",
            )
    return _text_kind(head, by_name)


def _zip_kind(path: Path) -> str:
    with open_zip(path) as zf:
        names = zf.namelist()
        if "[Content_Types].xml" in names:
            if "xl/workbook.bin" in names:
                return "xlsb"
            if any(n.startswith("xl/") for n in names):
                return "xlsx"
            raise invalid(
                "这是 Word/PowerPoint 文档，不是数据表",
                "this is an Office document, not a data table",
            )
        if "mimetype" in names:
            return _odf_kind(zf)
    if any(PurePosixPath(n).suffix.lower() == ".shp" for n in names):
        return "shapefile"
    return "zip"


def _odf_kind(zf: zipfile.ZipFile) -> str:
    info = zf.getinfo("mimetype")
    mimetype = zf.read(info).decode("ascii", "replace").strip() if info.file_size < 200 else ""
    if mimetype == "application/vnd.oasis.opendocument.spreadsheet":
        return "ods"
    raise invalid("这是 ODF 文档，不是电子表格", "this is an ODF document, not a spreadsheet")


def _text_kind(head: bytes, by_name: str | None) -> str:
    text = _ascii_view(head).lstrip()
    if text.startswith(("{", "[")):
        if by_name == "geojson" or re.search(
            r'"type"\s*:\s*"(FeatureCollection|Feature)"', text[:8192]
        ):
            return "geojson"
        return "ndjson" if by_name == "ndjson" or _looks_like_ndjson(text) else "json"
    if text.startswith("<"):
        if _HTML.match(head.lstrip(b"\xef\xbb\xbf")):
            raise invalid(
                "这是一个网页（HTML），不是数据文件；请检查下载地址",
                "this is an HTML page, not a data file",
            )
        return "xml"
    return "tsv" if by_name == "tsv" else "csv"


def _ascii_view(head: bytes) -> str:
    """A byte-transparent view of the head (structure characters are ASCII in every encoding)."""
    for bom, codec in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if head.startswith(bom):
            return head[2:].decode(codec, errors="replace")
    return head.removeprefix(b"\xef\xbb\xbf").decode("latin-1")


def _looks_like_ndjson(text: str) -> bool:
    lines = [line for line in text.splitlines()[:3] if line.strip()]
    if len(lines) < 2 or not lines[1].lstrip().startswith("{"):
        return False
    try:
        json.loads(lines[0])
    except ValueError:
        return False
    return True
