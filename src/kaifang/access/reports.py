"""Usage reports (数据利用报告): what active grants owe, reminders, and suspension when missing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from kaifang.access.deadlines import china_today, provider_officers
from kaifang.access.grants import get_grant, held_by, suspend_grant
from kaifang.access.models import Application, Grant, UsageReport
from kaifang.access.rules import DEFAULT_RULES
from kaifang.access.schemas import UsageReportIn
from kaifang.access.timeline import add_event
from kaifang.audit import service as audit_service
from kaifang.auth.actor import SYSTEM, Actor
from kaifang.db import raise_event, utcnow
from kaifang.errors import Conflict, NotFound
from kaifang.events import Notification

# Defaults of KAIFANG_ACCESS_REPORT_*; the daily job passes the configured figures.
REPORT_REMIND_DAYS = DEFAULT_RULES.report_remind_days
REPORT_GRACE_DAYS = DEFAULT_RULES.report_grace_days


def submit_usage_report(
    session: Session,
    *,
    actor: Actor,
    grant_id: int,
    data: UsageReportIn,
    today: dt.date | None = None,
) -> UsageReport:
    """Record the grantee's report; the next one falls due one interval later."""
    grant = get_grant(session, actor=actor, grant_id=grant_id)
    if not held_by(grant, actor):
        raise NotFound("授权不存在 (grant not found)")
    if grant.status == "revoked":
        raise Conflict("授权已撤销 (grant revoked)")
    report = UsageReport(grant_id=grant.id, submitted_by=actor.user_id or 0, **data.model_dump())
    session.add(report)
    grant.next_report_due = (today or china_today()) + dt.timedelta(days=grant.report_interval_days)
    grant.report_reminded_at = None
    session.flush()
    app = session.get(Application, grant.application_id)
    assert app is not None
    add_event(session, app, action="report", actor=actor, comment=f"grant #{grant.id}")
    audit_service.record(
        session,
        action="usage_report.submit",
        actor=actor,
        object_type="grant",
        object_id=grant.id,
        details={"report": report.id},
    )
    for officer in provider_officers(session, grant.organization_id):
        raise_event(
            session,
            Notification(
                user_id=officer.id,
                subject=f"授权 #{grant.id} 提交了数据利用报告",
                link=f"/workbench/grants#grant-{grant.id}",
            ),
        )
    return report


def list_usage_reports(session: Session, *, actor: Actor, grant_id: int) -> list[UsageReport]:
    """Reports of a grant the actor holds or oversees."""
    get_grant(session, actor=actor, grant_id=grant_id)
    return list(
        session.scalars(
            select(UsageReport).where(UsageReport.grant_id == grant_id).order_by(UsageReport.id)
        ).all()
    )


def reports_due(
    session: Session, *, today: dt.date, within_days: int = REPORT_REMIND_DAYS
) -> list[Grant]:
    """Active grants whose report is due within ``within_days`` or overdue."""
    horizon = today + dt.timedelta(days=within_days)
    return list(
        session.scalars(
            select(Grant)
            .where(
                Grant.status == "active",
                Grant.next_report_due.is_not(None),
                Grant.next_report_due <= horizon,
            )
            .order_by(Grant.id)
        ).all()
    )


def is_report_overdue(grant: Grant, today: dt.date) -> bool:
    return grant.next_report_due is not None and today > grant.next_report_due


@dataclass(frozen=True)
class ReportRun:
    """What one pass over usage reports did."""

    reminded: int
    suspended: int


def enforce_usage_reports(
    session: Session,
    *,
    today: dt.date,
    grace_days: int = REPORT_GRACE_DAYS,
    within_days: int = REPORT_REMIND_DAYS,
) -> ReportRun:
    """Remind grantees once per due date, and suspend grants overdue beyond the grace days."""
    reminded = suspended = 0
    for grant in reports_due(session, today=today, within_days=within_days):
        assert grant.next_report_due is not None
        if (today - grant.next_report_due).days > grace_days:
            suspend_grant(
                session,
                actor=SYSTEM,
                grant_id=grant.id,
                reason=f"数据利用报告逾期 (usage report overdue since "
                f"{grant.next_report_due.isoformat()})",
            )
            suspended += 1
        elif grant.report_reminded_at is None:
            grant.report_reminded_at = utcnow()
            raise_event(
                session,
                Notification(
                    user_id=grant.grantee_user_id,
                    link=f"/access/grants/{grant.id}/report",
                    subject=f"授权 #{grant.id} 的数据利用报告将于 {grant.next_report_due} 到期",
                ),
            )
            reminded += 1
    return ReportRun(reminded, suspended)
