"""Workbench forms to register a dataset and to edit one (drafts in place, published as revisions)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from kaifang.auth import service as auth_service
from kaifang.auth.actor import Actor
from kaifang.catalog import privacy_findings, quality
from kaifang.catalog import service as catalog_service
from kaifang.catalog.models import Dataset
from kaifang.catalog.vocabularies import terms
from kaifang.errors import Conflict, InvalidInput
from kaifang.web.deps import get_runtime, signed_in_policy
from kaifang.web.pages.guards import redirect, require_role
from kaifang.web.pages.presenters import CHECKS, Labels, completeness, page_locale
from kaifang.web.pages.workbench_forms import (
    DatasetForm,
    completeness_values,
    form_from_dataset,
    service_errors,
    to_dataset_in,
    to_patch,
    validation_errors,
    with_blank_rows,
)
from kaifang.web.templating import render

router = APIRouter(include_in_schema=False)

EDIT_ROLES = ("officer", "admin")
DATA_TYPES = ("text", "integer", "decimal", "boolean", "date", "datetime", "geometry")
MASKING_EXAMPLES = (
    "keep",
    "mask:keep=3,4",
    "mask:email",
    "pseudonym",
    "substitute:kind=mobile",
    "generalize:year",
    "generalize:month",
    "generalize:district",
    "generalize:grid=0.01",
    "suppress",
    "drop",
    "redact",
)
PRIVACY_NOTICES = {
    "applied": "The suggestion was applied to the data item.",
    "revision": "The suggestion was kept in the revision; submit it for review to publish it.",
}
# Submitted and approved entries are with the reviewers and cannot be edited meanwhile.
LOCKED_STATUSES = ("submitted", "approved", "withdrawn")


@router.get("/workbench/datasets/new")
def new_dataset_page(
    request: Request, actor: Actor = signed_in_policy("dataset.create")
) -> Response:
    """An empty dataset form for an officer or admin."""
    require_role(actor, EDIT_ROLES, "dataset.create")
    return _render_form(request, actor, DatasetForm(), None, {})


@router.post("/workbench/datasets/new")
def create_dataset(
    request: Request,
    form: Annotated[DatasetForm, Form()],
    actor: Actor = signed_in_policy("dataset.create"),
) -> Response:
    """Register a draft from the form, or show the form with its errors."""
    require_role(actor, EDIT_ROLES, "dataset.create")
    runtime = get_runtime(request)
    try:
        data = to_dataset_in(form, organization_id=_organization_choice(actor, form))
        with runtime.db.unit_of_work() as session:
            dataset = catalog_service.create_dataset(
                session,
                actor=actor,
                data=data,
                code_template=runtime.settings.catalog_code_template,
            )
            new_id = dataset.id
    except ValidationError as exc:
        errors = validation_errors(exc)
    except (InvalidInput, Conflict) as exc:
        errors = service_errors(exc)
    else:
        return redirect(f"/workbench/datasets/{new_id}", created=1)
    return _render_form(request, actor, form, None, errors, status_code=422)


def _organization_choice(actor: Actor, form: DatasetForm) -> int | None:
    """Officers register for their own organization; admins pick one."""
    if actor.organization_id is not None:
        return actor.organization_id
    return int(form.organization_id) if form.organization_id.isdigit() else None


@router.get("/workbench/datasets/{dataset_id}/edit")
def edit_dataset_page(
    dataset_id: int, request: Request, actor: Actor = signed_in_policy("dataset.edit")
) -> Response:
    """The dataset form filled with the current values."""
    require_role(actor, EDIT_ROLES, "dataset.edit")
    with get_runtime(request).db.unit_of_work(write=False) as session:
        dataset = _editable(session, actor, dataset_id)
        form = form_from_dataset(dataset)
    notice = PRIVACY_NOTICES.get(request.query_params.get("privacy", ""))
    return _render_form(request, actor, form, dataset_id, {}, notice=notice)


@router.post("/workbench/datasets/{dataset_id}/privacy-suggestion")
def apply_privacy_suggestion(
    dataset_id: int,
    request: Request,
    column: Annotated[str, Form(max_length=100)],
    actor: Actor = signed_in_policy("dataset.edit"),
) -> Response:
    """Give one item the grade, open attribute and masking the privacy scan suggests."""
    require_role(actor, EDIT_ROLES, "dataset.edit")
    try:
        with get_runtime(request).db.unit_of_work() as session:
            _editable(session, actor, dataset_id)
            _dataset, revision = privacy_findings.apply_privacy_suggestion(
                session, actor=actor, dataset_id=dataset_id, column=column
            )
            staged = revision is not None
    except (InvalidInput, Conflict) as exc:
        with get_runtime(request).db.unit_of_work(write=False) as session:
            form = form_from_dataset(_editable(session, actor, dataset_id))
        errors = service_errors(exc)
        return _render_form(request, actor, form, dataset_id, errors, status_code=409)
    return redirect(
        f"/workbench/datasets/{dataset_id}/edit", privacy="revision" if staged else "applied"
    )


@router.post("/workbench/datasets/{dataset_id}/edit")
def update_dataset(
    dataset_id: int,
    request: Request,
    form: Annotated[DatasetForm, Form()],
    actor: Actor = signed_in_policy("dataset.edit"),
) -> Response:
    """Save a draft, or stage the changes of a published dataset as a revision."""
    require_role(actor, EDIT_ROLES, "dataset.edit")
    try:
        with get_runtime(request).db.unit_of_work() as session:
            dataset = _editable(session, actor, dataset_id)
            _dataset, revision = catalog_service.update_dataset(
                session, actor=actor, dataset_id=dataset_id, patch=to_patch(form, dataset)
            )
            staged = revision is not None
    except ValidationError as exc:
        errors = validation_errors(exc)
    except (InvalidInput, Conflict) as exc:
        errors = service_errors(exc)
    else:
        return redirect(
            f"/workbench/datasets/{dataset_id}", **({"revision": 1} if staged else {"saved": 1})
        )
    return _render_form(request, actor, form, dataset_id, errors, status_code=422)


def _editable(session: Session, actor: Actor, dataset_id: int) -> Dataset:
    """The dataset if the actor may edit it (NotFound when hidden, PermissionDenied otherwise)."""
    dataset = catalog_service.get_dataset(session, actor=actor, dataset_id=dataset_id)
    auth_service.authorize(actor, "dataset.edit", catalog_service.target_of(dataset))
    return dataset


def _render_form(
    request: Request,
    actor: Actor,
    form: DatasetForm,
    dataset_id: int | None,
    errors: dict[str, str],
    *,
    status_code: int = 200,
    notice: str | None = None,
) -> Response:
    with get_runtime(request).db.unit_of_work(write=False) as session:
        dataset = (
            catalog_service.get_dataset(session, actor=actor, dataset_id=dataset_id)
            if dataset_id is not None
            else None
        )
        score = completeness(completeness_values(form))
        context: dict[str, Any] = {
            "form": form,
            "dataset": dataset,
            "locked": dataset is not None and dataset.status in LOCKED_STATUSES,
            "errors": errors,
            "rows": with_blank_rows(form.filled_rows()),
            "score": score,
            "checks": CHECKS,
            "labels": Labels(session, page_locale(request)),
            **_quality_context(dataset),
            "privacy_findings": privacy_findings.item_findings(dataset) if dataset else [],
            "notice": notice,
            **_choices(session, actor),
        }
        return render(request, "workbench/form.html", context, status_code=status_code)


def _quality_context(dataset: Dataset | None) -> dict[str, Any]:
    """The MQA card of a saved dataset (editors may always see their dataset's quality)."""
    if dataset is None:
        return {"quality": None}
    return {
        "quality": quality.assess(dataset),
        "rating_labels": quality.RATING_LABELS,
        "dimension_labels": quality.DIMENSION_LABELS,
        # Links the daily check found broken (interop.links): for the editor to fix.
        "broken_links": [r for r in dataset.resources if r.link_status == "broken"],
    }


def _choices(session: Session, actor: Actor) -> dict[str, Any]:
    """Options of the form's selects: vocabularies, organizations (admins) and regions."""
    organizations = []
    if actor.organization_id is None:
        organizations = auth_service.list_organizations(session, region_prefix=actor.region_scope)
    scope = actor.organization_region or actor.region_scope or ""
    regions = [
        r
        for r in auth_service.list_regions(session)
        if len(r.code) in (4, 6) and r.code.startswith(scope[:4])
    ]
    return {
        "domain_terms": terms(session, "domain"),
        "frequency_terms": terms(session, "update_frequency"),
        "base_class_terms": terms(session, "base_class"),
        "licence_terms": terms(session, "licence"),
        "organizations": organizations,
        "regions": regions,
        "data_types": DATA_TYPES,
        "masking_examples": MASKING_EXAMPLES,
    }
