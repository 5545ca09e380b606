"""Showcase pages: approved apps, one app, the submission form and the admins' review queue."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field, ValidationError

from kaifang.auth.actor import Actor
from kaifang.catalog import service as catalog_service
from kaifang.errors import DomainError, NotFound
from kaifang.showcase import service as showcase_service
from kaifang.showcase.schemas import AppIn, ReviewIn
from kaifang.web import i18n
from kaifang.web.deps import get_runtime, policy, signed_in_policy
from kaifang.web.pages.guards import error_status, redirect
from kaifang.web.pages.presenters import page_locale
from kaifang.web.templating import render

router = APIRouter(include_in_schema=False)

FIELD_ERROR_MSGIDS = {
    "name": "Enter a name of 2 to 100 characters",
    "description": "Describe the app in 10 to 2,000 characters",
    "url": "Enter a web address starting with http:// or https://",
    "dataset_ids": "Name 1 to 10 published datasets by their number",
}


class AppForm(BaseModel):
    """What the submission form posts; datasets are numbers separated by commas or spaces."""

    name: str = Field(default="", max_length=200)
    description: str = Field(default="", max_length=4000)
    url: str = Field(default="", max_length=1000)
    datasets: str = Field(default="", max_length=200)


def _dataset_ids(text: str) -> list[int]:
    parts = text.replace("，", ",").replace(",", " ").split()
    return [int(p) for p in parts if p.isdigit()]


@router.get("/apps")
def apps_page(request: Request, actor: Actor = policy(None)) -> Response:
    """Approved apps, featured first."""
    with get_runtime(request).db.unit_of_work(write=False) as session:
        apps = showcase_service.list_apps(session)
        return render(request, "showcase/list.html", {"apps": apps})


def _form(request: Request, values: AppForm, errors: dict[str, str], status: int = 200) -> Response:
    return render(
        request, "showcase/new.html", {"values": values, "errors": errors}, status_code=status
    )


@router.get("/apps/new")
def app_form(
    request: Request, dataset: int | None = None, actor: Actor = signed_in_policy("showcase.submit")
) -> Response:
    return _form(request, AppForm(datasets=str(dataset or "")), {})


@router.post("/apps/new")
def app_submit(
    request: Request,
    form: Annotated[AppForm, Form()],
    actor: Actor = signed_in_policy("showcase.submit"),
) -> Response:
    """Save the submission for review, or show the form with what to fix."""
    gettext = i18n.gettext_for(page_locale(request))
    try:
        data = AppIn(
            name=form.name,
            description=form.description,
            url=form.url,
            dataset_ids=_dataset_ids(form.datasets),
        )
    except ValidationError as exc:
        fields = {str(e["loc"][0]) for e in exc.errors() if e["loc"]}
        return _form(request, form, {f: gettext(FIELD_ERROR_MSGIDS[f]) for f in fields}, 422)
    try:
        with get_runtime(request).db.unit_of_work() as session:
            app_id = showcase_service.submit_app(session, actor=actor, data=data).id
    except DomainError as exc:
        return _form(request, form, {"dataset_ids": exc.message}, error_status(exc))
    return redirect(f"/apps/{app_id}", sent=1)


@router.get("/apps/{app_id}")
def app_page(app_id: int, request: Request, actor: Actor = policy(None)) -> Response:
    """One app with the datasets it uses (pending apps only for the submitter and admins)."""
    with get_runtime(request).db.unit_of_work(write=False) as session:
        app = showcase_service.get_app(session, actor=actor, app_id=app_id)
        datasets = []
        for dataset_id in app.dataset_ids:
            try:
                datasets.append(
                    catalog_service.get_dataset(session, actor=actor, dataset_id=dataset_id)
                )
            except NotFound:
                continue
        return render(request, "showcase/detail.html", {"app": app, "datasets": datasets})


@router.get("/workbench/apps")
def review_queue(request: Request, actor: Actor = signed_in_policy("showcase.review")) -> Response:
    """Apps awaiting review, and the approved ones to feature or stop featuring."""
    with get_runtime(request).db.unit_of_work(write=False) as session:
        context = {
            "pending": showcase_service.pending_apps(session, actor=actor),
            "approved": showcase_service.list_apps(session),
        }
        return render(request, "showcase/review.html", context)


@router.post("/workbench/apps/{app_id}/review")
def review_submit(
    app_id: int,
    request: Request,
    decision: Annotated[str, Form(max_length=10)],
    comment: Annotated[str, Form(max_length=2000)] = "",
    featured: Annotated[str, Form(max_length=5)] = "",
    actor: Actor = signed_in_policy("showcase.review"),
) -> Response:
    review = ReviewIn(approve=decision == "approve", featured=bool(featured), comment=comment)
    with get_runtime(request).db.unit_of_work() as session:
        showcase_service.review_app(session, actor=actor, app_id=app_id, decision=review)
    return redirect("/workbench/apps", done=app_id)


@router.post("/workbench/apps/{app_id}/feature")
def feature_submit(
    app_id: int,
    request: Request,
    featured: Annotated[str, Form(max_length=5)] = "",
    actor: Actor = signed_in_policy("showcase.review"),
) -> Response:
    with get_runtime(request).db.unit_of_work() as session:
        showcase_service.set_featured(session, actor=actor, app_id=app_id, featured=featured == "1")
    return redirect("/workbench/apps", done=app_id)
