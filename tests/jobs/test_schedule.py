"""Daily jobs: queued once per China-local day by the worker's periodic task, whatever the ticks."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select

from kaifang.config import Settings
from kaifang.db import Database
from kaifang.jobs import HueyJobQueue, JobContext, JobRegistry, JobStatus
from kaifang.jobs.models import Job
from kaifang.jobs.registry import registry as default_registry
from kaifang.jobs.schedule import daily_key, enqueue_daily_jobs, schedule_day

from .conftest import Calls
from .test_huey_queue import sqlite_queue as sqlite_queue


@pytest.fixture
def daily_registry(job_registry: JobRegistry, calls: Calls) -> JobRegistry:
    @job_registry.register("nightly", daily=True)
    def nightly(ctx: JobContext, payload: dict[str, Any]) -> dict[str, Any]:
        calls.add("nightly", ctx)
        return {"day": payload["today"]}

    return job_registry


def _utc(day: int, hour: int, month: int = 12) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, tzinfo=dt.UTC)


def _jobs(db: Database, kind: str = "nightly") -> list[Job]:
    with db.session() as session:
        return list(session.scalars(select(Job).where(Job.kind == kind).order_by(Job.id)).all())


def test_the_day_is_china_local_and_starts_at_the_set_hour(settings: Settings) -> None:
    assert settings.daily_jobs_hour == 1
    assert schedule_day(_utc(6, 16), settings) is None  # 00:00 in China, before 01:00
    midnight = settings.model_copy(update={"daily_jobs_hour": 0})
    assert schedule_day(_utc(6, 16), midnight) == dt.date(2026, 12, 7)
    assert schedule_day(_utc(6, 17), settings) == dt.date(2026, 12, 7)
    assert schedule_day(_utc(6, 15), settings) == dt.date(2026, 12, 6)  # 23:00 in China


def test_before_the_hour_nothing_is_queued(
    db: Database, settings: Settings, daily_registry: JobRegistry
) -> None:
    late = settings.model_copy(update={"daily_jobs_hour": 3})
    assert enqueue_daily_jobs(db, late, now=_utc(6, 17), registry=daily_registry) == []
    assert _jobs(db) == []


def test_ticks_queue_one_job_per_day(
    db: Database, settings: Settings, daily_registry: JobRegistry
) -> None:
    ticks = [_utc(6, 18) + dt.timedelta(minutes=5 * n) for n in range(12)]
    ids = {
        i for t in ticks for i in enqueue_daily_jobs(db, settings, now=t, registry=daily_registry)
    }
    assert len(ids) == 1
    next_day = enqueue_daily_jobs(db, settings, now=_utc(7, 18), registry=daily_registry)
    jobs = _jobs(db)
    assert [j.idempotency_key for j in jobs] == [
        daily_key("nightly", dt.date(2026, 12, 7)),
        daily_key("nightly", dt.date(2026, 12, 8)),
    ]
    assert [j.payload for j in jobs] == [{"today": "2026-12-07"}, {"today": "2026-12-08"}]
    assert next_day == [jobs[1].id]
    assert all(j.kind == "nightly" for j in jobs)  # kinds without daily=True are never queued


def test_the_worker_runs_the_schedule_as_a_periodic_task(
    daily_registry: JobRegistry, sqlite_queue: HueyJobQueue, db: Database, calls: Calls
) -> None:
    huey_queue = sqlite_queue
    periodic = {t.name for t in huey_queue.huey._registry.periodic_tasks}
    assert "enqueue_daily_jobs" in periodic and "sweep_expired_leases" in periodic
    # Whatever the hour this runs at: the day's jobs are due from local midnight.
    huey_queue.settings = huey_queue.settings.model_copy(update={"daily_jobs_hour": 0})
    first = huey_queue.enqueue_daily_jobs()
    again = huey_queue.enqueue_daily_jobs()
    assert len(first) == 1 and again == first
    assert huey_queue.huey.pending_count() == 1  # pushed once, after commit
    task = huey_queue.huey.dequeue()
    huey_queue.huey.execute(task)
    with db.session() as session:
        job = session.get(Job, first[0])
        assert job is not None and job.status is JobStatus.SUCCEEDED
        assert session.scalar(select(func.count()).select_from(Job)) == 1
    assert calls.count("nightly") == 1


def test_access_daily_checks_is_a_daily_job() -> None:
    import kaifang.access.tasks  # noqa: F401  (registers its handler)

    definition = default_registry.find("access.daily_checks")
    assert definition is not None and definition.daily
    assert "access.daily_checks" in default_registry.daily_kinds()
