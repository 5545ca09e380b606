"""Working-day deadlines on the official Chinese calendar, reminders, escalation and SLA figures.

Days are China-local (UTC+8, no daylight saving). A deadline of *n* working days after a day
is the *n*-th working day that follows it: the day of submission itself never counts, public
holidays never count, and adjusted working days (调休, e.g. a Sunday worked before the Spring
Festival) do count, exactly as ``chinese_calendar.is_workday`` says.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable
from dataclasses import dataclass

import chinese_calendar
from sqlalchemy import select
from sqlalchemy.orm import Session

from kaifang.access.models import Application
from kaifang.access.rules import DEFAULT_RULES
from kaifang.access.timeline import add_event
from kaifang.audit import service as audit_service
from kaifang.auth.actor import SYSTEM, Actor
from kaifang.auth.models import User
from kaifang.auth.policy import Target
from kaifang.auth.service import authorize, get_organization
from kaifang.codes import region_contains
from kaifang.db import raise_event, utcnow
from kaifang.events import Notification

# Defaults of the settings KAIFANG_ACCESS_*; callers pass the configured figures.
ACCEPT_WORKING_DAYS = DEFAULT_RULES.accept_working_days
DECIDE_WORKING_DAYS = DEFAULT_RULES.decide_working_days
REMIND_WITHIN_WORKING_DAYS = DEFAULT_RULES.remind_within_working_days
CHINA_TZ = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")

AWAITING_ACCEPTANCE = ("submitted",)
AWAITING_DECISION = ("accepted", "under_review")


def calendar_covers(day: dt.date) -> bool:
    """Whether the installed holiday tables know ``day``'s year (else weekends only are used)."""
    try:
        chinese_calendar.is_workday(day)
    except NotImplementedError:
        # chinese-calendar signals a year its tables do not cover with this exception.
        return False
    return True


def is_working_day(day: dt.date) -> bool:
    """True on official working days, including adjusted working days on weekends."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        # Years beyond the installed tables: Monday-Friday until the package is updated.
        return day.weekday() < 5


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The ``days``-th working day after ``start`` (``start`` itself is not counted)."""
    if days < 0:
        raise ValueError("days must not be negative")
    current, counted = start, 0
    while counted < days:
        current += dt.timedelta(days=1)
        if is_working_day(current):
            counted += 1
    return current


def working_days_between(start: dt.date, end: dt.date) -> int:
    """How many working days lie after ``start`` up to and including ``end`` (0 if end<=start)."""
    count, current = 0, start
    while current < end:
        current += dt.timedelta(days=1)
        if is_working_day(current):
            count += 1
    return count


def china_date(moment: dt.datetime) -> dt.date:
    """The China-local calendar day of an aware datetime."""
    return moment.astimezone(CHINA_TZ).date()


def china_today() -> dt.date:
    return china_date(utcnow())


def accept_due_for(submitted: dt.datetime, days: int = ACCEPT_WORKING_DAYS) -> dt.date:
    return add_working_days(china_date(submitted), days)


def decision_due_for(accepted: dt.datetime, days: int = DECIDE_WORKING_DAYS) -> dt.date:
    return add_working_days(china_date(accepted), days)


@dataclass(frozen=True)
class DueItem:
    """An application waiting on a step whose deadline is near or past."""

    application_id: int
    stage: str
    due: dt.date
    overdue: bool
    status: str
    organization_id: int
    region_code: str


def overdue_stage(app: Application, today: dt.date) -> str | None:
    """``"accept"`` or ``"decide"`` when the pending step of ``app`` is past its due date."""
    if app.status in AWAITING_ACCEPTANCE and app.accept_due and today > app.accept_due:
        return "accept"
    if app.status in AWAITING_DECISION and app.decision_due and today > app.decision_due:
        return "decide"
    return None


def _due_item(app: Application, today: dt.date, horizon: dt.date) -> DueItem | None:
    if app.status in AWAITING_ACCEPTANCE:
        stage, due = "accept", app.accept_due
    else:
        stage, due = "decide", app.decision_due
    if due is None or due > horizon:
        return None
    return DueItem(
        app.id, stage, due, today > due, app.status, app.organization_id, app.region_code
    )


def find_due_soon(
    session: Session, *, today: dt.date, within: int = REMIND_WITHIN_WORKING_DAYS
) -> list[DueItem]:
    """Pending applications due within ``within`` working days of ``today``, or already overdue."""
    horizon = add_working_days(today, within)
    rows = session.scalars(
        select(Application)
        .where(Application.status.in_(AWAITING_ACCEPTANCE + AWAITING_DECISION))
        .order_by(Application.id)
    ).all()
    found = (_due_item(app, today, horizon) for app in rows)
    return [item for item in found if item is not None]


def provider_officers(session: Session, organization_id: int) -> list[User]:
    return list(
        session.scalars(
            select(User).where(
                User.role == "officer",
                User.organization_id == organization_id,
                User.is_active.is_(True),
            )
        ).all()
    )


def bureau_reviewers(session: Session, region_code: str) -> list[User]:
    """Active reviewers whose region scope contains ``region_code`` (platform-wide included)."""
    users = session.scalars(
        select(User).where(User.role == "reviewer", User.is_active.is_(True))
    ).all()
    return [
        u for u in users if u.region_code is None or region_contains(u.region_code, region_code)
    ]


def _responsible(session: Session, item: DueItem) -> list[User]:
    if item.status == "under_review":
        return bureau_reviewers(session, item.region_code)
    return provider_officers(session, item.organization_id)


def _notify(session: Session, users: Iterable[User], subject: str, body: str, app_id: int) -> int:
    count = 0
    for user in users:
        raise_event(
            session,
            Notification(
                user_id=user.id,
                subject=subject,
                body=body,
                link=f"/workbench/applications/{app_id}",
            ),
        )
        count += 1
    return count


@dataclass(frozen=True)
class ReminderRun:
    """What one reminder pass did."""

    reminded: int
    escalated: int
    items: tuple[DueItem, ...]


def send_deadline_reminders(
    session: Session, *, today: dt.date, within: int = REMIND_WITHIN_WORKING_DAYS
) -> ReminderRun:
    """Notify whoever must act on due-soon applications once a day; escalate overdue ones once."""
    items = find_due_soon(session, today=today, within=within)
    reminded = escalated = 0
    for item in items:
        if not _first_reminder_today(session, item, today):
            continue
        step = "受理" if item.stage == "accept" else "审核决定"
        subject = f"申请 #{item.application_id} {step}期限 {item.due.isoformat()}"
        reminded += _notify(
            session,
            _responsible(session, item),
            subject,
            "逾期 (overdue)" if item.overdue else "即将到期 (due soon)",
            item.application_id,
        )
        if item.overdue:
            escalated += _escalate(session, item)
    return ReminderRun(reminded, escalated, tuple(items))


def _first_reminder_today(session: Session, item: DueItem, today: dt.date) -> bool:
    app = session.get(Application, item.application_id)
    if app is None or app.reminded_on == today:
        return False
    app.reminded_on = today
    return True


def _escalate(session: Session, item: DueItem) -> int:
    app = session.get(Application, item.application_id)
    if app is None or app.escalated_at is not None:
        return 0
    app.escalated_at = utcnow()
    comment = f"{item.stage} overdue since {item.due.isoformat()}"
    add_event(session, app, action="escalate", actor=SYSTEM, comment=comment)
    audit_service.record(
        session,
        action="application.escalate",
        actor=SYSTEM,
        object_type="application",
        object_id=app.id,
        details={"stage": item.stage, "due": item.due.isoformat()},
    )
    _notify(
        session,
        bureau_reviewers(session, app.region_code),
        f"申请 #{app.id} 已逾期，请督办 (overdue, escalated)",
        comment,
        app.id,
    )
    return 1


@dataclass(frozen=True)
class SLAFigures:
    """Timeliness of one organization's handling of applications."""

    organization_id: int
    accepted: int
    median_accept_working_days: float | None
    accept_on_time_share: float | None
    decided: int
    median_decide_working_days: float | None
    decide_on_time_share: float | None
    overdue_now: int


def _share(flags: list[bool]) -> float | None:
    return round(sum(flags) / len(flags), 4) if flags else None


def _median(values: list[int]) -> float | None:
    return float(statistics.median(values)) if values else None


def sla_figures(
    session: Session,
    *,
    organization_id: int,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    today: dt.date | None = None,
) -> SLAFigures:
    """Median working days to accept and to decide, and the share done on time, of the
    applications submitted in [``since``, ``until``) (either bound optional)."""
    stmt = select(Application).where(Application.organization_id == organization_id)
    if since is not None:
        stmt = stmt.where(Application.submitted_at >= since)
    if until is not None:
        stmt = stmt.where(Application.submitted_at < until)
    apps = session.scalars(stmt).all()
    today = today or china_today()
    accept_days, accept_ok, decide_days, decide_ok = [], [], [], []
    for app in apps:
        if app.submitted_at and app.accepted_at:
            accepted_day = china_date(app.accepted_at)
            accept_days.append(working_days_between(china_date(app.submitted_at), accepted_day))
            accept_ok.append(app.accept_due is None or accepted_day <= app.accept_due)
        if app.accepted_at and app.decided_at:
            decided_day = china_date(app.decided_at)
            decide_days.append(working_days_between(china_date(app.accepted_at), decided_day))
            decide_ok.append(app.decision_due is None or decided_day <= app.decision_due)
    overdue = sum(1 for app in apps if overdue_stage(app, today))
    return SLAFigures(
        organization_id,
        len(accept_days),
        _median(accept_days),
        _share(accept_ok),
        len(decide_days),
        _median(decide_days),
        _share(decide_ok),
        overdue,
    )


def organization_sla(
    session: Session, *, actor: Actor, organization_id: int, today: dt.date | None = None
) -> SLAFigures:
    """SLA figures of one organization for its officers and the region's reviewers and auditors."""
    org = get_organization(session, organization_id)
    authorize(actor, "access.sla_read", Target(organization_id=org.id, region_code=org.region_code))
    return sla_figures(session, organization_id=org.id, today=today)
