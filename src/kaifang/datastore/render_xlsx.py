"""Streaming XLSX export: SpreadsheetML generated with Arrow kernels, one batch at a time.

XlsxWriter (see render_xlsxwriter.py, kept as the reference the tests compare against)
spends ~60 µs of Python per 12-cell row, about 15k rows/s on this hardware. Here each
column of a batch becomes its cells' XML with vectorised string kernels, the same cell
encoding XlsxWriter uses in constant-memory mode (inline strings), written straight into
the zip, so the cost per row is a few microseconds and memory stays at one batch.

Rules: text is always text (``0012`` and 18-digit codes survive) and text cells a
spreadsheet would evaluate get a leading apostrophe; integers beyond Excel's 15 digits and
decimals with more than 15 digits of precision are written as text, never rounded; dates
and times become Excel serials with a date format (before 1900-03-01, ISO text);
non-finite floats are left empty; text is cut at Excel's 32,767-character cell limit.
Sheets hold 1,048,575 data rows plus the header.
"""

from __future__ import annotations

import tempfile
import zipfile
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import IO
from xml.sax.saxutils import escape, quoteattr

import pyarrow as pa
import pyarrow.compute as pc

from kaifang.datastore.rendering import (
    ExportTable,
    is_text_type,
    neutralise_array,
    neutralise_text,
    string_bytes,
)

XLSX_MAX_DATA_ROWS = 1_048_575
EXCEL_CELL_CHARS = 32_767
CHUNK_BYTES = 1 << 20
_EPOCH_OFFSET = 25_569  # days from Excel's 1899-12-30 to 1970-01-01
_FIRST_SAFE_DAY = -25_508  # 1900-03-01: earlier serials hit Excel's 1900 leap-year bug
_STYLE = {"date": "1", "datetime": "2", "time": "3"}
_XML_INVALID = "[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]"
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_SHEET_HEAD = (
    f'{_XML_HEAD}<worksheet xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}"><sheetViews>'
    '<sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
    'state="frozen"/></sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/><sheetData>'
)
_SHEET_TAIL = "</sheetData></worksheet>"


def column_letter(index: int) -> str:
    """Excel's column name for a zero-based index: 0 → A, 25 → Z, 26 → AA."""
    name = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        name = chr(65 + rem) + name
    return name


def _xml_text(values: pa.Array) -> pa.Array:
    values = pc.utf8_slice_codeunits(values, 0, EXCEL_CELL_CHARS)
    values = pc.replace_substring_regex(values, _XML_INVALID, "\ufffd")
    for raw, escaped in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):
        values = pc.replace_substring(values, raw, escaped)
    return values


def _text_cells(ref: pa.Array, values: pa.Array, *, neutralise: bool = True) -> pa.Array:
    body = _xml_text(neutralise_array(values) if neutralise else values)
    return pc.binary_join_element_wise(
        '<c r="', ref, '" t="inlineStr"><is><t xml:space="preserve">', body, "</t></is></c>", ""
    )


def _number_cells(ref: pa.Array, numbers: pa.Array, style: str | None = None) -> pa.Array:
    attr = f'" s="{style}"><v>' if style else '"><v>'
    return pc.binary_join_element_wise(
        '<c r="', ref, attr, pc.cast(numbers, pa.string()), "</v></c>", ""
    )


def _float_cells(ref: pa.Array, values: pa.Array) -> pa.Array:
    finite = pc.if_else(pc.is_finite(values), values, pa.scalar(None, values.type))
    return _number_cells(ref, finite)


def _integer_cells(ref: pa.Array, values: pa.Array) -> pa.Array:
    exact = pc.less(pc.abs(pc.cast(values, pa.float64(), safe=False)), 1e15)
    as_text = _text_cells(ref, pc.cast(values, pa.string()), neutralise=False)
    return pc.if_else(exact, _number_cells(ref, values), as_text)


def _decimal_cells(ref: pa.Array, values: pa.Array) -> pa.Array:
    """Numbers while they fit Excel's 15 significant digits, text beyond."""
    if values.type.precision <= 15:
        return _number_cells(ref, values)
    limit = pa.scalar(Decimal(10 ** max(0, 15 - values.type.scale)), values.type)
    exact = pc.less(pc.abs(values), limit)
    as_text = _text_cells(ref, pc.cast(values, pa.string()), neutralise=False)
    return pc.if_else(exact, _number_cells(ref, values), as_text)


def _temporal_cells(ref: pa.Array, values: pa.Array, kind: str) -> pa.Array:
    """Excel serials: days since 1899-12-30 (fractions for times of day)."""
    if kind == "date":
        days = pc.cast(pc.cast(values, pa.date32()), pa.int32())
        serial: pa.Array = pc.add(pc.cast(days, pa.int64()), _EPOCH_OFFSET)
    else:
        micros = pc.cast(
            pc.cast(values, pa.timestamp("us") if kind == "datetime" else pa.time64("us")),
            pa.int64(),
        )
        days = pc.divide(pc.cast(micros, pa.float64()), 86_400e6)
        serial = pc.add(days, _EPOCH_OFFSET) if kind == "datetime" else days
    cells = _number_cells(ref, serial, _STYLE[kind])
    if kind == "time":
        return cells
    early = pc.less(pc.cast(pc.cast(values, pa.date32()), pa.int32()), _FIRST_SAFE_DAY)
    as_text = _text_cells(ref, pc.cast(values, pa.string()), neutralise=False)
    return pc.if_else(early, as_text, cells)


def _cells(ref: pa.Array, values: pa.Array) -> pa.Array:
    t = values.type
    if is_text_type(t):
        cells = _text_cells(ref, values)
    elif pa.types.is_boolean(t):
        cells = pc.binary_join_element_wise(
            '<c r="',
            ref,
            '" t="b"><v>',
            pc.cast(pc.cast(values, pa.int8()), pa.string()),
            "</v></c>",
            "",
        )
    elif pa.types.is_integer(t):
        cells = _integer_cells(ref, values)
    elif pa.types.is_floating(t):
        cells = _float_cells(ref, values)
    elif pa.types.is_decimal(t):
        cells = _decimal_cells(ref, values)
    elif pa.types.is_date(t) or pa.types.is_timestamp(t) or pa.types.is_time(t):
        kind = "date" if pa.types.is_date(t) else "datetime" if pa.types.is_timestamp(t) else "time"
        cells = _temporal_cells(ref, values, kind)
    else:
        text = pa.array([None if v is None else str(v) for v in values.to_pylist()], pa.string())
        cells = _text_cells(ref, text)
    return pc.fill_null(cells, "")


class _SheetStream:
    """Writes rows into worksheet parts of the zip, starting a new sheet when one is full.

    Deflating runs on one background thread while the next batch's XML is built (zlib and
    the Arrow kernels both release the GIL); at most one chunk waits, so memory stays flat.
    """

    def __init__(self, zf: zipfile.ZipFile, names: list[str], max_rows: int) -> None:
        self.zf = zf
        self.header = [neutralise_text(n) for n in names]
        self.letters = [column_letter(i) for i in range(len(names))]
        self.max_rows = max_rows
        self.sheets = 0
        self.row = 0
        self.part: IO[bytes] | None = None
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="xlsx-deflate")
        self._pending: Future[int] | None = None
        self._next_sheet()

    def _emit(self, data: bytes) -> None:
        if self._pending is not None:
            self._pending.result()
        assert self.part is not None
        self._pending = self._writer.submit(self.part.write, data)

    def _next_sheet(self) -> None:
        self.close_part()
        self.sheets += 1
        self.part = self.zf.open(f"xl/worksheets/sheet{self.sheets}.xml", "w", force_zip64=True)
        cells = "".join(
            f'<c r="{letter}1" t="inlineStr"><is><t xml:space="preserve">{escape(name)}</t>'
            "</is></c>"
            for letter, name in zip(self.letters, self.header, strict=True)
        )
        self._emit(f'{_SHEET_HEAD}<row r="1">{cells}</row>'.encode())
        self.row = 1

    def write(self, batch: pa.RecordBatch) -> None:
        start = 0
        while start < batch.num_rows:
            if self.row > self.max_rows:
                self._next_sheet()
            take = min(batch.num_rows - start, self.max_rows - self.row + 1)
            self._write_rows(batch.slice(start, take))
            start += take

    def _write_rows(self, batch: pa.RecordBatch) -> None:
        numbers = pc.cast(pa.array(range(self.row + 1, self.row + 1 + batch.num_rows)), pa.string())
        cells = [
            _cells(pc.binary_join_element_wise(letter, numbers, ""), column)
            for letter, column in zip(self.letters, batch.columns, strict=True)
        ]
        rows = pc.binary_join_element_wise('<row r="', numbers, '">', *cells, "</row>", "")
        self._emit(string_bytes(rows))
        self.row += batch.num_rows

    def close_part(self) -> None:
        if self.part is None:
            return
        try:
            self._emit(_SHEET_TAIL.encode())
            if self._pending is not None:
                self._pending.result()
        finally:
            self._pending = None
            self.part.close()
            self.part = None

    def close(self) -> None:
        try:
            self.close_part()
        finally:
            self._writer.shutdown(wait=True)


_CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
_CT_SML = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_CT_RELS = "application/vnd.openxmlformats-package.relationships+xml"


def _content_types(sheets: int) -> str:
    overrides = [f'<Override PartName="/xl/workbook.xml" ContentType="{_CT_SML}.sheet.main+xml"/>']
    overrides += [
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{_CT_SML}.worksheet+xml"/>'
        for i in range(1, sheets + 1)
    ]
    overrides.append(f'<Override PartName="/xl/styles.xml" ContentType="{_CT_SML}.styles+xml"/>')
    return (
        f'{_XML_HEAD}<Types xmlns="{_CT_NS}">'
        f'<Default Extension="rels" ContentType="{_CT_RELS}"/>'
        '<Default Extension="xml" ContentType="application/xml"/>' + "".join(overrides) + "</Types>"
    )


def _relationships(targets: list[tuple[str, str]]) -> str:
    rels = "".join(
        f'<Relationship Id="rId{i}" Type="{_REL_NS}/{kind}" Target="{target}"/>'
        for i, (kind, target) in enumerate(targets, 1)
    )
    return f'{_XML_HEAD}<Relationships xmlns="{_PKG_REL_NS}">{rels}</Relationships>'


def _package_parts(sheets: int) -> dict[str, str]:
    names = ["data" if i == 1 else f"data {i}" for i in range(1, sheets + 1)]
    sheet_list = "".join(
        f'<sheet name={quoteattr(n)} sheetId="{i}" r:id="rId{i}"/>' for i, n in enumerate(names, 1)
    )
    sheet_rels = [("worksheet", f"worksheets/sheet{i}.xml") for i in range(1, sheets + 1)]
    return {
        "[Content_Types].xml": _content_types(sheets),
        "_rels/.rels": _relationships([("officeDocument", "xl/workbook.xml")]),
        "xl/workbook.xml": (
            f'{_XML_HEAD}<workbook xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}">'
            f"<bookViews><workbookView/></bookViews><sheets>{sheet_list}</sheets></workbook>"
        ),
        "xl/_rels/workbook.xml.rels": _relationships([*sheet_rels, ("styles", "styles.xml")]),
        "xl/styles.xml": _STYLES,
    }


_XF = '<xf numFmtId="{}" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
_STYLES = (
    f'{_XML_HEAD}<styleSheet xmlns="{_MAIN_NS}"><numFmts count="3">'
    '<numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd"/>'
    '<numFmt numFmtId="165" formatCode="yyyy\\-mm\\-dd\\ hh:mm:ss"/>'
    '<numFmt numFmtId="166" formatCode="hh:mm:ss"/></numFmts>'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    + "".join(_XF.format(n) for n in (164, 165, 166))
    + '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
    "</cellStyles></styleSheet>"
)


def write_xlsx(
    table: ExportTable, path: Path, *, max_rows_per_sheet: int = XLSX_MAX_DATA_ROWS
) -> int:
    """Write the workbook to ``path``; returns the number of sheets."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        sheets = _SheetStream(zf, list(table.schema.names), max_rows_per_sheet)
        try:
            for batch in table.batches:
                sheets.write(batch)
        finally:
            sheets.close()
        for name, text in _package_parts(sheets.sheets).items():
            zf.writestr(name, text)
    return sheets.sheets


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
