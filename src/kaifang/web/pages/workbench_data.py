"""Loading data in the workbench: the upload form, the progress of every load it started, and a
resource's load report with its column types (officers change a type and reload the file)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from kaifang.auth import service as auth_service
from kaifang.auth.actor import Actor
from kaifang.catalog import resources as resource_service
from kaifang.catalog import service as catalog_service
from kaifang.catalog.models import Dataset, Resource
from kaifang.errors import DomainError, InvalidInput, NotFound
from kaifang.ingest import service as ingest_service
from kaifang.ingest.tasks import LOAD_JOB
from kaifang.jobs import Job
from kaifang.web.api.data_load import store_and_start
from kaifang.web.deps import get_runtime, signed_in_policy
from kaifang.web.pages.guards import error_status, redirect, require_role
from kaifang.web.pages.presenters import Labels, page_locale
from kaifang.web.templating import render

router = APIRouter(include_in_schema=False)

ROLES = ("officer", "admin")
TYPE_CHOICES = ingest_service.RETYPE_CHOICES
CRS_CHOICES = ("WGS-84", "GCJ-02", "BD-09", "CGCS2000")
MAX_REJECTED_SHOWN = 20
#: What a load's status is called on the progress page (msgids; the template translates them).
LOAD_STATUS_MSGIDS = {
    "queued": "Waiting to start",
    "running": "Loading",
    "succeeded": "Load finished",
    "failed": "Failed",
}


@dataclass(frozen=True)
class LoadRow:
    """One started load as the progress page shows it."""

    job: Job
    resource: Resource
    sheet: str | None

    @property
    def percent(self) -> int:
        return 100 if self.job.status == "succeeded" else round(self.job.progress or 0)

    @property
    def finished(self) -> bool:
        return self.job.status in ("succeeded", "failed")


@router.get("/workbench/datasets/{dataset_id}/upload")
def upload_page(
    dataset_id: int, request: Request, actor: Actor = signed_in_policy("resource.upload")
) -> Response:
    """The resource upload form; without JavaScript it posts to the route below."""
    require_role(actor, ROLES, "resource.upload")
    return _render_upload(request, actor, dataset_id)


@router.post("/workbench/datasets/{dataset_id}/upload")
def upload_from_form(
    dataset_id: int,
    request: Request,
    file: UploadFile | None = File(default=None),
    name: str = Form(default=""),
    sheet: str = Form(default=""),
    all_sheets: bool = Form(default=False),
    coordinate_system: str = Form(default=""),
    actor: Actor = signed_in_policy("resource.upload"),
) -> Response:
    """Store the file, queue its load (one per sheet when asked) and show their progress."""
    require_role(actor, ROLES, "resource.upload")
    try:
        if file is None or not file.filename:
            raise InvalidInput(
                "请选择要上传的文件 (choose a file to upload)", details={"field": "file"}
            )
        started = store_and_start(
            get_runtime(request),
            actor,
            dataset_id,
            upload=file,
            name=name.strip(),
            sheet=sheet.strip() or None,
            all_sheets=all_sheets,
            coordinate_system=coordinate_system or None,
            resource_id=None,
        )
    except DomainError as exc:
        return _render_upload(
            request, actor, dataset_id, error=exc.message, status=error_status(exc)
        )
    jobs = [load["job_id"] for load in started.get("loads") or [started]]
    return RedirectResponse(_loads_path(dataset_id, jobs), status_code=303)


@router.get("/workbench/datasets/{dataset_id}/loads")
def loads_page(
    dataset_id: int,
    request: Request,
    job: Annotated[list[int], Query(max_length=ingest_service.MAX_SHEET_RESOURCES)],
    actor: Actor = signed_in_policy("resource.upload"),
) -> Response:
    """Every load an upload started: resource, sheet, status, progress and its report link.

    The page is complete without JavaScript (reload it to refresh); ``upload.js`` polls each
    unfinished job and updates its row in place.
    """
    require_role(actor, ROLES, "resource.upload")
    with get_runtime(request).db.unit_of_work(write=False) as session:
        dataset = _uploadable(session, actor, dataset_id)
        rows = _load_rows(session, actor, dataset, job)
        if not rows:
            raise NotFound("任务不存在 (job not found)")
        context = {
            "dataset": dataset,
            "rows": rows,
            "status_labels": LOAD_STATUS_MSGIDS,
            "all_finished": all(row.finished for row in rows),
            "refresh_url": _loads_path(dataset_id, [row.job.id for row in rows]),
        }
        return render(request, "workbench/loads.html", context)


def _loads_path(dataset_id: int, job_ids: list[int]) -> str:
    query = urlencode([("job", job_id) for job_id in job_ids])
    return f"/workbench/datasets/{dataset_id}/loads?{query}"


def _load_rows(
    session: Session, actor: Actor, dataset: Dataset, job_ids: list[int]
) -> list[LoadRow]:
    """The actor's load jobs into ``dataset``'s resources, in the order asked; others are left out."""
    rows = []
    for job_id in dict.fromkeys(job_ids):
        job = session.get(Job, job_id)
        if job is None or job.kind != LOAD_JOB:
            continue
        if job.created_by != actor.user_id and actor.role != "admin":
            continue
        payload = job.payload or {}
        resource_id = payload.get("resource_id")
        resource = session.get(Resource, resource_id) if isinstance(resource_id, int) else None
        if resource is None or resource.dataset_id != dataset.id:
            continue
        rows.append(LoadRow(job, resource, payload.get("sheet")))
    return rows


def _uploadable(session: Session, actor: Actor, dataset_id: int) -> Dataset:
    dataset = catalog_service.get_dataset(session, actor=actor, dataset_id=dataset_id)
    auth_service.authorize(actor, "resource.upload", catalog_service.target_of(dataset))
    return dataset


def _render_upload(
    request: Request, actor: Actor, dataset_id: int, *, error: str = "", status: int = 200
) -> Response:
    with get_runtime(request).db.unit_of_work(write=False) as session:
        dataset = _uploadable(session, actor, dataset_id)
        context = {
            "dataset": dataset,
            "labels": Labels(session, page_locale(request)),
            "error": error,
        }
        return render(request, "workbench/upload.html", context, status_code=status)


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
