"""Conditional data end to end: apply → accept → review → approve fewer items with a row
filter → the data API serves exactly that, masked → quota → 429 → expiry → 403."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from kaifang.access import service as access_service
from kaifang.access.schemas import ApplicationIn, GrantTermsIn, RequestedItems
from kaifang.auth import service as auth_service
from kaifang.auth.actor import SYSTEM
from kaifang.catalog import workflow
from tests import factories
from tests.web.helpers import bearer
from tests.web.test_data_api import _setup, _upload

ID_COL, DATE_COL = "驾驶员身份证号", "开通日期"


def _make_conditional(client: TestClient, officer: dict[str, str], ds_id: int) -> None:
    items = client.get(f"/api/v1/datasets/{ds_id}/items", headers=officer).json()
    for item in items:
        if item["name"] in (ID_COL, DATE_COL):
            item.update(grade="L2", open_attribute="conditional")
        else:
            item.update(grade="L1", open_attribute="unconditional")
    body = {
        "items": [
            {k: i[k] for k in ("label", "name", "data_type", "grade", "open_attribute")}
            for i in items
        ]
    }
    assert client.patch(f"/api/v1/datasets/{ds_id}", json=body, headers=officer).status_code == 200


def _grant(session: Session, ds_id: int, applicant_name: str) -> int:
    applicant = auth_service.actor_for(auth_service.find_user(session, applicant_name))  # type: ignore[arg-type]
    officer = auth_service.actor_for(auth_service.find_user(session, "bus-officer"))  # type: ignore[arg-type]
    reviewer = auth_service.actor_for(factories.user(session, role="reviewer", region_code="3310"))
    agreement = access_service.seed_default_agreement(session)
    today = dt.date.today()
    app = access_service.create_application(
        session,
        actor=applicant,
        data=ApplicationIn(
            datasets=[RequestedItems(dataset_id=ds_id, items=[ID_COL, DATE_COL])],
            purpose="公交安全研究",
            scenario="驾驶员资质核验",
            expected_results="研究报告",
            target_system="研究平台",
            channel="api",
            period_from=today,
            period_until=today + dt.timedelta(days=90),
            security_measures="专网、访问控制、审计",
            agreement_id=agreement.id,
        ),
    )
    access_service.submit_application(session, actor=applicant, application_id=app.id)
    access_service.accept_application(session, actor=officer, application_id=app.id)
    access_service.review_application(
        session, actor=officer, application_id=app.id, opinion="approve", comment="同意"
    )
    _app, grants = access_service.approve_application(
        session,
        actor=reviewer,
        application_id=app.id,
        comment="仅开放身份证号，脱敏",
        grants=[
            GrantTermsIn(
                dataset_id=ds_id,
                items=[ID_COL],
                row_filter="票价__gte=2",
                masking={ID_COL: "mask:keep=6,4"},
                calls_per_day=2,
            )
        ],
    )
    session.commit()
    return grants[0].id


def test_grant_limits_what_the_data_api_serves(client: TestClient, session: Session) -> None:
    officer, ds_id = _setup(client, session)
    _upload(client, officer, ds_id)
    _make_conditional(client, officer, ds_id)
    for step in (workflow.submit_dataset, workflow.approve_dataset, workflow.publish_dataset):
        step(session, actor=SYSTEM, dataset_id=ds_id)
    factories.user(session, username="researcher")
    session.commit()
    public = client.get(f"/api/v1/datasets/{ds_id}/rows").json()
    assert ID_COL not in public["columns"] and len(public["rows"]) == 3
    assert client.get(f"/api/v1/datasets/{ds_id}/rows?_col={ID_COL}").status_code == 403

    grant_id = _grant(session, ds_id, "researcher")
    researcher = bearer(client, "researcher")
    probe = client.get(f"/api/v1/datasets/{ds_id}/rows?_col={ID_COL}", headers=researcher)
    assert probe.status_code == 200, probe.text
    first = client.get(f"/api/v1/datasets/{ds_id}/rows?_sort=线路编号", headers=researcher)
    assert first.status_code == 200, first.text
    body = first.json()
    assert ID_COL in body["columns"] and DATE_COL not in body["columns"]
    assert [r["线路编号"] for r in body["rows"]] == ["0012", "=cmd"]  # row filter 票价 >= 2
    assert body["rows"][0][ID_COL] == "331002********123X"
    limited = client.get(f"/api/v1/datasets/{ds_id}/rows", headers=researcher)
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0

    grant = access_service.get_grant(session, actor=SYSTEM, grant_id=grant_id)
    grant.valid_until = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    session.commit()
    expired = client.get(f"/api/v1/datasets/{ds_id}/rows?_col={ID_COL}", headers=researcher)
    assert expired.status_code == 403
