"""The department workbench: datasets by status, one dataset's page, submission and uploads."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from kaifang.auth.actor import Actor
from kaifang.auth.policy import can
from kaifang.catalog import queries, workflow
from kaifang.catalog import service as catalog_service
from kaifang.catalog.models import STATUSES
from kaifang.errors import Conflict, DomainError, InvalidInput
from kaifang.web.deps import get_runtime, signed_in_policy
from kaifang.web.pages import lookups
from kaifang.web.pages.guards import STAFF_ROLES, error_status, redirect, require_role
from kaifang.web.pages.presenters import (
    CHECKS,
    Labels,
    completeness,
    dataset_values,
    page_locale,
)
from kaifang.web.templating import render

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 30
NOTICES = {
    "created": "The draft was registered. Complete it, then submit it for review.",
    "saved": "Your changes were saved.",
    "revision": "Your changes were kept as a revision; submit it for review to publish them.",
    "submitted": "Submitted for review.",
    "withdrawn": "The dataset was withdrawn.",
}


@router.get("/workbench")
def workbench_home(
    request: Request,
    actor: Actor = signed_in_policy("dataset.read_unpublished"),
    status: str = Query(default="", max_length=20),
    before: int | None = None,
) -> Response:
    """Datasets the staff member may see, filtered by status, with counts."""
    require_role(actor, STAFF_ROLES, "workbench.open")
    chosen = status if status in STATUSES else None
    with get_runtime(request).db.unit_of_work(write=False) as session:
        org_id = actor.organization_id
        page = queries.list_datasets(
            session,
            actor=actor,
            organization_id=org_id,
            status=chosen,
            before_id=before,
            limit=PAGE_SIZE,
        )
        context = {
            "counts": queries.status_counts(session, actor=actor, organization_id=org_id),
            "statuses": STATUSES,
            "status": chosen or "",
            "page": lookups.DatasetPage(page.items, page.next_cursor),
            "pending_review": _pending_review(session, actor),
            "labels": Labels(session, page_locale(request)),
        }
        return render(request, "workbench/index.html", context)


def _pending_review(session: Session, actor: Actor) -> int:
    if actor.role not in ("reviewer", "admin"):
        return 0
    return len(lookups.reviewable(session, actor=actor, status="submitted")) + len(
        lookups.revisions_under_review(session, actor=actor)
    )


@router.get("/workbench/datasets/{dataset_id}")
def workbench_dataset(
    dataset_id: int, request: Request, actor: Actor = signed_in_policy("dataset.read_unpublished")
) -> Response:
    """One dataset's workflow, history, completeness and next steps."""
    require_role(actor, STAFF_ROLES, "workbench.open")
    notice = next((NOTICES[k] for k in NOTICES if request.query_params.get(k)), None)
    return _render_dataset(request, actor, dataset_id, notice=notice)


def _render_dataset(
    request: Request,
    actor: Actor,
    dataset_id: int,
    *,
    notice: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    with get_runtime(request).db.unit_of_work(write=False) as session:
        dataset = catalog_service.get_dataset(session, actor=actor, dataset_id=dataset_id)
        events, changes = catalog_service.history(session, actor=actor, dataset_id=dataset_id)
        target = catalog_service.target_of(dataset)
        context = {
            "dataset": dataset,
            "labels": Labels(session, page_locale(request)),
            "events": events,
            "changes": changes,
            "revision": catalog_service.open_revision(session, dataset.id),
            "score": completeness(dataset_values(dataset)),
            "checks": CHECKS,
            "missing": workflow.missing_for_submission(dataset),
            "may": _permissions(actor, target),
            "notice": notice,
            "error": error,
        }
        return render(request, "workbench/dataset.html", context, status_code=status_code)


def _permissions(actor: Actor, target: Any) -> dict[str, bool]:
    return {
        action: can(actor, f"dataset.{action}", target)
        for action in ("edit", "submit", "review", "publish", "withdraw")
    }


@router.post("/workbench/datasets/{dataset_id}/submit")
def submit_dataset(
    dataset_id: int,
    request: Request,
    comment: Annotated[str, Form(max_length=2000)] = "",
    actor: Actor = signed_in_policy("dataset.submit"),
) -> Response:
    """Send a draft or a pending revision to review."""
    require_role(actor, STAFF_ROLES, "dataset.submit")
    try:
        with get_runtime(request).db.unit_of_work() as session:
            workflow.submit_dataset(session, actor=actor, dataset_id=dataset_id, comment=comment)
    except (InvalidInput, Conflict) as exc:
        return _refused(request, actor, dataset_id, exc)
    return redirect(f"/workbench/datasets/{dataset_id}", submitted=1)


@router.post("/workbench/datasets/{dataset_id}/withdraw")
def withdraw_dataset(
    dataset_id: int,
    request: Request,
    reason: Annotated[str, Form(max_length=1000)] = "",
    actor: Actor = signed_in_policy("dataset.withdraw"),
) -> Response:
    """Take a dataset offline with a reason."""
    require_role(actor, STAFF_ROLES, "dataset.withdraw")
    try:
        with get_runtime(request).db.unit_of_work() as session:
            workflow.withdraw_dataset(session, actor=actor, dataset_id=dataset_id, reason=reason)
    except (InvalidInput, Conflict) as exc:
        return _refused(request, actor, dataset_id, exc)
    return redirect(f"/workbench/datasets/{dataset_id}", withdrawn=1)


def _refused(request: Request, actor: Actor, dataset_id: int, exc: DomainError) -> Response:
    """The dataset page again, saying why the service refused the step."""
    return _render_dataset(
        request, actor, dataset_id, error=_explain(exc), status_code=error_status(exc)
    )


def _explain(exc: DomainError) -> str:
    details = exc.details if isinstance(exc.details, dict) else {}
    missing = details.get("missing")
    return f"{exc.message}: {', '.join(missing)}" if missing else exc.message
