"""Daily jobs: queue each ``daily=True`` kind once per China-local day, keyed by the date.

The worker's periodic task calls ``enqueue_daily_jobs`` every few minutes; the idempotency key
``daily:<kind>:<date>`` makes every call after the first of a day a no-op, so several workers
(or a restarted one) never queue a day's job twice, and a worker that was down at the hour
still queues the day's job when it comes back.
"""

from __future__ import annotations

import datetime as dt

from kaifang.config import Settings
from kaifang.db import Database, utcnow
from kaifang.jobs.models import Job
from kaifang.jobs.registry import JobRegistry
from kaifang.jobs.registry import registry as default_registry
from kaifang.jobs.service import enqueue_job

# The platform's calendar day is China's (UTC+8, no daylight saving), as its deadlines are.
SCHEDULE_TZ = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")
TICK_MINUTES = 5


def daily_key(kind: str, day: dt.date) -> str:
    return f"daily:{kind}:{day.isoformat()}"


def schedule_day(now: dt.datetime, settings: Settings) -> dt.date | None:
    """The China-local day whose daily jobs are due at ``now``, or None before the set hour."""
    local = now.astimezone(SCHEDULE_TZ)
    return local.date() if local.hour >= settings.daily_jobs_hour else None


def enqueue_daily_jobs(
    db: Database,
    settings: Settings,
    *,
    now: dt.datetime | None = None,
    registry: JobRegistry = default_registry,
) -> list[int]:
    """Queue today's run of every daily kind not yet queued today; returns the job ids."""
    day = schedule_day(now or utcnow(), settings)
    if day is None:
        return []
    with db.unit_of_work() as session:
        jobs: list[Job] = [
            enqueue_job(
                session,
                kind=kind,
                payload={"today": day.isoformat()},
                idempotency_key=daily_key(kind, day),
                registry=registry,
            )
            for kind in registry.daily_kinds()
        ]
        session.flush()
        return [job.id for job in jobs]
