"""Pushing newly enqueued jobs to the queue once, and only once, their row is committed."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from kaifang.db import Database
from kaifang.jobs.interfaces import JobQueue

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobEnqueued:
    """Event raised by ``enqueue_job``; dispatched after the unit of work commits."""

    job_id: int


@dataclass(frozen=True)
class JobDispatcher:
    """A ``Database`` event handler that forwards JobEnqueued events to a queue."""

    queue: JobQueue

    def __call__(self, event: Any) -> None:
        if not isinstance(event, JobEnqueued):
            return
        try:
            self.queue.enqueue(event.job_id)
        except Exception:
            # The commit already happened, so failing the caller would lie about it; the row
            # stays queued and recover_stale_jobs pushes it when the worker (re)starts.
            logger.exception("could not push job %s to the queue; it stays queued", event.job_id)


def install_job_dispatch(db: Database, queue: JobQueue) -> None:
    """Make every unit of work on ``db`` push the jobs it enqueued to ``queue`` after commit."""
    if not any(isinstance(h, JobDispatcher) and h.queue is queue for h in db.handlers):
        db.handlers.append(JobDispatcher(queue))
