"""Conditional data in the browser: a developer applies for two conditional items, the provider's
officer accepts and forwards, the bureau reviewer approves one, and the developer's API key then
reads exactly the granted item from the data API."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from kaifang.access import service as access_service
from kaifang.catalog.models import Dataset
from kaifang.runtime import Runtime
from tests.e2e.conftest import Journey

pytestmark = pytest.mark.browser
TITLE = "道路运输经营许可信息"  # by 市交通运输局, whose demo officer is "officer"
OFFICER, OFFICER_PASSWORD = "officer", "demo-officer-pass"
WANTED, GRANTED = ("manager_mobile", "licence_no"), "manager_mobile"


@pytest.fixture(scope="module")
def transport_dataset(live: tuple[str, Runtime]) -> int:
    """The demo dataset with a second conditional item (so fewer can be granted) and the
    agreement texts, which the demo loader leaves to the first run."""
    _url, runtime = live
    with runtime.db.unit_of_work() as session:
        found = select(Dataset).where(Dataset.title.contains(TITLE)).order_by(Dataset.id)
        dataset = session.scalars(found).first()
        assert dataset is not None, [d.title for d in session.scalars(select(Dataset))]
        for item in dataset.items:
            if item.name == "licence_no":
                item.open_attribute, item.grade = "conditional", "L2"
        access_service.seed_default_agreement(session)
        return dataset.id


def _csrf(j: Journey) -> str:
    return j.page.locator("input[name=csrf_token]").first.get_attribute("value") or ""


def _apply(j: Journey, dataset_id: int) -> int:
    j.goto(f"/datasets/{dataset_id}")
    j.page.click(f"a[href='/access/applications/new?dataset={dataset_id}']")
    j.page.wait_for_load_state()
    for name in WANTED:
        j.page.check(f"input[name=items][value='{dataset_id}:{name}']")
    today = dt.date.today()
    j.page.fill("#f-purpose", "道路运输安全研究")
    j.page.fill("#f-scenario", "运输企业联系核验")
    j.page.fill("#f-expected_results", "年度研究报告")
    j.page.fill("#f-target_system", "交通研究平台")
    j.page.fill("#f-period_from", today.isoformat())
    j.page.fill("#f-period_until", (today + dt.timedelta(days=90)).isoformat())
    j.page.fill("#f-security_measures", "专网部署，访问控制，日志审计")
    j.page.check("input[name=agreement_id]")
    j.shot("form")
    j.page.click("button[name=action][value=submit]")
    j.page.wait_for_url(re.compile(r"/access/applications/\d+\?done=submitted"))
    expect(j.page.locator("h1 .badge-status-submitted")).to_be_visible()
    j.shot("submitted")
    return int(re.search(r"/applications/(\d+)", j.page.url).group(1))  # type: ignore[union-attr]


def _officer_forwards(j: Journey, app_id: int) -> None:
    j.sign_in(OFFICER, OFFICER_PASSWORD)
    j.goto("/workbench/applications")
    j.page.click(f"a[href='/workbench/applications/{app_id}']")
    j.page.wait_for_load_state()
    j.shot("to-accept")
    j.page.click("#accept-form button[type=submit]")
    j.page.wait_for_url(re.compile("done=accept"))
    j.page.fill("#forward-comment", "同意开放负责人手机号")
    j.page.click("#forward-form button[type=submit]")
    j.page.wait_for_url(re.compile("done=forward"))
    j.shot("forwarded")


def _reviewer_approves_one_item(j: Journey, app_id: int, dataset_id: int) -> None:
    j.sign_in("reviewer", "demo-reviewer-pass")
    j.goto(f"/workbench/applications/{app_id}")
    j.page.uncheck(f"#g{dataset_id}-item-licence_no")
    j.page.fill(f"#g{dataset_id}-calls_per_day", "100")
    j.shot("approve-form")
    j.page.click("#approve-form button[type=submit]")
    j.page.wait_for_url(re.compile("done=approve"))
    j.shot("approved")


def test_apply_review_approve_fewer_items_and_read_them_with_a_key(
    server: str, browser: object, transport_dataset: int
) -> None:
    dataset_id = transport_dataset
    applicant = Journey(browser, server, "access-applicant")
    applicant.sign_in("developer", "demo-user-pass")
    app_id = _apply(applicant, dataset_id)

    officer = Journey(browser, server, "access-officer")
    _officer_forwards(officer, app_id)
    officer.close()
    reviewer = Journey(browser, server, "access-reviewer")
    _reviewer_approves_one_item(reviewer, app_id, dataset_id)
    reviewer.close()

    applicant.goto("/access/grants")
    grant = applicant.page.locator("article[id^=grant-]").first
    expect(grant).to_contain_text(GRANTED)
    expect(grant).not_to_contain_text("licence_no")
    applicant.shot("grants")
    created = applicant.page.request.post(
        server + "/api/v1/developer/keys",
        data={"name": "研究平台", "scopes": ["data:read"]},
        headers={"x-csrf-token": _csrf(applicant)},
    )
    assert created.status == 201, created.text()
    key = created.json()
    rows = applicant.page.request.get(
        f"{server}/api/v1/datasets/{dataset_id}/rows",
        headers={"authorization": f"Bearer {key['app_key']}.{key['secret']}"},
    )
    assert rows.status == 200, rows.text()
    columns = rows.json()["columns"]
    assert GRANTED in columns and "licence_no" not in columns and "company" in columns
    assert rows.json()["rows"] and all(r[GRANTED] for r in rows.json()["rows"])
    applicant.goto(f"/access/applications/{app_id}")
    expect(applicant.page.locator("#h-grants")).to_be_visible()
    applicant.shot("application-with-grant")
    applicant.close()
