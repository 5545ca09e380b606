"""What a job handler receives: the job's identity, the settings, the database, progress."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, Result, update

from kaifang.config import Settings
from kaifang.db import Database, utcnow
from kaifang.jobs.models import Job, JobStatus

MESSAGE_MAX_CHARS = 500


class JobLeaseLost(Exception):
    """This run no longer owns the job (its lease expired and another run took it over)."""


@dataclass(frozen=True)
class JobContext:
    """The running attempt of one job; handlers open their own units of work on ``db``."""

    job_id: int
    attempt: int
    settings: Settings
    db: Database
    lease_seconds: float

    def progress(self, pct: float, message: str = "") -> None:
        """Record progress (clamped to 0-100) in its own short commit and renew the lease.

        Call it outside any write transaction of your own: on SQLite a second writer waits.
        Raises JobLeaseLost when another run has taken the job over; let it propagate.
        """
        values = {
            "progress": min(max(float(pct), 0.0), 100.0),
            "progress_message": message[:MESSAGE_MAX_CHARS],
            "lease_until": utcnow() + dt.timedelta(seconds=self.lease_seconds),
        }
        statement = update(Job).where(*owned_by(self.job_id, self.attempt)).values(**values)
        with self.db.unit_of_work() as session:
            renewed = rowcount(session.execute(statement))
        if renewed != 1:
            raise JobLeaseLost(f"job {self.job_id} attempt {self.attempt} lost its lease")


def rowcount(result: Result[Any]) -> int:
    """Rows matched by an UPDATE or DELETE (``execute`` is typed as returning a plain Result)."""
    return cast(CursorResult[Any], result).rowcount


def owned_by(job_id: int, attempt: int) -> tuple[ColumnElement[bool], ...]:
    """Conditions true only while attempt ``attempt`` still owns the running job."""
    # ``attempts`` doubles as a fencing token: a takeover increments it.
    return (Job.id == job_id, Job.status == JobStatus.RUNNING, Job.attempts == attempt)
