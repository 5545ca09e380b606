"""One spreadsheet sheet through calamine: the code of the sandboxed child process.

``readers.spreadsheet`` runs ``main`` in a child process under an address-space limit and a
timeout (calamine is native code: an allocation bomb aborts its process, which no ``try`` can
catch), while the parent runs the package guard. The child's start-up is on the upload's
critical path, so it imports only calamine and light modules (``kaifang.ingest`` loads its
heavy modules lazily), starts calamine's parse, and imports PyArrow (``sheetstream``, which
converts the rows with the same code the in-process reader used) while calamine works.

Sheets can be chosen by name or 0-based index; the default is the first visible worksheet
holding data. Title rows above the header are skipped (``headers.detect_header_row``), and
formulas are never evaluated (calamine returns cached values).

Protocol (argv: request JSON path, outcome JSON path): the request names the workbook, the
mode (``list`` or ``read``) and the options. ``read`` writes an Arrow IPC stream to stdout:
the schema's metadata (``NOTES_KEY``) carries the header labels, first data row, sheet and
sheet names; each batch's custom metadata the row numbers of the empty rows dropped from its
chunk and new warnings (so nothing unbounded waits for the end). The outcome file says
``{"done": true}``, lists the sheets (``list``) or carries a refusal (``error``: code and
bilingual message) with exit status ``REFUSED``.
"""

from __future__ import annotations

import itertools
import json
import logging
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import python_calamine as calamine

from kaifang.errors import DomainError
from kaifang.ingest.headers import HEADER_SCAN_ROWS, check_width, detect_header_row
from kaifang.ingest.problems import invalid, too_large

log = logging.getLogger(__name__)

NOTES_KEY = b"kaifang"
REFUSED = 3
OUT_OF_MEMORY = 4
FAILED = 5


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
    """A chosen, parsed sheet: its header and first data row, then its remaining raw rows."""

    names: list[str]
    first_row: int
    sheet: str
    sheets: list[str]
    rows: Iterator[list[Any]] = field(repr=False)
    book: calamine.CalamineWorkbook = field(repr=False)


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


def read_sheet(
    book: calamine.CalamineWorkbook,
    request: SheetRequest,
    loaded: tuple[list[SheetInfo], calamine.CalamineSheet] | None = None,
) -> SheetRows:
    """Choose, parse and check the sheet (unless ``loaded`` already), and find its header."""
    if loaded is None:
        sheets = sheet_infos(book)
        loaded = sheets, _load_sheet(book, choose_sheet(sheets, request.sheet))
    sheets, sheet = loaded
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
    return SheetRows(names, first_row, sheet.name, [s.name for s in sheets], data, book)


class _Loading(threading.Thread):
    """calamine's parse of one sheet on a thread: it drops the GIL, so imports run meanwhile."""

    def __init__(self, book: calamine.CalamineWorkbook, info: SheetInfo):
        super().__init__(daemon=True)
        self._book, self._info = book, info
        self._result: calamine.CalamineSheet | BaseException | None = None
        self.start()

    def run(self) -> None:
        try:
            self._result = _load_sheet(self._book, self._info)
        except BaseException as exc:  # handed to the main thread as raised
            self._result = exc

    def sheet(self) -> calamine.CalamineSheet:
        self.join()
        if isinstance(self._result, BaseException):
            raise self._result
        assert self._result is not None
        return self._result


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
        options = SheetRequest(**request["options"])
        sheets = sheet_infos(book)
        loading = _Loading(book, choose_sheet(sheets, options.sheet))
        # PyArrow (about 0.15 s) is imported while calamine parses.
        from kaifang.ingest.sheetstream import stream_sheet

        rows = read_sheet(book, options, (sheets, loading.sheet()))
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
