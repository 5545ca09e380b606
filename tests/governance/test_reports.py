"""Operations reports in HTML and XLSX, monthly and quarterly."""

from __future__ import annotations

import datetime as dt
import io

import pypdf
import pytest
from python_calamine import CalamineWorkbook
from sqlalchemy.orm import Session

from kaifang.auth.actor import SYSTEM
from kaifang.errors import InvalidInput
from kaifang.governance import index, openlists, reports
from tests import factories
from tests.governance.conftest import published_on, workbook


def _world(session: Session) -> int:
    org = factories.organization(session, name="市交通运输局<b>")
    ds = factories.published_dataset(session, org=org, title="公交线路信息", formats=["CSV"])
    published_on(ds, dt.date(2021, 6, 3))
    ds.downloads, ds.api_calls = 12, 30
    rows = [[org.name, "交通出行", "公交线路信息", "线路名称、起点站", "驾驶员手机号", "2021-06"]]
    [ol] = openlists.import_open_list(
        session, actor=SYSTEM, data=workbook(rows), filename="l", year=2021
    )
    openlists.link_row(session, actor=SYSTEM, row_id=ol.rows[0].id)
    index.compute_index(session, as_of=dt.date(2021, 6, 30))
    session.flush()
    return org.id


def test_monthly_html_report_is_self_contained(session: Session) -> None:
    _world(session)
    report = reports.generate_report(session, period="2021-06", fmt="html")
    text = report.content.decode()
    assert report.media_type.startswith("text/html") and report.filename.endswith(".html")
    assert "<svg" in text and "公交线路信息" in text and "新增" in text
    assert "<script" not in text and "<link" not in text and 'src="' not in text
    assert "市交通运输局&lt;b&gt;" in text  # escaped


def test_quarterly_xlsx_report_has_every_section(session: Session) -> None:
    org_id = _world(session)
    report = reports.generate_report(session, period="2021-Q2", organization_id=org_id, fmt="xlsx")
    book = CalamineWorkbook.from_filelike(io.BytesIO(report.content))
    assert book.sheet_names == [
        "概况",
        "新增与更新数据集",
        "清单进度",
        "使用情况(累计)",
        "热门数据集",
        "申请办理时效",
        "开放指数",
    ]
    summary = book.get_sheet_by_name("概况").to_python()
    assert summary[1][1] == "2021-04-01 — 2021-06-30" and summary[2][1] == 1
    progress = book.get_sheet_by_name("清单进度").to_python()
    assert progress[1][5] == 1 and progress[1][6] == 1.0


def test_period_is_validated(session: Session) -> None:
    assert reports.parse_period("2021-Q3").end == dt.date(2021, 9, 30)
    assert reports.parse_period("2021-02").end == dt.date(2021, 2, 28)
    for bad in ("2021-13", "2021-Q5", "June"):
        with pytest.raises(InvalidInput):
            reports.parse_period(bad)


def test_monthly_pdf_report_has_chinese_text_charts_and_an_embedded_font_subset(
    session: Session,
) -> None:
    _world(session)
    report = reports.generate_report(session, period="2021-06", fmt="pdf")
    assert report.media_type == "application/pdf" and report.filename.endswith(".pdf")
    reader = pypdf.PdfReader(io.BytesIO(report.content))
    text = "".join(page.extract_text() for page in reader.pages)
    for heading in ("全平台 2021-06 公共数据开放运营报告", "新增与更新数据集", "清单进度", "开放指数"):
        assert heading in text
    assert "公交线路信息" in text and "下载量前10" in text
    fonts = [
        font.get_object()
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    ]
    descendant = fonts[0]["/DescendantFonts"][0].get_object()
    # A subset font is named with a six-letter tag and carries the glyph data in the file.
    assert descendant["/BaseFont"][7] == "+" and "/FontFile2" in descendant["/FontDescriptor"]
    assert len(report.content) < 400_000
