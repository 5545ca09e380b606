"""The daily access job: expire grants, remind and escalate deadlines, enforce usage reports.

It is registered as a daily job, so the worker's scheduler (``kaifang.jobs.schedule``) queues
it once per China-local day, keyed by the date; running it twice on one day changes nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from kaifang.access.deadlines import china_today, send_deadline_reminders
from kaifang.access.grants import refresh_grant_states
from kaifang.access.reports import enforce_usage_reports
from kaifang.access.rules import DEFAULT_RULES, AccessRules
from kaifang.db import Database
from kaifang.jobs import JobContext, register

DAILY_CHECKS = "access.daily_checks"


def run_daily_checks(
    db: Database, *, today: dt.date | None = None, rules: AccessRules = DEFAULT_RULES
) -> dict[str, Any]:
    """Run each check in its own unit of work (one failing check does not undo the others)."""
    today = today or china_today()
    with db.unit_of_work() as session:
        changed = refresh_grant_states(session)
    with db.unit_of_work() as session:
        deadlines = send_deadline_reminders(
            session, today=today, within=rules.remind_within_working_days
        )
    with db.unit_of_work() as session:
        reports = enforce_usage_reports(
            session,
            today=today,
            grace_days=rules.report_grace_days,
            within_days=rules.report_remind_days,
        )
    return {
        "day": today.isoformat(),
        "grant_states_changed": changed,
        "deadline_reminders": deadlines.reminded,
        "escalated": deadlines.escalated,
        "report_reminders": reports.reminded,
        "suspended_for_reports": reports.suspended,
    }


@register(DAILY_CHECKS, max_attempts=3, lease_seconds=600.0, daily=True)
def daily_checks(ctx: JobContext, payload: dict[str, Any]) -> dict[str, Any]:
    """Job handler; ``payload["today"]`` (ISO date) overrides the China-local date."""
    today = dt.date.fromisoformat(payload["today"]) if payload.get("today") else None
    return run_daily_checks(ctx.db, today=today, rules=AccessRules.from_settings(ctx.settings))
