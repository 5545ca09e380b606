"""Loading data in the workbench: the upload form, every load's progress, and the resource report
page (columns with their types, a reload form, the job's outcome)."""

from __future__ import annotations

import io
import re

import xlsxwriter
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from kaifang.catalog.models import Resource
from kaifang.jobs import Job
from kaifang.jobs.models import JobStatus
from tests import factories
from tests.web.helpers import csrf_from_page
from tests.web.pages.conftest import Cast
from tests.web.pages.pagetools import get, post_form, sign_in

CSV = "编号,名称,金额\n0012,甲,1.5\n0107,乙,2\n"


def _loaded(client: TestClient, session: Session, cast: Cast) -> tuple[int, int]:
    officer = factories.actor(session, role="officer", org=cast.org)
    dataset = factories.dataset(session, actor=officer, title="测试收费表")
    session.commit()
    sign_in(client, cast.officer)
    token = re.search(
        r'name="csrf_token" value="([0-9a-f]+)"',
        get(client, f"/workbench/datasets/{dataset.id}/upload").text,
    )
    assert token
    r = client.post(
        f"/api/v1/datasets/{dataset.id}/resources",
        files={"file": ("收费.csv", CSV.encode(), "text/csv")},
        data={"name": "收费", "csrf_token": token.group(1)},
        headers={"x-csrf-token": token.group(1)},
    )
    assert r.status_code == 202, r.text
    return dataset.id, int(r.json()["resource"]["id"])


def test_page_lists_columns_and_reloads_with_a_new_type(
    client: TestClient, session: Session, cast: Cast
) -> None:
    ds_id, rid = _loaded(client, session, cast)
    path = f"/workbench/datasets/{ds_id}/resources/{rid}/types"
    assert f'href="{path}"' in get(client, f"/workbench/datasets/{ds_id}/upload").text

    page = get(client, path)
    assert page.status_code == 200
    assert "<code>金额</code>" in page.text and 'name="t2"' in page.text
    assert "第 1 版导入报告" in page.text

    done = post_form(client, path, {"t2": "text"}, token_page=path)
    assert done.status_code == 303 and "job=" in done.headers["location"]
    result = get(client, done.headers["location"])
    assert "已重新导入，现提供第 2 版" in result.text
    assert "人工指定" in result.text  # the column now shows the officer's choice


def test_failed_reload_names_the_row_and_keeps_the_version(
    client: TestClient, session: Session, cast: Cast
) -> None:
    ds_id, rid = _loaded(client, session, cast)
    path = f"/workbench/datasets/{ds_id}/resources/{rid}/types"
    done = post_form(client, path, {"t1": "integer"}, token_page=path)
    page = get(client, done.headers["location"])
    assert "重新导入失败，仍在提供第 1 版" in page.text
    assert "第 2 行" in page.text and "名称" in page.text


def test_other_organizations_and_the_public_cannot_open_it(
    client: TestClient, session: Session, cast: Cast
) -> None:
    ds_id, rid = _loaded(client, session, cast)
    path = f"/workbench/datasets/{ds_id}/resources/{rid}/types"
    sign_in(client, cast.other_officer)
    assert get(client, path).status_code in (403, 404)
    client.cookies.clear()
    assert get(client, path).status_code in (401, 303)


def _two_sheet_workbook() -> bytes:
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    for name, rows in (
        ("线路", [["线路编号", "线路名称"], ["0012", "夜班1路"], ["0107", "夜班2路"]]),
        ("站点", [["站点编号", "站点名称"], ["S01", "火车站"]]),
    ):
        sheet = book.add_worksheet(name)
        for r, cells in enumerate(rows):
            for c, value in enumerate(cells):
                sheet.write_string(r, c, value)
    book.close()
    return buf.getvalue()


def _upload_form(
    client: TestClient, ds_id: int, filename: str, content: bytes, **fields: str
) -> Response:
    """The upload form posted the way a browser without JavaScript does."""
    path = f"/workbench/datasets/{ds_id}/upload"
    token = csrf_from_page(client, path)
    return client.post(
        path,
        files={"file": (filename, content, "application/octet-stream")},
        data={"name": "公交", "csrf_token": token, **fields},
        headers={"accept": "text/html"},
        follow_redirects=False,
    )


def _rows(html: str) -> list[str]:
    return re.findall(r"<li class=\"panel load-row\".*?</li>", html, re.S)


def _officer_dataset(session: Session, cast: Cast, client: TestClient) -> int:
    officer = factories.actor(session, role="officer", org=cast.org)
    dataset = factories.dataset(session, actor=officer, title="公交线路与站点")
    session.commit()
    sign_in(client, cast.officer)
    return dataset.id


def test_every_sheet_gets_its_own_row_with_progress_and_report_link(
    client: TestClient, session: Session, cast: Cast
) -> None:
    ds_id = _officer_dataset(session, cast, client)
    done = _upload_form(client, ds_id, "公交.xlsx", _two_sheet_workbook(), all_sheets="true")
    assert done.status_code == 303, done.text
    location = done.headers["location"]
    assert location.startswith(f"/workbench/datasets/{ds_id}/loads?job=")
    assert location.count("job=") == 2

    page = get(client, location)
    assert page.status_code == 200
    rows = _rows(page.text)
    assert len(rows) == 2
    resources = session.scalars(
        select(Resource).where(Resource.dataset_id == ds_id).order_by(Resource.id)
    ).all()
    assert [r.name for r in resources] == ["公交 · 线路", "公交 · 站点"]
    for row, resource, sheet in zip(rows, resources, ("线路", "站点"), strict=True):
        assert f">{resource.name}</h2>" in row and f">{sheet}</span>" in row
        assert 'max="100" value="100"' in row and "导入完成" in row
        report = f'href="/workbench/datasets/{ds_id}/resources/{resource.id}/types"'
        assert f"{report} data-job-report>" in row  # shown, not hidden
        assert (
            get(client, f"/workbench/datasets/{ds_id}/resources/{resource.id}/types").status_code
            == 200
        )
    assert "2 项导入中已完成 2 项" in page.text
    assert "刷新状态" not in page.text  # nothing left to wait for
    assert "/static/js/upload.js" in page.text


def test_unfinished_loads_show_their_progress_and_a_refresh_link(
    client: TestClient, session: Session, cast: Cast
) -> None:
    ds_id = _officer_dataset(session, cast, client)
    done = _upload_form(client, ds_id, "公交.xlsx", _two_sheet_workbook(), all_sheets="true")
    location = done.headers["location"]
    first, second = (int(j) for j in re.findall(r"job=(\d+)", location))
    session.execute(
        update(Job).where(Job.id == first).values(status=JobStatus.RUNNING, progress=40.0)
    )
    session.execute(
        update(Job).where(Job.id == second).values(status=JobStatus.FAILED, error="第 3 行无法读取")
    )
    session.commit()

    page = get(client, location)
    running, failed = _rows(page.text)
    assert f'data-job-id="{first}" data-job-status="running"' in running
    assert 'value="40"' in running and "正在导入" in running
    assert "data-job-report hidden" in running  # no report before the load finishes
    assert "失败" in failed and "第 3 行无法读取" in failed and "data-job-report hidden" in failed
    assert f'href="{location.replace("&", "&amp;")}"' in page.text and "刷新状态" in page.text
    assert "2 项导入中已完成 1 项" in page.text


def test_a_single_file_without_javascript_lands_on_its_progress(
    client: TestClient, session: Session, cast: Cast
) -> None:
    ds_id = _officer_dataset(session, cast, client)
    done = _upload_form(client, ds_id, "收费.csv", CSV.encode())
    assert done.status_code == 303 and done.headers["location"].count("job=") == 1
    (row,) = _rows(get(client, done.headers["location"]).text)
    assert ">公交</h2>" in row and "导入完成" in row


def test_refused_uploads_show_the_form_again_with_the_reason(
    client: TestClient, session: Session, cast: Cast
) -> None:
    ds_id = _officer_dataset(session, cast, client)
    not_a_workbook = _upload_form(client, ds_id, "收费.csv", CSV.encode(), all_sheets="true")
    assert not_a_workbook.status_code == 422
    assert "只有 XLSX/XLS/ODS 工作簿可以按工作表分别导入" in not_a_workbook.text
    assert 'name="file"' in not_a_workbook.text
    no_file = _upload_form(client, ds_id, "", b"")
    assert no_file.status_code == 422 and "请选择要上传的文件" in no_file.text
    assert session.scalars(select(Resource).where(Resource.dataset_id == ds_id)).all() == []


def test_only_the_uploader_sees_the_loads(client: TestClient, session: Session, cast: Cast) -> None:
    ds_id = _officer_dataset(session, cast, client)
    location = _upload_form(
        client, ds_id, "公交.xlsx", _two_sheet_workbook(), all_sheets="true"
    ).headers["location"]
    sign_in(client, cast.other_officer)
    assert get(client, location).status_code in (403, 404)
    client.cookies.clear()
    assert get(client, location).status_code in (401, 303)
    sign_in(client, cast.officer)
    assert get(client, f"/workbench/datasets/{ds_id}/loads?job=999999").status_code == 404
