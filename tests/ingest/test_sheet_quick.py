"""The spreadsheet child's quick way (first rows + fastexcel) gives what the whole parse gives.

``sheetparse._read_quickly`` lists sheets and finds the header on a small copy of the
workbook's first rows and takes the rest of the sheet from fastexcel; ``_read_whole`` parses
everything with python-calamine. Both are streamed as the child streams them and compared
batch by batch, notes included; workbooks the quick way must decline are checked to decline.
"""

from __future__ import annotations

import datetime as dt
import io
import queue
import threading
import zipfile
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kaifang.errors import InvalidInput
from kaifang.ingest.sheethead import head_workbook
from kaifang.ingest.sheetparse import (
    SheetInfo,
    SheetRequest,
    _read_quickly,
    _read_whole,
    _whole_parse,
)
from kaifang.ingest.sheetstream import stream_sheet

from .test_spreadsheet import _inline, _raw_xlsx

REQUEST = SheetRequest(
    sheet=None, header_row=None, max_columns=1000, max_rows=1_000_000, max_cells=20_000_000
)


def _streamed(rows: Any) -> list[tuple[pa.RecordBatch, Any]]:
    sink = io.BytesIO()
    stream_sheet(rows, sink)
    reader = pa.ipc.open_stream(sink.getvalue())
    batches = [(reader.schema.metadata, None)]
    while True:
        try:
            batches.append(reader.read_next_batch_with_custom_metadata())
        except StopIteration:
            return batches


def _assert_same(path: Path, request: SheetRequest = REQUEST, *, quick: bool = True) -> None:
    """fastexcel's rows serve (or, if ``quick`` is false, do not) and equal the whole parse.

    Declining, the quick way gives None before starting fastexcel, or the backup whole parse
    after fastexcel's rows were found unfit; that is compared too.
    """
    fast = _read_quickly(path, request)
    assert (fast is not None and fast.tail is not None) is quick
    if fast is None:
        return
    ours, theirs = _streamed(fast), _streamed(_read_whole(path, request))
    assert ours[0] == theirs[0]  # header labels, first row, sheets
    assert len(ours) == len(theirs)
    for (batch, notes), (expected, expected_notes) in zip(ours[1:], theirs[1:], strict=True):
        assert batch.equals(expected)
        assert notes == expected_notes


def _book(path: Path, write: Any) -> Path:
    book = xlsxwriter.Workbook(str(path))
    write(book)
    book.close()
    return path


def _plain_table(book: Any) -> None:
    sheet = book.add_worksheet("数据")
    sheet.write_row(0, 0, ["编号", "名称", "金额", "日期", "有效", "代码"])
    for r in range(1, 300):
        sheet.write_number(r, 0, r)
        sheet.write_string(r, 1, f"名称{r % 7}")
        sheet.write_number(r, 2, r * 1.25 + 0.1)
        sheet.write_string(r, 3, f"2021年{r % 12 + 1}月{r % 28 + 1}日")
        sheet.write_boolean(r, 4, r % 2 == 0)
        sheet.write_string(r, 5, f"{r:018d}")


def test_plain_table_takes_the_quick_way(tmp_path):
    _assert_same(_book(tmp_path / "t.xlsx", _plain_table))


@pytest.mark.parametrize("row", [5, 200])
def test_date_cells_are_left_to_the_whole_parse(tmp_path, row):
    """Above or below the header scan: calamine decides dates from serials fastexcel rounds."""

    def write(book: Any) -> None:
        _plain_table(book)
        day = book.add_format({"num_format": "yyyy-mm-dd"})
        book.get_worksheet_by_name("数据").write_datetime(row, 3, dt.datetime(2021, 5, 19), day)

    _assert_same(_book(tmp_path / "t.xlsx", write), quick=False)


def test_title_rows_offset_range_and_shared_strings(tmp_path):
    def write(book: Any) -> None:
        book.add_worksheet("说明").write(0, 0, "本表为示例")
        sheet = book.add_worksheet("数据")
        sheet.write(3, 2, "XX市2021年企业名录")
        sheet.write(4, 2, "单位：万元")
        sheet.write_row(6, 2, ["企业名称", "注册资本", "备注"])
        for r in range(7, 2000):
            sheet.write_string(r, 2, f"企业{r}")
            sheet.write_number(r, 3, r / 3)
            if r % 5 == 0:
                sheet.write_string(r, 4, "重点")
            if r % 97 == 0:  # empty rows keep their numbers in the report
                sheet.write_blank(r, 2, None)
                sheet.write_blank(r, 3, None)
                sheet.write_blank(r, 4, None)

    path = _book(tmp_path / "t.xlsx", write)
    _assert_same(path, SheetRequest(**{**REQUEST.__dict__, "sheet": "数据"}))


def test_a_batch_boundary_and_lost_precision(tmp_path):
    def write(book: Any) -> None:
        sheet = book.add_worksheet("S")
        sheet.write_row(0, 0, ["a", "b", "c"])
        for r in range(1, 16_500):
            sheet.write_number(r, 0, r)
            if r not in range(16_380, 16_391):
                sheet.write_string(r, 1, f"x{r}")
            sheet.write_number(r, 2, 123456789012345678 if r == 16_400 else r * 0.5)

    _assert_same(_book(tmp_path / "t.xlsx", write))


def test_mixed_column_declines(tmp_path):
    def write(book: Any) -> None:
        sheet = book.add_worksheet("S")
        sheet.write_row(0, 0, ["金额"])
        for r in range(1, 100):
            if r == 77:
                sheet.write_string(r, 0, "不详")
            else:
                sheet.write_number(r, 0, r)

    _assert_same(_book(tmp_path / "t.xlsx", write), quick=False)


def test_mixing_kinds_across_the_header_scan_is_converted_as_one(tmp_path):
    """Text among the first rows, numbers only below: the first chunk is converted as one."""

    def write(book: Any) -> None:
        sheet = book.add_worksheet("S")
        sheet.write_row(0, 0, ["代码", "值"])
        sheet.write_string(1, 0, "不详")
        sheet.write_number(2, 1, -0.0)
        for r in range(3, 200):
            sheet.write_number(r, 0, 2**53 + 2 * r)
            sheet.write_number(r, 1, -0.0 if r % 2 else 1e-7)

    _assert_same(_book(tmp_path / "t.xlsx", write))


def test_short_sheets_and_other_formats_are_parsed_whole(tmp_path):
    def short(book: Any) -> None:
        sheet = book.add_worksheet("S")
        for r in range(20):
            sheet.write_row(r, 0, [f"r{r}", r])

    _assert_same(_book(tmp_path / "t.xlsx", short), quick=False)
    plain = _book(tmp_path / "t.xlsx", _plain_table)
    assert _read_quickly(plain.rename(tmp_path / "t.xls"), REQUEST) is None


def test_large_workbooks_are_parsed_whole(tmp_path, monkeypatch):
    """fastexcel and the backup parse share the child's address space: big files skip it."""
    from kaifang.ingest import sheetparse

    path = _book(tmp_path / "t.xlsx", _plain_table)
    monkeypatch.setattr(sheetparse, "FAST_TAIL_MAX_BYTES", path.stat().st_size - 1)
    assert _read_quickly(path, REQUEST) is None


def test_refusals_from_the_first_rows_are_the_same(tmp_path):
    path = _book(tmp_path / "t.xlsx", _plain_table)
    for request in (
        SheetRequest(**{**REQUEST.__dict__, "sheet": "无此表"}),
        SheetRequest(**{**REQUEST.__dict__, "header_row": 40}),
    ):
        with pytest.raises(InvalidInput) as quick:
            _read_quickly(path, request)
        with pytest.raises(InvalidInput) as whole:
            _read_whole(path, request)
        assert quick.value.message == whole.value.message


def test_size_limits_count_the_whole_sheet(tmp_path):
    path = _book(tmp_path / "t.xlsx", _plain_table)
    small = SheetRequest(**{**REQUEST.__dict__, "max_rows": 100})
    with pytest.raises(Exception, match="300 行") as quick:
        _read_quickly(path, small)
    with pytest.raises(Exception, match="300 行") as whole:
        _read_whole(path, small)
    assert quick.value.message == whole.value.message


def test_a_starved_backup_is_raced_by_a_parse_at_normal_priority(tmp_path):
    path = _book(tmp_path / "t.xlsx", _plain_table)
    stuck = threading.Event()
    backup = threading.Thread(target=stuck.wait, daemon=True)  # a backup that never finishes
    backup.start()
    try:
        _, sheet = _whole_parse(
            backup, path, SheetInfo(0, "数据", True, "worksheet"), queue.Queue()
        )
    finally:
        stuck.set()
    assert sheet.height == 300


def test_a_failed_backup_raises_its_refusal(tmp_path):
    backup = threading.Thread(target=lambda: None)
    backup.start()
    backup.join()
    results: queue.Queue[Any] = queue.Queue()
    results.put(InvalidInput("工作表已损坏"))
    info = SheetInfo(0, "数据", True, "worksheet")
    with pytest.raises(InvalidInput, match="工作表已损坏"):
        _whole_parse(backup, tmp_path / "t.xlsx", info, results)


# -- the head workbook ------------------------------------------------------------------------


def test_head_workbook_keeps_the_first_rows_and_the_strings_they_use(tmp_path):
    path = _book(tmp_path / "t.xlsx", _plain_table)
    head = head_workbook(path, 31)
    assert head is not None
    with zipfile.ZipFile(io.BytesIO(head)) as small, zipfile.ZipFile(path) as whole:
        sheet = small.read("xl/worksheets/sheet1.xml")
        assert sheet.count(b"</row>") == 31
        assert sheet.endswith(b"</sheetData></worksheet>")
        assert len(small.read("xl/sharedStrings.xml")) < len(whole.read("xl/sharedStrings.xml"))


def test_head_workbook_declines_what_it_does_not_handle(tmp_path):
    assert head_workbook(tmp_path / "missing.xlsx", 31) is None
    (tmp_path / "not.xlsx").write_bytes(b"PK\x03\x04 not a zip")
    assert head_workbook(tmp_path / "not.xlsx", 31) is None
    cells = "".join(_inline(f"A{r}", "x" * 300_000) for r in range(1, 3))
    wide = _raw_xlsx(tmp_path / "wide.xlsx", f'<sheetData><row r="1">{cells}</row></sheetData>')
    # Fewer rows than asked: the whole (small) sheet is kept as it is.
    assert head_workbook(wide, 31) is not None
    body = "".join(f'<row r="{r}">{_inline(f"A{r}", "y" * 400_000)}</row>' for r in range(1, 40))
    long_rows = _raw_xlsx(tmp_path / "long.xlsx", f"<sheetData>{body}</sheetData>")
    assert head_workbook(long_rows, 31) is None  # 31 rows are not within the first 8 MB


def test_absolute_relationship_targets_are_followed(tmp_path):
    """Some writers name parts from the package root ("/xl/worksheets/sheet1.xml")."""
    path = _book(tmp_path / "t.xlsx", _plain_table)
    with zipfile.ZipFile(path) as source:
        members = {name: source.read(name) for name in source.namelist()}
    rels = "xl/_rels/workbook.xml.rels"
    members[rels] = members[rels].replace(b'Target="worksheets/', b'Target="/xl/worksheets/')
    members[rels] = members[rels].replace(b'Target="sharedStrings', b'Target="/xl/sharedStrings')
    assert b'Target="/xl/worksheets/' in members[rels]
    with zipfile.ZipFile(path, "w") as target:
        for name, data in members.items():
            target.writestr(name, data)
    _assert_same(path)


def test_prefixed_sheet_xml_is_closed_with_its_prefix(tmp_path):
    ns = 'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rows = "".join(
        f'<x:row r="{r}"><x:c r="A{r}" t="inlineStr"><x:is><x:t>v{r}</x:t></x:is></x:c></x:row>'
        for r in range(1, 50)
    )
    path = _raw_xlsx(tmp_path / "p.xlsx", "")
    with zipfile.ZipFile(path) as source:
        members = {name: source.read(name) for name in source.namelist()}
    members["xl/worksheets/sheet1.xml"] = (
        f"<x:worksheet {ns}><x:sheetData>{rows}</x:sheetData></x:worksheet>".encode()
    )
    with zipfile.ZipFile(path, "w") as target:
        for name, data in members.items():
            target.writestr(name, data)
    head = head_workbook(path, 31)
    assert head is not None
    with zipfile.ZipFile(io.BytesIO(head)) as small:
        sheet = small.read("xl/worksheets/sheet1.xml")
    assert sheet.endswith(b"</x:sheetData></x:worksheet>")
    assert sheet.count(b"</x:row>") == 31


# -- any column of one kind ---------------------------------------------------------------------

_FLOATS = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e300, max_value=1e300)
_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=12)
# Date, time and duration cells are left to the whole parse (tested above).
_KINDS = {
    "number": _FLOATS,
    "integer": st.integers(min_value=-(10**17), max_value=10**17),
    "text": _TEXT,
    "bool": st.booleans(),
}


@st.composite
def _columns(draw: Any) -> list[tuple[str, list[Any]]]:
    rows = draw(st.integers(min_value=32, max_value=90))
    kinds = draw(st.lists(st.sampled_from(sorted(_KINDS)), min_size=1, max_size=5))
    columns = [
        (kind, draw(st.lists(st.one_of(st.none(), _KINDS[kind]), min_size=rows, max_size=rows)))
        for kind in kinds
    ]
    kind, first = columns[0]
    first[-1] = draw(_KINDS[kind].filter(lambda value: value != ""))  # the sheet reaches its end
    return columns


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(columns=_columns())
def test_any_single_kind_columns_read_the_same(tmp_path, columns):
    def write(book: Any) -> None:
        sheet = book.add_worksheet("S")
        for c, (kind, values) in enumerate(columns):
            sheet.write_string(0, c, f"列{c}")
            for r, value in enumerate(values, start=1):
                if value is None:
                    continue
                if kind == "text":
                    sheet.write_string(r, c, value)
                elif kind == "bool":
                    sheet.write_boolean(r, c, value)
                else:
                    sheet.write_number(r, c, value)

    _assert_same(_book(tmp_path / "h.xlsx", write))
