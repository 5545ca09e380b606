"""The daily report job: after a month (and a quarter) ends, store its operations reports."""

from __future__ import annotations

import datetime as dt
from typing import Any

from kaifang.governance.reports import generate_due_reports
from kaifang.jobs import JobContext, register
from kaifang.storage import make_blob_store

SCHEDULED_REPORTS = "governance.scheduled_reports"


@register(SCHEDULED_REPORTS, max_attempts=3, lease_seconds=1800.0, daily=True)
def scheduled_reports(ctx: JobContext, payload: dict[str, Any]) -> dict[str, Any]:
    """Store the reports due by ``payload["today"]`` (ISO date) that are not stored yet."""
    today = dt.date.fromisoformat(payload["today"])
    blobs = make_blob_store(ctx.settings)
    stored = generate_due_reports(
        ctx.db, blobs, today=today, formats=ctx.settings.report_schedule_formats
    )
    return {
        "day": today.isoformat(),
        "stored": [f"{r.period} {r.scope_key} {r.format}" for r in stored],
    }
