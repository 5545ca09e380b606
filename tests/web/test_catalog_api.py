"""The catalogue API end to end: officer creates and submits, reviewer approves, public reads."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from kaifang.catalog.vocabularies import seed_vocabularies
from tests import factories
from tests.web.helpers import bearer

BODY = {
    "title": "台州市公交线路信息<script>x</script>",
    "summary": "全市公交线路、站点与首末班时间。",
    "domains": ["交通出行"],
    "keywords": ["公交"],
    "update_frequency": "每月",
    "items": [
        {"label": "线路名称", "name": "line_name"},
        {
            "label": "驾驶员手机号",
            "name": "driver_mobile",
            "grade": "L3",
            "open_attribute": "conditional",
        },
    ],
}


def _setup(session: Session) -> None:
    seed_vocabularies(session)
    org = factories.organization(session, region_code="331002")
    factories.user(session, role="officer", org=org, username="bus-officer")
    factories.user(session, role="reviewer", region_code="3310", username="city-reviewer")
    factories.user(session, role="officer", username="other-officer")
    session.commit()


def test_publish_journey_over_the_api(client: TestClient, session: Session) -> None:
    _setup(session)
    officer, reviewer = bearer(client, "bus-officer"), bearer(client, "city-reviewer")
    other = bearer(client, "other-officer")
    created = client.post("/api/v1/datasets", json=BODY, headers=officer)
    assert created.status_code == 201, created.text
    ds = created.json()
    assert ds["grade"] == "L3" and ds["status"] == "draft" and ds["update_frequency"] == "monthly"
    assert client.get(f"/api/v1/datasets/{ds['id']}").status_code == 404
    assert client.get(f"/api/v1/datasets/{ds['id']}", headers=other).status_code == 404
    assert (
        client.patch(
            f"/api/v1/datasets/{ds['id']}", json={"title": "改名数据集"}, headers=other
        ).status_code
        == 404
    )
    assert (
        client.post(f"/api/v1/datasets/{ds['id']}/submit", json={}, headers=officer).status_code
        == 200
    )
    assert (
        client.post(f"/api/v1/datasets/{ds['id']}/approve", json={}, headers=officer).status_code
        == 403
    )
    assert (
        client.post(
            f"/api/v1/datasets/{ds['id']}/reject", json={"reason": ""}, headers=reviewer
        ).status_code
        == 422
    )
    for step in ("approve", "publish"):
        r = client.post(f"/api/v1/datasets/{ds['id']}/{step}", json={}, headers=reviewer)
        assert r.status_code == 200, r.text
    public = client.get(f"/api/v1/datasets/{ds['id']}").json()
    assert public["status"] == "published" and public["title"].endswith("<script>x</script>")
    history = client.get(f"/api/v1/datasets/{ds['id']}/history").json()
    assert [e["action"] for e in history["events"]][:2] == ["publish", "approve"]


def test_invalid_catalogue_input_is_precise(client: TestClient, session: Session) -> None:
    _setup(session)
    officer = bearer(client, "bus-officer")
    long_title = client.post(
        "/api/v1/datasets", json={**BODY, "title": "长" * 201}, headers=officer
    )
    assert long_title.status_code == 422
    assert long_title.json()["error"]["details"][0]["field"] == "title"
    bad_vocab = client.post(
        "/api/v1/datasets", json={**BODY, "update_frequency": "偶尔"}, headers=officer
    )
    assert bad_vocab.status_code == 422 and "偶尔" in bad_vocab.json()["error"]["message"]
    conflict = client.post(
        "/api/v1/datasets",
        headers=officer,
        json={
            **BODY,
            "items": [
                {
                    "label": "身份证号",
                    "name": "id_no",
                    "grade": "L4",
                    "open_attribute": "unconditional",
                }
            ],
        },
    )
    assert conflict.status_code == 422 and conflict.json()["error"]["details"]["item"] == "身份证号"


def test_vocabularies_are_listed(client: TestClient, session: Session) -> None:
    seed_vocabularies(session)
    session.commit()
    freq = client.get("/api/v1/vocabularies/update_frequency").json()
    assert {"realtime", "monthly", "static"} <= {t["code"] for t in freq}
    assert client.get("/api/v1/vocabularies/nope").status_code == 404


def test_bulk_import_over_http_is_all_or_nothing(client: TestClient, session: Session) -> None:
    import io

    import xlsxwriter

    _setup(session)
    officer = bearer(client, "bus-officer")
    template = client.get("/api/v1/catalog/template.xlsx")
    assert template.status_code == 200 and template.content[:2] == b"PK"
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf)
    sheet = book.add_worksheet("数据集")
    rows = [
        ["数据集名称", "数据摘要", "开放领域", "更新频率", "开放属性"],
        ["公交站点", "全市公交站点位置信息。", "交通出行", "每月", "无条件开放"],
        ["出租车", "全市出租车营运信息。", "交通出行", "每月", "有条件"],
    ]
    for r, row in enumerate(rows):
        sheet.write_row(r, 0, row)
    book.close()
    files = {"file": ("目录.xlsx", buf.getvalue())}
    bad = client.post("/api/v1/catalog/import", files=files, headers=officer)
    assert bad.status_code == 422
    errors = bad.json()["error"]["details"]["errors"]
    assert errors[0]["row"] == 3 and "有条件" in errors[0]["message"]
    partial = client.post(
        "/api/v1/catalog/import", files=files, data={"valid_rows_only": "true"}, headers=officer
    )
    assert partial.status_code == 200 and partial.json()["created"] == 1
