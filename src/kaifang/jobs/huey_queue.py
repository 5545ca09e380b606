"""The real job transport: huey on SQLite (embedded) or Redis (scale), with one generic task."""

from __future__ import annotations

import datetime as dt

from huey import Huey, RedisHuey, SqliteHuey, crontab

from kaifang.config import Settings
from kaifang.db import Database
from kaifang.errors import Unavailable
from kaifang.jobs.registry import JobRegistry
from kaifang.jobs.registry import registry as default_registry
from kaifang.jobs.service import enqueue_daily_jobs, recover_stale_jobs, run_job

QUEUE_NAME = "kaifang"
CHINA = dt.timezone(dt.timedelta(hours=8))


def make_huey(settings: Settings, *, name: str = QUEUE_NAME) -> Huey:
    """A huey instance on Redis when the settings resolve to it, else on ``data_dir/queue.db``."""
    # Results are never stored: the job row is the report, so huey keeps only messages.
    if settings.resolved_queue_backend == "redis":
        return RedisHuey(name, url=settings.redis_url, results=False)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(name, filename=str(settings.data_dir / "queue.db"), results=False)


class HueyJobQueue:
    """Pushes job ids to huey; its ``run_job`` task runs them and schedules retries."""

    def __init__(
        self,
        huey: Huey,
        db: Database,
        settings: Settings,
        *,
        registry: JobRegistry = default_registry,
    ) -> None:
        self.huey = huey
        self.db = db
        self.settings = settings
        self.registry = registry
        # Tasks live on this instance, not at import time; the task name (module + function
        # name) is what producers and consumers agree on, so both sides build the same queue.
        self._run_task = huey.task(name="run_job")(self._run_job)
        self._sweep_task = huey.periodic_task(crontab(), name="sweep_expired_leases")(
            self._sweep_expired_leases
        )
        # Hourly, so a worker that was down at midnight still starts the day's jobs.
        self._daily_task = huey.periodic_task(crontab(minute="5"), name="enqueue_daily_jobs")(
            self._enqueue_daily_jobs
        )

    @classmethod
    def from_settings(
        cls, settings: Settings, db: Database, *, registry: JobRegistry = default_registry
    ) -> HueyJobQueue:
        """The queue named by the settings (see ``make_huey``)."""
        return cls(make_huey(settings), db, settings, registry=registry)

    def enqueue(self, job_id: int, *, delay: float = 0.0) -> None:
        """Push the job id, scheduled ``delay`` seconds ahead when positive."""
        if delay > 0:
            self._run_task.schedule((job_id,), delay=delay)
        else:
            self._run_task(job_id)

    def check(self) -> None:
        """Raises Unavailable when the queue storage (SQLite file or Redis) cannot be read."""
        try:
            self.huey.storage.queue_size()
        except Exception as exc:
            raise Unavailable(f"任务队列不可用 (job queue unavailable: {exc})") from exc

    def _run_job(self, job_id: int) -> None:
        outcome = run_job(self.db, self.settings, job_id, registry=self.registry)
        if outcome.retry_in is not None:
            self.enqueue(job_id, delay=outcome.retry_in)

    def _enqueue_daily_jobs(self) -> None:
        enqueue_daily_jobs(self.db, today=dt.datetime.now(CHINA).date(), registry=self.registry)

    def _sweep_expired_leases(self) -> None:
        recover_stale_jobs(self.db, self, include_queued=False)
