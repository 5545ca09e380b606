"""Shortcuts for driving an application through its workflow in service tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from kaifang.access import service
from kaifang.access.models import Application, Grant
from kaifang.access.schemas import ApplicationIn, GrantTermsIn, RequestedItems
from kaifang.datastore.columns import ColumnInfo
from tests.access.conftest import World

COLUMNS = [
    ColumnInfo("line_name", "VARCHAR"),
    ColumnInfo("district", "VARCHAR"),
    ColumnInfo("driver_mobile", "VARCHAR"),
    ColumnInfo("driver_name", "VARCHAR"),
    ColumnInfo("vin", "VARCHAR"),
    ColumnInfo("internal_note", "VARCHAR"),
]


def application_in(world: World, items: list[str] | None = None, **overrides: Any) -> ApplicationIn:
    today = dt.date.today()
    fields: dict[str, Any] = {
        "datasets": [
            RequestedItems(
                dataset_id=world.dataset.id, items=items or ["driver_mobile", "driver_name", "vin"]
            )
        ],
        "purpose": "公交准点率研究",
        "scenario": "城市交通运行分析",
        "expected_results": "月度分析报告",
        "target_system": "交通研究平台 v2",
        "channel": "api",
        "period_from": today,
        "period_until": today + dt.timedelta(days=180),
        "security_measures": "专网部署，访问控制，日志审计",
        "agreement_id": world.agreement_id,
    }
    fields.update(overrides)
    return ApplicationIn(**fields)


def submitted(session: Session, world: World, **kwargs: Any) -> Application:
    app = service.create_application(
        session, actor=world.applicant, data=application_in(world, **kwargs)
    )
    return service.submit_application(session, actor=world.applicant, application_id=app.id)


def under_review(session: Session, world: World, **kwargs: Any) -> Application:
    app = submitted(session, world, **kwargs)
    service.accept_application(session, actor=world.officer, application_id=app.id)
    return service.review_application(
        session,
        actor=world.officer,
        application_id=app.id,
        opinion="approve",
        comment="同意，建议限定椒江区",
    )


def approved(
    session: Session, world: World, terms: GrantTermsIn | None = None, **kwargs: Any
) -> tuple[Application, Grant]:
    app = under_review(session, world, **kwargs)
    app, grants = service.approve_application(
        session,
        actor=world.reviewer,
        application_id=app.id,
        grants=[terms] if terms else None,
        comment="同意",
    )
    session.flush()
    return app, grants[0]
