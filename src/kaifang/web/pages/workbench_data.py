"""A resource's load report and column types: officers change a type and reload the file."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from kaifang.auth.actor import Actor
from kaifang.catalog import resources as resource_service
from kaifang.catalog.models import Resource
from kaifang.errors import DomainError, NotFound
from kaifang.ingest import service as ingest_service
from kaifang.jobs import Job
from kaifang.web.deps import get_runtime, signed_in_policy
from kaifang.web.pages.guards import error_status, redirect, require_role
from kaifang.web.templating import render

router = APIRouter(include_in_schema=False)

ROLES = ("officer", "admin")
TYPE_CHOICES = ingest_service.RETYPE_CHOICES
CRS_CHOICES = ("WGS-84", "GCJ-02", "BD-09", "CGCS2000")
MAX_REJECTED_SHOWN = 20


def _path(dataset_id: int, resource_id: int) -> str:
    return f"/workbench/datasets/{dataset_id}/resources/{resource_id}/types"


@router.get("/workbench/datasets/{dataset_id}/resources/{resource_id}/types")
def resource_types_page(
    dataset_id: int,
    resource_id: int,
    request: Request,
    job: int | None = None,
    actor: Actor = signed_in_policy("resource.upload"),
) -> Response:
    """The current version's report and a form listing every column with its type."""
    require_role(actor, ROLES, "resource.upload")
    return _render(request, actor, dataset_id, resource_id, job_id=job)


@router.post("/workbench/datasets/{dataset_id}/resources/{resource_id}/types")
async def reload_with_types(
    dataset_id: int,
    resource_id: int,
    request: Request,
    actor: Actor = signed_in_policy("resource.upload"),
) -> Response:
    """Queue a reload with the chosen types; back to the page, which shows the job."""
    require_role(actor, ROLES, "resource.upload")
    form = await request.form()
    try:
        with get_runtime(request).db.unit_of_work() as session:
            resource = _resource(session, actor, dataset_id, resource_id)
            schema = resource_service.current_version(resource).schema or []
            started = ingest_service.request_reload(
                session,
                actor=actor,
                dataset_id=dataset_id,
                resource_id=resource_id,
                column_types=_changes(schema, form),
                coordinate_system=str(form.get("coordinate_system") or "") or None,
            )
    except DomainError as exc:
        return _render(
            request, actor, dataset_id, resource_id, error=exc.message, status=error_status(exc)
        )
    return redirect(_path(dataset_id, resource_id), job=started.job_id)


def _changes(schema: list[dict[str, Any]], form: Any) -> dict[str, str]:
    """What the form changes (``t<index>`` fields): a new type, or ``auto`` to drop an override."""
    changes: dict[str, str] = {}
    for index, column in enumerate(schema):
        chosen = str(form.get(f"t{index}") or "auto")
        overridden = column.get("origin") == "override"
        if chosen == "auto":
            if overridden:
                changes[str(column["name"])] = "auto"
        elif chosen != column.get("type"):
            changes[str(column["name"])] = chosen
    return changes


def _resource(session: Any, actor: Actor, dataset_id: int, resource_id: int) -> Resource:
    resource = resource_service.get_resource(session, actor=actor, resource_id=resource_id)
    if resource.dataset_id != dataset_id:
        raise NotFound("资源不存在 (resource not found)")
    return resource


def _render(
    request: Request,
    actor: Actor,
    dataset_id: int,
    resource_id: int,
    *,
    job_id: int | None = None,
    error: str = "",
    status: int = 200,
) -> Response:
    with get_runtime(request).db.unit_of_work(write=False) as session:
        resource = _resource(session, actor, dataset_id, resource_id)
        version = resource_service.current_version(resource)
        report = version.report or {}
        job = session.get(Job, job_id) if job_id else None
        context = {
            "dataset": resource.dataset,
            "resource": resource,
            "version": version,
            "report": report,
            "rejected": (report.get("rejected") or [])[:MAX_REJECTED_SHOWN],
            "columns": list(enumerate(version.schema or [])),
            "type_choices": TYPE_CHOICES,
            "crs_choices": CRS_CHOICES,
            "crs": (version.profile or {}).get("geo", {}).get("coordinate_system"),
            "job": job if job is not None and job.created_by == actor.user_id else None,
            "error": error,
            "action": _path(dataset_id, resource_id),
        }
        return render(request, "workbench/resource_types.html", context, status_code=status)
