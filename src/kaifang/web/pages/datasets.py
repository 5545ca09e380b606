"""The public dataset page: metadata card, items, preview, chart, map, downloads and API."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from kaifang.auth import service as auth_service
from kaifang.auth.actor import Actor
from kaifang.auth.policy import can
from kaifang.catalog import service as catalog_service
from kaifang.catalog.models import Dataset, FieldChange
from kaifang.catalog.visibility import can_see_unpublished, data_is_open
from kaifang.db import utcnow
from kaifang.errors import NotFound
from kaifang.feedback import queries as feedback_queries
from kaifang.showcase import service as showcase_service
from kaifang.web.deps import get_runtime, policy
from kaifang.web.pages.feedback import KIND_MSGIDS
from kaifang.web.pages.jsonld import dataset_json_ld
from kaifang.web.pages.presenters import (
    Labels,
    base_url,
    chart_column,
    downloads,
    geo_columns,
    has_loaded_data,
    page_locale,
    timeliness,
)
from kaifang.web.templating import render
from kaifang.web.usage import record_usage

router = APIRouter(include_in_schema=False)

# Steps of the trail the public sees; drafts, rejections and review comments stay internal.
PUBLIC_EVENTS = frozenset({"publish", "approve_revision", "withdraw"})
NUMERIC_TYPES = frozenset({"integer", "decimal"})


@router.get("/datasets/{dataset_id}")
def dataset_page(dataset_id: int, request: Request, actor: Actor = policy(None)) -> Response:
    """One dataset for whoever may see it; drafts are 404 for everyone else."""
    with get_runtime(request).db.unit_of_work(write=False) as session:
        dataset = catalog_service.get_dataset(session, actor=actor, dataset_id=dataset_id)
        labels = Labels(session, page_locale(request))
        context = {
            **_summary(session, dataset, labels),
            **_data_access(request, dataset, labels),
            **_trail(session, actor, dataset),
            **_community(session, dataset),
            "can_edit": can(actor, "dataset.edit", catalog_service.target_of(dataset)),
        }
        record_usage(request, "view", dataset)
        return render(request, "datasets/detail.html", context)


def _summary(session: Session, dataset: Dataset, labels: Labels) -> dict[str, Any]:
    """The metadata card: labels, region, timeliness and the items with their attributes."""
    try:
        region_name = auth_service.get_region(session, dataset.region_code).name
    except NotFound:
        region_name = dataset.region_code
    conditional = [i for i in dataset.items if i.open_attribute == "conditional"]
    return {
        "dataset": dataset,
        "labels": labels,
        "region_name": region_name,
        "timeliness": timeliness(
            last_updated=dataset.last_updated_at,
            max_days=labels.max_days.get(dataset.update_frequency, 0),
            now=utcnow(),
        ),
        "conditional_items": conditional,
        "can_apply": bool(conditional) or dataset.open_attribute == "conditional",
    }


def _data_access(request: Request, dataset: Dataset, labels: Labels) -> dict[str, Any]:
    """What the preview, chart, map, download and API sections need (empty when closed)."""
    data_open = data_is_open(dataset)
    geo = geo_columns(dataset.items) if data_open else None
    files = downloads(dataset.id, geo=geo is not None)
    open_items = [i for i in dataset.items if i.open_attribute == "unconditional"]
    origin = base_url(request)
    has_data = data_open and has_loaded_data(dataset)
    json_ld = None
    if dataset.status == "published":
        json_ld = dataset_json_ld(
            dataset, origin=origin, labels=labels, files=files if has_data else []
        )
    return {
        "data_open": data_open,
        "has_data": has_data,
        "geo": geo,
        "files": files,
        "open_items": open_items,
        "numeric_items": [i for i in open_items if i.data_type in NUMERIC_TYPES],
        "chart_column": chart_column(open_items),
        "column_labels": {i.name: i.label for i in dataset.items if i.label},
        "origin": origin,
        "api_base": f"/api/v1/datasets/{dataset.id}",
        "json_ld": json_ld,
    }


def _trail(session: Session, actor: Actor, dataset: Dataset) -> dict[str, Any]:
    """Workflow steps and field changes: all of them for staff, published ones for the public."""
    events, changes = catalog_service.history(session, actor=actor, dataset_id=dataset.id)
    internal = can_see_unpublished(actor, dataset)
    if not internal:
        events = [e for e in events if e.action in PUBLIC_EVENTS]
        changes = _after_publication(dataset, changes)
    return {"events": events, "changes": changes, "internal_view": internal}


def _community(session: Session, dataset: Dataset) -> dict[str, Any]:
    """Published answers to feedback on the dataset and the approved apps that use it."""
    return {
        "answers": feedback_queries.public_answers(session, dataset_id=dataset.id),
        "feedback_kinds": KIND_MSGIDS,
        "apps": showcase_service.list_apps(session, dataset_id=dataset.id, limit=6),
    }


def _after_publication(dataset: Dataset, changes: list[FieldChange]) -> list[FieldChange]:
    published = dataset.first_published_at
    if published is None:
        return []
    return [c for c in changes if c.created_at >= published]
