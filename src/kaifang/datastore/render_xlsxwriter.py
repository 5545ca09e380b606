"""Reference XLSX export with XlsxWriter in constant-memory mode (not registered).

The registered exporter is render_xlsx.py, about ten times faster; this one is kept as the
known-good reference the tests compare it with, and as a fallback should an office suite
ever disagree with the hand-built SpreadsheetML.

Text is always written as text (no number or formula guessing), so identifiers such as
``0012`` or 18-digit codes survive; text cells that a spreadsheet would evaluate get a
leading apostrophe. Integers and decimals beyond Excel's 15 significant digits are written
as text rather than rounded. Data is split across sheets at 1,048,575 rows (plus header).
The workbook is written to a temporary file, then streamed in chunks and deleted.
"""

from __future__ import annotations

import datetime as dt
import math
import tempfile
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from kaifang.datastore.rendering import ExportTable, is_text_type, neutralise_batch, neutralise_text

XLSX_MAX_DATA_ROWS = 1_048_575
EXCEL_EXACT_INTEGER = 10**15
CHUNK_BYTES = 1 << 20
_WORKBOOK_OPTIONS = {
    "constant_memory": True,
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
    "remove_timezone": True,
    "use_zip64": True,
}
CellWriter = Callable[[int, int, Any], Any]


def _kind(t: pa.DataType) -> str:
    if is_text_type(t):
        return "text"
    if pa.types.is_boolean(t):
        return "bool"
    if pa.types.is_integer(t):
        return "int"
    if pa.types.is_floating(t):
        return "float"
    if pa.types.is_decimal(t):
        return "decimal"
    if pa.types.is_date(t):
        return "date"
    if pa.types.is_timestamp(t):
        return "datetime"
    if pa.types.is_time(t):
        return "time"
    return "other"


class _SheetWriter:
    """Writes rows, starting a new sheet (with the header again) when one is full."""

    def __init__(
        self, workbook: xlsxwriter.Workbook, names: list[str], kinds: list[str], max_rows: int
    ) -> None:
        self.workbook = workbook
        self.header = [neutralise_text(n) for n in names]
        self.kinds = kinds
        self.max_rows = max_rows
        self.formats = {
            "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
            "datetime": workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
            "time": workbook.add_format({"num_format": "hh:mm:ss"}),
        }
        self.sheets = 0
        self.row = 0
        self.writers: list[CellWriter] = []
        self._new_sheet()

    def _new_sheet(self) -> None:
        self.sheets += 1
        ws = self.workbook.add_worksheet("data" if self.sheets == 1 else f"data {self.sheets}")
        for col, name in enumerate(self.header):
            ws.write_string(0, col, name)
        self.writers = [self._writer(ws, kind) for kind in self.kinds]
        self.row = 1

    def _writer(self, ws: Worksheet, kind: str) -> CellWriter:
        fmt = self.formats.get(kind)
        if kind == "text":
            return lambda r, c, v: ws.write_string(r, c, v)
        if kind == "float":
            return lambda r, c, v: ws.write_number(r, c, v) if math.isfinite(v) else None
        if kind == "bool":
            return lambda r, c, v: ws.write_boolean(r, c, v)
        if kind in ("int", "decimal"):
            return lambda r, c, v: _write_exact_number(ws, r, c, v)
        if kind in ("date", "datetime"):
            return lambda r, c, v: _write_date(ws, r, c, v, fmt)
        if kind == "time":
            return lambda r, c, v: ws.write_datetime(r, c, v, fmt)
        return lambda r, c, v: ws.write_string(r, c, str(v))

    def write_batch(self, batch: pa.RecordBatch) -> None:
        columns = [col.to_pylist() for col in neutralise_batch(batch).columns]
        for values in zip(*columns, strict=True):
            if self.row > self.max_rows:
                self._new_sheet()
            row = self.row
            for col, (write, value) in enumerate(zip(self.writers, values, strict=True)):
                if value is not None:
                    write(row, col, value)
            self.row = row + 1


def _write_exact_number(ws: Worksheet, row: int, col: int, value: int | Decimal) -> None:
    """Numbers Excel can hold exactly as numbers; longer ones as text, never rounded."""
    if isinstance(value, Decimal):
        digits = len(value.as_tuple().digits)
        if digits <= 15 and value.is_finite():
            ws.write_number(row, col, float(value))
        else:
            ws.write_string(row, col, str(value))
    elif -EXCEL_EXACT_INTEGER < value < EXCEL_EXACT_INTEGER:
        ws.write_number(row, col, value)
    else:
        ws.write_string(row, col, str(value))


def _write_date(ws: Worksheet, row: int, col: int, value: dt.date, fmt: Any) -> None:
    # Excel's calendar starts in 1900; earlier dates are written as ISO text.
    if value.year < 1900:
        ws.write_string(row, col, value.isoformat())
    else:
        ws.write_datetime(row, col, value, fmt)


def write_xlsx(table: ExportTable, path: Path, *, max_rows_per_sheet: int) -> int:
    """Write the workbook to ``path``; returns the number of sheets."""
    options = dict(_WORKBOOK_OPTIONS, tmpdir=str(path.parent))
    workbook = xlsxwriter.Workbook(str(path), options)
    kinds = [_kind(f.type) for f in table.schema]
    sheet = _SheetWriter(workbook, list(table.schema.names), kinds, max_rows_per_sheet)
    for batch in table.batches:
        sheet.write_batch(batch)
    workbook.close()
    return sheet.sheets


def render_xlsx(
    table: ExportTable, *, max_rows_per_sheet: int = XLSX_MAX_DATA_ROWS
) -> Iterator[bytes]:
    """Yield the XLSX file in chunks; the temporary file is removed when the stream ends."""
    with tempfile.TemporaryDirectory(prefix="kaifang-xlsx-") as tmp:
        path = Path(tmp) / "export.xlsx"
        write_xlsx(table, path, max_rows_per_sheet=max_rows_per_sheet)
        with path.open("rb") as fh:
            while chunk := fh.read(CHUNK_BYTES):
                yield chunk
