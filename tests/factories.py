"""Factories for test data: regions, organizations, users with roles, actors."""

from __future__ import annotations

import itertools

from sqlalchemy.orm import Session

from kaifang.auth import service as auth_service
from kaifang.auth.actor import SYSTEM, Actor
from kaifang.auth.models import Organization, Region, User

_seq = itertools.count(1)
PASSWORD = "correct-horse-battery"


def region(session: Session, code: str = "3310", name: str = "台州市") -> Region:
    existing = session.get(Region, code)
    if existing is not None:
        return existing
    parent = None
    if len(code) > 2:
        parent_code = code[:2] if len(code) == 4 else code[:4] if len(code) == 6 else code[:6]
        parent = region(session, parent_code, f"区划{parent_code}").code
    r = auth_service.create_region(session, code=code, name=name, parent_code=parent)
    session.flush()
    return r


def organization(
    session: Session, *, region_code: str = "3310", name: str | None = None
) -> Organization:
    region(session, region_code)
    n = next(_seq)
    return auth_service.create_organization(
        session, actor=SYSTEM, name=name or f"测试机构{n}", slug=f"org-{n}", region_code=region_code
    )


def user(
    session: Session,
    *,
    role: str = "user",
    org: Organization | None = None,
    region_code: str | None = None,
    username: str | None = None,
) -> User:
    if role == "officer" and org is None:
        org = organization(session)
    if region_code:
        region(session, region_code)
    u = auth_service.create_user(
        session,
        actor=SYSTEM,
        username=username or f"{role}{next(_seq)}",
        password=PASSWORD,
        role=role,
        organization_id=org.id if org else None,
        region_code=region_code,
    )
    session.flush()
    return u


def actor(session: Session, **kwargs: object) -> Actor:
    return auth_service.actor_for(user(session, **kwargs))  # type: ignore[arg-type]


TEMPLATE = "{region}-{klass}-{seq:05d}"


def dataset_in(**overrides: object):  # type: ignore[no-untyped-def]
    from kaifang.catalog.schemas import DataItemIn, DatasetIn

    n = next(_seq)
    base: dict[str, object] = {
        "title": f"公交线路信息{n}",
        "summary": "全市公交线路、站点与运营时间信息。",
        "domains": ["交通出行"],
        "keywords": ["公交", "线路"],
        "update_frequency": "monthly",
        "items": [
            DataItemIn(label="线路名称", name="line_name"),
            DataItemIn(label="起点站", name="start_stop"),
            DataItemIn(
                label="驾驶员手机号",
                name="driver_mobile",
                grade="L3",
                open_attribute="conditional",
                pii_kind="mobile",
            ),
        ],
    }
    base.update(overrides)
    return DatasetIn(**base)  # type: ignore[arg-type]


def dataset(
    session: Session,
    *,
    actor: Actor | None = None,
    org: Organization | None = None,
    **overrides: object,
):  # type: ignore[no-untyped-def]
    from kaifang.catalog import service as catalog_service

    if actor is None:
        org = org or organization(session)
        actor = auth_service.actor_for(user(session, role="officer", org=org))
    ds = catalog_service.create_dataset(
        session, actor=actor, data=dataset_in(**overrides), code_template=TEMPLATE
    )
    session.flush()
    return ds


def published_dataset(session: Session, *, org: Organization | None = None, **overrides: object):  # type: ignore[no-untyped-def]
    from kaifang.catalog import workflow

    org = org or organization(session)
    officer = auth_service.actor_for(user(session, role="officer", org=org))
    ds = dataset(session, actor=officer, **overrides)
    workflow.submit_dataset(session, actor=officer, dataset_id=ds.id)
    workflow.approve_dataset(session, actor=SYSTEM, dataset_id=ds.id)
    workflow.publish_dataset(session, actor=SYSTEM, dataset_id=ds.id)
    session.flush()
    return ds


def broken_link(url: str, name: str = "来源链接"):  # type: ignore[no-untyped-def]
    """A link resource the daily check found answering HTTP 404."""
    from kaifang.catalog.models import Resource
    from kaifang.db import utcnow

    return Resource(
        name=name,
        kind="file",
        url=url,
        link_status="broken",
        link_detail="远程服务器返回 HTTP 404 (the remote server answered HTTP 404)",
        link_checked_at=utcnow(),
    )
