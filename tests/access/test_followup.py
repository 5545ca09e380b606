"""After the decision: deadline reminders and escalation, SLA figures, usage reports, expiry."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from kaifang.access import service
from kaifang.access.deadlines import find_due_soon
from kaifang.access.grants import refresh_grant_states
from kaifang.access.schemas import UsageReportIn
from kaifang.access.tasks import DAILY_CHECKS, run_daily_checks
from kaifang.db import Database
from kaifang.errors import Conflict, NotFound, PermissionDenied
from kaifang.events import Notification
from kaifang.jobs import registry
from tests.access.conftest import World
from tests.access.helpers import COLUMNS, application_in, approved

D = dt.date


def _at(day: dt.date, hour: int = 2) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.UTC)


def _notes(session: Session) -> list[Notification]:
    return [e for e in session.info["events"].events if isinstance(e, Notification)]


def test_due_soon_reminders_and_one_escalation(session: Session, world: World) -> None:
    app = service.create_application(session, actor=world.applicant, data=application_in(world))
    service.submit_application(
        session, actor=world.applicant, application_id=app.id, now=_at(D(2021, 2, 5))
    )
    assert app.accept_due == D(2021, 2, 18)
    assert find_due_soon(session, today=D(2021, 2, 8)) == []
    soon = find_due_soon(session, today=D(2021, 2, 10))  # next working day is the 18th
    assert [(i.stage, i.overdue) for i in soon] == [("accept", False)]
    session.info["events"].drain()
    run = service.send_deadline_reminders(session, today=D(2021, 2, 19))
    assert run.escalated == 1 and run.items[0].overdue
    assert {n.user_id for n in _notes(session)} >= {world.officer.user_id, world.reviewer.user_id}
    assert app.escalated_at is not None
    assert service.send_deadline_reminders(session, today=D(2021, 2, 22)).escalated == 0
    actions = [e.action for e in service.list_events(session, app.id)]
    assert actions.count("escalate") == 1


def test_sla_figures(session: Session, world: World) -> None:
    timely = service.create_application(session, actor=world.applicant, data=application_in(world))
    service.submit_application(
        session, actor=world.applicant, application_id=timely.id, now=_at(D(2021, 9, 24))
    )
    service.accept_application(
        session, actor=world.officer, application_id=timely.id, now=_at(D(2021, 9, 28))
    )  # 3 working days: Sun 26th (调休), 27th, 28th
    late = service.create_application(session, actor=world.applicant, data=application_in(world))
    service.submit_application(
        session, actor=world.applicant, application_id=late.id, now=_at(D(2021, 9, 29))
    )
    service.accept_application(
        session, actor=world.officer, application_id=late.id, now=_at(D(2021, 10, 13))
    )  # 6 working days; due the 12th
    figures = service.sla_figures(session, organization_id=world.provider.id, today=D(2021, 10, 14))
    assert figures.accepted == 2
    assert figures.median_accept_working_days == (3 + 6) / 2
    assert figures.accept_on_time_share == 0.5
    assert figures.decided == 0 and figures.decide_on_time_share is None
    # The open index counts the applications submitted within its period only.
    later = service.sla_figures(
        session, organization_id=world.provider.id, since=_at(D(2021, 9, 29)), today=D(2021, 10, 14)
    )
    earlier = service.sla_figures(
        session, organization_id=world.provider.id, until=_at(D(2021, 9, 29)), today=D(2021, 10, 14)
    )
    assert (later.accepted, later.accept_on_time_share) == (1, 0.0)
    assert (earlier.accepted, earlier.accept_on_time_share) == (1, 1.0)


def test_usage_report_reminder_suspension_and_reinstatement(session: Session, world: World) -> None:
    _app, grant = approved(session, world)
    due = grant.next_report_due
    assert due is not None
    run = service.enforce_usage_reports(session, today=due - dt.timedelta(days=3))
    assert (run.reminded, run.suspended) == (1, 0)
    again = service.enforce_usage_reports(session, today=due - dt.timedelta(days=2))
    assert again.reminded == 0
    assert service.enforce_usage_reports(session, today=due + dt.timedelta(days=1)).suspended == 1
    assert grant.status == "suspended"
    with pytest.raises(PermissionDenied):
        service.resolve_data_access(
            session,
            actor=world.applicant,
            dataset=world.dataset,
            columns=COLUMNS,
            requested=["vin"],
        )
    with pytest.raises(Conflict):
        service.reinstate_grant(session, actor=world.officer, grant_id=grant.id)
    with pytest.raises(NotFound):
        service.submit_usage_report(
            session, actor=world.stranger, grant_id=grant.id, data=UsageReportIn(used_for="冒名")
        )
    grant.changed_at = grant.changed_at - dt.timedelta(seconds=1)
    service.submit_usage_report(
        session,
        actor=world.applicant,
        grant_id=grant.id,
        data=UsageReportIn(used_for="公交准点率月报", incidents="无"),
    )
    service.reinstate_grant(session, actor=world.officer, grant_id=grant.id)
    assert grant.status == "active"
    assert len(service.list_usage_reports(session, actor=world.officer, grant_id=grant.id)) == 1


def test_expiry_sweep_expires_grant_and_application(session: Session, world: World) -> None:
    app, grant = approved(session, world)
    assert refresh_grant_states(session, now=grant.valid_until + dt.timedelta(seconds=1)) == 1
    assert grant.status == "expired" and app.status == "expired"


def test_grants_listed_for_holder_and_provider(session: Session, world: World) -> None:
    _app, grant = approved(session, world)
    assert [g.id for g in service.list_grants(session, actor=world.applicant)] == [grant.id]
    assert [g.id for g in service.list_grants(session, actor=world.officer, as_provider=True)] == [
        grant.id
    ]
    assert service.list_grants(session, actor=world.other_officer, as_provider=True) == []
    with pytest.raises(NotFound):
        service.get_grant(session, actor=world.stranger, grant_id=grant.id)


def test_agreement_versions_are_admin_only(session: Session, world: World) -> None:
    with pytest.raises(PermissionDenied):
        service.publish_agreement(
            session,
            actor=world.officer,
            title="t",
            agreement_text="正文正文正文",
            commitment_text="承诺承诺承诺",
        )
    v2 = service.publish_agreement(
        session,
        actor=world.admin,
        title="第二版",
        agreement_text="正文正文正文",
        commitment_text="承诺承诺承诺",
    )
    assert v2.version == 2 and service.current_agreement(session) is v2
    assert service.get_agreement(session, world.agreement_id).version == 1


def test_daily_checks_job_runs_every_check(session: Session, world: World, db: Database) -> None:
    _app, grant = approved(session, world)
    session.flush()
    assert grant.next_report_due is not None
    late = grant.next_report_due + dt.timedelta(days=2)
    result = run_daily_checks(db, today=late)
    assert result["suspended_for_reports"] == 1 and result["day"] == late.isoformat()
    session.refresh(grant)
    assert grant.status == "suspended"
    assert registry.find(DAILY_CHECKS) is not None


def test_daily_checks_twice_on_one_day_change_nothing_more(
    session: Session, world: World, db: Database
) -> None:
    late_app = service.create_application(
        session, actor=world.applicant, data=application_in(world)
    )
    service.submit_application(
        session, actor=world.applicant, application_id=late_app.id, now=_at(D(2021, 2, 5))
    )
    _app, grant = approved(session, world)
    session.flush()
    assert grant.next_report_due is not None
    day = max(D(2021, 2, 19), grant.next_report_due + dt.timedelta(days=2))
    first = run_daily_checks(db, today=day)
    assert first["deadline_reminders"] >= 1 and first["escalated"] == 1
    assert first["suspended_for_reports"] == 1
    session.info["events"].drain()
    second = run_daily_checks(db, today=day)
    assert {k: v for k, v in second.items() if k != "day"} == {
        "grant_states_changed": 0,
        "deadline_reminders": 0,
        "escalated": 0,
        "report_reminders": 0,
        "suspended_for_reports": 0,
    }
    assert _notes(session) == []
    next_day = run_daily_checks(db, today=day + dt.timedelta(days=1))
    assert next_day["deadline_reminders"] >= 1 and next_day["escalated"] == 0


def test_notifications_link_to_the_pages_of_each_side(session: Session, world: World) -> None:
    app = service.create_application(session, actor=world.applicant, data=application_in(world))
    session.info["events"].drain()
    service.submit_application(session, actor=world.applicant, application_id=app.id)
    to_officer = [n for n in _notes(session) if n.user_id == world.officer.user_id]
    assert [n.link for n in to_officer] == [f"/workbench/applications/{app.id}"]
    session.info["events"].drain()
    service.accept_application(session, actor=world.officer, application_id=app.id)
    assert [n.link for n in _notes(session)] == [f"/access/applications/{app.id}"]
