"""XLSX, XLSM, XLSB, XLS and ODS through python-calamine (Rust), after the package guard.

Sheets can be listed and chosen by name or 0-based index; the default is the first visible
worksheet holding data. Title rows above the header are skipped (``headers.detect_header_row``),
completely empty rows are dropped (their row numbers are kept for reports), formulas are never
evaluated (calamine returns cached values), and numbers are converted column by column with
PyArrow. Numeric cells beyond 15 significant digits raise a warning: Excel has already lost the
digits of IDs typed in as numbers.
"""

from __future__ import annotations

import functools
import itertools
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import python_calamine as calamine

from kaifang.ingest.headers import HEADER_SCAN_ROWS, check_width, detect_header_row
from kaifang.ingest.options import IngestOptions
from kaifang.ingest.prefetch import read_ahead
from kaifang.ingest.problems import invalid, too_large
from kaifang.ingest.readers.base import (
    BATCH_ROWS,
    TableSource,
    column_id,
    link_with_suffix,
    typed_to_text,
)
from kaifang.ingest.readers.package_guard import SANDBOXED, guard_package, probe_in_sandbox

log = logging.getLogger(__name__)

_SUFFIX = {"xlsx": ".xlsx", "xlsb": ".xlsb", "xls": ".xls", "ods": ".ods"}
_PRECISE_LIMIT = 1e15


@dataclass(frozen=True)
class SheetInfo:
    """A sheet as shown to officers choosing what to import."""

    index: int
    name: str
    visible: bool
    kind: str

    def to_dict(self) -> dict[str, object]:
        return {"index": self.index, "name": self.name, "visible": self.visible, "kind": self.kind}


def _open_workbook(
    path: Path, fmt: str, options: IngestOptions, work_dir: Path
) -> calamine.CalamineWorkbook:
    if fmt in ("xlsx", "xlsb", "ods"):
        guard_package(path, fmt, options)
    linked = link_with_suffix(path, work_dir, _SUFFIX.get(fmt, ".xlsx"))
    if fmt in SANDBOXED:
        probe_in_sandbox(linked)
    try:
        return calamine.CalamineWorkbook.from_path(str(linked))
    except calamine.PasswordError:
        raise invalid(
            "工作簿设置了密码，请取消密码后上传", "the workbook is password-protected"
        ) from None
    except (calamine.CalamineError, OSError, ValueError):
        log.info("calamine could not open a workbook", exc_info=True)
        raise invalid(
            "电子表格文件已损坏或格式不受支持，请用 Excel/WPS 另存为 .xlsx 后重试",
            "the spreadsheet is corrupt or unsupported; save it again as .xlsx",
        ) from None


def list_sheets(path: Path, *, fmt: str, options: IngestOptions, work_dir: Path) -> list[SheetInfo]:
    """Every sheet of a workbook with its visibility, for the officer's choice."""
    book = _open_workbook(path, fmt, options, work_dir)
    with book:
        return [_sheet_info(i, meta) for i, meta in enumerate(book.sheets_metadata)]


def _sheet_info(index: int, meta: calamine.SheetMetadata) -> SheetInfo:
    visible = meta.visible == calamine.SheetVisibleEnum.Visible
    kind = (
        "worksheet" if meta.typ == calamine.SheetTypeEnum.WorkSheet else str(meta.typ.name).lower()
    )
    return SheetInfo(index, meta.name, visible, kind)


def open_spreadsheet(
    path: Path, *, fmt: str, options: IngestOptions, work_dir: Path
) -> TableSource:
    """Open one sheet (``options.sheet`` or the first visible one with data) as a TableSource."""
    book = _open_workbook(path, fmt, options, work_dir)
    sheets = [_sheet_info(i, meta) for i, meta in enumerate(book.sheets_metadata)]
    sheet = _load_sheet(book, _choose_sheet(sheets, options.sheet))
    _check_size(sheet, options)
    rows = sheet.iter_rows()
    head = list(itertools.islice(rows, HEADER_SCAN_ROWS))
    header_index = detect_header_row(head) if options.header_row is None else options.header_row - 1
    if header_index >= len(head):
        raise invalid(
            f"表头行第 {header_index + 1} 行不存在", f"header row {header_index + 1} does not exist"
        )
    start_row = (sheet.start or (0, 0))[0]
    width = max((len(r) for r in head), default=0)
    names = [str(v) if v not in (None, "") else "" for v in head[header_index]] + [""] * (
        width - len(head[header_index])
    )
    check_width(len(names), options.max_columns)
    first_row = start_row + header_index + 2
    source = TableSource(
        fmt, names, first_row=first_row, sheet=sheet.name, sheets=[s.name for s in sheets]
    )
    data = itertools.chain(head[header_index + 1 :], rows)
    source.batches = read_ahead(_batches(data, len(names), first_row, source, book))
    return source


def _choose_sheet(sheets: list[SheetInfo], wanted: str | int | None) -> SheetInfo:
    if isinstance(wanted, int):
        if 0 <= wanted < len(sheets):
            return sheets[wanted]
        raise invalid(
            f"工作表序号 {wanted} 不存在（共 {len(sheets)} 个，从 0 开始）",
            f"there is no sheet at index {wanted} ({len(sheets)} sheets, counted from 0)",
        )
    if wanted is not None:
        for sheet in sheets:
            if sheet.name == wanted:
                return sheet
        if wanted.strip().isdigit():  # a form field gives an index as text
            return _choose_sheet(sheets, int(wanted))
        names = "、".join(s.name for s in sheets)
        raise invalid(
            f"找不到工作表“{wanted[:60]}”（现有：{names}）", f"no sheet named {wanted[:60]!r}"
        )
    for sheet in sheets:
        if sheet.visible and sheet.kind == "worksheet":
            return sheet
    if not sheets:
        raise invalid("工作簿中没有工作表", "the workbook has no sheets")
    return sheets[0]


def _load_sheet(book: calamine.CalamineWorkbook, info: SheetInfo) -> calamine.CalamineSheet:
    try:
        return book.get_sheet_by_name(info.name)
    except (calamine.CalamineError, ValueError):
        log.info("calamine could not read a sheet", exc_info=True)
        raise invalid(
            f"工作表“{info.name}”已损坏，无法读取",
            f"worksheet {info.name!r} is corrupt and cannot be read",
        ) from None


def _check_size(sheet: calamine.CalamineSheet, options: IngestOptions) -> None:
    check_width(sheet.width, options.max_columns)
    if sheet.height * max(sheet.width, 1) > options.max_cells or sheet.height > options.max_rows:
        raise too_large(
            f"工作表有 {sheet.height} 行 × {sheet.width} 列，超过 {options.max_cells} 个单元格上限",
            f"the sheet has {sheet.height} rows x {sheet.width} columns, above {options.max_cells} cells",
        )


def _batches(
    rows: Iterator[list[Any]],
    width: int,
    first_row: int,
    source: TableSource,
    book: calamine.CalamineWorkbook,
) -> Iterator[pa.RecordBatch]:
    flagged: set[int] = set()
    offset = first_row
    try:
        while chunk := list(itertools.islice(rows, BATCH_ROWS)):
            # map(len) runs in C: a per-row generator cost a quarter of a second per 100k rows.
            if set(map(len, chunk)) != {width}:
                chunk = [[*row[:width], *[None] * (width - len(row))] for row in chunk]
            batch = _drop_empty_rows(_to_batch(chunk, width, source, flagged), offset, source)
            offset += len(chunk)
            if batch.num_rows:
                yield batch
    finally:
        book.close()


def _drop_empty_rows(batch: pa.RecordBatch, offset: int, source: TableSource) -> pa.RecordBatch:
    """Rows with no value at all are formatting, not data: drop them, keep their numbers."""
    empty = functools.reduce(pc.and_, [pc.is_null(column) for column in batch.columns])
    if not pc.any(empty).as_py():
        return batch
    source.skipped_rows.extend(offset + i for i in pc.indices_nonzero(empty).to_pylist())
    return batch.filter(pc.invert(empty))


def _to_batch(
    rows: list[list[object]], width: int, source: TableSource, flagged: set[int]
) -> pa.RecordBatch:
    arrays = []
    for index, column in enumerate(zip(*rows, strict=True)):
        text, numbers = typed_to_text(column)
        if index not in flagged and _lost_precision(numbers):
            flagged.add(index)
            name = source.names[index] or f"第 {index + 1} 列"
            source.warnings.append(
                f"“{name}”列含有超过 15 位的数字单元格，Excel 已丢失其精度；身份证号等代码请设为文本格式"
                f"（column {name!r} holds numbers with more than 15 digits; Excel has already lost "
                "their precision; store identifiers as text）"
            )
        arrays.append(text)
    return pa.RecordBatch.from_arrays(arrays, names=[column_id(i) for i in range(width)])


def _lost_precision(numbers: pa.Array | None) -> bool:
    if numbers is None or not pa.types.is_floating(numbers.type):
        return False
    largest = pc.max(pc.abs(numbers)).as_py()
    return largest is not None and largest >= _PRECISE_LIMIT
