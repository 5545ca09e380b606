"""Harvest sources and runs over HTTP (/api/v1/harvest): register sources, run now, read reports."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request, Response

from kaifang.auth.actor import Actor
from kaifang.interop.harvest import service
from kaifang.interop.harvest.schemas import (
    RunOut,
    RunReportOut,
    SourceIn,
    SourceOut,
    SourcePatch,
)
from kaifang.web.deps import get_runtime, signed_in_policy

router = APIRouter(prefix="/api/v1/harvest", tags=["harvest"])


def _uow(request: Request, write: bool = True) -> Any:
    return get_runtime(request).db.unit_of_work(write=write)


@router.get("/sources")
def list_sources(
    request: Request, actor: Actor = signed_in_policy("harvest.read")
) -> list[SourceOut]:
    """The sources of the actor's region (administrators, reviewers and auditors)."""
    with _uow(request, write=False) as session:
        return [SourceOut.model_validate(s) for s in service.list_sources(session, actor=actor)]


@router.post("/sources", status_code=201)
def create_source(
    body: SourceIn, request: Request, actor: Actor = signed_in_policy("harvest.manage")
) -> SourceOut:
    """Register a CKAN or DCAT source harvested into one organization; 409 for a taken name."""
    with _uow(request) as session:
        return SourceOut.model_validate(service.create_source(session, actor=actor, data=body))


@router.get("/sources/{source_id}")
def get_source(
    source_id: int, request: Request, actor: Actor = signed_in_policy("harvest.read")
) -> SourceOut:
    with _uow(request, write=False) as session:
        source = service.get_source(session, actor=actor, ref=str(source_id))
        return SourceOut.model_validate(source)


@router.patch("/sources/{source_id}")
def update_source(
    source_id: int,
    body: SourcePatch,
    request: Request,
    actor: Actor = signed_in_policy("harvest.manage"),
) -> SourceOut:
    """Change the name, URL, schedule, filters or enabled flag of a source."""
    with _uow(request) as session:
        source = service.update_source(session, actor=actor, source_id=source_id, patch=body)
        return SourceOut.model_validate(source)


@router.delete("/sources/{source_id}", status_code=204)
def delete_source(
    source_id: int, request: Request, actor: Actor = signed_in_policy("harvest.manage")
) -> Response:
    """Remove a source and its run history; the datasets it harvested stay in the catalogue."""
    with _uow(request) as session:
        service.delete_source(session, actor=actor, source_id=source_id)
    return Response(status_code=204)


@router.post("/sources/{source_id}/run", status_code=202)
def run_now(
    source_id: int, request: Request, actor: Actor = signed_in_policy("harvest.run")
) -> RunOut:
    """Queue a run now; follow it at ``/runs/{id}`` (or ``/api/v1/jobs/{job_id}``)."""
    with _uow(request) as session:
        return RunOut.model_validate(service.start_run(session, actor=actor, source_id=source_id))


@router.get("/runs")
def list_runs(
    request: Request,
    source_id: int | None = None,
    limit: int = Query(50, ge=1, le=500),
    actor: Actor = signed_in_policy("harvest.read"),
) -> list[RunOut]:
    """The newest runs, of one source or of every readable source."""
    with _uow(request, write=False) as session:
        runs = service.list_runs(session, actor=actor, source_id=source_id, limit=limit)
        return [RunOut.model_validate(r) for r in runs]


@router.get("/runs/{run_id}")
def get_run(
    run_id: int, request: Request, actor: Actor = signed_in_policy("harvest.read")
) -> RunReportOut:
    """A run with its per-record report (created, updated, unchanged, deleted, failed)."""
    with _uow(request, write=False) as session:
        return RunReportOut.model_validate(service.get_run(session, actor=actor, run_id=run_id))
