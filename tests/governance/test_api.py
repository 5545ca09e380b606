"""The governance API end to end with a bearer token: lists, league table, statistics, index."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from kaifang.auth.actor import SYSTEM
from kaifang.governance import openlists
from tests import factories
from tests.governance.conftest import used, workbook
from tests.web.helpers import bearer

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_governance_api_journey(client: TestClient, session: Session) -> None:
    org = factories.organization(session, name="市交通运输局", region_code="331002")
    factories.user(session, role="officer", org=org, username="gov-officer")
    factories.user(session, role="reviewer", region_code="3310", username="gov-reviewer")
    factories.user(session, role="admin", username="gov-admin")
    dataset = factories.published_dataset(session, org=org, title="公交线路信息")
    session.flush()
    used(session, dataset, "download", on=dt.date(2021, 3, 1))
    used(session, dataset, "download", on=dt.date(2020, 12, 31), users=["u:1", "u:2"])
    session.commit()
    officer, reviewer, admin = (
        bearer(client, u) for u in ("gov-officer", "gov-reviewer", "gov-admin")
    )
    bad = [[org.name, "交通出行", "公交线路信息", "线路名称", "", "下个月"]]
    r = client.post(
        "/api/v1/governance/openlists/import",
        headers=officer,
        files={"file": ("l.xlsx", workbook(bad), XLSX)},
        data={"year": "2021"},
    )
    assert r.status_code == 422 and r.json()["error"]["details"]["rows"][0]["row"] == 3
    good = [[org.name, "交通出行", "公交线路信息", "线路名称、起点站", "", "2021-06"]]
    r = client.post(
        "/api/v1/governance/openlists/import",
        headers=officer,
        files={"file": ("l.xlsx", workbook(good), XLSX)},
        data={"year": "2021"},
    )
    assert r.status_code == 201, r.text
    ol = r.json()[0]
    row_id = ol["rows"][0]["id"]
    assert client.post(
        f"/api/v1/governance/openlists/rows/{row_id}/link", headers=officer, json={}
    ).json()["link_confirmed"]
    assert (
        client.post(f"/api/v1/governance/openlists/{ol['id']}/submit", headers=officer).json()[
            "status"
        ]
        == "submitted"
    )
    assert (
        client.post(f"/api/v1/governance/openlists/{ol['id']}/approve", headers=officer).status_code
        == 403
    )
    assert (
        client.post(f"/api/v1/governance/openlists/{ol['id']}/approve", headers=reviewer).json()[
            "status"
        ]
        == "approved"
    )
    r = client.get("/api/v1/governance/openlists/export?year=2021", headers=officer)
    assert r.status_code == 200 and r.headers["content-type"] == XLSX

    league = client.get(
        "/api/v1/governance/league-table?year=2021&as_of=2099-12-31", headers=reviewer
    )
    assert league.status_code == 200
    assert (
        client.get(
            "/api/v1/governance/league-table?year=2021&as_of=2021-06-30&format=xlsx",
            headers=reviewer,
        ).headers["content-type"]
        == XLSX
    )
    assert client.get("/api/v1/governance/progress?year=2021", headers=officer).status_code == 403
    stats = client.get(
        "/api/v1/governance/statistics?group_by=organization&format=csv", headers=reviewer
    )
    assert stats.status_code == 200 and "市交通运输局" in stats.content.decode("utf-8-sig")
    own = client.get(
        f"/api/v1/governance/statistics?kind=usage&organization_id={org.id}", headers=officer
    )
    assert own.status_code == 200 and own.json()["items"][0]["label"] == "市交通运输局"
    # without a period: the plan year the dashboards show (2021, the only year with lists)
    assert (own.json()["start"], own.json()["end"]) == ("2021-01-01", "2021-12-31")
    assert own.json()["items"][0]["downloads"] == 1
    earlier = client.get(
        "/api/v1/governance/statistics?kind=usage&start=2020-01-01&end=2020-12-31",
        headers=reviewer,
    ).json()["items"]
    assert [(r["label"], r["downloads"], r["users"]) for r in earlier] == [("市交通运输局", 2, 2)]
    backwards = client.get(
        "/api/v1/governance/statistics?kind=usage&start=2021-02-01&end=2021-01-01",
        headers=reviewer,
    )
    assert backwards.status_code == 422

    assert (
        client.post("/api/v1/governance/index/compute", headers=reviewer, json={}).status_code
        == 403
    )
    snap = client.post(
        "/api/v1/governance/index/compute", headers=admin, json={"as_of": "2021-06-30"}
    ).json()
    detail = client.get(
        f"/api/v1/governance/index/{snap['id']}/explain?key={org.id}", headers=reviewer
    ).json()
    assert detail["name"] == "市交通运输局" and len(detail["indicators"]) == 15
    assert client.get(f"/api/v1/governance/index/{snap['id']}/export", headers=reviewer).json()[
        "definitions"
    ]
    assert (
        client.get("/api/v1/governance/index/history", headers=reviewer).json()["items"][0]["id"]
        == snap["id"]
    )
    report = client.get("/api/v1/governance/reports?period=2021-06&format=html", headers=reviewer)
    assert report.status_code == 200 and "<svg" in report.text
    assert "attachment" in report.headers["content-disposition"]


def test_a_district_reviewer_gets_district_figures_only(
    client: TestClient, session: Session
) -> None:
    city = factories.organization(session, name="市交通运输局", region_code="3310")
    factories.region(session, "331002", "椒江区")
    county = factories.organization(session, name="椒江区交通局", region_code="331002")
    for org in (city, county):
        factories.published_dataset(session, org=org, title=f"{org.name}数据")
        rows = [[org.name, "交通出行", f"{org.name}数据", "线路名称", "", "2021-06"]]
        openlists.import_open_list(
            session, actor=SYSTEM, data=workbook(rows), filename="l", year=2021
        )
    factories.user(session, role="reviewer", region_code="331002", username="jj-reviewer")
    session.commit()
    headers = bearer(client, "jj-reviewer")
    league = client.get("/api/v1/governance/league-table?year=2021", headers=headers).json()
    assert [r["name"] for r in league["items"]] == ["椒江区交通局"]
    assert league["items"][0]["rank"] == 1
    stats = client.get("/api/v1/governance/statistics?kind=catalogue", headers=headers).json()
    assert [r["label"] for r in stats["items"]] == ["椒江区交通局"]
    sla = client.get("/api/v1/governance/statistics?kind=sla", headers=headers).json()
    assert [r["label"] for r in sla["items"]] == ["椒江区交通局"]
    other = client.get(f"/api/v1/governance/statistics?organization_id={city.id}", headers=headers)
    assert other.status_code == 403
