"""Resources and their immutable versions: attach, record a load, pin, list. Never commits."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kaifang.audit import service as audit_service
from kaifang.auth import service as auth_service
from kaifang.auth.actor import Actor
from kaifang.catalog.models import DataItem, Dataset, Resource, ResourceVersion
from kaifang.catalog.rules import highest_grade
from kaifang.catalog.service import get_dataset, refresh_counts, target_of
from kaifang.db import raise_event, utcnow
from kaifang.errors import InvalidInput, NotFound
from kaifang.events import DatasetChanged

_SAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\]")
TYPE_FOR_ITEMS = {
    "integer": "integer",
    "bigint": "integer",
    "decimal": "decimal",
    "double": "decimal",
    "float": "decimal",
    "boolean": "boolean",
    "date": "date",
    "timestamp": "datetime",
    "datetime": "datetime",
    "geometry": "geometry",
}


def create_resource(
    session: Session,
    *,
    actor: Actor,
    dataset_id: int,
    name: str,
    kind: str = "file",
    url: str = "",
    fmt: str = "",
) -> Resource:
    """Attach a file or API resource to a dataset the actor may edit."""
    dataset = get_dataset(session, actor=actor, dataset_id=dataset_id)
    auth_service.authorize(actor, "resource.upload", target_of(dataset))
    clean = _SAFE_NAME.sub("", name).strip()[:200]
    if not clean:
        raise InvalidInput("资源名称不能为空 (resource name required)", details={"field": "name"})
    if kind not in ("file", "api"):
        raise InvalidInput("资源类型无效 (kind must be file or api)", details={"field": "kind"})
    resource = Resource(
        dataset_id=dataset.id, name=clean, kind=kind, url=url[:2000], format=fmt.upper()[:20]
    )
    session.add(resource)
    session.flush()
    dataset.resource_count = len(dataset.resources)
    audit_service.record(
        session,
        action="resource.create",
        actor=actor,
        object_type="resource",
        object_id=resource.id,
        details={"dataset": dataset.id, "kind": kind},
    )
    return resource


def update_resource(
    session: Session,
    *,
    actor: Actor,
    resource_id: int,
    changes: dict[str, str],
) -> Resource:
    """Change a resource's name, description, format or (API) URL; InvalidInput on a blank name."""
    resource = get_resource(session, actor=actor, resource_id=resource_id)
    auth_service.authorize(actor, "resource.upload", target_of(resource.dataset))
    if "name" in changes:
        clean = _SAFE_NAME.sub("", changes["name"]).strip()[:200]
        if not clean:
            raise InvalidInput(
                "资源名称不能为空 (resource name required)", details={"field": "name"}
            )
        resource.name = clean
    if "description" in changes:
        resource.description = changes["description"][:2000]
    if "format" in changes:
        resource.format = changes["format"].upper()[:20]
    if "url" in changes:
        resource.url = changes["url"][:2000]
    resource.modified_at = utcnow()
    audit_service.record(
        session,
        action="resource.update",
        actor=actor,
        object_type="resource",
        object_id=resource.id,
        details={"dataset": resource.dataset_id, "fields": sorted(changes)},
    )
    raise_event(session, DatasetChanged(resource.dataset_id))
    return resource


def delete_resource(session: Session, *, actor: Actor, resource_id: int) -> None:
    """Remove a resource and its versions from its dataset (stored files stay for the audit)."""
    resource = get_resource(session, actor=actor, resource_id=resource_id)
    dataset = resource.dataset
    auth_service.authorize(actor, "resource.upload", target_of(dataset))
    name = resource.name
    dataset.resources.remove(resource)  # delete-orphan removes the row and its versions
    session.flush()
    refresh_counts(dataset)
    dataset.modified_at = utcnow()
    audit_service.record(
        session,
        action="resource.delete",
        actor=actor,
        object_type="resource",
        object_id=resource_id,
        details={"dataset": dataset.id, "name": name},
    )
    raise_event(session, DatasetChanged(dataset.id))


def get_resource(session: Session, *, actor: Actor, resource_id: int) -> Resource:
    """The resource if its dataset is visible to ``actor``; NotFound otherwise."""
    resource = session.get(Resource, resource_id)
    if resource is None:
        raise NotFound("资源不存在 (resource not found)")
    get_dataset(session, actor=actor, dataset_id=resource.dataset_id)
    return resource


def record_version(
    session: Session,
    *,
    resource_id: int,
    created_by: int | None,
    source_key: str,
    source_name: str,
    parquet_key: str,
    sha256: str,
    size_bytes: int,
    row_count: int,
    schema: list[dict[str, Any]],
    report: dict[str, Any],
    profile: dict[str, Any],
    privacy: list[dict[str, Any]],
    fmt: str,
) -> ResourceVersion:
    """Record a successful load as the resource's new current version (identical content reuses it)."""
    resource = session.get(Resource, resource_id)
    if resource is None:
        raise NotFound("资源不存在 (resource not found)")
    same = next((v for v in resource.versions if v.sha256 == sha256), None)
    if same is not None:
        resource.current_version_id = same.id
        return same
    number = (
        int(
            session.scalar(
                select(func.max(ResourceVersion.number)).where(
                    ResourceVersion.resource_id == resource_id
                )
            )
            or 0
        )
        + 1
    )
    version = ResourceVersion(
        resource_id=resource_id,
        number=number,
        source_key=source_key,
        source_name=source_name[:300],
        parquet_key=parquet_key,
        sha256=sha256,
        size_bytes=size_bytes,
        row_count=row_count,
        schema=schema,
        report=report,
        profile=profile,
        privacy=privacy,
        created_by=created_by,
    )
    resource.versions.append(version)
    session.flush()
    resource.current_version_id, resource.modified_at = version.id, utcnow()
    resource.format = resource.format or fmt.upper()[:20]
    dataset = resource.dataset
    _fill_items_from_schema(dataset, schema, privacy)
    refresh_counts(dataset)
    dataset.last_updated_at = dataset.modified_at = utcnow()
    audit_service.record(
        session,
        action="resource.version",
        object_type="resource",
        object_id=resource_id,
        details={"version": number, "rows": row_count, "sha256": sha256},
    )
    raise_event(session, DatasetChanged(dataset.id))
    return version


def _fill_items_from_schema(
    dataset: Dataset, schema: list[dict[str, Any]], privacy: list[dict[str, Any]]
) -> None:
    """A dataset without items gets one per column, pre-graded from the privacy findings."""
    if dataset.items or dataset.status not in ("draft", "rejected"):
        return
    findings = {f.get("column"): f for f in privacy}
    items = []
    for pos, col in enumerate(schema):
        name = str(col.get("name", f"col{pos}"))
        finding = findings.get(name) or {}
        grade = str(finding.get("suggested_grade") or "L1")
        attr = str(finding.get("suggested_open_attribute") or "unconditional")
        items.append(
            DataItem(
                position=pos,
                label=str(col.get("original_name") or name)[:100],
                name=name[:100],
                data_type=TYPE_FOR_ITEMS.get(
                    str(col.get("type", "")).split("(")[0].lower(), "text"
                ),
                grade=grade,
                open_attribute=attr,
                pii_kind=finding.get("kind"),
                masking_rule=finding.get("suggested_masking") if finding.get("kind") else None,
            )
        )
    dataset.items = items
    dataset.grade = highest_grade((i.grade for i in items), default=dataset.grade)


def current_version(resource: Resource, pinned: int | None = None) -> ResourceVersion:
    """The version to serve: the pinned number, else the current one; NotFound without data."""
    if pinned is not None:
        found = next((v for v in resource.versions if v.number == pinned), None)
        if found is None:
            raise NotFound(
                f"版本 {pinned} 不存在 (version not found)", details={"field": "_version"}
            )
        return found
    found = next((v for v in resource.versions if v.id == resource.current_version_id), None)
    if found is None:
        raise NotFound("该资源尚无可查询的数据 (no data loaded yet)")
    return found


def data_resource(dataset: Dataset, resource_id: int | None = None) -> Resource:
    """The resource whose table the dataset's data API serves (the first with data by default)."""
    candidates = [r for r in dataset.resources if r.kind == "file"]
    if resource_id is not None:
        candidates = [r for r in candidates if r.id == resource_id]
    with_data = [r for r in candidates if r.current_version_id is not None]
    if not with_data:
        raise NotFound("该数据集尚无可查询的数据 (no data loaded yet)")
    return with_data[0]
