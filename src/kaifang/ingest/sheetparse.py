"""One spreadsheet sheet through calamine: the code of the sandboxed child process.

``readers.spreadsheet`` runs ``main`` in a child process under an address-space limit and a
timeout (calamine is native code: an allocation bomb aborts its process, which no ``try`` can
catch), while the parent runs the package guard. The child's start-up is on the upload's
critical path, so it imports only calamine and light modules (``kaifang.ingest`` loads its
heavy modules lazily), starts calamine's parse, and imports PyArrow (``sheetstream``, which
converts the rows with the same code the in-process reader used) while calamine works.

XLSX workbooks of up to ``FAST_TAIL_MAX_BYTES`` take a quicker way (``_read_quickly``): the
sheets are listed and the header found with python-calamine on a small copy holding only each
sheet's first rows (``sheethead``), while fastexcel (calamine again, typed straight into Arrow)
reads the chosen sheet below them. When fastexcel's columns are strictly typed and line up with
calamine's rows (``sheetstream.aligned_tail``), its rows are converted column by column instead
of cell by cell. Otherwise (a column mixing numbers and text, an odd package) the whole workbook
is parsed by python-calamine as before, so the output is the same either way.

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

import contextlib
import datetime as dt
import io
import itertools
import json
import logging
import os
import queue
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import python_calamine as calamine

from kaifang.errors import DomainError
from kaifang.ingest.headers import HEADER_SCAN_ROWS, check_width, detect_header_row
from kaifang.ingest.problems import invalid, too_large
from kaifang.ingest.sheethead import head_workbook

log = logging.getLogger(__name__)

NOTES_KEY = b"kaifang"
REFUSED = 3
OUT_OF_MEMORY = 4
FAILED = 5
# Two parses of one sheet share the child's address-space limit: only smaller files get both.
FAST_TAIL_MAX_BYTES = 20 * 1024 * 1024
_FAST_TAIL_SUFFIXES = (".xlsx", ".xlsm")
# The backup whole parse yields the CPU to fastexcel and the parent; alone, it runs at full speed.
BACKUP_NICENESS = 19
_DATELIKE = (dt.date, dt.time, dt.timedelta)  # datetime is a date


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
    """A chosen, parsed sheet: its header and first data row, then its raw data rows.

    ``head`` holds the data rows among the first ``HEADER_SCAN_ROWS`` of the sheet's range and
    ``rest`` calamine's rows after them. When ``tail`` is set (a PyArrow RecordBatch, checked
    by ``sheetstream.aligned_tail``), it holds every row after the header scan, typed by
    fastexcel, and ``rest`` only calamine's copy of its first row.
    """

    names: list[str]
    first_row: int
    sheet: str
    sheets: list[str]
    head: list[list[Any]] = field(repr=False)
    rest: Iterator[list[Any]] = field(repr=False)
    book: calamine.CalamineWorkbook = field(repr=False)
    tail: Any = field(default=None, repr=False)


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
    _check_size(sheet.height, sheet.width, request)
    rows = sheet.iter_rows()
    head = list(itertools.islice(rows, HEADER_SCAN_ROWS))
    header_index = detect_header_row(head) if request.header_row is None else request.header_row - 1
    if header_index >= len(head):
        raise invalid(
            f"表头行第 {header_index + 1} 行不存在", f"header row {header_index + 1} does not exist"
        )
    width = max((len(r) for r in head), default=0)
    names = [str(v) if v not in (None, "") else "" for v in head[header_index]] + [""] * (
        width - len(head[header_index])
    )
    check_width(len(names), request.max_columns)
    # iter_rows starts at the sheet's first row, whatever the range's start: row numbers
    # are 1-based sheet rows.
    first_row = header_index + 2
    return SheetRows(
        names,
        first_row,
        sheet.name,
        [s.name for s in sheets],
        head[header_index + 1 :],
        rows,
        book,
    )


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


Parsed = tuple[calamine.CalamineWorkbook, calamine.CalamineSheet]


class _Whole(threading.Thread):
    """python-calamine's parse of the whole workbook and one sheet, on a thread.

    Started beside fastexcel as a backup, at a high niceness so that it takes only the CPU
    fastexcel and the parent leave: a column mixing numbers and text is only found once
    fastexcel has parsed everything, and starting the whole parse only then would cost more
    than the quick way saves. The result (or the exception) goes to ``results``.
    """

    def __init__(self, path: Path, sheet: SheetInfo, results: queue.Queue[Any], niceness: int):
        super().__init__(daemon=True)
        self._path, self._sheet, self._results = path, sheet, results
        self._niceness = niceness
        self.start()

    def run(self) -> None:
        if self._niceness:
            with contextlib.suppress(OSError, AttributeError):  # per-thread niceness: Linux
                os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), self._niceness)
        try:
            book = open_workbook(self._path)
            self._results.put((book, _load_sheet(book, self._sheet)))
        except BaseException as exc:  # handed to the main thread as raised
            self._results.put(exc)


def _whole_parse(backup: _Whole, path: Path, sheet: SheetInfo, results: queue.Queue[Any]) -> Parsed:
    """The backup's parse; if it is still running (it may be starved at its niceness), a
    second one at normal priority races it and the first to finish serves."""
    racing = 1
    if backup.is_alive():
        _Whole(path, sheet, results, niceness=0)
        racing = 2
    failures: list[BaseException] = []
    for _ in range(racing):
        result = results.get()
        if not isinstance(result, BaseException):
            return cast(Parsed, result)
        failures.append(result)
    raise failures[0]


class _FastTail(threading.Thread):
    """fastexcel's strictly typed read of a sheet below the header scan, on a thread.

    fastexcel drops the GIL while it parses, so this runs beside calamine's parse. Strict
    typing refuses a column mixing kinds (numbers and text, dates and durations): such sheets,
    and any other failure here, are left to calamine's rows.
    """

    def __init__(self, path: Path, sheet: str):
        super().__init__(daemon=True)
        self._path, self._sheet = path, sheet
        self._batch: Any = None
        self.start()

    def run(self) -> None:
        try:
            import fastexcel

            reader = fastexcel.read_excel(str(self._path))
            self._batch = reader.load_sheet(
                self._sheet,
                header_row=None,
                skip_rows=HEADER_SCAN_ROWS,
                schema_sample_rows=None,
                dtype_coercion="strict",
                eager=True,
            )
        except BaseException:  # a Rust panic is a BaseException: calamine's rows serve instead
            log.debug("fastexcel did not read the sheet; calamine's rows are used", exc_info=True)

    def batch(self) -> Any:
        self.join()
        return self._batch


def _read_quickly(path: Path, request: SheetRequest, backup: bool = True) -> SheetRows | None:
    """The chosen sheet from its first rows and fastexcel's typed rest, or None to parse whole.

    Refusals that depend only on the sheet list and the first rows (no such sheet, header row
    out of range, too wide) are raised as the whole parse would raise them.
    """
    if path.suffix.lower() not in _FAST_TAIL_SUFFIXES:
        return None
    try:
        if path.stat().st_size > FAST_TAIL_MAX_BYTES:
            return None
    except OSError:
        return None
    head = head_workbook(path, HEADER_SCAN_ROWS + 1)
    if head is None:
        return None
    try:
        small = calamine.CalamineWorkbook.from_filelike(io.BytesIO(head))
        sheets = sheet_infos(small)
    except Exception:  # the whole parse gives the precise reason, if there is one
        log.debug("the head workbook did not open", exc_info=True)
        return None
    chosen = choose_sheet(sheets, request.sheet)
    try:
        sheet = small.get_sheet_by_name(chosen.name)
    except Exception:
        log.debug("the head of the sheet did not parse", exc_info=True)
        return None
    if sheet.height <= HEADER_SCAN_ROWS:
        return None
    rows = read_sheet(small, request, (sheets, sheet))
    if any(isinstance(cell, _DATELIKE) for row in rows.head for cell in row):
        return None  # fastexcel's timestamps cannot tell what calamine's dates are
    fast = _FastTail(path, chosen.name)
    results: queue.Queue[Any] = queue.Queue()
    whole = _Whole(path, chosen, results, BACKUP_NICENESS) if backup else None
    # PyArrow (about 0.15 s) is imported while fastexcel parses.
    from kaifang.ingest.sheetstream import aligned_tail

    tail = fast.batch()
    # The first rows' range lies within the whole sheet's: equal widths mean equal columns.
    if tail is not None and tail.num_columns == sheet.width:
        start_row = (sheet.start or (0, 0))[0]  # both count rows from the sheet's first
        _check_size(HEADER_SCAN_ROWS + tail.num_rows - start_row, sheet.width, request)
        rows.tail = aligned_tail(rows, tail)
        if rows.tail is not None:
            return rows
    if whole is None:
        return None
    book, parsed = _whole_parse(whole, path, chosen, results)
    return read_sheet(book, request, (sheet_infos(book), parsed))


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


def _check_size(height: int, width: int, request: SheetRequest) -> None:
    check_width(width, request.max_columns)
    if height * max(width, 1) > request.max_cells or height > request.max_rows:
        raise too_large(
            f"工作表有 {height} 行 × {width} 列，超过 {request.max_cells} 个单元格上限",
            f"the sheet has {height} rows x {width} columns, above {request.max_cells} cells",
        )


def main(argv: list[str]) -> int:
    """The child's entry point: argv is the request path and the outcome path."""
    request_path, outcome_path = Path(argv[0]), Path(argv[1])
    try:
        request = json.loads(request_path.read_text(encoding="utf-8"))
        path = Path(request["path"])
        if request["mode"] == "list":
            with open_workbook(path) as book:
                listed = [s.to_dict() for s in sheet_infos(book)]
            _write_outcome(outcome_path, {"done": True, "sheets": listed})
            return 0
        options = SheetRequest(**request["options"])
        rows = _read_quickly(path, options) or _read_whole(path, options)
        from kaifang.ingest.sheetstream import stream_sheet

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


def _read_whole(path: Path, request: SheetRequest) -> SheetRows:
    """The chosen sheet from python-calamine's parse of the whole workbook."""
    book = open_workbook(path)
    sheets = sheet_infos(book)
    loading = _Loading(book, choose_sheet(sheets, request.sheet))
    # PyArrow (about 0.15 s) is imported while calamine parses.
    import kaifang.ingest.sheetstream  # noqa: F401

    return read_sheet(book, request, (sheets, loading.sheet()))


def _write_outcome(path: Path, outcome: dict[str, Any]) -> None:
    path.write_text(json.dumps(outcome, ensure_ascii=False), encoding="utf-8")
