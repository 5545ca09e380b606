"""Usage events: batched recording off the request path and usage per period over time."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kaifang.catalog.models import Dataset
from kaifang.db import Database
from kaifang.errors import InvalidInput
from kaifang.governance.models import UsageEvent
from kaifang.governance.usage import (
    UsageQuery,
    UsageRecord,
    UsageWriter,
    usage_over_time,
    user_key,
)
from kaifang.runtime import Runtime
from tests import factories
from tests.governance.conftest import used
from tests.web.helpers import bearer


def test_the_writer_inserts_a_batch_and_adds_views_to_the_counters(
    session: Session, db: Database
) -> None:
    ds = factories.published_dataset(session)
    session.commit()
    writer = UsageWriter(db, max_batch=10)
    for user in ("u:1", "u:1", "a:x"):
        writer.add(UsageRecord("view", ds.id, ds.organization_id, ds.region_code, user))
    writer.add(UsageRecord("download", ds.id, ds.organization_id, ds.region_code, "u:1"))
    assert writer.pending() == 4 and writer.flush() == 4 and writer.pending() == 0
    session.expire_all()
    assert session.get(Dataset, ds.id).views == 3
    kinds = session.scalars(select(UsageEvent.kind).where(UsageEvent.dataset_id == ds.id)).all()
    assert sorted(kinds) == ["download", "view", "view", "view"]


def test_the_day_and_month_are_china_local() -> None:
    late = dt.datetime(2021, 6, 30, 17, 30, tzinfo=dt.UTC)  # 01:30 on 1 July in China
    record = UsageRecord("view", 1, 1, "3310", "u:1", late)
    assert record.day == dt.date(2021, 7, 1) and record.month == "2021-07"


def test_usage_per_month_and_dataset_counts_distinct_users(session: Session) -> None:
    org = factories.organization(session)
    a = factories.published_dataset(session, org=org, title="公交线路")
    b = factories.published_dataset(session, org=org, title="停车场")
    used(session, a, "view", on=dt.date(2021, 5, 3), users=["u:1", "u:2", "u:1"])
    used(session, a, "download", on=dt.date(2021, 6, 3), users=["u:1"])
    used(session, a, "api_call", on=dt.date(2021, 6, 4), users=["k:7", "k:7"])
    used(session, b, "view", on=dt.date(2021, 6, 30), users=["a:z"])
    rows = usage_over_time(
        session, UsageQuery(dt.date(2021, 5, 1), dt.date(2021, 6, 30), by="dataset")
    )
    summary = [
        (r["period"], r["label"], r["views"], r["downloads"], r["api_calls"], r["users"])
        for r in rows
    ]
    assert summary == [
        ("2021-05", "公交线路", 3, 0, 0, 2),
        ("2021-06", "公交线路", 0, 1, 2, 2),
        ("2021-06", "停车场", 1, 0, 0, 1),
    ]
    by_org = usage_over_time(
        session,
        UsageQuery(dt.date(2021, 6, 1), dt.date(2021, 6, 30), granularity="total"),
    )
    assert [(r["label"], r["views"], r["users"]) for r in by_org] == [(org.name, 1, 3)]
    other = usage_over_time(
        session,
        UsageQuery(dt.date(2021, 5, 1), dt.date(2021, 6, 30), organization_ids=[org.id + 1000]),
    )
    assert other == []
    with pytest.raises(InvalidInput):
        usage_over_time(session, UsageQuery(dt.date(2021, 6, 2), dt.date(2021, 6, 1)))


def test_user_keys_name_no_one() -> None:
    anonymous = user_key(user_id=None, key_id=None, address="10.0.0.1", agent="Firefox")
    assert anonymous.startswith("a:") and "10.0.0.1" not in anonymous
    assert anonymous != user_key(user_id=None, key_id=None, address="10.0.0.2", agent="Firefox")
    assert user_key(user_id=5, key_id=9, address="", agent="") == "u:5"
    assert user_key(user_id=None, key_id=9, address="", agent="") == "k:9"


def test_page_views_are_queued_not_written_and_drafts_are_not_counted(
    client: TestClient, session: Session, runtime: Runtime
) -> None:
    ds = factories.published_dataset(session, title="公交线路信息")
    draft = factories.dataset(session, title="草稿")
    officer = factories.user(session, role="officer", org=draft.organization, username="u-officer")
    session.commit()
    writer = runtime.extras["usage_log"]
    assert client.get(f"/datasets/{ds.id}").status_code == 200
    assert (
        client.get(f"/datasets/{draft.id}", headers=bearer(client, officer.username)).status_code
        == 200
    )
    count = select(func.count()).select_from(UsageEvent)
    assert writer.pending() == 1 and session.scalar(count) == 0
    writer.flush()
    event = session.scalars(select(UsageEvent)).one()
    assert (event.kind, event.dataset_id, event.user_key[:2]) == ("view", ds.id, "a:")


def test_usage_api_renders_json_and_csv_scoped_to_the_officer(
    client: TestClient, session: Session
) -> None:
    ds = factories.published_dataset(session, title="公交线路信息")
    other = factories.published_dataset(session, title="别家数据")
    factories.user(session, role="officer", org=ds.organization, username="usage-officer")
    used(session, ds, "download", on=dt.date(2021, 6, 3), users=["u:1", "u:2"])
    used(session, other, "download", on=dt.date(2021, 6, 3))
    session.commit()
    headers = bearer(client, "usage-officer")
    url = "/api/v1/governance/usage?start=2021-06-01&end=2021-06-30&by=dataset"
    r = client.get(url, headers=headers)
    assert r.status_code == 403  # an officer must name their organization
    url += f"&organization_id={ds.organization_id}"
    items = client.get(url, headers=headers).json()["items"]
    assert [(i["label"], i["downloads"], i["users"]) for i in items] == [("公交线路信息", 2, 2)]
    csv = client.get(url + "&format=csv", headers=headers)
    assert csv.headers["content-type"].startswith("text/csv") and "独立用户" in csv.text
    other_org = f"&organization_id={other.organization_id}"
    assert (
        client.get(url.split("&organization_id")[0] + other_org, headers=headers).status_code == 403
    )
