"""Reading an uploaded catalogue: XLSX/XLS/ODS through calamine, CSV in UTF-8 or GB18030."""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from charset_normalizer import from_bytes
from python_calamine import CalamineError, CalamineWorkbook

from kaifang.catalog.bulk.columns import DATASETS_SHEET, ITEMS_SHEET, detect_header
from kaifang.errors import InvalidInput, TooLarge

MAX_IMPORT_BYTES = 64 * 1024 * 1024
# A workbook is a zip; refuse one that would unpack to more than this (a zip bomb).
MAX_UNPACKED_BYTES = 1024 * 1024 * 1024
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
DATASET_SHEET_NAMES = {DATASETS_SHEET, "数据集目录", "开放目录", "目录", "datasets", "dataset"}
ITEM_SHEET_NAMES = {ITEMS_SHEET, "数据项目录", "信息项", "items", "data items", "fields"}

Rows = Sequence[Sequence[object]]


@dataclass(frozen=True)
class Upload:
    """The sheets found in an upload; ``items`` is None for CSV or a workbook without one."""

    datasets_name: str
    datasets: Rows
    items_name: str
    items: Rows | None
    kind: str = "workbook"
    encoding: str = ""


def read_upload(data: bytes, filename: str) -> Upload:
    """Sheets of an XLSX/XLS/ODS workbook or a CSV; InvalidInput naming what is wrong."""
    if len(data) > MAX_IMPORT_BYTES:
        raise TooLarge(
            f"文件超过 {MAX_IMPORT_BYTES // 2**20} MB (file larger than {MAX_IMPORT_BYTES // 2**20} MB)"
        )
    if not data.strip():
        raise InvalidInput("文件为空 (the file is empty)", details={"file": filename})
    if data.startswith((ZIP_MAGIC, OLE_MAGIC)):
        return _read_workbook(data, filename)
    if PurePosixPath(filename.lower()).suffix in WORKBOOK_SUFFIXES:
        raise InvalidInput(
            f"「{filename}」扩展名是 Excel，但内容不是 Excel 工作簿"
            " (the file is named as a workbook but its content is not one)",
            details={"file": filename},
        )
    text, encoding = decode_text(data, filename)
    return Upload(DATASETS_SHEET, _csv_rows(text), ITEMS_SHEET, None, "csv", encoding)


def _damaged(filename: str, reason: str) -> InvalidInput:
    return InvalidInput(
        f"无法读取工作簿「{filename}」，文件可能已损坏或加密 (cannot read the workbook: damaged"
        f" or encrypted? {reason})",
        details={"file": filename},
    )


def _check_unpacked_size(data: bytes, filename: str) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise _damaged(filename, "BadZipFile") from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise TooLarge(
            f"工作簿解压后超过 {MAX_UNPACKED_BYTES // 2**20} MB"
            f" (the workbook unpacks to more than {MAX_UNPACKED_BYTES // 2**20} MB)"
        )


def _read_workbook(data: bytes, filename: str) -> Upload:
    if data.startswith(ZIP_MAGIC):
        _check_unpacked_size(data, filename)
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = {name: list(book.get_sheet_by_name(name).iter_rows()) for name in book.sheet_names}
    except (CalamineError, ValueError, OSError) as exc:
        raise _damaged(filename, type(exc).__name__) from None
    datasets_name = _pick_sheet(sheets, DATASET_SHEET_NAMES, "datasets")
    items_name = _pick_sheet(sheets, ITEM_SHEET_NAMES, "items")
    if datasets_name is None:
        # Let the header check produce the precise "wrong template" message for the first sheet.
        datasets_name = next(iter(sheets), DATASETS_SHEET)
    items = sheets[items_name] if items_name and items_name != datasets_name else None
    return Upload(datasets_name, sheets.get(datasets_name, []), items_name or ITEMS_SHEET, items)


def _pick_sheet(sheets: Mapping[str, Rows], names: set[str], kind: str) -> str | None:
    """A sheet named for ``kind``, else the first whose header looks like one."""
    for name in sheets:
        if name.strip().lower() in names:
            return name
    for name, rows in sheets.items():
        if detect_header(rows, kind=kind) is not None:
            return name
    return None


def decode_text(data: bytes, filename: str) -> tuple[str, str]:
    """Text and encoding: a BOM decides, else strict UTF-8, else strict GB18030."""
    if b"\x00" in data[:4096] and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InvalidInput(
            f"「{filename}」含有空字节，不是 UTF-8 或 GB18030 文本（可能是无 BOM 的 UTF-16 或二进制文件），"
            "请在 Excel 中另存为“CSV UTF-8”"
            " (the file contains NUL bytes: binary or UTF-16 without a BOM; save it as 'CSV UTF-8')",
            details={"file": filename},
        )
    if data.startswith(codecs.BOM_UTF8):
        return _strict(data[len(codecs.BOM_UTF8) :], "utf-8", filename), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _strict(data, "utf-16", filename), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as utf8_error:
        try:
            return data.decode("gb18030"), "gb18030"
        except UnicodeDecodeError:
            raise _undecodable(data, filename, utf8_error.start) from None


def _strict(data: bytes, encoding: str, filename: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            f"「{filename}」声明为 {encoding} 编码，但第 {exc.start} 字节无法解码"
            f" (the file declares {encoding} but byte {exc.start} does not decode)",
            details={"file": filename, "encoding": encoding, "byte": exc.start},
        ) from None


def _undecodable(data: bytes, filename: str, position: int) -> InvalidInput:
    best = from_bytes(data[:65536]).best()
    guess = best.encoding if best is not None else "unknown"
    return InvalidInput(
        f"「{filename}」既不是 UTF-8 也不是 GB18030 编码（第 {position} 字节起无法解码，疑似 {guess}），"
        "请在 Excel 中另存为“CSV UTF-8”"
        f" (the file is neither UTF-8 nor GB18030: byte {position} does not decode, it looks like"
        f" {guess}; save it as 'CSV UTF-8')",
        details={"file": filename, "byte": position, "guess": guess},
    )


def _csv_rows(text: str) -> Rows:
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max(",\t;", key=first_line.count) if first_line else ","
    # One CSV record is one spreadsheet row, even when a quoted cell spans several lines.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return [list(record) for record in reader]
    except csv.Error as exc:
        raise InvalidInput(
            f"CSV 第{reader.line_num}行格式错误 (malformed CSV at line {reader.line_num}: {exc})"
        ) from None
