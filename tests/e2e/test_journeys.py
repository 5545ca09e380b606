"""Browser journeys in headless Chromium: the public finds and downloads, a department publishes."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
import xlsxwriter
from playwright.sync_api import expect

from tests.e2e.conftest import Journey
from tests.e2e.test_accessibility import _check, _workbench_paths

pytestmark = pytest.mark.browser
GB_CSV = "线路编号,线路名称,票价\n0012,1路,2\n0107,107路,1.5\n0203,夜班2路,3\n".encode("gb18030")


def test_public_finds_previews_filters_and_downloads(server: str, browser: object) -> None:
    j = Journey(browser, server, "public")
    j.goto("/")
    j.shot("home")
    j.page.fill("#q", "公交")
    with j.page.expect_navigation():
        j.page.keyboard.press("Enter")
    j.shot("search")
    j.page.click(".result-card a:has-text('台州市公交站点位置')")
    j.page.wait_for_selector("[data-preview-table] tbody tr")
    j.shot("dataset")
    j.page.select_option("#f-column", "district")
    j.page.select_option("#f-op", "exact")
    j.page.fill("#f-value", "椒江区")
    j.page.click("[data-filter-form] button[type=submit]")
    j.page.wait_for_url(re.compile("district="))
    rows = j.page.locator("[data-preview-table] tbody tr")
    expect(rows.first).to_contain_text("椒江区")
    assert all("椒江区" in t for t in rows.all_inner_texts())
    j.shot("filtered")
    j.page.click("li > a[href='#downloads']")
    link = j.page.locator("a.download[href*='encoding=utf-8']:not([href*='sig'])")
    expect(link).to_be_visible()
    href = link.get_attribute("href") or ""
    response = j.page.request.get(server + href)
    assert response.status == 200 and "attachment" in response.headers["content-disposition"]
    body = response.body().decode("utf-8")
    lines = body.splitlines()
    assert lines[0].startswith(("stop_code,", '"stop_code",')) and len(lines) > 1
    assert all("椒江区" in line for line in lines[1:])  # the filter travels with the download
    j.goto("/?lang=en")
    assert j.page.locator("html").get_attribute("lang") == "en"
    j.shot("english")
    j.close()


def test_department_publishes_end_to_end(server: str, browser: object, tmp_path: Path) -> None:
    officer = Journey(browser, server, "officer")
    officer.sign_in("officer", "demo-officer-pass")
    officer.goto("/workbench/datasets/new")
    officer.page.fill("#f-title", "台州市夜班公交线路")
    officer.page.fill("#f-summary", "全市夜班公交线路与票价信息（浏览器测试）。")
    officer.page.check("input[name=domains][value=jiao-tong-chu-xing]")
    officer.page.select_option("#f-update_frequency", "monthly")
    officer.shot("new-dataset")
    officer.page.click("#dataset-form button[type=submit]")
    officer.page.wait_for_load_state()
    dataset_id = int(re.search(r"/workbench/datasets/(\d+)", officer.page.url).group(1))  # type: ignore[union-attr]
    officer.goto(f"/workbench/datasets/{dataset_id}/upload")
    source = tmp_path / "夜班公交.csv"
    source.write_bytes(GB_CSV)
    officer.page.set_input_files("#u-file", str(source))
    officer.page.click("form[data-upload] button[type=submit]")
    officer.page.wait_for_selector("text=/已加载。|文件加载失败/", timeout=30000)
    assert officer.page.locator("text=已加载。").count() > 0
    officer.shot("uploaded")
    officer.goto(f"/workbench/datasets/{dataset_id}")
    officer.page.click(f"form[action='/workbench/datasets/{dataset_id}/submit'] button")
    officer.page.wait_for_load_state()
    officer.shot("submitted")
    officer.close()

    reviewer = Journey(browser, server, "reviewer")
    reviewer.sign_in("reviewer", "demo-reviewer-pass")
    reviewer.goto("/workbench/review")
    reviewer.shot("queue")
    reviewer.page.click(f"form[action='/workbench/review/{dataset_id}/approve'] button")
    reviewer.page.wait_for_load_state()
    reviewer.page.click(f"form[action='/workbench/review/{dataset_id}/publish'] button")
    reviewer.page.wait_for_load_state()
    reviewer.shot("published")
    reviewer.close()

    public = Journey(browser, server, "published")
    public.goto(f"/datasets/{dataset_id}")
    assert "台州市夜班公交线路" in public.page.content()
    public.page.wait_for_selector("[data-preview-table] tbody tr")
    assert "0012" in public.page.inner_text("[data-preview-table]")
    public.shot("public-page")
    public.close()


def test_every_sheet_of_a_workbook_is_followed_to_its_report(
    server: str, browser: object, tmp_path: Path
) -> None:
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    for name, rows in (("线路", [["线路编号"], ["0012"]]), ("站点", [["站点编号"], ["S01"]])):
        sheet = book.add_worksheet(name)
        for r, cells in enumerate(rows):
            sheet.write_string(r, 0, cells[0])
    book.close()
    source = tmp_path / "公交.xlsx"
    source.write_bytes(buf.getvalue())

    j = Journey(browser, server, "sheets")
    paths = _workbench_paths(j)
    upload = paths["workbench-edit"].replace("/edit", "/upload")
    j.goto(upload)
    assert _check(j, "upload") == []
    j.page.fill("#u-name", "浏览器测试公交")
    j.page.set_input_files("#u-file", str(source))
    j.page.check("input[name=all_sheets]")
    j.page.click("form[data-upload] button[type=submit]")
    j.page.wait_for_url(re.compile(r"/loads\?job=\d+&job=\d+"), timeout=30000)
    expect(j.page.locator("[data-loads-summary]")).to_have_text(
        "2 项导入中已完成 2 项。", timeout=30000
    )
    rows = j.page.locator("[data-job-row]")
    assert rows.count() == 2
    for index, sheet in enumerate(("线路", "站点")):
        row = rows.nth(index)
        expect(row.locator("h2")).to_have_text(f"浏览器测试公交 · {sheet}")
        expect(row.locator("progress")).to_have_attribute("value", "100")
        expect(row.locator("[data-job-report]")).to_be_visible()
    assert _check(j, "loads") == []
    rows.nth(1).locator("[data-job-report]").click()
    j.page.wait_for_load_state()
    assert "站点编号" in j.page.content()
    j.close()
