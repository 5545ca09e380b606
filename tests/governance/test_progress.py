"""Milestone progress, league-table flags on given dates and the plan's targets."""

from __future__ import annotations

import datetime as dt
import io

from python_calamine import CalamineWorkbook
from sqlalchemy.orm import Session

from kaifang.auth.actor import SYSTEM
from kaifang.auth.models import Organization
from kaifang.demo.tenancy import load_organizations, load_regions
from kaifang.governance import openlists, progress
from kaifang.governance.service import baseline_totals
from tests import factories
from tests.governance.conftest import published_on, workbook

ITEMS = ("线路名称、起点站", "驾驶员手机号")


def _list_with_done(session: Session, name: str, region: str, done: int, total: int = 5) -> None:
    """An organization with ``total`` planned rows, the first ``done`` published on 15 June."""
    org = factories.organization(session, name=name, region_code=region)
    rows = [
        [name, "交通出行", f"{name}数据集{i}", *ITEMS, f"2021-0{6 + i % 3}"] for i in range(total)
    ]
    for i in range(done):
        ds = factories.published_dataset(session, org=org, title=f"{name}数据集{i}")
        published_on(ds, dt.date(2021, 6, 15))
    [ol] = openlists.import_open_list(
        session, actor=SYSTEM, data=workbook(rows), filename="l", year=2021
    )
    for row in ol.rows[:done]:
        openlists.link_row(session, actor=SYSTEM, row_id=row.id)
    session.flush()


def test_milestones_and_league_table_flags_on_given_dates(session: Session) -> None:
    _list_with_done(session, "甲局", "3310", done=2)
    _list_with_done(session, "乙局", "331002", done=1)
    _list_with_done(session, "丙局", "331002", done=4)

    before = progress.league_table(session, year=2021, as_of=dt.date(2021, 6, 29))
    assert [r["name"] for r in before] == ["丙局", "甲局", "乙局"]
    assert all(r["expected"] == 0 and not r["behind"] for r in before)

    june = {
        r["name"]: r for r in progress.league_table(session, year=2021, as_of=dt.date(2021, 6, 30))
    }
    assert (june["甲局"]["share"], june["甲局"]["behind"]) == (0.4, False)
    assert (june["乙局"]["share"], june["乙局"]["behind"]) == (0.2, True)
    assert june["丙局"]["rank"] == 1 and not june["丙局"]["behind"]

    july = {
        r["name"]: r for r in progress.league_table(session, year=2021, as_of=dt.date(2021, 7, 31))
    }
    assert july["甲局"]["behind"] and july["乙局"]["behind"] and not july["丙局"]["behind"]
    assert july["乙局"]["overdue"] == 3  # rows due in June/July not done

    august = progress.league_table(session, year=2021, as_of=dt.date(2021, 8, 31))
    assert all(r["behind"] for r in august)


def test_region_and_platform_progress_sum_organizations(session: Session) -> None:
    _list_with_done(session, "甲局", "3310", done=2)
    _list_with_done(session, "乙局", "331002", done=1)
    _list_with_done(session, "丙局", "331002", done=4)
    regions = {
        p.key: p for p in progress.region_progress(session, year=2021, as_of=dt.date(2021, 7, 1))
    }
    assert (regions["331002"].planned, regions["331002"].done) == (10, 5)
    assert regions["331002"].share == 0.5 and not regions["331002"].behind
    platform = progress.platform_progress(session, year=2021, as_of=dt.date(2021, 7, 1))
    assert (platform.planned, platform.done, platform.share) == (15, 7, round(7 / 15, 4))


def test_league_table_exports_as_xlsx(session: Session) -> None:
    _list_with_done(session, "甲局", "3310", done=2)
    data = progress.league_table_xlsx(session, year=2021, as_of=dt.date(2021, 6, 30))
    cells = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    assert cells[0][:3] == ["排名", "单位名称", "区划代码"]
    assert cells[1][1] == "甲局" and cells[1][-1] == "否"


def test_configured_milestones_replace_the_defaults(session: Session) -> None:
    progress.set_plan(session, actor=SYSTEM, year=2021, milestones=[(5, 0.5), (9, 1.0)])
    plan = progress.get_plan(session, year=2021)
    assert plan.expected_share(dt.date(2021, 6, 30)) == 0.5
    assert plan.new_city_datasets == 150


def test_item_growth_target_uses_the_real_2020_baseline(session: Session) -> None:
    load_regions(session, with_streets=False)
    orgs = load_organizations(session)
    assert baseline_totals(session, year=2020) == (907, 8451)
    transport: Organization = orgs["市交通运输局"]
    ds = factories.published_dataset(session, org=transport)
    published_on(ds, dt.date(2021, 3, 1))

    targets = {
        t.code: t for t in progress.plan_targets(session, year=2021, as_of=dt.date(2021, 8, 31))
    }
    growth = targets["item_growth"]
    assert (growth.target, growth.actual, growth.met) == (10142, 3, False)  # ceil(8451 × 1.2)
    assert targets["new_city_datasets"].actual == 1 and targets["new_city_datasets"].target == 150
    assert targets["openable_share"].actual == 1.0 and targets["openable_share"].met

    per_org = {
        t.label: t
        for t in progress.item_growth_targets(session, year=2021, as_of=dt.date(2021, 8, 31))
    }
    assert (per_org["市交通运输局"].target, per_org["市交通运输局"].actual) == (305, 3)  # 254 × 1.2
    assert len(per_org) == 106

    districts = [
        t
        for t in progress.plan_targets(session, year=2021, as_of=dt.date(2021, 8, 31))
        if t.code == "district_minimum"
    ]
    assert len(districts) == 9 and all(t.target == 30 and not t.met for t in districts)


def test_summary_carries_milestones_and_targets(session: Session) -> None:
    _list_with_done(session, "甲局", "3310", done=2)
    summary = progress.progress_summary(session, year=2021, as_of=dt.date(2021, 6, 30))
    assert [m["date"] for m in summary["milestones"]] == ["2021-06-30", "2021-07-31", "2021-08-31"]
    assert summary["expected"] == 0.4 and summary["platform"]["done"] == 2


def test_views_default_to_the_latest_plan_year_with_lists(session: Session) -> None:
    today = dt.date(2026, 3, 5)
    # no lists at all: the current year up to today
    assert progress.view_period(session, today=today) == (2026, today)
    _list_with_done(session, "甲局", "3310", done=2)  # lists for 2021
    assert progress.plan_years(session) == [2021]
    assert progress.view_period(session, today=today) == (2021, dt.date(2021, 12, 31))
    # a year asked for is shown up to today, capped at its last day
    assert progress.view_period(session, today=today, year=2026) == (2026, today)
    assert progress.view_period(session, today=today, year=2020) == (2020, dt.date(2020, 12, 31))
    # an explicit date wins, with its own year unless one is given
    june = dt.date(2021, 6, 30)
    assert progress.view_period(session, today=today, as_of=june) == (2021, june)
    assert progress.view_period(session, today=today, year=2022, as_of=june) == (2022, june)
    # mid-2021 the 2021 plan is the current one
    assert progress.view_period(session, today=june) == (2021, june)
    # a plan entered ahead for a later year does not replace the current year's view
    assert progress.view_period(session, today=dt.date(2020, 5, 1)) == (2020, dt.date(2020, 5, 1))
