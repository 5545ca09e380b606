"""The reviewer's queue: new submissions with their metadata, revisions as diffs, decisions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from kaifang.auth.actor import Actor
from kaifang.catalog import workflow
from kaifang.errors import Conflict, DomainError, InvalidInput
from kaifang.web.deps import get_runtime, signed_in_policy
from kaifang.web.pages import lookups
from kaifang.web.pages.guards import error_status, redirect, require_role
from kaifang.web.pages.presenters import Labels, page_locale
from kaifang.web.templating import render

router = APIRouter(include_in_schema=False)

REVIEW_ROLES = ("reviewer", "admin")
QUEUE = "/workbench/review"
METADATA_FIELDS = (
    "summary",
    "domains",
    "keywords",
    "base_class",
    "open_attribute",
    "update_frequency",
    "temporal_start",
    "temporal_end",
    "spatial_coverage",
    "licence",
    "contact_name",
    "contact_phone",
    "contact_email",
    "source_system",
)
DONE = {
    "approve": "Approved. Publish it when it is ready to go public.",
    "reject": "Returned to the organization with your reason.",
    "publish": "Published: the dataset is now public.",
}


@router.get("/workbench/review")
def review_queue(request: Request, actor: Actor = signed_in_policy("dataset.review")) -> Response:
    """Submissions, revisions and approved datasets awaiting the reviewer."""
    require_role(actor, REVIEW_ROLES, "dataset.review")
    done = request.query_params.get("done", "")
    return _render_queue(request, actor, notice=DONE.get(done))


def _render_queue(
    request: Request,
    actor: Actor,
    *,
    notice: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    with get_runtime(request).db.unit_of_work(write=False) as session:
        submitted = lookups.reviewable(session, actor=actor, status="submitted")
        revisions = lookups.revisions_under_review(session, actor=actor)
        waiting = submitted + [dataset for dataset, _revision in revisions]
        context = {
            "submitted": submitted,
            "revisions": revisions,
            "notes": lookups.submission_notes(session, actor=actor, datasets=waiting),
            "approved": lookups.reviewable(session, actor=actor, status="approved"),
            "metadata_fields": METADATA_FIELDS,
            "labels": Labels(session, page_locale(request)),
            "notice": notice,
            "error": error,
        }
        return render(request, "workbench/review.html", context, status_code=status_code)


def _decide(
    request: Request,
    actor: Actor,
    decision: str,
    step: Callable[..., object],
    dataset_id: int,
    **kwargs: str,
) -> Response:
    try:
        with get_runtime(request).db.unit_of_work() as session:
            step(session, actor=actor, dataset_id=dataset_id, **kwargs)
    except (InvalidInput, Conflict) as exc:
        return _refused(request, actor, exc)
    return redirect(QUEUE, done=decision)


def _refused(request: Request, actor: Actor, exc: DomainError) -> Response:
    return _render_queue(request, actor, error=exc.message, status_code=error_status(exc))


@router.post("/workbench/review/{dataset_id}/approve")
def approve(
    dataset_id: int,
    request: Request,
    comment: Annotated[str, Form(max_length=2000)] = "",
    actor: Actor = signed_in_policy("dataset.review"),
) -> Response:
    """Approve a submission or a revision (a revision goes live at once)."""
    require_role(actor, REVIEW_ROLES, "dataset.review")
    return _decide(request, actor, "approve", workflow.approve_dataset, dataset_id, comment=comment)


@router.post("/workbench/review/{dataset_id}/reject")
def reject(
    dataset_id: int,
    request: Request,
    reason: Annotated[str, Form(max_length=2000)] = "",
    actor: Actor = signed_in_policy("dataset.review"),
) -> Response:
    """Return a submission or revision to its organization with a reason."""
    require_role(actor, REVIEW_ROLES, "dataset.review")
    return _decide(request, actor, "reject", workflow.reject_dataset, dataset_id, reason=reason)


@router.post("/workbench/review/{dataset_id}/publish")
def publish(
    dataset_id: int,
    request: Request,
    comment: Annotated[str, Form(max_length=2000)] = "",
    actor: Actor = signed_in_policy("dataset.publish"),
) -> Response:
    """Publish an approved dataset."""
    require_role(actor, REVIEW_ROLES, "dataset.publish")
    return _decide(request, actor, "publish", workflow.publish_dataset, dataset_id, comment=comment)
