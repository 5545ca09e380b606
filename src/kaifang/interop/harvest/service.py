"""Harvest sources and runs: register, edit, remove, start runs and schedule them. Never commits."""

from __future__ import annotations

import datetime as dt
import importlib
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, defer

from kaifang.audit import service as audit_service
from kaifang.auth import service as auth_service
from kaifang.auth.actor import SYSTEM, Actor
from kaifang.auth.policy import Target, can
from kaifang.codes import region_contains
from kaifang.db import utcnow
from kaifang.errors import Conflict, InvalidInput, NotFound
from kaifang.interop.harvest.models import HarvestRun, HarvestSource
from kaifang.interop.harvest.schemas import SourceIn, SourcePatch
from kaifang.jobs import Job, enqueue_job

HARVEST_JOB = "harvest.run"
ACTIVE_RUN_STATUSES = ("queued", "running")


def target_of(source: HarvestSource) -> Target:
    return Target(
        organization_id=source.organization_id, region_code=source.region_code, id=source.id
    )


def _audit(
    session: Session, actor: Actor, action: str, source: HarvestSource, **details: Any
) -> None:
    audit_service.record(
        session,
        action=action,
        actor=actor,
        object_type="harvest_source",
        object_id=source.id,
        details={"name": source.name, **details},
    )


def _target_region(session: Session, organization_id: int, region_code: str | None) -> str:
    """The region harvested datasets get: the organization's, or one inside its city."""
    org = auth_service.get_organization(session, organization_id)
    region = region_code or org.region_code
    if not region_contains(org.region_code[:4], region):
        raise InvalidInput(
            "行政区划与目标单位不符 (region outside the organization's city)",
            details={"field": "region_code"},
        )
    auth_service.get_region(session, region)
    return region


def _name_taken(session: Session, name: str, source_id: int | None = None) -> None:
    found = session.scalar(select(HarvestSource.id).where(HarvestSource.name == name))
    if found is not None and found != source_id:
        raise Conflict(
            "采集源名称已存在 (a source with this name exists)", details={"field": "name"}
        )


def create_source(session: Session, *, actor: Actor, data: SourceIn) -> HarvestSource:
    """Register a source for an organization; InvalidInput, NotFound, PermissionDenied, Conflict."""
    region = _target_region(session, data.organization_id, data.region_code)
    target = Target(organization_id=data.organization_id, region_code=region)
    auth_service.authorize(actor, "harvest.manage", target)
    _name_taken(session, data.name)
    source = HarvestSource(
        name=data.name,
        kind=data.kind,
        url=data.url,
        organization_id=data.organization_id,
        region_code=region,
        schedule=data.schedule,
        filters=data.filters.model_dump(),
        enabled=data.enabled,
        created_by=actor.user_id,
    )
    session.add(source)
    session.flush()
    _audit(session, actor, "harvest.source.create", source, kind=source.kind, url=source.url)
    return source


def update_source(
    session: Session, *, actor: Actor, source_id: int, patch: SourcePatch
) -> HarvestSource:
    """Change a source's name, URL, schedule, filters or enabled flag."""
    source = get_source(session, actor=actor, ref=str(source_id))
    auth_service.authorize(actor, "harvest.manage", target_of(source))
    changes = patch.model_dump(exclude_unset=True)
    if "name" in changes:
        _name_taken(session, changes["name"], source.id)
    for key, value in changes.items():
        setattr(source, key, value)
    source.updated_at = utcnow()
    _audit(session, actor, "harvest.source.update", source, fields=sorted(changes))
    return source


def delete_source(session: Session, *, actor: Actor, source_id: int) -> None:
    """Remove a source with its runs and links; harvested datasets stay in the catalogue."""
    source = get_source(session, actor=actor, ref=str(source_id))
    auth_service.authorize(actor, "harvest.manage", target_of(source))
    if active_run(session, source.id) is not None:
        raise Conflict("采集正在进行，请稍后再删除 (a run is in progress)")
    _audit(session, actor, "harvest.source.delete", source)
    session.delete(source)
    session.flush()


def get_source(session: Session, *, actor: Actor, ref: str) -> HarvestSource:
    """A source by id or name that the actor may read; NotFound otherwise."""
    match = HarvestSource.name == ref
    if ref.isdigit():
        match = (HarvestSource.id == int(ref)) | match
    source = session.scalars(select(HarvestSource).where(match)).first()
    if source is None or not can(actor, "harvest.read", target_of(source)):
        raise NotFound("采集源不存在 (harvest source not found)")
    return source


def list_sources(session: Session, *, actor: Actor) -> list[HarvestSource]:
    """Every source the actor may read, by name."""
    sources = session.scalars(select(HarvestSource).order_by(HarvestSource.name))
    return [s for s in sources if can(actor, "harvest.read", target_of(s))]


# --- runs ------------------------------------------------------------------------------------


def active_run(session: Session, source_id: int) -> HarvestRun | None:
    """The queued or running run of the source, after settling runs whose job already ended."""
    runs = session.scalars(
        select(HarvestRun).where(
            HarvestRun.source_id == source_id, HarvestRun.status.in_(ACTIVE_RUN_STATUSES)
        )
    ).all()
    return next((run for run in runs if not _settled_orphan(session, run)), None)


def _settled_orphan(session: Session, run: HarvestRun) -> bool:
    """Fail a run whose job ended without finishing it (a worker died); True when it was one."""
    job = session.get(Job, run.job_id) if run.job_id is not None else None
    if job is None or not job.status.is_final:
        return False
    run.status, run.finished_at = "failed", job.finished_at or utcnow()
    run.error = job.error or "任务中断 (the job ended without finishing the run)"
    return True


def _new_run(
    session: Session,
    source: HarvestSource,
    *,
    trigger: str,
    created_by: int | None,
    period_key: str | None = None,
) -> HarvestRun:
    run = HarvestRun(
        source_id=source.id,
        trigger=trigger,
        period_key=period_key,
        status="queued",
        created_by=created_by,
        report=[],
    )
    session.add(run)
    session.flush()
    # The handler must be registered wherever runs are queued (tasks imports this module).
    importlib.import_module("kaifang.interop.harvest.tasks")
    # No job idempotency key: the unique (source, period) of runs is what prevents a double
    # run, and a key would outlive a deleted source whose id SQLite may hand out again.
    job = enqueue_job(session, kind=HARVEST_JOB, payload={"run_id": run.id}, created_by=created_by)
    run.job_id = job.id
    return run


def start_run(
    session: Session, *, actor: Actor, source_id: int, trigger: str = "manual"
) -> HarvestRun:
    """Queue a run of the source now; Conflict while another run of it is queued or running."""
    source = get_source(session, actor=actor, ref=str(source_id))
    auth_service.authorize(actor, "harvest.run", target_of(source))
    if not source.enabled:
        raise Conflict("采集源已停用 (the source is disabled)", details={"field": "enabled"})
    running = active_run(session, source.id)
    if running is not None:
        raise Conflict(
            "该采集源已有任务在排队或运行 (a run of this source is already queued or running)",
            details={"run_id": running.id},
        )
    run = _new_run(session, source, trigger=trigger, created_by=actor.user_id)
    _audit(session, actor, "harvest.run.start", source, run=run.id, trigger=trigger)
    return run


def list_runs(
    session: Session, *, actor: Actor, source_id: int | None = None, limit: int = 50
) -> list[HarvestRun]:
    """The newest runs the actor may read, of one source or of all."""
    stmt = (
        select(HarvestRun, HarvestSource)
        .join(HarvestSource, HarvestSource.id == HarvestRun.source_id)
        .options(defer(HarvestRun.report))  # reports can be long; lists show counts only
    )
    if source_id is not None:
        stmt = stmt.where(HarvestRun.source_id == source_id)
    rows = session.execute(stmt.order_by(HarvestRun.id.desc()).limit(max(1, min(limit, 500))))
    return [run for run, source in rows if can(actor, "harvest.read", target_of(source))]


def get_run(session: Session, *, actor: Actor, run_id: int) -> HarvestRun:
    """One run with its report; NotFound when unknown or not readable."""
    run = session.get(HarvestRun, run_id)
    source = session.get(HarvestSource, run.source_id) if run is not None else None
    if run is None or source is None or not can(actor, "harvest.read", target_of(source)):
        raise NotFound("采集任务不存在 (harvest run not found)")
    return run


# --- schedule --------------------------------------------------------------------------------


def period_key(schedule: str, now: dt.datetime) -> str | None:
    """The schedule period ``now`` falls in (``daily:2026-12-06``, ``weekly:2026-W49``)."""
    day = now.astimezone(dt.UTC).date()
    if schedule == "daily":
        return f"daily:{day.isoformat()}"
    if schedule == "weekly":
        year, week, _ = day.isocalendar()
        return f"weekly:{year}-W{week:02d}"
    return None


def enqueue_due(session: Session, *, now: dt.datetime | None = None) -> list[HarvestRun]:
    """Queue one run per enabled scheduled source and period; repeated calls queue nothing new."""
    now = now or utcnow()
    queued = []
    for source in session.scalars(select(HarvestSource).where(HarvestSource.enabled.is_(True))):
        key = period_key(source.schedule, now)
        if key is None or active_run(session, source.id) is not None:
            continue
        done = session.scalar(
            select(HarvestRun.id).where(
                HarvestRun.source_id == source.id, HarvestRun.period_key == key
            )
        )
        if done is not None:
            continue
        try:
            with session.begin_nested():
                run = _new_run(session, source, trigger="schedule", created_by=None, period_key=key)
        except IntegrityError:
            continue  # another worker queued this period first
        _audit(session, SYSTEM, "harvest.run.start", source, run=run.id, trigger="schedule")
        queued.append(run)
    return queued
