"""Pre-flight checks for spreadsheet packages before calamine (native code) opens them.

Measured with python-calamine 0.9.1: an XLSX whose two cells sit at A1 and XFD1048576 makes it
allocate 549 GB, and a ``sharedStrings.xml`` declaring ``uniqueCount="4000000000"`` makes it
allocate 96 GB; both abort the whole process, which no ``try`` can catch. A lying
``<dimension>`` is ignored by calamine. So the guard measures what is really there:

* the ZIP itself (``archives.inspect_zip`` and a full inflate that counts real bytes);
* every worksheet's true extent: the highest row (``<row r>`` and cell references) and column
  actually referenced, against ``max_rows``, ``max_columns`` and ``max_cells``;
* ``sharedStrings.xml``'s declared ``uniqueCount`` against what its size can hold;
* for ODS, repeated rows and columns that carry values (``number-*-repeated``).

calamine itself always runs in a child process with an address-space limit
(``readers.spreadsheet``), so a bomb the guard misses, or one in a binary format (XLS, XLSB)
that cannot be scanned this cheaply, kills only the child, and the file is refused. The guard
runs alongside that child and gives the precise reason when it refuses first.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from kaifang.ingest.archives import inspect_zip, open_zip, verify_members
from kaifang.ingest.options import IngestOptions
from kaifang.ingest.problems import too_large

_ROW_REF = re.compile(rb"<row\b[^>]*?\br=\"([0-9]+)\"")
# Rows whose r="..." comes first give their number; any other <row ...>, <c ...> or <c> gives
# b"" (an odd tag), so one pass both reads the rows and tells whether the fast patterns fit.
_ROW_REF_OR_ODD_TAG = re.compile(rb"<(?:row (?:r=\"([0-9]+)\")?|c(?:>| (?!r=\")))")
_NO_REF_CELL = re.compile(rb"<c(?=[\s>/])(?![^>]*\br=)")
_UNIQUE_COUNT = re.compile(rb"uniqueCount=\"([0-9]+)\"")
_ODS_TAG = re.compile(rb"<[\w.-]+:table-(row|cell)\b([^>]*)>")
_ODS_ROWS = re.compile(rb"number-rows-repeated=\"([0-9]+)\"")
_ODS_COLS = re.compile(rb"number-columns-repeated=\"([0-9]+)\"")
_ODS_VALUE = re.compile(rb"value-type=")
_MIN_SHARED_STRING_BYTES = 8
# The sandboxed child that parses every workbook (readers.spreadsheet): its limits.
SANDBOX_MEMORY = 2 * 1024**3
SANDBOX_SECONDS = 120
_CARRY = 64 * 1024


def column_number(letters: bytes) -> int:
    """1-based column number of spreadsheet column letters (``A`` is 1, ``XFD`` is 16384)."""
    number = 0
    for ch in letters:
        number = number * 26 + ch - 64
    return number


class SheetExtent:
    """Streams a worksheet's XML and keeps the highest row and column really referenced.

    Rows come from ``<row r>`` and from cell references beyond the highest row seen (found
    with a rarely-matching pattern, so a normal sheet costs one quick scan); columns from
    references of two letters or more, or from counting cells when references are omitted.
    """

    def __init__(self, name: str):
        self.name = name
        self.rows = 0
        self.columns = 26
        self._tail = b""

    def feed(self, chunk: bytes) -> None:
        joined = self._tail + chunk
        cut = joined.rfind(b"<")
        # Complete tags only; the start of a cut tag is carried into the next chunk.
        data, self._tail = joined[:cut], joined[cut:][:_CARRY]
        # Excel, WPS and most writers put r="..." first; then cheap literal patterns suffice.
        rows = _ROW_REF_OR_ODD_TAG.findall(data)
        fast = b"" not in rows
        if not fast:
            rows = _ROW_REF.findall(data)
        self.rows = max(self.rows, _max_int(rows))
        # One pass finds both the wide and the taller cells (two passes cost 40% more).
        for letters, row, tall_row in _notable_cells(self.rows, fast).findall(data):
            if letters:
                self.columns = max(self.columns, column_number(letters))
            self.rows = max(self.rows, int(row or tall_row))
        if not fast and _NO_REF_CELL.search(data):
            self.columns = max(self.columns, max(seg.count(b"<c") for seg in data.split(b"<row")))

    def check(self, options: IngestOptions, sheet_label: str) -> None:
        cells = self.rows * self.columns
        if self.columns > options.max_columns or self.rows > options.max_rows + 1:
            raise _extent_error(sheet_label, self.rows, self.columns, options)
        if cells > options.max_cells:
            raise _extent_error(sheet_label, self.rows, self.columns, options)


def _max_int(values: list[bytes]) -> int:
    return max(map(int, values)) if values else 0


def _notable_cells(rows: int, fast: bool) -> re.Pattern[bytes]:
    """Cell references of two or more letters, or whose row may exceed ``rows`` (within 2x).

    Groups: the letters and row of a wide reference, or the row of a taller one-letter one.
    """
    digits = str(max(rows, 1))
    return _notable_pattern(len(digits), int(digits[0]), fast)


@functools.lru_cache(maxsize=64)
def _notable_pattern(length: int, first: int, fast: bool) -> re.Pattern[bytes]:
    # Keyed on the leading digit and length, not the row: compiling per chunk cost 0.1 s.
    taller = rb"[0-9]{%d,}" % (length + 1)
    if first < 9:
        taller = rb"[%d-9][0-9]{%d}|" % (first + 1, length - 1) + taller
    prefix = rb"<c r=\"" if fast else rb"<c\b[^>]*?\br=\""
    return re.compile(prefix + rb"(?:([A-Z]{2,})([0-9]+)|[A-Z](" + taller + rb")\")")


def _extent_error(sheet: str, rows: int, columns: int, options: IngestOptions) -> Exception:
    return too_large(
        f"工作表“{sheet}”的数据范围达到 {rows} 行 × {columns} 列，超过上限"
        f"（最多 {options.max_columns} 列、{options.max_cells} 个单元格）",
        f"worksheet {sheet!r} spans {rows} rows x {columns} columns, beyond the limits "
        f"({options.max_columns} columns, {options.max_cells} cells)",
        rows=rows,
        columns=columns,
    )


class SharedStringsCount:
    """Checks the declared ``uniqueCount`` against the part's real size."""

    def __init__(self, size: int):
        self.size = size
        self.seen = False

    def feed(self, chunk: bytes) -> None:
        if self.seen:
            return
        self.seen = True
        match = _UNIQUE_COUNT.search(chunk[:4096])
        if match and int(match.group(1)) > self.size // _MIN_SHARED_STRING_BYTES + 1:
            raise too_large(
                f"共享字符串表声明了 {int(match.group(1))} 个字符串，与其实际大小不符，疑似恶意文件",
                f"sharedStrings.xml declares {int(match.group(1))} strings, far more than its "
                "size can hold (a likely malicious file)",
            )


class ODSRepeats:
    """Counts the cells that repeated rows and columns with values would expand to."""

    def __init__(self, options: IngestOptions):
        self.options = options
        self.cells = 0
        self._row_repeat = 1
        self._carry = b""

    def feed(self, chunk: bytes) -> None:
        data = self._carry + chunk
        cut = data.rfind(b"<")
        data, self._carry = data[:cut], data[cut:][-65536:]
        for kind, attrs in _ODS_TAG.findall(data):
            if kind == b"row":
                match = _ODS_ROWS.search(attrs)
                self._row_repeat = int(match.group(1)) if match else 1
            elif _ODS_VALUE.search(attrs):
                match = _ODS_COLS.search(attrs)
                self.cells += self._row_repeat * (int(match.group(1)) if match else 1)
        if self.cells > self.options.max_cells:
            raise too_large(
                f"表格展开后超过 {self.options.max_cells} 个单元格（重复行/列），疑似恶意文件",
                f"the spreadsheet expands to more than {self.options.max_cells} cells through "
                "repeated rows or columns (a likely malicious file)",
            )


def guard_package(path: Path, fmt: str, options: IngestOptions) -> list[str]:
    """Run the checks for an XLSX or ODS package; returns warnings (never trusts headers)."""
    label = fmt.upper()
    with open_zip(path) as zf:
        members = inspect_zip(zf, options.archive, label=label)
        extents = {
            m.name: SheetExtent(m.name)
            for m in members
            if m.name.startswith("xl/worksheets/") and m.name.endswith(".xml")
        }
        scanners = {name: extent.feed for name, extent in extents.items()}
        for member in members:
            if member.name == "xl/sharedStrings.xml":
                scanners[member.name] = SharedStringsCount(member.size).feed
            if fmt == "ods" and member.name == "content.xml":
                scanners[member.name] = ODSRepeats(options).feed
        verify_members(zf, members, label=label, scanners=scanners)
    for index, extent in enumerate(extents.values(), start=1):
        extent.check(options, f"sheet{index}")
    return []
