"""Open lists: import with row errors, matching, done-ness, export and the approval workflow."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from python_calamine import CalamineWorkbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kaifang.audit.models import AuditRecord
from kaifang.auth import service as auth_service
from kaifang.auth.actor import SYSTEM
from kaifang.errors import Conflict, InvalidInput, PermissionDenied
from kaifang.governance import openlists
from kaifang.governance.models import OpenList, OpenListRow
from tests import factories
from tests.governance.conftest import published_on, workbook

ITEMS = "线路名称、起点站"


def _rows(org_name: str) -> list[list[object]]:
    return [
        [org_name, "交通出行", "公交线路信息", ITEMS, "驾驶员手机号", "2021年6月"],
        [org_name, "交通出行", "出租车 企业名录", "企业名称，许可证号", "", dt.date(2021, 7, 1)],
        [org_name, "交通出行", "停车场信息", "停车场名称;泊位数", "", "2021-08"],
    ]


def test_import_parses_cells_and_proposes_links(session: Session) -> None:
    org = factories.organization(session, name="市交通运输局")
    ds = factories.published_dataset(session, org=org, title="公交线路信息")
    lists = openlists.import_open_list(
        session, actor=SYSTEM, data=workbook(_rows(org.name)), filename="l.xlsx", year=2021
    )
    rows = lists[0].rows
    assert [r.planned_month for r in rows] == ["2021-06", "2021-07", "2021-08"]
    assert rows[0].unconditional_items == ["线路名称", "起点站"]
    assert rows[0].conditional_items == ["驾驶员手机号"]
    assert rows[1].unconditional_items == ["企业名称", "许可证号"]
    assert (rows[0].dataset_id, rows[0].match_method, rows[0].link_confirmed) == (
        ds.id,
        "name",
        False,
    )
    assert rows[1].dataset_id is None


def test_bad_row_imports_nothing_and_names_the_row(session: Session) -> None:
    org = factories.organization(session)
    rows = _rows(org.name)
    rows[1][5] = "2020-07"  # off-year
    rows[2][2] = ""  # no dataset name
    with pytest.raises(InvalidInput) as exc:
        openlists.import_open_list(
            session, actor=SYSTEM, data=workbook(rows), filename="l.xlsx", year=2021
        )
    assert "第4行" in exc.value.message and "row 4" in exc.value.message
    bad = exc.value.details["rows"]
    assert [b["row"] for b in bad] == [4, 5]
    assert "2021" in bad[0]["errors"][0] and "dataset name is empty" in bad[1]["errors"][0]
    assert session.scalar(select(func.count(OpenList.id))) == 0
    assert session.scalar(select(func.count(OpenListRow.id))) == 0


def test_unknown_organization_and_missing_header_are_rejected(session: Session) -> None:
    with pytest.raises(InvalidInput) as exc:
        openlists.import_open_list(
            session, actor=SYSTEM, data=workbook(_rows("不存在的局")), filename="l", year=2021
        )
    assert exc.value.details["rows"][0]["row"] == 3
    with pytest.raises(InvalidInput, match="header"):
        openlists.import_open_list(
            session, actor=SYSTEM, data=workbook([["x"]], header=["名称"]), filename="l", year=2021
        )


def test_matching_by_code_and_normalised_name(session: Session) -> None:
    org = factories.organization(session)
    by_code = factories.dataset(session, org=org, title="完全不同的名字")
    fuzzy = factories.dataset(session, org=org, title="出租车企业名录")
    rows = _rows(org.name)
    header = [
        "单位名称",
        "开放领域",
        "开放数据集",
        "无条件开放数据项",
        "受限开放数据项",
        "归集开放时间",
        "目录编码",
    ]
    rows[2].append(by_code.catalog_code)
    [ol] = openlists.import_open_list(
        session, actor=SYSTEM, data=workbook(rows, header), filename="l", year=2021
    )
    assert (ol.rows[1].dataset_id, ol.rows[1].match_method) == (fuzzy.id, "normalised")
    assert (ol.rows[2].dataset_id, ol.rows[2].match_method) == (by_code.id, "code")


def test_done_needs_confirmed_link_publication_and_every_item(session: Session) -> None:
    org = factories.organization(session)
    ds = factories.published_dataset(session, org=org, title="公交线路信息")
    published_on(ds, dt.date(2021, 6, 10))
    [ol] = openlists.import_open_list(
        session, actor=SYSTEM, data=workbook(_rows(org.name)), filename="l", year=2021
    )
    row = ol.rows[0]
    assert openlists.row_state(row, ds, dt.date(2021, 6, 30)).reason == "unlinked"
    openlists.link_row(session, actor=SYSTEM, row_id=row.id)
    assert openlists.row_state(row, ds, dt.date(2021, 6, 9)).reason == "not_published"
    assert openlists.row_state(row, ds, dt.date(2021, 6, 10)).done
    row.unconditional_items = [*row.unconditional_items, "票价"]
    state = openlists.row_state(row, ds, dt.date(2021, 6, 30))
    assert not state.done and state.missing_items == ("票价",)


def test_link_must_be_same_organization(session: Session) -> None:
    org = factories.organization(session)
    other = factories.dataset(session)
    [ol] = openlists.import_open_list(
        session, actor=SYSTEM, data=workbook(_rows(org.name)), filename="l", year=2021
    )
    with pytest.raises(InvalidInput):
        openlists.link_row(session, actor=SYSTEM, row_id=ol.rows[1].id, dataset_id=other.id)


def test_workflow_is_audited_and_locks_edits(session: Session) -> None:
    org = factories.organization(session, region_code="331002")
    officer = auth_service.actor_for(factories.user(session, role="officer", org=org))
    reviewer = factories.actor(session, role="reviewer", region_code="3310")
    [ol] = openlists.import_open_list(
        session,
        actor=officer,
        data=workbook(_rows(org.name)),
        filename="l",
        year=2021,
        organization_id=org.id,
    )
    openlists.update_row(
        session, actor=officer, row_id=ol.rows[0].id, changes={"planned_month": "2021-07"}
    )
    assert ol.rows[0].planned_month == "2021-07"
    openlists.submit_open_list(session, actor=officer, open_list_id=ol.id)
    with pytest.raises(Conflict):
        openlists.update_row(session, actor=officer, row_id=ol.rows[0].id, changes={"domain": "x"})
    with pytest.raises(PermissionDenied):
        openlists.approve_open_list(session, actor=officer, open_list_id=ol.id)
    openlists.approve_open_list(session, actor=reviewer, open_list_id=ol.id)
    assert ol.status == "approved" and ol.approved_by == reviewer.user_id
    with pytest.raises(Conflict):
        openlists.import_open_list(
            session, actor=officer, data=workbook(_rows(org.name)), filename="l", year=2021
        )
    session.flush()
    actions = session.scalars(
        select(AuditRecord.action).where(AuditRecord.action.like("openlist.%"))
    ).all()
    assert {"openlist.import", "openlist.edit", "openlist.submit", "openlist.approve"} <= set(
        actions
    )


def test_officer_cannot_import_for_another_organization(session: Session) -> None:
    org = factories.organization(session)
    officer = factories.actor(session, role="officer")
    with pytest.raises(PermissionDenied):
        openlists.import_open_list(
            session, actor=officer, data=workbook(_rows(org.name)), filename="l", year=2021
        )


def test_export_round_trips_through_import(session: Session) -> None:
    org = factories.organization(session)
    openlists.import_open_list(
        session, actor=SYSTEM, data=workbook(_rows(org.name)), filename="l", year=2021
    )
    data = openlists.export_open_lists(session, actor=SYSTEM, year=2021, as_of=dt.date(2021, 9, 1))
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
    cells = sheet.to_python()
    assert cells[0][:6] == [
        "单位名称",
        "开放领域",
        "开放数据集",
        "无条件开放数据项",
        "受限开放数据项",
        "归集开放时间",
    ]
    assert cells[1][2] == "公交线路信息" and cells[1][3] == "线路名称、起点站"
    [again] = openlists.import_open_list(
        session, actor=SYSTEM, data=data, filename="export.xlsx", year=2021
    )
    assert [r.planned_month for r in again.rows] == ["2021-06", "2021-07", "2021-08"]
