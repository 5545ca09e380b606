"""From a department's GB18030 CSV to a queryable, downloadable, access-controlled table."""

from __future__ import annotations

import csv
import io
import json

import openpyxl
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from kaifang.auth.actor import SYSTEM
from kaifang.catalog import workflow
from kaifang.catalog.vocabularies import seed_vocabularies
from tests import factories
from tests.web.helpers import bearer

CSV_TEXT = (
    "线路编号,线路名称,驾驶员身份证号,票价,开通日期,经度,纬度\n"
    "0012,1路,33100219900101123X,2,2021年5月19日,121.41,28.65\n"
    "0107,107路,331002198502021234,1.5,2020/3/1,121.45,28.66\n"
    "=cmd,夜班=2+3,331002197003031236,3,20190101,121.43,28.61\n"
)


ITEMS = [
    {"label": "线路编号", "name": "线路编号"},
    {"label": "线路名称", "name": "线路名称"},
    {
        "label": "驾驶员身份证号",
        "name": "驾驶员身份证号",
        "grade": "L3",
        "open_attribute": "conditional",
        "masking_rule": "mask:keep=6,4",
    },
    {"label": "票价", "name": "票价", "data_type": "decimal"},
    {"label": "开通日期", "name": "开通日期", "data_type": "date"},
    {"label": "经度", "name": "经度", "data_type": "decimal"},
    {"label": "纬度", "name": "纬度", "data_type": "decimal"},
]


def _setup(
    client: TestClient, session: Session, *, declare_items: bool = False
) -> tuple[dict[str, str], int]:
    seed_vocabularies(session)
    org = factories.organization(session, region_code="331002")
    factories.user(session, role="officer", org=org, username="bus-officer")
    session.commit()
    officer = bearer(client, "bus-officer")
    created = client.post(
        "/api/v1/datasets",
        headers=officer,
        json={
            "title": "公交线路",
            "summary": "全市公交线路信息（测试）。",
            "domains": ["交通出行"],
            "update_frequency": "monthly",
            **({"items": ITEMS} if declare_items else {}),
        },
    )
    assert created.status_code == 201, created.text
    return officer, created.json()["id"]


def _upload(client: TestClient, headers: dict[str, str], dataset_id: int) -> dict:
    files = {"file": ("公交线路.csv", CSV_TEXT.encode("gb18030"), "text/csv")}
    r = client.post(
        f"/api/v1/datasets/{dataset_id}/resources",
        files=files,
        data={"name": "线路表"},
        headers=headers,
    )
    assert r.status_code == 202, r.text
    job = client.get(f"/api/v1/jobs/{r.json()['job_id']}", headers=headers).json()
    assert job["status"] == "succeeded", job
    return job


def test_gb18030_upload_becomes_a_typed_version(client: TestClient, session: Session) -> None:
    officer, ds_id = _setup(client, session)
    job = _upload(client, officer, ds_id)
    report = job["result"]["report"]
    assert report["encoding"].lower() == "gb18030" and report["rows_loaded"] == 3
    id_finding = next(f for f in job["result"]["privacy"] if f["column"] == "驾驶员身份证号")
    assert id_finding["kind"] == "resident_id"
    ds = client.get(f"/api/v1/datasets/{ds_id}", headers=officer).json()
    items = {i["name"]: i for i in ds["items"]}
    assert items["驾驶员身份证号"]["grade"] in ("L3", "L4")
    assert items["驾驶员身份证号"]["open_attribute"] != "unconditional"
    assert ds["row_count"] == 3 and ds["resources"][0]["versions"][0]["number"] == 1

    rows_r = client.get(f"/api/v1/datasets/{ds_id}/rows?_sort=线路编号", headers=officer)
    assert rows_r.status_code == 200, rows_r.text
    rows = rows_r.json()
    assert [r["线路编号"] for r in rows["rows"]] == ["0012", "0107", "=cmd"]
    assert "驾驶员身份证号" not in rows["columns"]  # conditional item: no grant, simply absent
    assert client.get(f"/api/v1/datasets/{ds_id}/rows").status_code == 404  # draft: invisible


def test_public_query_and_exports_after_publishing(client: TestClient, session: Session) -> None:
    officer, ds_id = _setup(client, session, declare_items=True)
    _upload(client, officer, ds_id)
    for step in (workflow.submit_dataset, workflow.approve_dataset, workflow.publish_dataset):
        step(session, actor=SYSTEM, dataset_id=ds_id)
    session.commit()
    r = client.get(f"/api/v1/datasets/{ds_id}/rows", params={"票价__gte": "2", "_extra": "count"})
    assert r.status_code == 200 and r.json()["count"] == 2
    assert client.get(f"/api/v1/datasets/{ds_id}/rows?nope=1").status_code == 400
    hidden = client.get(f"/api/v1/datasets/{ds_id}/rows?驾驶员身份证号=x")
    assert hidden.status_code in (400, 403)

    gb = client.get(f"/api/v1/datasets/{ds_id}/export.csv?encoding=gb18030")
    assert gb.status_code == 200 and "filename*=UTF-8''" in gb.headers["content-disposition"]
    table = list(csv.reader(io.StringIO(gb.content.decode("gb18030"))))
    assert table[1][0] == "0012" and table[3][0].startswith("'=")
    assert all("身份证" not in h for h in table[0])

    xlsx = client.get(f"/api/v1/datasets/{ds_id}/export.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.cell(row=2, column=1).value == "0012"
    ndjson = client.get(f"/api/v1/datasets/{ds_id}/export.ndjson").text.strip().splitlines()
    assert json.loads(ndjson[0])["线路编号"] == "0012"
    geo_r = client.get(f"/api/v1/datasets/{ds_id}/export.geojson")
    assert geo_r.status_code == 200, geo_r.text
    geo = geo_r.json()
    assert geo["type"] == "FeatureCollection" and len(geo["features"]) == 3
    prev = client.get(f"/api/v1/datasets/{ds_id}/preview").json()
    assert prev["geo"]["lat"] == "纬度"
    agg = client.get(f"/api/v1/datasets/{ds_id}/aggregate?group_by=线路名称&agg=count").json()
    assert len(agg["rows"]) == 3


def test_bad_upload_fails_with_reason_and_keeps_previous(
    client: TestClient, session: Session
) -> None:
    officer, ds_id = _setup(client, session)
    _upload(client, officer, ds_id)
    resource_id = client.get(f"/api/v1/datasets/{ds_id}", headers=officer).json()["resources"][0][
        "id"
    ]
    files = {"file": ("bad.csv", b'a,b\n"unterminated,1\n', "text/csv")}
    r = client.post(
        f"/api/v1/datasets/{ds_id}/resources",
        files=files,
        data={"resource_id": str(resource_id)},
        headers=officer,
    )
    job = client.get(f"/api/v1/jobs/{r.json()['job_id']}", headers=officer).json()
    assert job["status"] == "failed" and job["error"] and "/" not in job["error"].split("(")[0][-5:]
    assert "Traceback" not in job["error"]
    rows = client.get(f"/api/v1/datasets/{ds_id}/rows", headers=officer).json()
    assert len(rows["rows"]) == 3 and rows["version"] == 1


def test_closed_dataset_never_serves_data(client: TestClient, session: Session) -> None:
    seed_vocabularies(session)
    ds = factories.published_dataset(session, open_attribute="closed")
    session.commit()
    assert client.get(f"/api/v1/datasets/{ds.id}").status_code == 200
    assert client.get(f"/api/v1/datasets/{ds.id}/rows").status_code == 403


def test_item_masking_applies_to_unconditional_release(
    client: TestClient, session: Session
) -> None:
    officer, ds_id = _setup(client, session, declare_items=True)
    _upload(client, officer, ds_id)
    items = client.get(f"/api/v1/datasets/{ds_id}/items", headers=officer).json()
    for item in items:
        if item["name"] == "线路名称":
            item["masking_rule"] = "mask:keep=1,0"
    body = {
        "items": [
            {
                k: i[k]
                for k in ("label", "name", "data_type", "grade", "open_attribute", "masking_rule")
            }
            for i in items
        ]
    }
    assert client.patch(f"/api/v1/datasets/{ds_id}", json=body, headers=officer).status_code == 200
    rows = client.get(f"/api/v1/datasets/{ds_id}/rows?_sort=线路编号", headers=officer).json()
    assert [r["线路名称"] for r in rows["rows"]][:2] == ["1*", "1***"]
    csv_text = client.get(f"/api/v1/datasets/{ds_id}/export.csv", headers=officer).text
    assert "107路" not in csv_text


def test_scanned_identifiers_block_publishing(client: TestClient, session: Session) -> None:
    import pytest

    from kaifang.errors import InvalidInput

    officer, ds_id = _setup(client, session)
    _upload(client, officer, ds_id)
    items = client.get(f"/api/v1/datasets/{ds_id}/items", headers=officer).json()
    for item in items:  # the officer declares everything open, ignoring the suggestions
        item.update(grade="L1", open_attribute="unconditional", pii_kind=None, masking_rule=None)
    body = {
        "items": [
            {k: i[k] for k in ("label", "name", "data_type", "grade", "open_attribute")}
            for i in items
        ]
    }
    assert client.patch(f"/api/v1/datasets/{ds_id}", json=body, headers=officer).status_code == 200
    findings = client.get(f"/api/v1/datasets/{ds_id}/privacy", headers=officer).json()
    assert [f["name"] for f in findings["blocking"]] == ["驾驶员身份证号"]
    workflow.submit_dataset(session, actor=SYSTEM, dataset_id=ds_id)
    workflow.approve_dataset(session, actor=SYSTEM, dataset_id=ds_id)
    with pytest.raises(InvalidInput):
        workflow.publish_dataset(session, actor=SYSTEM, dataset_id=ds_id)
