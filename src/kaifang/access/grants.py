"""Grants (授权): created by an approval; read, revoked, suspended, reinstated and expired here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from kaifang.access.deadlines import CHINA_TZ, china_date
from kaifang.access.masking import MaskerFactory, default_masker_factory
from kaifang.access.models import Application, Grant, UsageReport
from kaifang.access.schemas import GrantTermsIn
from kaifang.access.timeline import add_event
from kaifang.audit import service as audit_service
from kaifang.auth.actor import SYSTEM, Actor
from kaifang.auth.policy import Target, can
from kaifang.auth.service import authorize
from kaifang.catalog.models import Dataset
from kaifang.datastore.columns import ColumnInfo, column_map
from kaifang.datastore.filters import parse_filter
from kaifang.db import raise_event, utcnow
from kaifang.errors import BadRequest, Conflict, InvalidInput, NotFound
from kaifang.events import Notification

SQL_TYPES = {
    "text": "VARCHAR",
    "integer": "BIGINT",
    "decimal": "DOUBLE",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "datetime": "TIMESTAMP",
    "geometry": "VARCHAR",
}
LIVE = ("active", "suspended")


def target_of(grant: Grant) -> Target:
    """Provider organization and region, grantee as owner."""
    return Target(
        organization_id=grant.organization_id,
        region_code=grant.region_code,
        user_id=grant.grantee_user_id,
        id=grant.id,
    )


def held_by(grant: Grant, actor: Actor) -> bool:
    """Whether ``actor`` holds the grant: its grantee, or a member of the grantee organization."""
    if actor.user_id is not None and grant.grantee_user_id == actor.user_id:
        return True
    org = grant.grantee_organization_id
    return org is not None and actor.organization_id == org


def get_grant(session: Session, *, actor: Actor, grant_id: int) -> Grant:
    """The grant if ``actor`` holds it or oversees it; NotFound otherwise."""
    grant = session.get(Grant, grant_id)
    if grant is None or not (held_by(grant, actor) or can(actor, "grant.read", target_of(grant))):
        raise NotFound("授权不存在 (grant not found)")
    return grant


def list_grants(session: Session, *, actor: Actor, as_provider: bool = False) -> list[Grant]:
    """Grants the actor holds, or (as_provider) grants on the actor's organization's data."""
    stmt = select(Grant).order_by(Grant.id.desc()).limit(500)
    if as_provider:
        stmt = stmt.where(Grant.organization_id == (actor.organization_id or -1))
    else:
        held = Grant.grantee_user_id == (actor.user_id or -1)
        if actor.organization_id is not None:
            held = or_(held, Grant.grantee_organization_id == actor.organization_id)
        stmt = stmt.where(held)
    return list(session.scalars(stmt).all())


def columns_of(dataset: Dataset) -> list[ColumnInfo]:
    """The dataset's columns as the catalogue describes them (for validating row filters)."""
    return [
        ColumnInfo(name=i.name, sql_type=SQL_TYPES.get(i.data_type, "VARCHAR"))
        for i in dataset.items
    ]


def validate_row_filter(row_filter: str, columns: Sequence[ColumnInfo]) -> None:
    """Raise InvalidInput unless the filter parses against ``columns``."""
    if not row_filter:
        return
    try:
        parse_filter(row_filter, column_map(columns))
    except BadRequest as exc:
        raise InvalidInput(
            f"行过滤条件无效 (invalid row filter): {exc.message}", details={"field": "row_filter"}
        ) from None


def _check_items(terms: GrantTermsIn, requested: list[str]) -> list[str]:
    items = list(dict.fromkeys(terms.items if terms.items is not None else requested))
    extra = [i for i in items if i not in requested]
    if extra or not items:
        raise InvalidInput(
            "授权数据项须为所申请数据项的子集 (grant items must be requested items): "
            + "、".join(extra),
            details={"field": "items", "extra": extra},
        )
    return items


def _masking(
    dataset: Dataset, items: list[str], terms: GrantTermsIn, factory: MaskerFactory
) -> dict[str, str]:
    unknown = [n for n, rule in terms.masking.items() if n not in items or factory(rule) is None]
    if unknown:
        raise InvalidInput(
            "脱敏规则无效或数据项未授权 (invalid masking rule): " + "、".join(unknown),
            details={"field": "masking", "items": unknown},
        )
    # Catalogue masking rules apply unless the grant sets its own.
    inherited = {
        i.name: i.masking_rule for i in dataset.items if i.name in items and i.masking_rule
    }
    return {**inherited, **terms.masking}


def _validity(
    app: Application, terms: GrantTermsIn, now: dt.datetime
) -> tuple[dt.datetime, dt.datetime]:
    start = terms.valid_from
    if start is None and app.period_from is not None:
        start = max(now, dt.datetime.combine(app.period_from, dt.time(), CHINA_TZ))
    end = terms.valid_until
    if end is None and app.period_until is not None:
        end = dt.datetime.combine(app.period_until, dt.time(23, 59, 59), CHINA_TZ)
    if start is None or end is None or end <= start:
        raise InvalidInput(
            "授权有效期无效 (invalid validity period)", details={"field": "valid_until"}
        )
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def build_grant(
    session: Session,
    app: Application,
    terms: GrantTermsIn,
    *,
    now: dt.datetime,
    masker_factory: MaskerFactory = default_masker_factory,
) -> Grant:
    """An unsaved grant for one dataset of ``app`` under ``terms``; raises InvalidInput."""
    requested = [i.item_name for i in app.items if i.dataset_id == terms.dataset_id]
    dataset = session.get(Dataset, terms.dataset_id)
    if not requested or dataset is None:
        raise InvalidInput(
            "该数据集不在申请中 (dataset not in the application)",
            details={"field": "dataset_id", "dataset_id": terms.dataset_id},
        )
    items = _check_items(terms, requested)
    validate_row_filter(terms.row_filter, columns_of(dataset))
    start, end = _validity(app, terms, now)
    grant = Grant(
        application_id=app.id,
        dataset_id=dataset.id,
        organization_id=app.organization_id,
        region_code=app.region_code,
        grantee_user_id=app.applicant_id,
        grantee_organization_id=app.applicant_organization_id,
        items=items,
        row_filter=terms.row_filter,
        channels=list(terms.channels) if terms.channels else [app.channel],
        masking=_masking(dataset, items, terms, masker_factory),
        calls_per_day=terms.calls_per_day,
        rows_per_day=terms.rows_per_day,
        valid_from=start,
        valid_until=end,
        report_interval_days=terms.report_interval_days,
        next_report_due=china_date(start) + dt.timedelta(days=terms.report_interval_days),
    )
    return grant


def _grant_event(
    session: Session, grant: Grant, *, actor: Actor, action: str, reason: str, to_status: str
) -> None:
    previous, grant.status, grant.status_reason = grant.status, to_status, reason
    grant.changed_at = utcnow()
    app = session.get(Application, grant.application_id)
    assert app is not None
    add_event(
        session,
        app,
        action=action,
        actor=actor,
        from_status=previous,
        to_status=app.status,
        comment=f"grant #{grant.id}: {reason}",
    )
    audit_service.record(
        session,
        action=f"grant.{action}",
        actor=actor,
        object_type="grant",
        object_id=grant.id,
        details={"from": previous, "to": to_status, "reason": reason},
    )
    raise_event(
        session,
        Notification(
            user_id=grant.grantee_user_id,
            subject=f"授权 #{grant.id} 状态变更为 {to_status}",
            body=reason,
            link=f"/access/grants#grant-{grant.id}",
        ),
    )
    _sync_application(session, app)


def _sync_application(session: Session, app: Application) -> None:
    """An application whose grants are all revoked or expired takes that state."""
    states = set(session.scalars(select(Grant.status).where(Grant.application_id == app.id)))
    if not states or states & set(LIVE) or app.status not in ("approved", "active"):
        return
    new = "revoked" if "revoked" in states else "expired"
    previous, app.status = app.status, new
    add_event(
        session,
        app,
        action="revoke" if new == "revoked" else "expire",
        actor=SYSTEM,
        from_status=previous,
        to_status=new,
    )


def revoke_grant(session: Session, *, actor: Actor, grant_id: int, reason: str) -> Grant:
    """End a grant at once (the next call is refused); provider officers and reviewers."""
    grant = get_grant(session, actor=actor, grant_id=grant_id)
    authorize(actor, "grant.revoke", target_of(grant))
    if grant.status not in LIVE:
        raise Conflict(f"授权状态为 {grant.status}，不能撤销 (cannot revoke)")
    _require_reason(reason)
    _grant_event(session, grant, actor=actor, action="revoke", reason=reason, to_status="revoked")
    return grant


def suspend_grant(session: Session, *, actor: Actor, grant_id: int, reason: str) -> Grant:
    """Stop access until the grantee reports and the grant is reinstated."""
    grant = get_grant(session, actor=actor, grant_id=grant_id)
    authorize(actor, "grant.suspend", target_of(grant))
    if grant.status != "active":
        raise Conflict(f"授权状态为 {grant.status}，不能暂停 (cannot suspend)")
    _require_reason(reason)
    _grant_event(
        session, grant, actor=actor, action="suspend", reason=reason, to_status="suspended"
    )
    return grant


def reinstate_grant(session: Session, *, actor: Actor, grant_id: int, comment: str = "") -> Grant:
    """Resume a suspended grant once a usage report has arrived since the suspension."""
    grant = get_grant(session, actor=actor, grant_id=grant_id)
    authorize(actor, "grant.suspend", target_of(grant))
    if grant.status != "suspended":
        raise Conflict("只能恢复已暂停的授权 (only suspended grants)")
    report = session.scalars(
        select(UsageReport.id).where(
            UsageReport.grant_id == grant.id, UsageReport.created_at >= grant.changed_at
        )
    ).first()
    if report is None:
        raise Conflict("需先提交数据利用报告 (a usage report is required first)")
    _grant_event(
        session,
        grant,
        actor=actor,
        action="reinstate",
        reason=comment or "report received",
        to_status="active",
    )
    return grant


def _require_reason(reason: str) -> None:
    if len(reason.strip()) < 2:
        raise InvalidInput("请说明理由 (reason required)", details={"field": "reason"})


def refresh_grant_states(session: Session, *, now: dt.datetime | None = None) -> int:
    """Expire grants past their end and activate approved applications whose grants began."""
    now = now or utcnow()
    changed = 0
    for grant in session.scalars(
        select(Grant).where(Grant.status.in_(LIVE), Grant.valid_until < now)
    ).all():
        _grant_event(
            session,
            grant,
            actor=SYSTEM,
            action="expire",
            reason="validity ended",
            to_status="expired",
        )
        changed += 1
    for app in session.scalars(select(Application).where(Application.status == "approved")).all():
        if session.scalars(
            select(Grant.id).where(Grant.application_id == app.id, Grant.valid_from <= now)
        ).first():
            previous, app.status = app.status, "active"
            add_event(session, app, action="activate", actor=SYSTEM, from_status=previous)
            changed += 1
    return changed
