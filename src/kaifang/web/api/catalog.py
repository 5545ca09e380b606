"""The catalogue API: datasets, data items, workflow actions, history and vocabularies."""

from __future__ import annotations

import dataclasses
from typing import Any

from fastapi import APIRouter, Body, File, Form, Query, Request, Response, UploadFile
from pydantic import BaseModel, Field

from kaifang.auth.actor import Actor
from kaifang.catalog import bulk, privacy_gate, quality, queries, workflow
from kaifang.catalog import service as catalog_service
from kaifang.catalog.models import VOCABULARY_KINDS
from kaifang.catalog.schemas import (
    CommentIn,
    DataItemOut,
    DatasetIn,
    DatasetOut,
    DatasetPatch,
    FieldChangeOut,
    ReasonIn,
    WorkflowEventOut,
)
from kaifang.catalog.vocabularies import terms
from kaifang.datastore import content_disposition
from kaifang.errors import InvalidInput, NotFound, TooLarge
from kaifang.web import i18n
from kaifang.web.deps import get_runtime, policy, signed_in_policy

router = APIRouter(prefix="/api/v1", tags=["catalogue"])

DATASET_EXAMPLE = {
    "title": "台州市公交线路信息",
    "summary": "全市公交线路、站点与首末班时间。",
    "domains": ["交通出行"],
    "keywords": ["公交", "线路"],
    "update_frequency": "monthly",
    "open_attribute": "unconditional",
    "items": [
        {"label": "线路名称", "name": "line_name", "grade": "L1", "open_attribute": "unconditional"}
    ],
}


def _out(dataset: Any) -> DatasetOut:
    return DatasetOut.model_validate(dataset)


@router.get("/datasets/{dataset_id}", dependencies=[policy(None)])
def get_dataset(dataset_id: int, request: Request) -> DatasetOut:
    """One dataset with its items and resources (drafts only for those who may see them)."""
    actor: Actor = request.state.actor
    with get_runtime(request).db.unit_of_work(write=False) as session:
        return _out(catalog_service.get_dataset(session, actor=actor, dataset_id=dataset_id))


@router.get("/workbench/datasets")
def list_my_datasets(
    request: Request,
    actor: Actor = signed_in_policy("dataset.read_unpublished"),
    status: str | None = None,
    organization_id: int | None = None,
    before: int | None = Query(default=None, description="keyset cursor from `next`"),
    limit: int = Query(default=50, ge=1, le=200),
) -> dict[str, Any]:
    """Datasets the signed-in officer/reviewer may see, newest first (all statuses)."""
    with get_runtime(request).db.unit_of_work(write=False) as session:
        page = queries.list_datasets(
            session,
            actor=actor,
            status=status,
            organization_id=organization_id,
            before_id=before,
            limit=limit,
        )
        items = [
            _out(d).model_dump(mode="json", exclude={"items", "resources"}) for d in page.items
        ]
    return {"items": items, "next": page.next_cursor}


@router.post("/datasets", status_code=201)
def create_dataset(
    request: Request,
    body: DatasetIn = Body(
        openapi_examples={"bus": {"summary": "公交线路", "value": DATASET_EXAMPLE}}
    ),
    actor: Actor = signed_in_policy("dataset.create"),
) -> DatasetOut:
    """Register a draft dataset (officers for their organization)."""
    runtime = get_runtime(request)
    with runtime.db.unit_of_work() as session:
        dataset = catalog_service.create_dataset(
            session, actor=actor, data=body, code_template=runtime.settings.catalog_code_template
        )
        return _out(dataset)


@router.patch("/datasets/{dataset_id}")
def update_dataset(
    dataset_id: int,
    body: DatasetPatch,
    request: Request,
    actor: Actor = signed_in_policy("dataset.edit"),
) -> dict[str, Any]:
    """Edit a draft, or stage a revision of a published dataset (returned as `revision_id`)."""
    with get_runtime(request).db.unit_of_work() as session:
        dataset, revision = catalog_service.update_dataset(
            session, actor=actor, dataset_id=dataset_id, patch=body
        )
        return {
            "dataset": _out(dataset).model_dump(mode="json"),
            "revision_id": revision.id if revision else None,
        }


def _transition(
    request: Request, actor: Actor, fn: Any, dataset_id: int, **kwargs: Any
) -> DatasetOut:
    with get_runtime(request).db.unit_of_work() as session:
        return _out(fn(session, actor=actor, dataset_id=dataset_id, **kwargs))


@router.post("/datasets/{dataset_id}/submit")
def submit_dataset(
    dataset_id: int,
    body: CommentIn,
    request: Request,
    actor: Actor = signed_in_policy("dataset.submit"),
) -> DatasetOut:
    """Send a draft or a pending revision to review."""
    return _transition(request, actor, workflow.submit_dataset, dataset_id, comment=body.comment)


@router.post("/datasets/{dataset_id}/approve")
def approve_dataset(
    dataset_id: int,
    body: CommentIn,
    request: Request,
    actor: Actor = signed_in_policy("dataset.review"),
) -> DatasetOut:
    """Approve a submission (reviewers of the region)."""
    return _transition(request, actor, workflow.approve_dataset, dataset_id, comment=body.comment)


@router.post("/datasets/{dataset_id}/reject")
def reject_dataset(
    dataset_id: int,
    body: ReasonIn,
    request: Request,
    actor: Actor = signed_in_policy("dataset.review"),
) -> DatasetOut:
    """Return a submission with a reason."""
    return _transition(request, actor, workflow.reject_dataset, dataset_id, reason=body.reason)


@router.post("/datasets/{dataset_id}/publish")
def publish_dataset(
    dataset_id: int,
    body: CommentIn,
    request: Request,
    actor: Actor = signed_in_policy("dataset.publish"),
) -> DatasetOut:
    """Publish an approved dataset."""
    return _transition(request, actor, workflow.publish_dataset, dataset_id, comment=body.comment)


@router.post("/datasets/{dataset_id}/withdraw")
def withdraw_dataset(
    dataset_id: int,
    body: ReasonIn,
    request: Request,
    actor: Actor = signed_in_policy("dataset.withdraw"),
) -> DatasetOut:
    """Withdraw a dataset with a reason; its catalogue code is never reused."""
    return _transition(request, actor, workflow.withdraw_dataset, dataset_id, reason=body.reason)


@router.post("/datasets/{dataset_id}/comments")
def comment_dataset(
    dataset_id: int,
    body: CommentIn,
    request: Request,
    actor: Actor = signed_in_policy("dataset.review"),
) -> DatasetOut:
    """Add a comment to the workflow trail."""
    return _transition(
        request, actor, workflow.comment_on_dataset, dataset_id, comment=body.comment
    )


@router.get("/datasets/{dataset_id}/items", dependencies=[policy(None)])
def list_items(dataset_id: int, request: Request) -> list[DataItemOut]:
    """The dataset's data items with their open attributes and grades."""
    with get_runtime(request).db.unit_of_work(write=False) as session:
        dataset = catalog_service.get_dataset(
            session, actor=request.state.actor, dataset_id=dataset_id
        )
        return [DataItemOut.model_validate(i) for i in dataset.items]


@router.get("/datasets/{dataset_id}/history", dependencies=[policy(None)])
def dataset_history(dataset_id: int, request: Request) -> dict[str, Any]:
    """The workflow trail and field changes (who changed what from what to what)."""
    with get_runtime(request).db.unit_of_work(write=False) as session:
        events, changes = catalog_service.history(
            session, actor=request.state.actor, dataset_id=dataset_id
        )
        return {
            "events": [WorkflowEventOut.model_validate(e).model_dump(mode="json") for e in events],
            "changes": [FieldChangeOut.model_validate(c).model_dump(mode="json") for c in changes],
        }


def quality_out(report: quality.QualityReport) -> dict[str, Any]:
    """A quality report with Chinese labels and hints and their English originals."""
    zh = i18n.gettext_for("zh_CN")
    indicators = [
        {**dataclasses.asdict(r), "label": zh(r.label), "label_en": r.label, "hint": zh(r.hint),
         "hint_en": r.hint}
        for r in report.indicators
    ]  # fmt: skip
    return {
        "dataset_id": report.dataset_id,
        "score": report.score,
        "max_score": report.max_score,
        "rating": report.rating,
        "rating_label": zh(quality.RATING_LABELS[report.rating]),
        "dimensions": {
            name: {"score": got, "max": most, "label": zh(quality.DIMENSION_LABELS[name])}
            for name, (got, most) in report.dimensions.items()
        },
        "indicators": indicators,
        "failed": [i for i in indicators if not i["passed"]],
    }


@router.get("/datasets/{dataset_id}/quality")
def dataset_quality(
    dataset_id: int, request: Request, actor: Actor = signed_in_policy("dataset.quality_read")
) -> dict[str, Any]:
    """The EU MQA-style metadata quality score, rating and what to fix (staff of the dataset)."""
    with get_runtime(request).db.unit_of_work(write=False) as session:
        report = quality.dataset_quality(session, actor=actor, dataset_id=dataset_id)
    return quality_out(report)


@router.get("/vocabularies/{kind}", dependencies=[policy(None)])
def list_vocabulary(kind: str, request: Request) -> list[dict[str, Any]]:
    """Terms of one vocabulary: domain, update_frequency, licence, base_class, format."""
    if kind not in VOCABULARY_KINDS:
        raise NotFound("词表不存在 (unknown vocabulary)")
    with get_runtime(request).db.unit_of_work(write=False) as session:
        return [
            {"code": t.code, "label_zh": t.label_zh, "label_en": t.label_en, "number": t.number}
            for t in terms(session, kind)
        ]


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/catalog/template.xlsx", dependencies=[policy(None)])
def catalogue_template() -> Response:
    """The bulk catalogue template (datasets and data items sheets)."""
    return Response(
        bulk.template_xlsx(),
        media_type=XLSX_TYPE,
        headers={"content-disposition": content_disposition("开放目录模板", "xlsx")},
    )


@router.post("/catalog/import")
def import_catalogue(
    request: Request,
    file: UploadFile = File(description="XLSX template or CSV (UTF-8 or GB18030)"),
    valid_rows_only: bool = Form(default=False),
    actor: Actor = signed_in_policy("dataset.import"),
) -> dict[str, Any]:
    """Import datasets and items; nothing is written when any row fails unless asked."""
    runtime = get_runtime(request)
    data = file.file.read(runtime.settings.max_upload_bytes + 1)
    if len(data) > runtime.settings.max_upload_bytes:
        raise TooLarge("文件超过大小限制 (file too large)")
    with runtime.db.unit_of_work() as session:
        report = bulk.import_catalog(
            session,
            actor=actor,
            data=data,
            filename=file.filename or "catalog.xlsx",
            code_template=runtime.settings.catalog_code_template,
            valid_rows_only=valid_rows_only,
        )
        if report.failed and not valid_rows_only:
            raise InvalidInput(
                f"{report.failed} 行有误，未导入任何数据 (rows failed; nothing was imported)",
                details=dataclasses.asdict(report),
            )
        return dataclasses.asdict(report)


@router.get("/catalog/export.{fmt}", dependencies=[policy(None)])
def export_catalogue(fmt: str, request: Request) -> Response:
    """The catalogue the caller may see, in the import template (xlsx or csv)."""
    if fmt not in ("xlsx", "csv"):
        raise NotFound("不支持的格式 (unsupported format)")
    with get_runtime(request).db.unit_of_work(write=False) as session:
        body = bulk.export_catalog(session, actor=request.state.actor, fmt=fmt)  # type: ignore[arg-type]
    media = XLSX_TYPE if fmt == "xlsx" else "text/csv; charset=utf-8"
    return Response(
        body,
        media_type=media,
        headers={"content-disposition": content_disposition("开放目录", fmt)},
    )


class OverrideIn(BaseModel):
    justification: str = Field(min_length=10, max_length=2000)


@router.get("/datasets/{dataset_id}/privacy", dependencies=[policy(None)])
def privacy_findings(dataset_id: int, request: Request) -> dict[str, Any]:
    """What the publish gate would block, and the override state (officers and reviewers)."""
    with get_runtime(request).db.unit_of_work(write=False) as session:
        dataset = catalog_service.get_dataset(
            session, actor=request.state.actor, dataset_id=dataset_id
        )
        return {
            "blocking": privacy_gate.unmasked_identifiers(dataset),
            "override_status": dataset.privacy_override_status,
            "override_reason": dataset.privacy_override_reason,
        }


@router.post("/datasets/{dataset_id}/privacy-override")
def request_override(
    dataset_id: int,
    body: OverrideIn,
    request: Request,
    actor: Actor = signed_in_policy("dataset.edit"),
) -> DatasetOut:
    """Ask to publish despite the findings, with a justification a reviewer must accept."""
    with get_runtime(request).db.unit_of_work() as session:
        return _out(
            privacy_gate.request_privacy_override(
                session, actor=actor, dataset_id=dataset_id, justification=body.justification
            )
        )


@router.post("/datasets/{dataset_id}/privacy-override/accept")
def accept_override(
    dataset_id: int,
    body: CommentIn,
    request: Request,
    actor: Actor = signed_in_policy("dataset.review"),
) -> DatasetOut:
    """A reviewer accepts the justification."""
    with get_runtime(request).db.unit_of_work() as session:
        return _out(
            privacy_gate.accept_privacy_override(
                session, actor=actor, dataset_id=dataset_id, comment=body.comment
            )
        )
