"""Catalogue use cases: create, edit (directly or as a revision), items, reads. Never commits."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, object_session

from kaifang.audit import service as audit_service
from kaifang.auth import service as auth_service
from kaifang.auth.actor import Actor
from kaifang.auth.policy import Target
from kaifang.catalog import duplicates
from kaifang.catalog.models import (
    CatalogCode,
    DataItem,
    Dataset,
    DatasetRevision,
    FieldChange,
    WorkflowEvent,
)
from kaifang.catalog.rules import (
    CatalogCodeTemplate,
    check_item_attribute,
    classification,
    highest_grade,
)
from kaifang.catalog.schemas import DataItemIn, DatasetIn, DatasetPatch
from kaifang.catalog.visibility import is_visible
from kaifang.catalog.vocabularies import VocabularyIndex
from kaifang.codes import region_contains
from kaifang.db import raise_event, utcnow
from kaifang.errors import Conflict, InvalidInput, NotFound
from kaifang.events import DatasetChanged

EDITABLE_STATUSES = ("draft", "rejected")
VOCAB_FIELDS = {
    "update_frequency": "update_frequency",
    "base_class": "base_class",
    "licence": "licence",
}
FIELD_LABELS = {
    "update_frequency": "更新频率",
    "base_class": "基础信息资源分类",
    "licence": "开放协议",
    "domains": "开放领域",
    "formats": "数据格式",
}


def target_of(dataset: Dataset) -> Target:
    return Target(
        organization_id=dataset.organization_id, region_code=dataset.region_code, id=dataset.id
    )


def get_dataset(session: Session, *, actor: Actor, dataset_id: int) -> Dataset:
    """The dataset if ``actor`` may know it exists; NotFound otherwise (no leaking of drafts)."""
    dataset = session.get(Dataset, dataset_id)
    if dataset is None or not is_visible(actor, dataset):
        raise NotFound("数据集不存在 (dataset not found)")
    return dataset


def get_dataset_by_code(session: Session, *, actor: Actor, code: str) -> Dataset:
    dataset = session.scalars(select(Dataset).where(Dataset.catalog_code == code)).first()
    if dataset is None or not is_visible(actor, dataset):
        raise NotFound("数据集不存在 (dataset not found)")
    return dataset


# --- creation --------------------------------------------------------------------------------


def create_dataset(
    session: Session, *, actor: Actor, data: DatasetIn, code_template: str, is_demo: bool = False
) -> Dataset:
    """Register a draft dataset for an organization; raises InvalidInput/PermissionDenied/Conflict."""
    org_id = data.organization_id or actor.organization_id
    if org_id is None:
        raise InvalidInput(
            "请指定数据提供方 (organization required)", details={"field": "organization_id"}
        )
    org = auth_service.get_organization(session, org_id)
    region = data.region_code or org.region_code
    if not region_contains(org.region_code[:4], region):
        raise InvalidInput(
            "行政区划与提供方不符 (region outside the organization's city)",
            details={"field": "region_code"},
        )
    auth_service.get_region(session, region)
    auth_service.authorize(
        actor, "dataset.create", Target(organization_id=org.id, region_code=region)
    )
    vocab = VocabularyIndex(session)
    dataset = Dataset(
        organization_id=org.id,
        region_code=region,
        title=data.title,
        created_by=actor.user_id,
        is_demo=is_demo,
        status="draft",
    )
    dataset.organization = org
    fields = data.model_dump(exclude={"organization_id", "region_code", "catalog_code", "items"})
    _assign(dataset, _resolve_vocab(vocab, fields))
    _replace_items(dataset, data.items or [])
    dataset.catalog_code = _issue_code(session, dataset, vocab, data.catalog_code, code_template)
    session.add(dataset)
    session.flush()
    _flag_duplicate(session, dataset)
    _event(session, dataset, actor, "create", "", "draft")
    audit_service.record(
        session,
        action="dataset.create",
        actor=actor,
        object_type="dataset",
        object_id=dataset.id,
        details={"code": dataset.catalog_code},
    )
    raise_event(session, DatasetChanged(dataset.id))
    return dataset


def _resolve_vocab(vocab: VocabularyIndex, fields: dict[str, Any]) -> dict[str, Any]:
    out = dict(fields)
    for key, kind in VOCAB_FIELDS.items():
        if out.get(key):
            out[key] = vocab.resolve(kind, out[key], field=FIELD_LABELS[key])
    if out.get("domains") is not None:
        out["domains"] = [vocab.resolve("domain", d, field="开放领域") for d in out["domains"]]
    if out.get("formats") is not None:
        out["formats"] = [vocab.resolve("format", f, field="数据格式") for f in out["formats"]]
    start, end = out.get("temporal_start"), out.get("temporal_end")
    if start and end and start > end:
        raise InvalidInput(
            "时间范围起点晚于终点 (temporal start after end)", details={"field": "temporal_start"}
        )
    return out


def _assign(dataset: Dataset, fields: dict[str, Any]) -> None:
    for key, value in fields.items():
        setattr(dataset, key, value)


def _replace_items(dataset: Dataset, items: list[DataItemIn]) -> None:
    seen: set[str] = set()
    for item in items:
        check_item_attribute(label=item.label, grade=item.grade, open_attribute=item.open_attribute)
        if item.name.lower() in seen:
            raise InvalidInput(
                f"数据项字段名重复: {item.name} (duplicate field name)",
                details={"item": item.label, "field": "name"},
            )
        seen.add(item.name.lower())
    session = object_session(dataset)
    if dataset.items and session is not None:
        # Old rows must be gone before new ones with the same field names are inserted.
        dataset.items.clear()
        session.flush()
    dataset.items = [DataItem(position=i, **item.model_dump()) for i, item in enumerate(items)]
    dataset.item_count = len(items)
    dataset.grade = highest_grade((i.grade for i in items), default=dataset.grade or "L1")


def _issue_code(
    session: Session,
    dataset: Dataset,
    vocab: VocabularyIndex,
    wanted: str | None,
    template_text: str,
) -> str:
    """Validate a given code or generate the next one; every code is recorded and never reused."""
    template = CatalogCodeTemplate(template_text)
    if wanted:
        if not template.is_valid(wanted):
            raise InvalidInput(
                f"目录编码格式不符 (catalogue code does not match {template_text})",
                details={"field": "catalog_code"},
            )
        if session.get(CatalogCode, wanted) is not None:
            raise Conflict(
                "目录编码已被使用过，不可重复使用 (catalogue code already issued)",
                details={"field": "catalog_code"},
            )
        session.add(CatalogCode(code=wanted, prefix=wanted, sequence=0))
        return wanted
    klass = classification(
        vocab.number("base_class", dataset.base_class or ""),
        vocab.number("domain", (dataset.domains or [""])[0]),
        dataset.organization_id,
    )
    prefix = template.prefix(region=dataset.region_code, klass=klass, org=dataset.organization_id)
    return _next_code(session, template, prefix, dataset, klass)


def _next_code(
    session: Session, template: CatalogCodeTemplate, prefix: str, dataset: Dataset, klass: str
) -> str:
    for _attempt in range(5):
        last = session.scalar(
            select(func.max(CatalogCode.sequence)).where(CatalogCode.prefix == prefix)
        )
        seq = int(last or 0) + 1
        code = template.build(
            region=dataset.region_code, klass=klass, org=dataset.organization_id, seq=seq
        )
        try:
            with session.begin_nested():
                session.add(CatalogCode(code=code, prefix=prefix, sequence=seq))
                session.flush()
            return code
        except IntegrityError:
            continue  # another writer took this number; take the next
    raise Conflict("目录编码生成冲突，请重试 (catalogue code contention, retry)")


def _flag_duplicate(session: Session, dataset: Dataset) -> None:
    original = duplicates.find_city_duplicate(session, dataset)
    dataset.duplicate_of_id = original.id if original else None
    dataset.duplicate_note = (
        f"疑似重复开放市级数据集「{original.title}」({original.catalog_code})" if original else ""
    )


def _event(
    session: Session,
    dataset: Dataset,
    actor: Actor,
    action: str,
    from_status: str,
    to_status: str,
    comment: str = "",
    revision_id: int | None = None,
) -> None:
    session.add(
        WorkflowEvent(
            dataset_id=dataset.id,
            action=action,
            from_status=from_status,
            to_status=to_status,
            comment=comment,
            actor_id=actor.user_id,
            actor_name=actor.username,
            revision_id=revision_id,
        )
    )


# --- editing ---------------------------------------------------------------------------------


def update_dataset(
    session: Session, *, actor: Actor, dataset_id: int, patch: DatasetPatch
) -> tuple[Dataset, DatasetRevision | None]:
    """Edit a draft in place, or stage the edit as a revision of a published dataset."""
    dataset = get_dataset(session, actor=actor, dataset_id=dataset_id)
    auth_service.authorize(actor, "dataset.edit", target_of(dataset))
    changes = patch.model_dump(exclude_unset=True, mode="json")
    if not changes:
        return dataset, None
    vocab = VocabularyIndex(session)
    resolved = _resolve_vocab(vocab, {k: v for k, v in changes.items() if k != "items"})
    if "items" in changes:
        resolved["items"] = changes["items"]
        for item in patch.items or []:
            check_item_attribute(
                label=item.label, grade=item.grade, open_attribute=item.open_attribute
            )
    if dataset.status in EDITABLE_STATUSES:
        apply_changes(session, dataset=dataset, changes=resolved, actor=actor)
        _flag_duplicate(session, dataset)
        audit_service.record(
            session,
            action="dataset.update",
            actor=actor,
            object_type="dataset",
            object_id=dataset.id,
            details={"fields": sorted(resolved)},
        )
        return dataset, None
    if dataset.status == "published":
        return dataset, _stage_revision(session, dataset, resolved, actor)
    raise Conflict(f"数据集当前状态为 {dataset.status}，不能修改 (not editable in this state)")


def _stage_revision(
    session: Session, dataset: Dataset, changes: dict[str, Any], actor: Actor
) -> DatasetRevision:
    revision = open_revision(session, dataset.id)
    if revision is not None and revision.status == "submitted":
        raise Conflict("修订正在审核中 (a revision is under review)")
    if revision is None:
        revision = DatasetRevision(dataset_id=dataset.id, status="draft", created_by=actor.user_id)
        session.add(revision)
    revision.changes = {**(revision.changes or {}), **_jsonable(changes)}
    session.flush()
    audit_service.record(
        session,
        action="dataset.revise",
        actor=actor,
        object_type="dataset",
        object_id=dataset.id,
        details={"revision": revision.id, "fields": sorted(changes)},
    )
    return revision


def _jsonable(changes: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in changes.items()}


def open_revision(session: Session, dataset_id: int) -> DatasetRevision | None:
    return session.scalars(
        select(DatasetRevision).where(
            DatasetRevision.dataset_id == dataset_id,
            DatasetRevision.status.in_(("draft", "submitted")),
        )
    ).first()


def apply_changes(
    session: Session, *, dataset: Dataset, changes: dict[str, Any], actor: Actor
) -> None:
    """Write changes onto the dataset, recording who changed which field from what to what."""
    for key, new in changes.items():
        if key == "items":
            old_items = [_item_summary(i) for i in dataset.items]
            _replace_items(dataset, [DataItemIn.model_validate(i) for i in new])
            new_value: Any = [_item_summary(i) for i in dataset.items]
            _record_change(session, dataset, actor, "items", old_items, new_value)
            continue
        if key in ("temporal_start", "temporal_end") and isinstance(new, str):
            new = dt.date.fromisoformat(new)
        old = getattr(dataset, key)
        if old != new:
            setattr(dataset, key, new)
            _record_change(session, dataset, actor, key, old, new)
    dataset.modified_at = utcnow()
    raise_event(session, DatasetChanged(dataset.id))


def _item_summary(item: DataItem) -> str:
    return f"{item.label}({item.name},{item.open_attribute},{item.grade})"


def _record_change(
    session: Session, dataset: Dataset, actor: Actor, field: str, old: Any, new: Any
) -> None:
    def plain(v: Any) -> Any:
        return v.isoformat() if isinstance(v, dt.date) else v

    if plain(old) == plain(new):
        return
    session.add(
        FieldChange(
            dataset_id=dataset.id,
            field=field,
            old_value=plain(old),
            new_value=plain(new),
            actor_id=actor.user_id,
            actor_name=actor.username,
        )
    )


def history(
    session: Session, *, actor: Actor, dataset_id: int
) -> tuple[list[WorkflowEvent], list[FieldChange]]:
    """The comment trail and field changes, newest first."""
    get_dataset(session, actor=actor, dataset_id=dataset_id)
    events = session.scalars(
        select(WorkflowEvent)
        .where(WorkflowEvent.dataset_id == dataset_id)
        .order_by(WorkflowEvent.id.desc())
    ).all()
    changes = session.scalars(
        select(FieldChange)
        .where(FieldChange.dataset_id == dataset_id)
        .order_by(FieldChange.id.desc())
    ).all()
    return list(events), list(changes)


def refresh_counts(dataset: Dataset) -> None:
    """Recompute counts and formats from items and current resource versions."""
    dataset.item_count = len(dataset.items)
    dataset.resource_count = len(dataset.resources)
    rows = size = 0
    formats = set(dataset.formats or [])
    for res in dataset.resources:
        if res.format:
            formats.add(res.format)
        current = next((v for v in res.versions if v.id == res.current_version_id), None)
        if current is not None:
            rows += current.row_count
            size += current.size_bytes
    dataset.row_count, dataset.size_bytes = rows, size
    dataset.formats = sorted(formats)
