"""Starting loads: an upload or URL, every sheet of a workbook, a reload with type overrides.

Each use case checks the actor, writes its audit record and enqueues the load job in the
caller's transaction; the job itself (``tasks.load_resource``) does the work after commit, so
a load that fails leaves the current version serving. Never commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from kaifang.audit import service as audit_service
from kaifang.auth.actor import Actor
from kaifang.auth.service import authorize
from kaifang.catalog import resources as resource_service
from kaifang.catalog import service as catalog_service
from kaifang.catalog.models import Resource, ResourceVersion
from kaifang.errors import InvalidInput, NotFound
from kaifang.ingest.geo import declared_crs
from kaifang.ingest.headers import resolve_column
from kaifang.ingest.options import IngestOptions
from kaifang.ingest.pipeline import list_choices
from kaifang.ingest.tasks import LOAD_JOB
from kaifang.ingest.typing import parse_type
from kaifang.jobs import enqueue_job

#: Types an officer may choose for a column; ``auto`` drops an earlier override.
RETYPE_CHOICES: tuple[str, ...] = ("text", "integer", "decimal", "date", "datetime", "boolean")
AUTO = "auto"
MAX_SHEET_RESOURCES = 50


@dataclass(frozen=True)
class StartedLoad:
    """A resource and the queued job that will load a new version into it."""

    resource_id: int
    resource_name: str
    job_id: int
    job_status: str
    sheet: str | None = None

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "resource": {"id": self.resource_id, "name": self.resource_name},
            "job_id": self.job_id,
            "job": {"id": self.job_id, "status": self.job_status},
        }
        if self.sheet is not None:
            body["sheet"] = self.sheet
        return body


def start_load(
    session: Session,
    *,
    actor: Actor,
    dataset_id: int,
    resource_id: int | None,
    name: str,
    payload: Mapping[str, Any],
) -> StartedLoad:
    """Queue a load into a new resource, or a new version of ``resource_id``.

    Raises NotFound for a resource of another dataset, PermissionDenied for an actor who may
    not upload to the dataset and InvalidInput for an unknown declared coordinate system.
    """
    _check_crs(payload.get("coordinate_system"))
    if resource_id is None:
        resource = resource_service.create_resource(
            session, actor=actor, dataset_id=dataset_id, name=name, url=payload.get("url") or ""
        )
    else:
        resource = _editable_resource(session, actor, dataset_id, resource_id)
    return _enqueue(session, actor, resource, dict(payload))


def start_sheet_loads(
    session: Session,
    *,
    actor: Actor,
    dataset_id: int,
    name: str,
    sheets: list[str],
    payload: Mapping[str, Any],
) -> list[StartedLoad]:
    """One new resource and load job per sheet, named ``name · sheet``."""
    if not sheets:
        raise InvalidInput("工作簿中没有含数据的工作表 (the workbook has no worksheets)")
    started = []
    for sheet in sheets[:MAX_SHEET_RESOURCES]:
        load = start_load(
            session,
            actor=actor,
            dataset_id=dataset_id,
            resource_id=None,
            name=f"{name} · {sheet}",
            payload={**payload, "sheet": sheet},
        )
        started.append(replace(load, sheet=sheet))
    return started


def workbook_sheets(path: Path, *, filename: str, max_bytes: int, work_dir: Path) -> list[str]:
    """The visible worksheets of a stored workbook; InvalidInput when it is not a workbook."""
    options = IngestOptions(output_path=work_dir / "unused.parquet", max_bytes=max_bytes)
    found = list_choices(path, filename=filename, options=options)
    sheets = [c for c in found["choices"] if c.get("kind") == "worksheet"]
    if not sheets:
        raise InvalidInput(
            "只有 XLSX/XLS/ODS 工作簿可以按工作表分别导入 "
            "(only XLSX/XLS/ODS workbooks can be loaded sheet by sheet)",
            details={"field": "all_sheets"},
        )
    visible = [str(c["name"]) for c in sheets if c.get("visible")]
    return visible or [str(c["name"]) for c in sheets]


def request_reload(
    session: Session,
    *,
    actor: Actor,
    dataset_id: int,
    resource_id: int,
    column_types: Mapping[str, str],
    coordinate_system: str | None = None,
) -> StartedLoad:
    """Re-ingest the current version's stored original with the officer's column types.

    Overrides add to those of the current version; ``auto`` drops one. Raises InvalidInput
    naming the unknown column or type before anything is queued; a value that does not fit the
    chosen type fails the job instead, and the current version keeps serving.
    """
    resource = _editable_resource(session, actor, dataset_id, resource_id)
    version = resource_service.current_version(resource)
    if not version.source_key:
        raise InvalidInput("该版本没有保存原始文件，无法重新导入 (no stored original to reload)")
    overrides = merged_overrides(version, column_types)
    crs = coordinate_system or (version.report or {}).get("coordinate_system")
    _check_crs(crs)
    audit_service.record(
        session,
        action="resource.retype",
        actor=actor,
        object_type="resource",
        object_id=resource.id,
        details={"version": version.number, "column_types": overrides, "crs": crs},
    )
    payload = {
        "source_key": version.source_key,
        "filename": version.source_name or "upload",
        "sheet": (version.report or {}).get("sheet"),
        "column_types": overrides,
        "coordinate_system": crs,
        "reload_of": version.number,
    }
    return _enqueue(session, actor, resource, payload)


def merged_overrides(version: ResourceVersion, changes: Mapping[str, str]) -> dict[str, str]:
    """The version's overrides with ``changes`` applied, keyed by cleaned column name."""
    schema = version.schema or []
    names = [str(c.get("name", "")) for c in schema]
    originals = [str(c.get("original_name") or c.get("name", "")) for c in schema]
    merged = dict((version.report or {}).get("column_types") or {})
    for column, wanted in changes.items():
        name = names[resolve_column(str(column), names, originals)]
        choice = str(wanted).strip().lower()
        if choice == AUTO:
            merged.pop(name, None)
            continue
        kind, _precision, _scale = parse_type(choice)
        if kind not in RETYPE_CHOICES:
            raise InvalidInput(
                f"列类型只能是 {'、'.join(RETYPE_CHOICES)} 或 auto "
                f"(column type must be one of {', '.join(RETYPE_CHOICES)} or auto)",
                details={"field": "column_types", "column": name},
            )
        merged[name] = choice
    return merged


def _editable_resource(
    session: Session, actor: Actor, dataset_id: int, resource_id: int
) -> Resource:
    resource = resource_service.get_resource(session, actor=actor, resource_id=resource_id)
    if resource.dataset_id != dataset_id:
        raise NotFound("资源不存在 (resource not found)")
    authorize(actor, "resource.upload", catalog_service.target_of(resource.dataset))
    return resource


def _check_crs(value: object) -> None:
    if value:
        try:
            declared_crs(str(value))
        except InvalidInput as exc:
            raise InvalidInput(exc.message, details={"field": "coordinate_system"}) from None


def _enqueue(
    session: Session, actor: Actor, resource: Resource, payload: dict[str, Any]
) -> StartedLoad:
    job = enqueue_job(
        session,
        kind=LOAD_JOB,
        created_by=actor.user_id,
        payload={**payload, "resource_id": resource.id, "user_id": actor.user_id},
    )
    return StartedLoad(resource.id, resource.name, job.id, str(job.status))
