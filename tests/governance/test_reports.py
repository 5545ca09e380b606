"""Operations reports in HTML and XLSX, monthly and quarterly."""

from __future__ import annotations

import datetime as dt
import io

import pypdf
import pytest
from python_calamine import CalamineWorkbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kaifang.auth.actor import SYSTEM
from kaifang.auth.models import Organization
from kaifang.db import Database
from kaifang.errors import InvalidInput, NotFound, PermissionDenied
from kaifang.governance import index, openlists, reports
from kaifang.storage.memory import MemoryBlobStore
from tests import factories
from tests.governance.conftest import published_on, used, workbook


def _world(session: Session) -> int:
    org = factories.organization(session, name="市交通运输局<b>")
    ds = factories.published_dataset(session, org=org, title="公交线路信息", formats=["CSV"])
    published_on(ds, dt.date(2021, 6, 3))
    used(session, ds, "download", on=dt.date(2021, 6, 5), users=["u:1", "u:2"])
    used(session, ds, "api_call", on=dt.date(2021, 6, 6), users=["k:1"] * 3)
    used(session, ds, "view", on=dt.date(2021, 5, 6))
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
        "本期使用情况",
        "热门数据集",
        "申请办理时效",
        "开放指数",
    ]
    summary = book.get_sheet_by_name("概况").to_python()
    assert summary[1][1] == "2021-04-01 — 2021-06-30" and summary[2][1] == 1
    usage = book.get_sheet_by_name("本期使用情况").to_python()
    # views, downloads, API calls, distinct users of the quarter (May's view counts too)
    assert usage[1][3:] == [1, 2, 3, 3]
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
    for heading in (
        "全平台 2021-06 公共数据开放运营报告",
        "新增与更新数据集",
        "清单进度",
        "开放指数",
    ):
        assert heading in text
    assert "公交线路信息" in text and "热门数据集下载与调用" in text
    fonts = [
        font.get_object() for page in reader.pages for font in page["/Resources"]["/Font"].values()
    ]
    descendant = fonts[0]["/DescendantFonts"][0].get_object()
    # A subset font is named with a six-letter tag and carries the glyph data in the file.
    assert descendant["/BaseFont"][7] == "+" and "/FontFile2" in descendant["/FontDescriptor"]
    assert len(report.content) < 400_000


def test_a_region_reviewer_reports_on_their_region_only(session: Session) -> None:
    _world(session)  # a city-level organization (3310)
    factories.region(session, "331002", "椒江区")
    county = factories.organization(session, region_code="331002", name="椒江区交通局")
    published_on(
        factories.published_dataset(session, org=county, title="椒江公交站点"), dt.date(2021, 6, 9)
    )
    reviewer = factories.actor(session, role="reviewer", region_code="331002")
    report = reports.generate_report(session, period="2021-06", fmt="html", actor=reviewer)
    text = report.content.decode()
    assert report.filename.startswith("椒江区")
    assert "椒江公交站点" in text and "公交线路信息" not in text
    with pytest.raises(PermissionDenied):
        reports.generate_report(session, period="2021-06", region_code="3310", actor=reviewer)
    city = reports.generate_report(session, period="2021-06", fmt="html", actor=SYSTEM)
    assert "公交线路信息" in city.content.decode()


def test_stored_reports_are_listed_by_scope_and_downloaded(session: Session) -> None:
    org_id = _world(session)
    blobs = MemoryBlobStore()
    county = factories.organization(session, region_code="331002")
    officer = factories.actor(session, role="officer", org=county)
    stored = reports.store_report(
        session, blobs=blobs, period="2021-06", organization_id=org_id, fmt="pdf", actor=SYSTEM
    )
    platform = reports.store_report(session, blobs=blobs, period="2021-06", fmt="xlsx")
    assert stored.trigger == "on_demand" and stored.generated_at is not None
    admin = factories.actor(session, role="admin")
    listed = reports.list_stored_reports(session, actor=admin)
    assert [r.id for r in listed] == [platform.id, stored.id]
    assert reports.list_stored_reports(session, actor=officer) == []
    row, content = reports.get_stored_report(session, blobs, actor=admin, report_id=stored.id)
    assert content.startswith(b"%PDF") and row.size_bytes == len(content)
    with pytest.raises(NotFound):
        reports.get_stored_report(session, blobs, actor=officer, report_id=stored.id)


def test_the_scheduled_job_stores_last_month_and_quarter_once(
    session: Session, db: Database
) -> None:
    _world(session)
    session.commit()
    blobs = MemoryBlobStore()
    first = reports.generate_due_reports(db, blobs, today=dt.date(2021, 7, 1), formats=["html"])
    organizations = session.scalar(select(func.count()).select_from(Organization))
    assert {r.period for r in first} == {"2021-06", "2021-Q2"}
    assert len(first) == 2 * (1 + organizations)
    assert all(r.trigger == "scheduled" for r in first)
    again = reports.generate_due_reports(db, blobs, today=dt.date(2021, 7, 2), formats=["html"])
    assert again == []
    august = reports.generate_due_reports(db, blobs, today=dt.date(2021, 8, 1), formats=["html"])
    assert {r.period for r in august} == {"2021-07"}
