"""Use cases of the job system: enqueue, run (claim, execute, finish), recover, read."""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kaifang.config import Settings
from kaifang.db import Database, raise_event, utcnow
from kaifang.errors import Conflict, DomainError, InvalidInput, NotFound
from kaifang.jobs.context import JobContext, JobLeaseLost, owned_by, rowcount
from kaifang.jobs.dispatch import JobEnqueued
from kaifang.jobs.interfaces import JobQueue
from kaifang.jobs.models import Job, JobStatus
from kaifang.jobs.registry import JobDefinition, JobRegistry
from kaifang.jobs.registry import registry as default_registry

logger = logging.getLogger(__name__)

IDEMPOTENCY_KEY_MAX_CHARS = 200
ERROR_MAX_CHARS = 2000
DEFAULT_LEASE_SECONDS = 300.0


@dataclass(frozen=True)
class RunOutcome:
    """What one ``run_job`` call did; a ``retry_in`` asks the transport to run it again later."""

    job_id: int
    status: JobStatus | None
    ran: bool
    retry_in: float | None = None


@dataclass(frozen=True)
class _Claim:
    job_id: int
    kind: str
    attempt: int
    max_attempts: int
    payload: dict[str, Any]


def enqueue_job(
    session: Session,
    *,
    kind: str,
    payload: dict[str, Any],
    idempotency_key: str | None = None,
    created_by: int | None = None,
    registry: JobRegistry = default_registry,
) -> Job:
    """Insert a queued job; it reaches the queue only after the session commits.

    The job is announced with a JobEnqueued event that the unit of work dispatches after
    commit (see ``install_job_dispatch``). With an ``idempotency_key`` already used, the
    existing job is returned and nothing is queued. Raises InvalidInput for an unknown kind
    or a payload that is not JSON, and Conflict when the key belongs to another kind.
    """
    definition = registry.get(kind)
    _check_enqueue_input(payload, idempotency_key)
    if idempotency_key is not None:
        existing = _find_by_key(session, idempotency_key)
        if existing is not None:
            return _same_kind(existing, kind)
    job = Job(
        kind=kind,
        payload=dict(payload),
        idempotency_key=idempotency_key,
        created_by=created_by,
        max_attempts=definition.max_attempts,
        status=JobStatus.QUEUED,
    )
    stored = _insert_or_find(session, job)
    if stored is not job:
        return _same_kind(stored, kind)
    raise_event(session, JobEnqueued(job.id))
    return job


def _insert_or_find(session: Session, job: Job) -> Job:
    """Insert ``job``, or return the job that a concurrent transaction stored under its key."""
    try:
        with session.begin_nested():
            session.add(job)
    except IntegrityError:
        # The savepoint keeps the caller's transaction usable after the unique violation.
        existing = _find_by_key(session, job.idempotency_key) if job.idempotency_key else None
        if existing is None:
            raise
        return existing
    return job


def _check_enqueue_input(payload: dict[str, Any], idempotency_key: str | None) -> None:
    if not isinstance(payload, dict):
        raise InvalidInput("任务参数必须是 JSON 对象 (payload must be a JSON object)")
    try:
        json.dumps(payload)
    except (TypeError, ValueError):
        raise InvalidInput("任务参数必须可序列化为 JSON (payload must be JSON)") from None
    if idempotency_key is not None and not 0 < len(idempotency_key) <= IDEMPOTENCY_KEY_MAX_CHARS:
        raise InvalidInput(
            f"幂等键长度须为 1-{IDEMPOTENCY_KEY_MAX_CHARS} (idempotency key length 1-200)"
        )


def _find_by_key(session: Session, idempotency_key: str) -> Job | None:
    return session.scalars(select(Job).where(Job.idempotency_key == idempotency_key)).first()


def _same_kind(job: Job, kind: str) -> Job:
    if job.kind != kind:
        raise Conflict(
            "幂等键已用于其他类型的任务 (idempotency key already used by another job kind)",
            details={"job_id": job.id, "kind": job.kind},
        )
    return job


def get_job(session: Session, job_id: int) -> Job:
    """The job with ``job_id``; raises NotFound."""
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound("任务不存在 (job not found)", details={"job_id": job_id})
    return job


def run_job(
    db: Database, settings: Settings, job_id: int, *, registry: JobRegistry = default_registry
) -> RunOutcome:
    """Claim the job and run its handler once; finished, leased or missing jobs are left alone.

    Only a queued job, or a running one whose lease expired, can be claimed, so duplicate
    deliveries are harmless. DomainError fails the job with its message; any other error
    is logged and retried (``retry_in``) until ``max_attempts``, then fails generically.
    """
    claim = _claim(db, job_id, registry)
    if claim is None:
        return RunOutcome(job_id, _current_status(db, job_id), ran=False)
    definition = registry.find(claim.kind)
    if definition is None:
        reason = f"未知的任务类型 (unknown job kind: {claim.kind})"
        return _finish(db, claim, _failed_values(reason))
    return _execute(db, settings, claim, definition)


def _claimable(now: dt.datetime) -> tuple[ColumnElement[bool], ...]:
    lease_expired = and_(Job.status == JobStatus.RUNNING, Job.lease_until < now)
    return (or_(Job.status == JobStatus.QUEUED, lease_expired), Job.attempts < Job.max_attempts)


def _claim(db: Database, job_id: int, registry: JobRegistry) -> _Claim | None:
    now = utcnow()
    with db.unit_of_work() as session:
        kind = session.scalar(select(Job.kind).where(Job.id == job_id))
        if kind is None:
            logger.warning("job %s does not exist; message dropped", job_id)
            return None
        definition = registry.find(kind)
        lease = definition.lease_seconds if definition else DEFAULT_LEASE_SECONDS
        claimed = session.execute(
            update(Job)
            .where(Job.id == job_id, *_claimable(now))
            .values(
                status=JobStatus.RUNNING,
                attempts=Job.attempts + 1,
                lease_until=now + dt.timedelta(seconds=lease),
                started_at=now,
                error=None,
            )
            .returning(Job.attempts, Job.max_attempts, Job.payload)
            .execution_options(synchronize_session=False)
        ).one_or_none()
    if claimed is None:
        return None
    attempts, max_attempts, payload = claimed
    return _Claim(job_id, kind, attempts, max_attempts, dict(payload or {}))


def _current_status(db: Database, job_id: int) -> JobStatus | None:
    with db.session() as session:
        return session.scalar(select(Job.status).where(Job.id == job_id))


def _execute(
    db: Database, settings: Settings, claim: _Claim, definition: JobDefinition
) -> RunOutcome:
    ctx = JobContext(claim.job_id, claim.attempt, settings, db, definition.lease_seconds)
    try:
        result = _checked_result(definition.handler(ctx, dict(claim.payload)))
    except JobLeaseLost:
        logger.warning("job %s attempt %s lost its lease; result dropped", *_ids(claim))
        return RunOutcome(claim.job_id, _current_status(db, claim.job_id), ran=True)
    except DomainError as exc:
        return _finish(db, claim, _failed_values(exc.message))
    except Exception:
        # The traceback goes to the server log only; users see a generic reason.
        logger.exception("job %s attempt %s (%s) raised", *_ids(claim), claim.kind)
        return _after_unexpected_error(db, claim, definition)
    return _finish(db, claim, _succeeded_values(result))


def _ids(claim: _Claim) -> tuple[int, int]:
    return claim.job_id, claim.attempt


def _checked_result(result: object) -> dict[str, Any] | None:
    if result is None:
        return None
    if not isinstance(result, dict):
        raise TypeError(f"job handlers return a dict or None, not {type(result).__name__}")
    json.dumps(result)  # raises TypeError before a half-written report reaches the row
    return result


def _after_unexpected_error(db: Database, claim: _Claim, definition: JobDefinition) -> RunOutcome:
    if claim.attempt >= claim.max_attempts:
        reason = (
            f"任务因内部错误失败，已尝试 {claim.attempt} 次，详见服务器日志 "
            f"(internal error after {claim.attempt} attempts; see the server log)"
        )
        return _finish(db, claim, _failed_values(reason))
    message = f"第 {claim.attempt} 次尝试失败，稍后重试 (attempt {claim.attempt} failed; retrying)"
    values = {"status": JobStatus.QUEUED, "lease_until": None, "progress_message": message}
    return _finish(db, claim, values, retry_in=definition.retry_delay(claim.attempt))


def _succeeded_values(result: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "status": JobStatus.SUCCEEDED,
        "result": result,
        "progress": 100.0,
        "finished_at": utcnow(),
        "lease_until": None,
    }


def _failed_values(reason: str) -> dict[str, Any]:
    return {
        "status": JobStatus.FAILED,
        "error": reason[:ERROR_MAX_CHARS],
        "finished_at": utcnow(),
        "lease_until": None,
    }


def _finish(
    db: Database, claim: _Claim, values: dict[str, Any], *, retry_in: float | None = None
) -> RunOutcome:
    """Write the attempt's outcome unless another run has taken the job over meanwhile."""
    statement = (
        update(Job)
        .where(*owned_by(claim.job_id, claim.attempt))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    with db.unit_of_work() as session:
        owned = rowcount(session.execute(statement))
    if owned != 1:
        logger.warning("job %s attempt %s was taken over; outcome dropped", *_ids(claim))
        return RunOutcome(claim.job_id, _current_status(db, claim.job_id), ran=True)
    return RunOutcome(claim.job_id, values["status"], ran=True, retry_in=retry_in)


def recover_stale_jobs(db: Database, queue: JobQueue, *, include_queued: bool = True) -> list[int]:
    """Re-enqueue queued jobs and running jobs whose lease expired; returns their ids.

    Run it when a worker starts (messages lost with a crashed worker or a failed push) and
    periodically with ``include_queued=False`` to sweep expired leases. Running jobs whose
    lease expired with no attempts left are failed instead. Raises Unavailable from the queue.
    """
    now = utcnow()
    with db.unit_of_work() as session:
        _fail_exhausted_leases(session, now)
        ids = sorted(session.scalars(select(Job.id).where(_recoverable(now, include_queued))))
    # Pushed after commit; a job that is also still in the queue just runs once, as the
    # second delivery finds it claimed or finished.
    for job_id in ids:
        queue.enqueue(job_id)
    if ids:
        logger.info("re-enqueued %d stale job(s)", len(ids))
    return ids


def _recoverable(now: dt.datetime, include_queued: bool) -> ColumnElement[bool]:
    lease_expired = and_(
        Job.status == JobStatus.RUNNING, Job.lease_until < now, Job.attempts < Job.max_attempts
    )
    return or_(lease_expired, Job.status == JobStatus.QUEUED) if include_queued else lease_expired


def _fail_exhausted_leases(session: Session, now: dt.datetime) -> None:
    reason = (
        "任务执行多次中断（工作进程停止），已放弃 "
        "(the worker stopped during every attempt; gave up)"
    )
    session.execute(
        update(Job)
        .where(
            Job.status == JobStatus.RUNNING,
            Job.lease_until < now,
            Job.attempts >= Job.max_attempts,
        )
        .values(status=JobStatus.FAILED, error=reason, finished_at=now, lease_until=None)
        .execution_options(synchronize_session=False)
    )


def enqueue_daily_jobs(
    db: Database, *, today: dt.date, registry: JobRegistry = default_registry
) -> list[int]:
    """Enqueue each daily kind once for ``today`` (idempotent: the key is kind and date)."""
    ids = []
    for kind in registry.daily_kinds():
        with db.unit_of_work() as session:
            job = enqueue_job(
                session,
                kind=kind,
                payload={"today": today.isoformat()},
                idempotency_key=f"{kind}:{today.isoformat()}",
                registry=registry,
            )
            session.flush()
            ids.append(job.id)
    return ids
