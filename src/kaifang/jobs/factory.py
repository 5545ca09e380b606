"""Choose the job queue named by the settings."""

from __future__ import annotations

from kaifang.config import Settings
from kaifang.db import Database
from kaifang.jobs.huey_queue import HueyJobQueue
from kaifang.jobs.inline import InlineJobQueue
from kaifang.jobs.interfaces import JobQueue
from kaifang.jobs.registry import JobRegistry
from kaifang.jobs.registry import registry as default_registry


def make_job_queue(
    settings: Settings, db: Database, *, registry: JobRegistry = default_registry
) -> JobQueue:
    """Inline for the ``memory`` backend, else huey on SQLite or Redis (``resolved_queue_backend``)."""
    if settings.resolved_queue_backend == "memory":
        return InlineJobQueue(db, settings, registry=registry)
    return HueyJobQueue.from_settings(settings, db, registry=registry)
