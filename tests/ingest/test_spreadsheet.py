"""XLSX and ODS through calamine, behind the package guard."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import pytest
import xlsxwriter

from kaifang.errors import InvalidInput, TooLarge
from kaifang.ingest.options import IngestOptions
from kaifang.ingest.readers import list_sheets

from .conftest import column, make_zip, types

_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _workbook(path: Path) -> Path:
    book = xlsxwriter.Workbook(str(path))
    cover = book.add_worksheet("说明")
    cover.write(0, 0, "本表为示例")
    data = book.add_worksheet("数据")
    data.write_row(0, 0, ["XX市2021年企业名录"])
    data.write_row(2, 0, ["企业名称", "统一社会信用代码", "注册资本", "成立日期", "身份证号"])
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    rows = [
        ("甲公司", "91330100MA27XJ5U3B", 100.5, dt.date(2020, 1, 2), "11010519900307123X"),
        ("乙公司", "913301007125877777", 2000, dt.date(2021, 5, 19), "110105199003071234"),
    ]
    for r, (name, code, capital, day, pid) in enumerate(rows, start=3):
        data.write_string(r, 0, name)
        data.write_string(r, 1, code)
        data.write_number(r, 2, capital)
        data.write_datetime(r, 3, dt.datetime.combine(day, dt.time()), date_format)
        data.write_string(r, 4, pid)
    data.write_number(5, 1, 110105199003071234)
    hidden = book.add_worksheet("隐藏")
    hidden.hide()
    book.close()
    return path


def test_sheets_are_listed(tmp_path):
    path = _workbook(tmp_path / "t.xlsx")
    options = IngestOptions(output_path=tmp_path / "o.parquet")
    sheets = list_sheets(path, fmt="xlsx", options=options, work_dir=tmp_path)
    assert [(s.name, s.visible) for s in sheets] == [
        ("说明", True),
        ("数据", True),
        ("隐藏", False),
    ]


def test_sheet_by_name_with_title_rows_dates_and_codes(tmp_path, ingest):
    result = ingest(_workbook(tmp_path / "t.xlsx"), sheet="数据")
    assert result.report["sheet"] == "数据"
    assert result.report["sheets"] == ["说明", "数据", "隐藏"]
    assert types(result) == {
        "企业名称": "text",
        "统一社会信用代码": "text",
        "注册资本": "decimal",
        "成立日期": "date",
        "身份证号": "text",
    }
    assert column(result, "身份证号")[:2] == ["11010519900307123X", "110105199003071234"]
    assert column(result, "成立日期")[:2] == [dt.date(2020, 1, 2), dt.date(2021, 5, 19)]
    assert column(result, "统一社会信用代码")[2].startswith("1.10105199003071")
    assert result.report["first_row"] == 4
    assert any("超过 15 位" in w for w in result.report["warnings"])


def test_sheet_by_index_and_default(tmp_path, ingest):
    path = _workbook(tmp_path / "t.xlsx")
    assert ingest(path, sheet=1).report["sheet"] == "数据"
    with pytest.raises(InvalidInput, match="只有表头"):
        ingest(path)
    with pytest.raises(InvalidInput, match="找不到工作表"):
        ingest(path, sheet="没有")


def test_renamed_extension_is_read_by_content(tmp_path, ingest):
    path = _workbook(tmp_path / "t.xls")
    result = ingest(path, sheet="数据")
    assert result.report["format"] == "xlsx"
    assert any("扩展名与内容不符" in w for w in result.report["warnings"])


def _ods(path: Path, rows_xml: str) -> Path:
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="表1">'
        f"{rows_xml}</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(
            "mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED
        )
        zf.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        zf.writestr("META-INF/manifest.xml", _MANIFEST, zipfile.ZIP_DEFLATED)
    return path


_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
    'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
    '<manifest:file-entry manifest:full-path="/" '
    'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
    "</manifest:manifest>"
)


def _cell(value: str) -> str:
    return (
        f'<table:table-cell office:value-type="string"><text:p>{value}</text:p></table:table-cell>'
    )


def test_ods_is_read(tmp_path, ingest):
    number = '<table:table-cell office:value-type="float" office:value="3"><text:p>3</text:p></table:table-cell>'
    rows = f"<table:table-row>{_cell('名称')}{_cell('数量')}</table:table-row>"
    rows += f"<table:table-row>{_cell('甲')}{number}</table:table-row>"
    rows += '<table:table-row table:number-rows-repeated="1048570"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>'
    result = ingest(_ods(tmp_path / "t.ods", rows))
    assert types(result) == {"名称": "text", "数量": "integer"}
    assert column(result, "数量") == [3]


def test_ods_repeat_bomb_is_refused(tmp_path, ingest):
    row = '<table:table-row table:number-rows-repeated="1000000"><table:table-cell table:number-columns-repeated="1000" office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row>'
    with pytest.raises(TooLarge, match="重复行/列"):
        ingest(_ods(tmp_path / "t.ods", row))


def _raw_xlsx(path: Path, sheet_body: str, shared: str | None = None) -> Path:
    relations = f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    if shared is not None:
        relations += (
            f'<Relationship Id="rId2" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/>'
        )
    members = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>',
        "_rels/.rels": f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook {_NS} xmlns:r="{_REL}"><sheets><sheet name="S1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{relations}</Relationships>',
        "xl/worksheets/sheet1.xml": f"<worksheet {_NS}>{sheet_body}</worksheet>",
    }
    if shared is not None:
        members["xl/sharedStrings.xml"] = shared
    return make_zip(path, {k: v.encode() for k, v in members.items()})


def _inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def test_minimal_raw_xlsx_reads(tmp_path, ingest):
    body = f'<sheetData><row r="1">{_inline("A1", "a")}</row><row r="2">{_inline("A2", "x")}</row></sheetData>'
    assert column(ingest(_raw_xlsx(tmp_path / "t.xlsx", body)), "a") == ["x"]


def test_sparse_cell_extent_bomb_is_refused(tmp_path, ingest):
    body = f'<dimension ref="A1:XFD1048576"/><sheetData><row r="1">{_inline("A1", "a")}</row>'
    body += f'<row r="1048576">{_inline("XFD1048576", "b")}</row></sheetData>'
    with pytest.raises(TooLarge, match="1048576 行 × 16384 列"):
        ingest(_raw_xlsx(tmp_path / "t.xlsx", body))


@pytest.mark.parametrize(
    ("far", "extent"),
    [("Z999999", "999999 行"), ("ZZ999999", "999999 行 × 702 列"), ("AAAA1", "18279 列")],
)
def test_cell_reference_beyond_its_row_or_column_is_counted(tmp_path, ingest, far, extent):
    body = f'<sheetData><row r="1">{_inline("A1", "a")}{_inline(far, "b")}</row></sheetData>'
    with pytest.raises(TooLarge, match=extent):
        ingest(_raw_xlsx(tmp_path / "t.xlsx", body))


def test_lying_dimension_alone_is_harmless(tmp_path, ingest):
    body = f'<dimension ref="A1:XFD1048576"/><sheetData><row r="1">{_inline("A1", "a")}</row>'
    body += f'<row r="2">{_inline("A2", "x")}</row></sheetData>'
    assert column(ingest(_raw_xlsx(tmp_path / "t.xlsx", body)), "a") == ["x"]


def test_huge_shared_strings_count_is_refused(tmp_path, ingest):
    shared = f'<sst {_NS} count="4000000000" uniqueCount="4000000000"><si><t>a</t></si></sst>'
    body = '<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData>'
    with pytest.raises(TooLarge, match="共享字符串"):
        ingest(_raw_xlsx(tmp_path / "t.xlsx", body, shared))


def test_huge_shared_strings_part_is_refused(tmp_path, ingest):
    shared = f"<sst {_NS}><si><t>" + "a" * 3_000_000 + "</t></si></sst>"
    body = '<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData>'
    with pytest.raises(TooLarge, match="压缩比"):
        ingest(_raw_xlsx(tmp_path / "t.xlsx", body, shared))


def test_corrupt_xlsx_is_refused(tmp_path, ingest, write):
    good = _workbook(tmp_path / "good.xlsx").read_bytes()
    broken = write("t.xlsx", good[: len(good) // 2])
    with pytest.raises(InvalidInput, match="损坏"):
        ingest(broken)


def test_xlsx_with_garbage_sheet_xml_is_refused(tmp_path, ingest):
    with pytest.raises(InvalidInput, match=r"损坏|不受支持"):
        ingest(_raw_xlsx(tmp_path / "t.xlsx", "<sheetData><row><c><v>1</broken>"))


def test_wide_legitimate_sheet_passes_the_guard(tmp_path, ingest):
    path = tmp_path / "wide.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, [f"列{i}" for i in range(40)])
    for r in range(1, 200):
        sheet.write_row(r, 0, list(range(40)))
    book.close()
    result = ingest(path)
    assert len(result.schema) == 40 and result.rows == 199


def test_guard_handles_reordered_attributes(tmp_path, ingest):
    far = '<c s="0" r="XFD1048576" t="inlineStr"><is><t>b</t></is></c>'
    body = f'<sheetData><row spans="1:1" r="1">{_inline("A1", "a")}</row><row r="1048576">{far}</row></sheetData>'
    with pytest.raises(TooLarge, match="16384 列"):
        ingest(_raw_xlsx(tmp_path / "t.xlsx", body))


def test_sandbox_contains_allocation_bombs(tmp_path, ingest, monkeypatch):
    from kaifang.ingest.readers import spreadsheet

    # Without the guard, calamine meets the bomb, in the child, under a 1 GB limit.
    monkeypatch.setattr(spreadsheet, "guard_package", lambda *args, **kwargs: [])
    monkeypatch.setattr(spreadsheet, "SANDBOX_MEMORY", 1024**3)
    body = f'<sheetData><row r="1">{_inline("A1", "a")}</row><row r="1048576">{_inline("XFD1048576", "b")}</row></sheetData>'
    with pytest.raises(TooLarge, match="内存超过上限"):
        ingest(_raw_xlsx(tmp_path / "bomb.xlsx", body))
    assert ingest(_workbook(tmp_path / "ok.xlsx"), sheet="数据").rows == 3
    broken = tmp_path / "broken.xls"
    broken.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    with pytest.raises(InvalidInput, match="损坏"):
        ingest(broken)


def test_corrupt_xls_is_refused(write, ingest):
    with pytest.raises(InvalidInput, match="损坏"):
        ingest(write("t.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600))


def test_extent_bomb_after_the_first_megabytes_is_refused(tmp_path, ingest):
    # Text that does not compress well, so the sheet spans several inflated chunks.
    rows = "".join(
        f'<row r="{r}">{_inline(f"A{r}", format(r * 2654435761 % 2**64, "x"))}</row>'
        for r in range(1, 40_001)
    )
    tail = f'<row r="1048576">{_inline("XFD1048576", "b")}</row>'
    with pytest.raises(TooLarge, match="1048576 行 × 16384 列"):
        ingest(_raw_xlsx(tmp_path / "t.xlsx", f"<sheetData>{rows}{tail}</sheetData>"))


def test_row_numbers_count_from_the_sheets_first_row(tmp_path, ingest):
    """A table placed lower and to the right: rejected cells name their row in the sheet."""
    book = xlsxwriter.Workbook(str(tmp_path / "t.xlsx"))
    sheet = book.add_worksheet("S")
    sheet.write_row(5, 2, ["编号", "数量"])  # the header on sheet row 6, from column C
    for r in range(6, 60):
        sheet.write_string(r, 2, f"{r:04d}")
        sheet.write(r, 3, "不详" if r == 40 else r)
    book.close()
    result = ingest(tmp_path / "t.xlsx", column_types={"数量": "integer"})
    assert [(r["row"], r["value"]) for r in result.report["rejected"]] == [(41, "不详")]
