"""XLSX, XLSM, XLSB, XLS and ODS: calamine in a sandboxed child, the package guard alongside.

calamine is native code, and a hostile workbook can make it allocate hundreds of gigabytes and
abort its process. So every sheet is parsed in a child process (``sheetparse.main``, fixed code,
only server-side paths as arguments, never a shell) under an address-space limit and a timeout,
and streamed back as Arrow batches. Meanwhile this process runs the package guard over XLSX,
XLSB and ODS packages: if it refuses, the child is killed and the guard's precise reason is
given; if the child dies of its memory limit, a signal or the timeout, the file is refused.
Batches reach DuckDB staging as they arrive, so staging overlaps the child's conversion.

Nothing from the child is trusted beyond Arrow data of the announced shape and small,
size-capped JSON notes, which are checked before use.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import subprocess
import sys
import threading
from collections.abc import Generator
from pathlib import Path
from typing import IO, Any

import pyarrow as pa

import kaifang
from kaifang.errors import DomainError, InvalidInput, TooLarge
from kaifang.ingest.cells import BATCH_ROWS, column_id
from kaifang.ingest.options import IngestOptions
from kaifang.ingest.problems import invalid, too_large
from kaifang.ingest.readers.base import TableSource, link_with_suffix
from kaifang.ingest.readers.package_guard import SANDBOX_MEMORY, SANDBOX_SECONDS, guard_package
from kaifang.ingest.sheetparse import (
    FAILED,
    NOTES_KEY,
    REFUSED,
    SheetInfo,
    open_workbook,
    sheet_infos,
)

__all__ = ["SheetInfo", "list_sheets", "open_spreadsheet"]

log = logging.getLogger(__name__)

_SUFFIX = {"xlsx": ".xlsx", "xlsb": ".xlsb", "xls": ".xls", "ods": ".ods"}
PACKAGES = ("xlsx", "xlsb", "ods")
# Fixed code. ``-I`` ignores PYTHONPATH, so the parent's import root is put first: the child
# runs the same Kaifang code as its parent. The limit is set before anything is imported.
CHILD_CODE = (
    "import resource, sys\n"
    "limit = int(sys.argv[2])\n"
    "resource.setrlimit(resource.RLIMIT_AS, (limit, limit))\n"
    "sys.path.insert(0, sys.argv[1])\n"
    "from kaifang.ingest.sheetparse import main\n"
    "sys.exit(main(sys.argv[3:]))\n"
)
MAX_OUTCOME_BYTES = 64 * 1024
MAX_NOTES_BYTES = 4 * 1024 * 1024
_MAX_MESSAGE_CHARS = 4000
_LOG_TAIL_BYTES = 4096
_PIPE_BYTES = 1024 * 1024

_CORRUPT = (
    "电子表格文件已损坏或格式不受支持，请用 Excel/WPS 另存为 .xlsx 后重试",
    "the spreadsheet is corrupt or unsupported; save it again as .xlsx",
)


class SheetChild:
    """The sandboxed child parsing one workbook; killed and reaped by ``close``."""

    def __init__(self, workbook: Path, request: dict[str, Any], work_dir: Path):
        self.work_dir = work_dir
        self.outcome_path = work_dir / "sheet-outcome.json"
        self.outcome_path.unlink(missing_ok=True)
        request_path = work_dir / "sheet-request.json"
        request_path.write_text(
            json.dumps({**request, "path": str(workbook)}, ensure_ascii=False), encoding="utf-8"
        )
        self.timed_out = False
        self._log = (work_dir / "sheet-child.log").open("wb")
        import_root = str(Path(kaifang.__file__).resolve().parent.parent)
        # Fixed interpreter and code; the arguments are server-side paths and a number.
        self.process = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-I",
                "-c",
                CHILD_CODE,
                import_root,
                str(SANDBOX_MEMORY),
                str(request_path),
                str(self.outcome_path),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._log,
            close_fds=True,
        )
        resize = getattr(fcntl, "F_SETPIPE_SZ", None)  # Linux only
        if resize is not None:
            with contextlib.suppress(OSError):  # a larger pipe lets the child run ahead
                fcntl.fcntl(self.stdout.fileno(), resize, _PIPE_BYTES)
        self._timer = threading.Timer(SANDBOX_SECONDS, self._expire)
        self._timer.daemon = True
        self._timer.start()

    @property
    def stdout(self) -> IO[bytes]:
        assert self.process.stdout is not None
        return self.process.stdout

    def _expire(self) -> None:
        self.timed_out = True
        self.kill()

    def kill(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()

    def close(self) -> None:
        """Kill the child if it still runs, reap it and release its pipe and log."""
        self.kill()
        self.process.wait()
        self._timer.cancel()
        self.stdout.close()
        self._log.close()

    def outcome(self) -> dict[str, Any]:
        """The child's exit, checked: its outcome JSON if it exited normally, else a refusal."""
        returncode = self.process.wait()
        self._timer.cancel()
        if self.timed_out:
            raise invalid("电子表格解析超时，文件可能已损坏", "parsing the spreadsheet timed out")
        if returncode == FAILED:
            self._log_tail()
            raise RuntimeError("the spreadsheet child failed")
        if returncode not in (0, REFUSED):
            # The address-space limit (MemoryError or calamine's abort) or another signal.
            raise too_large(
                "电子表格解析所需内存超过上限，疑似恶意文件；请另存为 .xlsx 或 CSV 后重试",
                "parsing the spreadsheet would need more memory than allowed (a likely "
                "malicious file); save it as .xlsx or CSV and retry",
            )
        outcome = _read_outcome(self.outcome_path)
        if returncode == REFUSED:
            raise _refusal(outcome.get("error"))
        if outcome.get("done") is not True:
            raise invalid(*_CORRUPT)
        return outcome

    def _log_tail(self) -> None:
        self._log.flush()
        with (self.work_dir / "sheet-child.log").open("rb") as stream:
            tail = stream.read(_LOG_TAIL_BYTES)
        log.error("the spreadsheet child failed: %s", tail.decode("utf-8", "replace"))


def _read_outcome(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as stream:
            data = stream.read(MAX_OUTCOME_BYTES + 1)
        outcome = json.loads(data) if len(data) <= MAX_OUTCOME_BYTES else None
    except (OSError, ValueError):
        outcome = None
    if not isinstance(outcome, dict):
        log.warning("the spreadsheet child left no usable outcome")
        raise invalid(*_CORRUPT)
    return outcome


def _refusal(error: object) -> DomainError:
    """The child's refusal as the domain error it raised, if it is well-formed."""
    kinds: dict[str, type[DomainError]] = {
        InvalidInput.code: InvalidInput,
        TooLarge.code: TooLarge,
    }
    if isinstance(error, dict):
        kind, message, details = error.get("code"), error.get("message"), error.get("details")
        if (
            kind in kinds
            and isinstance(message, str)
            and 0 < len(message) <= _MAX_MESSAGE_CHARS
            and (details is None or isinstance(details, dict))
        ):
            return kinds[str(kind)](message, details=details)
    log.warning("the spreadsheet child gave a malformed refusal")
    return invalid(*_CORRUPT)


def list_sheets(path: Path, *, fmt: str, options: IngestOptions, work_dir: Path) -> list[SheetInfo]:
    """Every sheet of a workbook with its visibility, for the officer's choice.

    Packages are listed here once the guard has passed (calamine reads only the workbook
    part); binary workbooks are parsed whole when opened, so they are listed by the child.
    """
    linked = link_with_suffix(path, work_dir, _SUFFIX.get(fmt, ".xlsx"))
    if fmt in PACKAGES:
        guard_package(path, fmt, options)
        with open_workbook(linked) as book:
            return sheet_infos(book)
    child = SheetChild(linked, {"mode": "list"}, work_dir)
    try:
        listed = child.outcome().get("sheets")
    finally:
        child.close()
    return _sheet_list(listed)


def _sheet_list(listed: object) -> list[SheetInfo]:
    try:
        if not isinstance(listed, list):
            raise TypeError("no sheet list")
        sheets = [
            SheetInfo(int(s["index"]), str(s["name"]), bool(s["visible"]), str(s["kind"]))
            for s in listed
        ]
    except (KeyError, TypeError, ValueError):
        log.warning("the spreadsheet child listed sheets badly")
        raise invalid(*_CORRUPT) from None
    return sheets


def open_spreadsheet(
    path: Path, *, fmt: str, options: IngestOptions, work_dir: Path
) -> TableSource:
    """Open one sheet (``options.sheet`` or the first visible one with data) as a TableSource."""
    linked = link_with_suffix(path, work_dir, _SUFFIX.get(fmt, ".xlsx"))
    request = {
        "mode": "read",
        "options": {
            "sheet": options.sheet,
            "header_row": options.header_row,
            "max_columns": options.max_columns,
            "max_rows": options.max_rows,
            "max_cells": options.max_cells,
        },
    }
    child = SheetChild(linked, request, work_dir)
    try:
        if fmt in PACKAGES:
            guard_package(path, fmt, options)
        try:
            reader = pa.ipc.open_stream(child.stdout)
        except (pa.ArrowInvalid, OSError):  # no stream: the child refused, failed or died
            child.outcome()
            raise invalid(*_CORRUPT) from None
        source = _source(fmt, reader.schema, options)
    except BaseException:
        child.close()
        raise
    source.batches = _ChildBatches(child, reader, source)
    return source


class _ChildBatches:
    """The child's batches; ``close`` stops the child even if they were never iterated."""

    def __init__(
        self, child: SheetChild, reader: pa.ipc.RecordBatchStreamReader, source: TableSource
    ):
        self._child = child
        self._batches = _batches(child, reader, source)

    def __iter__(self) -> _ChildBatches:
        return self

    def __next__(self) -> pa.RecordBatch:
        return next(self._batches)

    def close(self) -> None:
        self._batches.close()
        self._child.close()


def _source(fmt: str, schema: pa.Schema, options: IngestOptions) -> TableSource:
    """The TableSource the stream's schema announces, if its shape and notes hold together."""
    notes = _notes(schema.metadata)
    names: list[str] = []
    first_row, sheet, sheets = 0, "", []
    try:
        names = [str(n) for n in notes["names"]]
        first_row, sheet = int(notes["first_row"]), str(notes["sheet"])
        sheets = [str(s) for s in notes["sheets"]]
    except (KeyError, TypeError, ValueError):
        names = []
    expected = [column_id(i) for i in range(len(names))]
    if (
        not names
        or first_row < 2
        or len(names) > options.max_columns
        or schema.names != expected
        or any(t != pa.string() for t in schema.types)
    ):
        log.warning("the spreadsheet child announced a malformed table")
        raise invalid(*_CORRUPT)
    return TableSource(fmt, names, first_row=first_row, sheet=sheet, sheets=sheets)


def _notes(metadata: dict[bytes, bytes] | None) -> dict[str, Any]:
    raw = (metadata or {}).get(NOTES_KEY, b"")
    try:
        notes = json.loads(raw) if 0 < len(raw) <= MAX_NOTES_BYTES else None
    except ValueError:
        notes = None
    if not isinstance(notes, dict):
        log.warning("the spreadsheet child sent malformed notes")
        raise invalid(*_CORRUPT)
    return notes


def _batches(
    child: SheetChild, reader: pa.ipc.RecordBatchStreamReader, source: TableSource
) -> Generator[pa.RecordBatch, None, None]:
    """The child's batches with rows, collecting dropped row numbers and warnings on the way."""
    try:
        while True:
            try:
                batch, metadata = reader.read_next_batch_with_custom_metadata()
            except StopIteration:
                break
            except (pa.ArrowInvalid, OSError):  # a cut stream: the child died mid-way
                child.outcome()
                raise invalid(*_CORRUPT) from None
            if metadata:
                _take_notes(_notes(metadata), batch, source)
            if batch.num_rows:
                yield batch
        child.outcome()
    finally:
        child.close()


def _take_notes(notes: dict[str, Any], batch: pa.RecordBatch, source: TableSource) -> None:
    skipped, warnings = notes.get("skipped", []), notes.get("warnings", [])
    if (
        not isinstance(skipped, list)
        or len(skipped) > BATCH_ROWS
        or not all(type(row) is int and row >= source.first_row for row in skipped)
        or not isinstance(warnings, list)
        or len(warnings) > batch.num_columns
        or not all(isinstance(w, str) and len(w) <= _MAX_MESSAGE_CHARS for w in warnings)
    ):
        log.warning("the spreadsheet child sent malformed notes")
        raise invalid(*_CORRUPT)
    source.skipped_rows.extend(skipped)
    source.warnings.extend(warnings)
