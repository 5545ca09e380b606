"""Access fixtures: the access tables (until the migration has them), and a small world of two
provider organizations, an applicant, a bureau reviewer and a published dataset with
unconditional, conditional and closed items."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import pytest
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from kaifang.access import agreements
from kaifang.access.models import ACCESS_TABLES
from kaifang.auth import service as auth_service
from kaifang.auth.actor import Actor
from kaifang.auth.models import Organization
from kaifang.auth.passwords import hash_password
from kaifang.catalog.models import Dataset
from kaifang.catalog.schemas import DataItemIn
from kaifang.catalog.vocabularies import seed_vocabularies
from kaifang.db import Base
from tests import factories

COUNTY = "331002"
ITEMS = [
    DataItemIn(label="线路名称", name="line_name"),
    DataItemIn(label="所属区县", name="district"),
    DataItemIn(
        label="驾驶员手机号",
        name="driver_mobile",
        grade="L3",
        open_attribute="conditional",
        pii_kind="mobile",
    ),
    DataItemIn(label="驾驶员姓名", name="driver_name", grade="L2", open_attribute="conditional"),
    DataItemIn(label="车辆识别码", name="vin", grade="L2", open_attribute="conditional"),
    DataItemIn(label="内部备注", name="internal_note", grade="L4", open_attribute="closed"),
]


def create_access_tables(bind: Engine | Connection) -> None:
    """Create the access tables unless the migration already made them."""
    Base.metadata.create_all(bind=bind, tables=list(ACCESS_TABLES), checkfirst=True)


@pytest.fixture(scope="session")
def _access_schema(_engines: dict[str, Engine]) -> None:
    # Once per test database, committed, so each test pays nothing for it.
    for engine in _engines.values():
        create_access_tables(engine)


@lru_cache(maxsize=8)
def _cached_hash(password: str) -> str:
    return hash_password(password)


@pytest.fixture(autouse=True)
def _access_tables(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    # Argon2 is slow on purpose; every factory user shares one password, so hash it once.
    monkeypatch.setattr(auth_service, "hash_password", _cached_hash)
    if "session" in request.fixturenames:
        request.getfixturevalue("_access_schema")
        session: Session = request.getfixturevalue("session")
        seed_vocabularies(session)


@dataclass
class World:
    provider: Organization
    other_org: Organization
    officer: Actor
    other_officer: Actor
    reviewer: Actor
    applicant: Actor
    stranger: Actor
    admin: Actor
    auditor: Actor
    dataset: Dataset
    agreement_id: int


def _actor(session: Session, **kwargs: object) -> Actor:
    return factories.actor(session, **kwargs)


@pytest.fixture
def world(session: Session) -> World:
    provider = factories.organization(session, region_code=COUNTY, name="台州市椒江区交通运输局")
    other = factories.organization(session, region_code=COUNTY, name="台州市椒江区卫生健康局")
    dataset = factories.published_dataset(session, org=provider, items=ITEMS)
    agreement = agreements.seed_default_agreement(session)
    world = World(
        provider=provider,
        other_org=other,
        officer=_actor(session, role="officer", org=provider),
        other_officer=_actor(session, role="officer", org=other),
        reviewer=_actor(session, role="reviewer", region_code="3310"),
        applicant=_actor(session, role="user"),
        stranger=_actor(session, role="user"),
        admin=_actor(session, role="admin"),
        auditor=_actor(session, role="auditor"),
        dataset=dataset,
        agreement_id=agreement.id,
    )
    session.flush()
    return world


def reload_actor(session: Session, actor: Actor) -> Actor:
    return auth_service.actor_for(auth_service.get_user(session, actor.user_id or 0))
