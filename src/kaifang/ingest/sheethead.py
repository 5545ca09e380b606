"""The top of an XLSX workbook as a small workbook of its own: every sheet's first rows.

The sandboxed child (``sheetparse``) opens this with python-calamine to list the sheets, find
the header and read the rows around it exactly as calamine reads the whole workbook, in a few
milliseconds instead of a full parse, while fastexcel reads the rest of the chosen sheet. Each
worksheet part is cut after its first ``rows`` row elements and closed; the shared-strings table
keeps only the entries those rows can use; the workbook, its relationships and styles are
copied. Anything unexpected (no rows found within ``MAX_HEAD_BYTES``, a large part to copy, a
package that is not a plain XLSX) gives None, and the child parses the whole workbook instead.
"""

from __future__ import annotations

import io
import logging
import posixpath
import re
import zipfile
from pathlib import Path
from typing import IO

import defusedxml.ElementTree as DET

log = logging.getLogger(__name__)

MAX_HEAD_BYTES = 8 * 1024 * 1024  # of one sheet's XML read to find its first rows
MAX_COPIED_BYTES = 4 * 1024 * 1024  # of any other part copied whole
_BLOCK = 64 * 1024
_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_OFFICE_DOCUMENT = "/officeDocument"
_PREFIX = rb"(?:[A-Za-z_][\w.-]*:)?"
_ROW_END = re.compile(rb"</(" + _PREFIX + rb")row>|<(" + _PREFIX + rb")row\b[^>]*/>")
_SHEET_DATA = re.compile(rb"<(" + _PREFIX + rb")sheetData\b")
_SHARED_CELL = re.compile(
    rb"<" + _PREFIX + rb"c\b[^>]*\bt\s*=\s*[\"']s[\"'][^>]*>\s*<" + _PREFIX + rb"v>\s*(\d+)\s*<"
)
_STRING_END = re.compile(rb"</(" + _PREFIX + rb")si>")
_STRINGS_OPEN = re.compile(rb"<(" + _PREFIX + rb")sst\b[^>]*>")


class _NotPlain(Exception):
    """The package is not one this shortcut handles; the whole workbook is parsed instead."""


def head_workbook(path: Path, rows: int) -> bytes | None:
    """An XLSX package holding the first ``rows`` row elements of every worksheet, or None."""
    try:
        with zipfile.ZipFile(path) as package:
            return _build(package, rows)
    except Exception:  # zip, zlib and XML errors alike: the full parse decides what is wrong
        log.debug("no head workbook; the whole workbook is parsed", exc_info=True)
    return None


def _build(package: zipfile.ZipFile, rows: int) -> bytes:
    names = set(package.namelist())
    workbook = _office_document(package)
    workbook_rels = _rels_path(workbook)
    parts: dict[str, bytes] = {}
    shared, needed = None, 0
    for kind, target in _relationships(package, workbook_rels):
        part = _part_name(workbook, target)
        if part not in names:
            continue
        if kind.endswith("/sharedStrings"):
            shared = part
        elif kind.endswith(("/worksheet", "/macrosheet", "/dialogsheet")):
            parts[part] = _sheet_head(package, part, rows)
            needed = max(needed, _strings_used(parts[part]))
        elif kind.endswith("/styles"):
            parts[part] = _copied(package, part)
    if shared is not None:
        parts[shared] = _strings_head(package, shared, needed)
    for part in ("[Content_Types].xml", "_rels/.rels", workbook, workbook_rels):
        parts[part] = _copied(package, part)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as small:
        for part, data in parts.items():
            small.writestr(part, data)
    return out.getvalue()


def _office_document(package: zipfile.ZipFile) -> str:
    for kind, target in _relationships(package, "_rels/.rels"):
        if kind.endswith(_OFFICE_DOCUMENT):
            return posixpath.normpath(target.lstrip("/"))
    raise _NotPlain("no office document")


def _part_name(source: str, target: str) -> str:
    """A relationship's target as a package part name (targets may be absolute: "/xl/...")."""
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))


def _rels_path(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{name}.rels")


def _relationships(package: zipfile.ZipFile, part: str) -> list[tuple[str, str]]:
    root = DET.fromstring(_copied(package, part))
    return [
        (str(rel.get("Type", "")), str(rel.get("Target", "")))
        for rel in root.iter(_RELS)
        if rel.get("TargetMode") != "External"
    ]


def _copied(package: zipfile.ZipFile, part: str) -> bytes:
    if package.getinfo(part).file_size > MAX_COPIED_BYTES:
        raise _NotPlain(f"{part} is large")
    return package.read(part)


def _sheet_head(package: zipfile.ZipFile, part: str, rows: int) -> bytes:
    """The sheet's XML up to the end of its ``rows``-th row element, closed again."""
    with package.open(part) as stream:
        found = _read_until(stream, _ROW_END, rows)
    if found is None:
        with package.open(part) as stream:
            return stream.read()  # the whole sheet is that small: kept as it is
    data, end = found
    opening = _SHEET_DATA.search(data)
    if opening is None or opening.start() > end:
        raise _NotPlain("rows outside sheetData")
    tag = opening.group(1)
    return bytes(data[:end]) + b"</" + tag + b"sheetData></" + tag + b"worksheet>"


def _strings_used(sheet: bytes) -> int:
    """How many shared strings the sheet's XML can refer to (one past the largest index)."""
    return max((int(m.group(1)) + 1 for m in _SHARED_CELL.finditer(sheet)), default=0)


def _strings_head(package: zipfile.ZipFile, part: str, count: int) -> bytes:
    """The shared-strings table cut after its ``count``-th entry, closed again."""
    with package.open(part) as stream:
        found = _read_until(stream, _STRINGS_OPEN if count == 0 else _STRING_END, max(count, 1))
    if found is None:
        with package.open(part) as stream:
            return stream.read()
    data, end = found
    if count == 0 and data[:end].endswith(b"/>"):
        return bytes(data[:end])  # an empty table
    tag = _STRINGS_OPEN.search(data)
    if tag is None:
        raise _NotPlain("no shared-strings table")
    return bytes(data[:end]) + b"</" + tag.group(1) + b"sst>"


def _read_until(
    stream: IO[bytes], pattern: re.Pattern[bytes], count: int
) -> tuple[bytearray, int] | None:
    """Read until ``pattern`` has matched ``count`` times: the bytes read and the last match's
    end; None if the stream ends first (it is small), and refused past ``MAX_HEAD_BYTES``."""
    data = bytearray()
    seen, position = 0, 0
    while True:
        block = stream.read(_BLOCK)
        if not block:
            return None
        data += block
        for match in pattern.finditer(data, position):
            seen, position = seen + 1, match.end()
            if seen == count:
                return data, position
        if len(data) > MAX_HEAD_BYTES:
            raise _NotPlain("the first rows are not within the first bytes")
