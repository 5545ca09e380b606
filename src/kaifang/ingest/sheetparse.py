"""One spreadsheet sheet through calamine into all-text Arrow batches; the sandboxed child's code.

``readers.spreadsheet`` runs ``main`` in a child process under an address-space limit and a
timeout (calamine is native code: an allocation bomb aborts its process, which no ``try`` can
catch), while the parent runs the package guard. The child imports only calamine, PyArrow and
the light modules below (``kaifang.ingest`` loads its heavy modules lazily), because its
start-up is on the upload's critical path.

Sheets can be chosen by name or 0-based index; the default is the first visible worksheet
holding data. Title rows above the header are skipped (``headers.detect_header_row``),
completely empty rows are dropped (their row numbers are kept for reports), formulas are never
evaluated (calamine returns cached values), and numbers are converted column by column with
PyArrow. Numeric cells beyond 15 significant digits raise a warning: Excel has already lost the
digits of IDs typed in as numbers.

Protocol (argv: request JSON path, outcome JSON path): the request names the workbook, the
mode (``list`` or ``read``) and the options. ``read`` writes an Arrow IPC stream to stdout:
the schema's metadata (``NOTES_KEY``) carries the header labels, first data row, sheet and
sheet names; each batch's custom metadata the row numbers of the empty rows dropped from its
chunk and new warnings (so nothing unbounded waits for the end). The outcome file says
``{"done": true}``, lists the sheets (``list``) or carries a refusal (``error``: code and
bilingual message) with exit status ``REFUSED``.
"""

from __future__ import annotations

import functools
import itertools
import json
import logging
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import pyarrow as pa
import pyarrow.compute as pc
import python_calamine as calamine

from kaifang.errors import DomainError
from kaifang.ingest.cells import BATCH_ROWS, column_id, typed_to_text
from kaifang.ingest.headers import HEADER_SCAN_ROWS, check_width, detect_header_row
from kaifang.ingest.problems import invalid, too_large

log = logging.getLogger(__name__)

NOTES_KEY = b"kaifang"
REFUSED = 3
OUT_OF_MEMORY = 4
FAILED = 5
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


@dataclass(frozen=True)
class SheetRequest:
    """The options that matter for reading one sheet (a JSON object on the wire)."""

    sheet: str | int | None
    header_row: int | None
    max_columns: int
    max_rows: int
    max_cells: int


@dataclass
class SheetRows:
    """A chosen sheet: its header and first data row, then batches with their notes."""

    names: list[str]
    first_row: int
    sheet: str
    sheets: list[str]
    batches: Iterator[tuple[pa.RecordBatch, list[int], list[str]]] = field(repr=False)


def open_workbook(path: Path) -> calamine.CalamineWorkbook:
    """Open a workbook with calamine, turning its failures into bilingual refusals."""
    try:
        return calamine.CalamineWorkbook.from_path(str(path))
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


def sheet_infos(book: calamine.CalamineWorkbook) -> list[SheetInfo]:
    """Every sheet of an open workbook with its visibility and kind."""
    return [_sheet_info(i, meta) for i, meta in enumerate(book.sheets_metadata)]


def _sheet_info(index: int, meta: calamine.SheetMetadata) -> SheetInfo:
    visible = meta.visible == calamine.SheetVisibleEnum.Visible
    kind = (
        "worksheet" if meta.typ == calamine.SheetTypeEnum.WorkSheet else str(meta.typ.name).lower()
    )
    return SheetInfo(index, meta.name, visible, kind)


def read_sheet(book: calamine.CalamineWorkbook, request: SheetRequest) -> SheetRows:
    """Choose, parse and check the sheet; its batches are built lazily and close ``book``."""
    sheets = sheet_infos(book)
    sheet = _load_sheet(book, choose_sheet(sheets, request.sheet))
    _check_size(sheet, request)
    rows = sheet.iter_rows()
    head = list(itertools.islice(rows, HEADER_SCAN_ROWS))
    header_index = detect_header_row(head) if request.header_row is None else request.header_row - 1
    if header_index >= len(head):
        raise invalid(
            f"表头行第 {header_index + 1} 行不存在", f"header row {header_index + 1} does not exist"
        )
    start_row = (sheet.start or (0, 0))[0]
    width = max((len(r) for r in head), default=0)
    names = [str(v) if v not in (None, "") else "" for v in head[header_index]] + [""] * (
        width - len(head[header_index])
    )
    check_width(len(names), request.max_columns)
    first_row = start_row + header_index + 2
    data = itertools.chain(head[header_index + 1 :], rows)
    return SheetRows(
        names,
        first_row,
        sheet.name,
        [s.name for s in sheets],
        _batches(data, names, first_row, book),
    )


def choose_sheet(sheets: list[SheetInfo], wanted: str | int | None) -> SheetInfo:
    """The sheet named or numbered ``wanted``, or the first visible worksheet."""
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
            return choose_sheet(sheets, int(wanted))
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


def _check_size(sheet: calamine.CalamineSheet, request: SheetRequest) -> None:
    check_width(sheet.width, request.max_columns)
    if sheet.height * max(sheet.width, 1) > request.max_cells or sheet.height > request.max_rows:
        raise too_large(
            f"工作表有 {sheet.height} 行 × {sheet.width} 列，超过 {request.max_cells} 个单元格上限",
            f"the sheet has {sheet.height} rows x {sheet.width} columns, above {request.max_cells} cells",
        )


def _batches(
    rows: Iterator[list[Any]], names: list[str], first_row: int, book: calamine.CalamineWorkbook
) -> Iterator[tuple[pa.RecordBatch, list[int], list[str]]]:
    """Batches of ``BATCH_ROWS`` source rows minus empty ones, with those rows' numbers."""
    width = len(names)
    flagged: set[int] = set()
    offset = first_row
    try:
        while chunk := list(itertools.islice(rows, BATCH_ROWS)):
            # map(len) runs in C: a per-row generator cost a quarter of a second per 100k rows.
            if set(map(len, chunk)) != {width}:
                chunk = [[*row[:width], *[None] * (width - len(row))] for row in chunk]
            batch, warnings = _to_batch(chunk, names, flagged)
            batch, skipped = _drop_empty_rows(batch, offset)
            offset += len(chunk)
            yield batch, skipped, warnings
    finally:
        book.close()


def _drop_empty_rows(batch: pa.RecordBatch, offset: int) -> tuple[pa.RecordBatch, list[int]]:
    """Rows with no value at all are formatting, not data: drop them, keep their numbers."""
    empty = functools.reduce(pc.and_, [pc.is_null(column) for column in batch.columns])
    if not pc.any(empty).as_py():
        return batch, []
    skipped = [offset + i for i in pc.indices_nonzero(empty).to_pylist()]
    return batch.filter(pc.invert(empty)), skipped


def _to_batch(
    rows: list[list[object]], names: list[str], flagged: set[int]
) -> tuple[pa.RecordBatch, list[str]]:
    arrays, warnings = [], []
    for index, column in enumerate(zip(*rows, strict=True)):
        text, numbers = typed_to_text(column)
        if index not in flagged and _lost_precision(numbers):
            flagged.add(index)
            name = names[index] or f"第 {index + 1} 列"
            warnings.append(
                f"“{name}”列含有超过 15 位的数字单元格，Excel 已丢失其精度；身份证号等代码请设为文本格式"
                f"（column {name!r} holds numbers with more than 15 digits; Excel has already lost "
                "their precision; store identifiers as text）"
            )
        arrays.append(text)
    batch = pa.RecordBatch.from_arrays(arrays, names=[column_id(i) for i in range(len(names))])
    return batch, warnings


def _lost_precision(numbers: pa.Array | None) -> bool:
    if numbers is None or not pa.types.is_floating(numbers.type):
        return False
    largest = pc.max(pc.abs(numbers)).as_py()
    return largest is not None and largest >= _PRECISE_LIMIT


def stream_sheet(rows: SheetRows, sink: BinaryIO) -> None:
    """Write the sheet as an Arrow IPC stream, notes in the schema's and batches' metadata."""
    notes = {"names": rows.names, "first_row": rows.first_row, "sheet": rows.sheet}
    notes["sheets"] = rows.sheets
    schema = pa.schema(
        [(column_id(i), pa.string()) for i in range(len(rows.names))],
        metadata={NOTES_KEY: json.dumps(notes, ensure_ascii=False)},
    )
    with pa.ipc.new_stream(sink, schema) as writer:
        for batch, skipped, warnings in rows.batches:
            meta = None
            if skipped or warnings:
                meta = {NOTES_KEY: json.dumps({"skipped": skipped, "warnings": warnings})}
            writer.write_batch(batch, custom_metadata=meta)


def main(argv: list[str]) -> int:
    """The child's entry point: argv is the request path and the outcome path."""
    request_path, outcome_path = Path(argv[0]), Path(argv[1])
    try:
        request = json.loads(request_path.read_text(encoding="utf-8"))
        book = open_workbook(Path(request["path"]))
        if request["mode"] == "list":
            with book:
                listed = [s.to_dict() for s in sheet_infos(book)]
            _write_outcome(outcome_path, {"done": True, "sheets": listed})
            return 0
        rows = read_sheet(book, SheetRequest(**request["options"]))
        stream_sheet(rows, sys.stdout.buffer)
        sys.stdout.buffer.flush()
    except DomainError as exc:
        error = {"code": exc.code, "message": exc.message, "details": exc.details}
        _write_outcome(outcome_path, {"error": error})
        return REFUSED
    except MemoryError:
        return OUT_OF_MEMORY
    except BrokenPipeError:  # the parent stopped reading (it refused the file meanwhile)
        return FAILED
    except Exception:  # shown to no one: the parent logs stderr and refuses generically
        log.exception("reading the spreadsheet failed")
        return FAILED
    _write_outcome(outcome_path, {"done": True})
    return 0


def _write_outcome(path: Path, outcome: dict[str, Any]) -> None:
    path.write_text(json.dumps(outcome, ensure_ascii=False), encoding="utf-8")
