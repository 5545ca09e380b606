"""Harvest sources and runs: permissions, audit, one active run, and due runs per period."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kaifang.audit.models import AuditRecord
from kaifang.auth.actor import SYSTEM
from kaifang.db import Database
from kaifang.errors import Conflict, InvalidInput, PermissionDenied
from kaifang.interop.harvest import service
from kaifang.interop.harvest.models import HarvestRun, HarvestSource
from kaifang.interop.harvest.schemas import SourceIn, SourcePatch
from kaifang.jobs import Job, JobStatus
from kaifang.jobs.registry import registry
from tests import factories

NOON = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)


def _source(session: Session, *, schedule: str = "daily", **overrides: object) -> HarvestSource:
    org = factories.organization(session, region_code="331002")
    data = {
        "name": f"src-{org.id}",
        "kind": "ckan",
        "url": "https://county.example.org",
        "organization_id": org.id,
        "schedule": schedule,
        **overrides,
    }
    return service.create_source(session, actor=SYSTEM, data=SourceIn(**data))  # type: ignore[arg-type]


def test_only_admins_and_reviewers_of_the_region_manage(session: Session) -> None:
    org = factories.organization(session, region_code="331002")
    data = SourceIn(
        name="jj", kind="dcat", url="https://a.example.org/catalog.ttl", organization_id=org.id
    )
    for actor in (
        factories.actor(session, role="officer", org=org),
        factories.actor(session, role="reviewer", region_code="331003"),
    ):
        with pytest.raises(PermissionDenied):
            service.create_source(session, actor=actor, data=data)
    reviewer = factories.actor(session, role="reviewer", region_code="3310")
    source = service.create_source(session, actor=reviewer, data=data)
    assert source.region_code == "331002" and source.created_by == reviewer.user_id
    audited = session.scalars(
        select(AuditRecord.action).where(AuditRecord.object_type == "harvest_source")
    ).all()
    assert audited == ["harvest.source.create"]


def test_the_region_must_lie_in_the_organizations_city(session: Session) -> None:
    org = factories.organization(session, region_code="331002")
    factories.region(session, "3301")
    data = SourceIn(
        name="x1",
        kind="ckan",
        url="https://a.example.org",
        organization_id=org.id,
        region_code="3301",
    )
    with pytest.raises(InvalidInput):
        service.create_source(session, actor=SYSTEM, data=data)


def test_one_active_run_per_source(session: Session) -> None:
    source = _source(session, schedule="manual")
    run = service.start_run(session, actor=SYSTEM, source_id=source.id)
    assert run.status == "queued" and session.get(Job, run.job_id).payload == {"run_id": run.id}
    with pytest.raises(Conflict):
        service.start_run(session, actor=SYSTEM, source_id=source.id)
    with pytest.raises(Conflict):
        service.delete_source(session, actor=SYSTEM, source_id=source.id)


def test_due_runs_are_queued_once_per_period(session: Session) -> None:
    daily, weekly = _source(session), _source(session, schedule="weekly")
    _source(session, schedule="manual")
    _source(session, enabled=False)
    first = service.enqueue_due(session, now=NOON)
    assert sorted(r.period_key or "" for r in first) == ["daily:2026-12-07", "weekly:2026-W50"]
    for run in first:
        run.status = "succeeded"  # finished, so only the period key can stop a second run
    assert service.enqueue_due(session, now=NOON + dt.timedelta(hours=3)) == []
    tomorrow = service.enqueue_due(session, now=NOON + dt.timedelta(days=1))
    assert [(r.source_id, r.period_key) for r in tomorrow] == [(daily.id, "daily:2026-12-08")]
    jobs = session.scalars(select(Job).where(Job.kind == "harvest.run")).all()
    assert sorted(j.payload["run_id"] for j in jobs) == sorted(r.id for r in [*first, *tomorrow])
    assert weekly.id in {r.source_id for r in first}


def test_a_run_whose_job_died_no_longer_blocks_the_source(session: Session) -> None:
    source = _source(session, schedule="manual")
    run = service.start_run(session, actor=SYSTEM, source_id=source.id)
    job = session.get(Job, run.job_id)
    job.status, job.error = JobStatus.FAILED, "the worker stopped during every attempt; gave up"
    again = service.start_run(session, actor=SYSTEM, source_id=source.id)
    assert again.id != run.id
    assert run.status == "failed" and "worker stopped" in run.error


def test_the_worker_tick_queues_due_harvests(db: Database) -> None:
    import kaifang.interop.harvest.tasks  # noqa: F401  (registers the periodic check)

    with db.unit_of_work() as session:
        source_id = _source(session).id
    registry.run_periodic(db)
    registry.run_periodic(db)
    with db.unit_of_work(write=False) as session:
        runs = session.scalars(select(HarvestRun).where(HarvestRun.source_id == source_id)).all()
    assert [r.trigger for r in runs] == ["schedule"]


def test_update_checks_the_name_and_records_fields(session: Session) -> None:
    one, two = _source(session), _source(session)
    with pytest.raises(Conflict):
        service.update_source(
            session, actor=SYSTEM, source_id=two.id, patch=SourcePatch(name=one.name)
        )
    service.update_source(session, actor=SYSTEM, source_id=two.id, patch=SourcePatch(enabled=False))
    record = session.scalars(
        select(AuditRecord).where(AuditRecord.action == "harvest.source.update")
    ).one()
    assert record.details["fields"] == ["enabled"]
