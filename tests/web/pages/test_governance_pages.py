"""Governance pages: dashboard with chart data and tables, printable league table, index
drill-down, stored reports, and the public open-index ranking."""

from __future__ import annotations

import datetime as dt
import json
import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from kaifang.auth.actor import SYSTEM
from kaifang.clock import china_today
from kaifang.governance import index, openlists
from tests import factories
from tests.governance.conftest import published_on, used, workbook
from tests.web.pages.conftest import Cast
from tests.web.pages.pagetools import get, post_form, sign_in

DAY = "2021-07-31"


def _plan(session: Session, cast: Cast) -> None:
    for org, title in ((cast.org, "公交线路信息"), (cast.other_org, "黄岩停车场")):
        ds = factories.published_dataset(session, org=org, title=title)
        published_on(ds, dt.date(2021, 6, 3))
        used(session, ds, "view", on=dt.date(2021, 6, 5), users=["u:1", "u:2"])
        rows = [[org.name, "交通出行", title, "线路名称", "", "2021-06"]]
        [ol] = openlists.import_open_list(
            session, actor=SYSTEM, data=workbook(rows), filename="l", year=2021
        )
        openlists.link_row(session, actor=SYSTEM, row_id=ol.rows[0].id)
    index.compute_index(session, as_of=dt.date(2021, 7, 31))
    session.commit()


def _chart(html: str, kind: str) -> dict:
    for raw in re.findall(r'data-chart="([^"]+)"', html):
        spec = json.loads(raw.replace("&#34;", '"').replace("&quot;", '"').replace("&amp;", "&"))
        if spec["kind"] == kind:
            return spec["data"]
    raise AssertionError(f"no {kind} chart")


def test_dashboard_shows_progress_usage_and_index_for_the_actors_scope(
    client: TestClient, session: Session, cast: Cast
) -> None:
    _plan(session, cast)
    sign_in(client, cast.admin)
    page = get(client, f"/workbench/governance?year=2021&as_of={DAY}")
    assert page.status_code == 200, page.text
    html = page.text
    assert "市交通运输局测试" in html and "黄岩停车场" not in html  # organizations, not datasets
    assert len(_chart(html, "progress")["league"]) == 2
    assert _chart(html, "usage") == [
        {"period": "2021-06", "views": 4, "downloads": 0, "api_calls": 0}
    ]
    assert "<script>" not in html and 'src="/static/vendor/echarts/echarts.min.js"' in html
    assert "/api/v1/governance/league-table?year=2021" in html
    sign_in(client, cast.officer)
    mine = get(client, f"/workbench/governance?year=2021&as_of={DAY}").text
    assert [r["name"] for r in _chart(mine, "progress")["league"]] == ["市交通运输局测试"]
    assert _chart(mine, "usage")[0]["views"] == 2


def test_a_district_reviewer_sees_their_district_only(
    client: TestClient, session: Session, cast: Cast
) -> None:
    _plan(session, cast)
    factories.user(session, role="reviewer", region_code="331003", username="hy-reviewer")
    session.commit()
    sign_in(client, "hy-reviewer")
    html = get(client, f"/workbench/governance/league-table?year=2021&as_of={DAY}").text
    assert cast.other_org.name in html and "市交通运输局测试" not in html
    snapshot = index.latest_snapshot(session)
    denied = get(client, f"/workbench/governance/index/{snapshot.id}/organization/{cast.org.id}")
    assert denied.status_code == 403
    mine = get(
        client, f"/workbench/governance/index/{snapshot.id}/organization/{cast.other_org.id}"
    )
    assert mine.status_code == 200 and "数据层" in mine.text and 'data-chart="' in mine.text


def test_reports_are_generated_listed_and_downloaded_from_the_workbench(
    client: TestClient, session: Session, cast: Cast
) -> None:
    _plan(session, cast)
    sign_in(client, cast.officer)
    done = post_form(
        client, "/workbench/governance/reports", {"period": "2021-06", "format": "pdf"}
    )
    assert done.status_code == 303
    listing = get(client, "/workbench/governance/reports").text
    link = re.search(r'href="(/workbench/governance/reports/\d+/download)"', listing)
    assert link and "市交通运输局测试 2021-06 公共数据开放运营报告" in listing
    pdf = client.get(link.group(1))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    bad = post_form(client, "/workbench/governance/reports", {"period": "June", "format": "pdf"})
    assert bad.status_code == 422
    sign_in(client, cast.other_officer)
    assert client.get(link.group(1)).status_code == 404


def test_public_ranking_shows_scores_definitions_and_a_json_export(
    client: TestClient, session: Session, cast: Cast
) -> None:
    client.cookies.clear()
    assert "尚未计算开放指数" in get(client, "/open-index").text
    assert client.get("/open-index.json").status_code == 404
    _plan(session, cast)
    html = get(client, "/open-index").text
    assert "市交通运输局测试" in html and "指标定义" in html and "准备度" in html
    export = client.get("/open-index.json").json()
    assert {"definitions", "weights", "results"} <= set(export)
    assert "China Open Data Index" in export["method"]


def test_dashboards_default_to_the_latest_plan_year_and_offer_a_switch(
    client: TestClient, session: Session, cast: Cast
) -> None:
    _plan(session, cast)  # open lists for 2021 only
    this_year = china_today().year
    sign_in(client, cast.admin)
    html = get(client, "/workbench/governance").text
    assert "2021 年度计划，截至 2021-12-31" in html
    assert f"{this_year} 年尚无开放清单：显示 2021 年度计划。" in html
    assert '<strong aria-current="page">2021</strong>' in html
    assert f'href="/workbench/governance?year={this_year}"' in html
    assert 'name="as_of" value="2021-12-31"' in html and 'name="year" value="2021"' in html
    assert _chart(html, "usage") == [
        {"period": "2021-06", "views": 4, "downloads": 0, "api_calls": 0}
    ]
    assert len(_chart(html, "progress")["league"]) == 2
    switched = get(client, f"/workbench/governance?year={this_year}").text
    assert f"{this_year} 年度计划" in switched and "显示 2021 年度计划" not in switched
    assert _chart(switched, "usage") == [] and _chart(switched, "progress")["league"] == []
    june = get(client, "/workbench/governance?year=2021&as_of=2021-06-30").text
    assert "2021 年度计划，截至 2021-06-30" in june and "显示 2021 年度计划" not in june
    league = get(client, "/workbench/governance/league-table").text
    assert "2021 年度计划，截至 2021-12-31" in league and "公交线路信息" not in league
    assert 'href="/workbench/governance/league-table?year=' in league


def test_a_demo_snapshot_is_labelled_as_demo_data(
    client: TestClient, session: Session, cast: Cast
) -> None:
    _plan(session, cast)
    client.cookies.clear()
    assert "badge-demo" not in get(client, "/open-index").text
    index.compute_index(session, as_of=dt.date(2021, 12, 31), is_demo=True)
    session.commit()
    html = get(client, "/open-index").text
    assert "2021-12-31 计算结果。" in html and "badge-demo" in html
    assert "基于演示城市生成的数据计算。" in html
    assert client.get("/open-index.json").json()["is_demo"] is True
    sign_in(client, cast.admin)
    dashboard = get(client, "/workbench/governance").text
    assert "2021-12-31 计算结果" in dashboard and "badge-demo" in dashboard
