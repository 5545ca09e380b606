"""Loading data through the API: type overrides and reloads, sheets, declared coordinate systems."""

from __future__ import annotations

import io

import pytest
import xlsxwriter
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from kaifang.audit.models import AuditRecord
from kaifang.datastore.coords import wgs84_to_gcj02
from tests import factories
from tests.web.helpers import bearer
from tests.web.test_data_api import _setup, _upload


def _resource_id(client: TestClient, headers: dict[str, str], ds_id: int) -> int:
    return int(
        client.get(f"/api/v1/datasets/{ds_id}", headers=headers).json()["resources"][0]["id"]
    )


def _job(client: TestClient, headers: dict[str, str], response: object) -> dict:
    assert response.status_code == 202, response.text  # type: ignore[attr-defined]
    job_id = response.json()["job_id"]  # type: ignore[attr-defined]
    return client.get(f"/api/v1/jobs/{job_id}", headers=headers).json()


def _reload(client: TestClient, headers: dict[str, str], ds_id: int, rid: int, **body: object):  # type: ignore[no-untyped-def]
    return client.post(
        f"/api/v1/datasets/{ds_id}/resources/{rid}/reload", json=body, headers=headers
    )


def test_override_reloads_the_original_as_a_new_version(
    client: TestClient, session: Session
) -> None:
    officer, ds_id = _setup(client, session)
    _upload(client, officer, ds_id)
    rid = _resource_id(client, officer, ds_id)

    job = _job(client, officer, _reload(client, officer, ds_id, rid, column_types={"票价": "text"}))

    assert job["status"] == "succeeded", job
    assert job["result"]["version"] == 2
    price = next(c for c in job["result"]["schema"] if c["name"] == "票价")
    assert (price["type"], price["origin"]) == ("text", "override")
    rows = client.get(f"/api/v1/datasets/{ds_id}/rows?_sort=线路编号", headers=officer).json()
    assert rows["version"] == 2 and [r["票价"] for r in rows["rows"]] == ["2", "1.5", "3"]
    audit = session.scalars(select(AuditRecord).where(AuditRecord.action == "resource.retype"))
    assert [a.details["column_types"] for a in audit] == [{"票价": "text"}]

    # Overrides accumulate; "auto" returns a column to its inferred type.
    job = _job(client, officer, _reload(client, officer, ds_id, rid, column_types={"票价": "auto"}))
    assert job["status"] == "succeeded"
    price = next(c for c in job["result"]["schema"] if c["name"] == "票价")
    assert price["type"] == "decimal" and job["result"]["report"]["column_types"] == {}


def test_bad_override_fails_the_job_and_the_previous_version_serves(
    client: TestClient, session: Session
) -> None:
    officer, ds_id = _setup(client, session)
    _upload(client, officer, ds_id)
    rid = _resource_id(client, officer, ds_id)

    job = _job(
        client, officer, _reload(client, officer, ds_id, rid, column_types={"线路名称": "integer"})
    )

    assert job["status"] == "failed"
    assert "超过允许的 5%" in job["error"] and "线路名称" in job["error"]
    assert "第 2 行" in job["error"] and "row 2" in job["error"]
    rows = client.get(f"/api/v1/datasets/{ds_id}/rows", headers=officer).json()
    assert rows["version"] == 1 and len(rows["rows"]) == 3
    assert {r["线路名称"] for r in rows["rows"]} == {"1路", "107路", "夜班=2+3"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"column_types": {"没有这列": "text"}}, "没有这列"),
        ({"column_types": {"票价": "money"}}, "money"),
        ({"column_types": {"票价": "float"}}, "column type must be one of"),
        ({"coordinate_system": "Mars-99"}, "Mars-99"),
    ],
)
def test_unknown_columns_types_and_systems_answer_400_before_any_job(
    client: TestClient, session: Session, body: dict, field: str
) -> None:
    officer, ds_id = _setup(client, session)
    _upload(client, officer, ds_id)
    rid = _resource_id(client, officer, ds_id)
    r = _reload(client, officer, ds_id, rid, **body)
    assert r.status_code == 422 and field in r.json()["error"]["message"]


def test_only_the_owning_organization_may_reload(client: TestClient, session: Session) -> None:
    officer, ds_id = _setup(client, session)
    _upload(client, officer, ds_id)
    rid = _resource_id(client, officer, ds_id)
    factories.user(session, role="officer", org=factories.organization(session), username="x-off")
    session.commit()
    other = bearer(client, "x-off")
    r = _reload(client, other, ds_id, rid, column_types={"票价": "text"})
    assert r.status_code in (403, 404)
    assert (
        client.post(f"/api/v1/datasets/{ds_id}/resources/{rid}/reload", json={}).status_code == 401
    )


def _workbook() -> bytes:
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    for name, rows in (
        ("线路", [["线路编号", "线路名称"], ["0012", "1路"], ["0107", "107路"]]),
        ("站点", [["站点编号", "站点名称", "线路编号"], ["S01", "火车站", "0012"]]),
    ):
        sheet = book.add_worksheet(name)
        for r, cells in enumerate(rows):
            for c, value in enumerate(cells):
                sheet.write_string(r, c, value)
    hidden = book.add_worksheet("说明")
    hidden.write_string(0, 0, "内部说明")
    hidden.hide()
    book.close()
    return buf.getvalue()


def _post_workbook(client: TestClient, headers: dict[str, str], ds_id: int, **data: str):  # type: ignore[no-untyped-def]
    files = {"file": ("公交.xlsx", _workbook(), "application/octet-stream")}
    return client.post(
        f"/api/v1/datasets/{ds_id}/resources",
        files=files,
        data={"name": "公交", **data},
        headers=headers,
    )


def test_every_visible_sheet_becomes_a_resource(client: TestClient, session: Session) -> None:
    officer, ds_id = _setup(client, session)
    r = _post_workbook(client, officer, ds_id, all_sheets="true")
    assert r.status_code == 202, r.text
    loads = r.json()["loads"]
    assert [load["sheet"] for load in loads] == ["线路", "站点"]  # the hidden sheet is skipped
    for load in loads:
        job = client.get(f"/api/v1/jobs/{load['job_id']}", headers=officer).json()
        assert job["status"] == "succeeded" and job["result"]["report"]["sheet"] == load["sheet"]
    resources = client.get(f"/api/v1/datasets/{ds_id}", headers=officer).json()["resources"]
    assert sorted(res["name"] for res in resources) == ["公交 · 站点", "公交 · 线路"]
    stops = next(load["resource"]["id"] for load in loads if load["sheet"] == "站点")
    rows = client.get(f"/api/v1/datasets/{ds_id}/resources/{stops}/rows", headers=officer).json()
    assert rows["rows"] == [{"站点编号": "S01", "站点名称": "火车站", "线路编号": "0012"}]


@pytest.mark.parametrize("sheet", ["站点", "1"])
def test_one_sheet_is_chosen_by_name_or_index(
    client: TestClient, session: Session, sheet: str
) -> None:
    officer, ds_id = _setup(client, session)
    job = _job(client, officer, _post_workbook(client, officer, ds_id, sheet=sheet))
    assert job["status"] == "succeeded"
    assert job["result"]["report"]["sheet"] == "站点"
    assert job["result"]["report"]["sheets"] == ["线路", "站点", "说明"]


def test_sheet_options_are_checked(client: TestClient, session: Session) -> None:
    officer, ds_id = _setup(client, session)
    missing = _job(client, officer, _post_workbook(client, officer, ds_id, sheet="不存在"))
    assert missing["status"] == "failed" and "不存在" in missing["error"]
    files = {"file": ("a.csv", "名称\n甲\n".encode(), "text/csv")}
    r = client.post(
        f"/api/v1/datasets/{ds_id}/resources",
        files=files,
        data={"all_sheets": "true"},
        headers=officer,
    )
    assert r.status_code == 422 and "XLSX/XLS/ODS" in r.json()["error"]["message"]


def test_declared_gcj02_points_are_converted_for_the_map(
    client: TestClient, session: Session
) -> None:
    officer, ds_id = _setup(client, session)
    items = [{"label": n, "name": n, "data_type": "decimal"} for n in ("经度", "纬度")]
    patched = client.patch(
        f"/api/v1/datasets/{ds_id}",
        json={"items": [{"label": "名称", "name": "名称"}, *items]},
        headers=officer,
    )
    assert patched.status_code == 200, patched.text  # public station positions, not PII
    wgs = (121.4208, 28.6561)
    gcj = wgs84_to_gcj02(*wgs)
    text = f"名称,经度,纬度\n椒江站,{gcj[0]:.9f},{gcj[1]:.9f}\n"
    files = {"file": ("站点.csv", text.encode(), "text/csv")}
    r = client.post(
        f"/api/v1/datasets/{ds_id}/resources",
        files=files,
        data={"coordinate_system": "GCJ-02"},
        headers=officer,
    )
    assert _job(client, officer, r)["status"] == "succeeded"

    geo = client.get(f"/api/v1/datasets/{ds_id}/preview", headers=officer).json()["geo"]
    assert (geo["crs"], geo["map_crs"], geo["converted"]) == ("GCJ-02", "WGS-84", True)
    for path in ("map.geojson", "export.geojson"):
        out = client.get(f"/api/v1/datasets/{ds_id}/{path}", headers=officer)
        assert out.status_code == 200, out.text
        feature = out.json()["features"][0]
        assert feature["geometry"]["coordinates"] == pytest.approx(list(wgs), abs=1e-7)
        assert feature["properties"]["经度"] == pytest.approx(gcj[0], abs=1e-9)


def test_unknown_declared_system_is_refused(client: TestClient, session: Session) -> None:
    officer, ds_id = _setup(client, session)
    files = {"file": ("a.csv", "名称\n甲\n".encode(), "text/csv")}
    r = client.post(
        f"/api/v1/datasets/{ds_id}/resources",
        files=files,
        data={"coordinate_system": "Mars-99"},
        headers=officer,
    )
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "coordinate_system"
