"""Loading data: uploads and URLs (one sheet or every sheet), reloads with type overrides, jobs."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from pydantic import BaseModel, Field

from kaifang.auth.actor import Actor
from kaifang.errors import InvalidInput, NotFound
from kaifang.ingest import service as ingest_service
from kaifang.ingest.tasks import work_root
from kaifang.jobs import get_job
from kaifang.runtime import Runtime
from kaifang.web.deps import get_runtime, signed_in_policy

router = APIRouter(prefix="/api/v1", tags=["data"])

CRS_DESCRIPTION = "WGS-84, GCJ-02, BD-09 or CGCS2000; detected from column names when omitted"


class URLResourceIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    url: str = Field(min_length=8, max_length=2000, examples=["https://example.gov.cn/data.csv"])
    sheet: str | None = None
    coordinate_system: str | None = Field(default=None, description=CRS_DESCRIPTION)


class ReloadIn(BaseModel):
    column_types: dict[str, str] = Field(
        default_factory=dict,
        max_length=2000,
        description="column name -> text, integer, decimal, date, datetime, boolean or auto",
        examples=[{"邮政编码": "text", "金额": "decimal"}],
    )
    coordinate_system: str | None = Field(default=None, description=CRS_DESCRIPTION)


@router.post("/datasets/{dataset_id}/resources", status_code=202)
def upload_resource(
    dataset_id: int,
    request: Request,
    file: UploadFile = File(
        description="CSV/TSV, XLSX/XLS/ODS, JSON, XML, GeoJSON, zipped Shapefile or Parquet"
    ),
    name: str = Form(default=""),
    sheet: str | None = Form(default=None, description="sheet name or 0-based index"),
    all_sheets: bool = Form(default=False, description="one resource per worksheet"),
    coordinate_system: str | None = Form(default=None, description=CRS_DESCRIPTION),
    resource_id: int | None = Form(default=None, description="add a version to this resource"),
    actor: Actor = signed_in_policy("resource.upload"),
) -> dict[str, Any]:
    """Store the upload (streamed, size-limited) and start ingestion; poll the returned job.

    With ``all_sheets`` every worksheet of a workbook becomes its own resource and job; the
    answer then lists them under ``loads``.
    """
    return store_and_start(
        get_runtime(request),
        actor,
        dataset_id,
        upload=file,
        name=name,
        sheet=sheet,
        all_sheets=all_sheets,
        coordinate_system=coordinate_system,
        resource_id=resource_id,
    )


def store_and_start(
    runtime: Runtime,
    actor: Actor,
    dataset_id: int,
    *,
    upload: UploadFile,
    name: str,
    sheet: str | None,
    all_sheets: bool,
    coordinate_system: str | None,
    resource_id: int | None,
) -> dict[str, Any]:
    """Store an uploaded file and queue its load (or one load per sheet, listed under ``loads``).

    Shared by the API and the workbench's upload form so both answer with the same jobs.
    """
    info = runtime.blobs.put_stream(upload.file, max_bytes=runtime.settings.max_upload_bytes)
    filename = upload.filename or "upload"
    payload = {
        "source_key": info.key,
        "filename": filename,
        "sheet": sheet or None,
        "coordinate_system": coordinate_system or None,
    }
    if all_sheets:
        if resource_id is not None:
            raise InvalidInput(
                "按工作表分别导入时不能指定资源 (all_sheets creates new resources)",
                details={"field": "resource_id"},
            )
        return _start_sheets(runtime, actor, dataset_id, name or filename, payload)
    return start_load_now(runtime, actor, dataset_id, resource_id, name or filename, payload)


def start_load_now(
    runtime: Runtime,
    actor: Actor,
    dataset_id: int,
    resource_id: int | None,
    name: str,
    payload: dict[str, Any],
) -> dict[str, Any]:
    """Queue one load in its own unit of work; the job starts after commit."""
    with runtime.db.unit_of_work() as session:
        started = ingest_service.start_load(
            session,
            actor=actor,
            dataset_id=dataset_id,
            resource_id=resource_id,
            name=name,
            payload=payload,
        )
    return started.to_dict()


def _start_sheets(
    runtime: Runtime, actor: Actor, dataset_id: int, name: str, payload: dict[str, Any]
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="kf-sheets-", dir=work_root(runtime.settings)) as tmp:
        local = runtime.blobs.local_path(payload["source_key"])
        if local is None:
            local = Path(tmp) / "source"
            runtime.blobs.fetch_to(payload["source_key"], local)
        sheets = ingest_service.workbook_sheets(
            local,
            filename=payload["filename"],
            max_bytes=runtime.settings.max_upload_bytes,
            work_dir=Path(tmp),
        )
    with runtime.db.unit_of_work() as session:
        loads = ingest_service.start_sheet_loads(
            session, actor=actor, dataset_id=dataset_id, name=name, sheets=sheets, payload=payload
        )
    return {**loads[0].to_dict(), "loads": [load.to_dict() for load in loads]}


@router.post("/datasets/{dataset_id}/resources/url", status_code=202)
def link_resource(
    dataset_id: int,
    body: URLResourceIn,
    request: Request,
    actor: Actor = signed_in_policy("resource.upload"),
) -> dict[str, Any]:
    """Fetch a file from a URL (SSRF-safe: public http/https only) and ingest it."""
    if not body.url.lower().startswith(("http://", "https://")):
        raise InvalidInput("只支持 http/https 地址 (http/https only)", details={"field": "url"})
    payload = {
        "url": body.url,
        "filename": body.url.rsplit("/", 1)[-1][:200],
        "sheet": body.sheet,
        "coordinate_system": body.coordinate_system,
    }
    return start_load_now(get_runtime(request), actor, dataset_id, None, body.name, payload)


@router.post("/datasets/{dataset_id}/resources/{resource_id}/reload", status_code=202)
def reload_resource(
    dataset_id: int,
    resource_id: int,
    body: ReloadIn,
    request: Request,
    actor: Actor = signed_in_policy("resource.upload"),
) -> dict[str, Any]:
    """Reload the current version's original with column types (and coordinate system) chosen
    by the officer; a new version is produced by the returned job. Overrides accumulate across
    reloads; ``auto`` returns a column to its inferred type."""
    with get_runtime(request).db.unit_of_work() as session:
        started = ingest_service.request_reload(
            session,
            actor=actor,
            dataset_id=dataset_id,
            resource_id=resource_id,
            column_types=body.column_types,
            coordinate_system=body.coordinate_system,
        )
    return started.to_dict()


@router.get("/jobs/{job_id}")
def job_status(
    job_id: int, request: Request, actor: Actor = signed_in_policy("job.read")
) -> dict[str, Any]:
    """Progress, report and (for failures) the reason of a job you started."""
    with get_runtime(request).db.unit_of_work(write=False) as session:
        job = get_job(session, job_id)
        if job.created_by != actor.user_id and actor.role not in ("admin", "reviewer"):
            raise NotFound("任务不存在 (job not found)")
        return {
            "id": job.id,
            "kind": job.kind,
            "status": str(job.status),
            "progress": job.progress,
            "progress_message": job.progress_message,
            "result": job.result,
            "error": job.error,
            "created_at": job.created_at.isoformat(),
            "attempts": job.attempts,
        }
