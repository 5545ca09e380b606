"""Search fixtures: the search tables created inside the test transaction and a small catalogue."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session

from kaifang.auth.actor import SYSTEM, Actor
from kaifang.auth.models import Organization
from kaifang.catalog import workflow
from kaifang.catalog.models import Dataset
from kaifang.catalog.schemas import DataItemIn
from kaifang.catalog.vocabularies import seed_vocabularies
from kaifang.search import service
from tests import factories

BASE_TIME = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _vocabularies(request: pytest.FixtureRequest) -> None:
    if "session" in request.fixturenames:
        seed_vocabularies(request.getfixturevalue("session"))


@dataclass
class Catalogue:
    """A small indexed catalogue: two organizations, published datasets and one draft."""

    traffic: Organization
    health: Organization
    bus: Dataset
    parking: Dataset
    draft: Dataset
    clinics: Dataset
    water: Dataset
    traffic_officer: Actor
    health_officer: Actor

    @property
    def published(self) -> list[Dataset]:
        return [self.bus, self.parking, self.clinics, self.water]


def items(*pairs: tuple[str, str]) -> list[DataItemIn]:
    return [DataItemIn(label=label, name=name) for label, name in pairs]


def publish(session: Session, officer: Actor, **overrides: object) -> Dataset:
    """A published dataset of the officer's organization (no extra accounts, so it is quick)."""
    ds = factories.dataset(session, actor=officer, **overrides)
    workflow.submit_dataset(session, actor=officer, dataset_id=ds.id)
    workflow.approve_dataset(session, actor=SYSTEM, dataset_id=ds.id)
    workflow.publish_dataset(session, actor=SYSTEM, dataset_id=ds.id)
    return ds  # type: ignore[no-any-return]


def set_stats(ds: Dataset, *, day: int, views: int, downloads: int) -> None:
    """Fix sort keys so orderings are deterministic."""
    if ds.status == "published":
        ds.first_published_at = BASE_TIME + dt.timedelta(days=day)
    ds.last_updated_at = BASE_TIME + dt.timedelta(days=40 - day)
    ds.views, ds.downloads = views, downloads


@pytest.fixture
def catalogue(session: Session) -> Catalogue:
    factories.region(session, "331002", "椒江区")
    traffic = factories.organization(session, name="台州市交通运输局")
    health = factories.organization(session, name="台州市卫生健康委员会")
    traffic_officer = factories.actor(session, role="officer", org=traffic)
    health_officer = factories.actor(session, role="officer", org=health)
    bus = publish(
        session,
        traffic_officer,
        title="台州市公交线路信息",
        formats=["CSV"],
        summary="全市公交线路、站点与运营时间信息。",
    )
    parking = publish(
        session,
        traffic_officer,
        title="椒江区公共停车场信息",
        region_code="331002",
        summary="椒江区公共停车场位置、泊位数量与收费标准。",
        domains=["交通出行", "城建住房"],
        keywords=["停车"],
        formats=["CSV", "JSON"],
        items=items(("泊位数量", "berth_count"), ("收费标准", "fee_rule")),
    )
    draft = factories.dataset(
        session,
        actor=traffic_officer,
        title="出租车营运秘密草稿",
        summary="尚未发布的出租车营运数据。",
        domains=["交通运输"],
        keywords=["出租车"],
        items=items(("车牌号码", "plate_no")),
    )
    clinics = publish(
        session,
        health_officer,
        title="医疗机构执业许可信息",
        summary="医疗机构名称、地址、执业范围与许可有效期。",
        domains=["卫生健康"],
        keywords=["医院"],
        formats=["XLSX"],
        items=items(("机构名称", "org_name"), ("执业范围", "scope")),
    )
    water = publish(
        session,
        health_officer,
        title="饮用水监测点位",
        summary="饮用水水源地监测点位与监测项目。",
        keywords=["饮用水", "水质"],
        domains=["生态环境"],
        formats=["CSV"],
        items=items(("溶解氧浓度", "dissolved_oxygen"), ("监测点名称", "station_name")),
    )
    for day, ds in enumerate((bus, parking, clinics, water, draft)):
        set_stats(ds, day=day, views=[50, 10, 30, 10, 99][day], downloads=[1, 7, 3, 9, 99][day])
    session.flush()
    service.reindex_all(session)
    return Catalogue(
        traffic, health, bus, parking, draft, clinics, water, traffic_officer, health_officer
    )
