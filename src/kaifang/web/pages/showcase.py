"""Showcase pages: approved apps, one app, the submission form and the admins' review queue."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field, ValidationError

from kaifang.auth.actor import Actor
from kaifang.catalog import service as catalog_service
from kaifang.errors import DomainError, NotFound
from kaifang.showcase import service as showcase_service
from kaifang.showcase.schemas import AppIn, ReviewIn
from kaifang.showcase.screenshots import PUBLISHED_TYPE as SCREENSHOT_TYPE
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
#: Screenshots are served under a versioned address (``?v=`` the blob key): that address never
#: changes content, so browsers may keep it; other addresses are revalidated.
IMMUTABLE_CACHE = "public, max-age=31536000, immutable"
PUBLIC_CACHE = "public, max-age=300"
PRIVATE_CACHE = "private, no-cache"


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
    max_bytes = get_runtime(request).settings.showcase_screenshot_max_bytes
    context = {
        "values": values,
        "errors": errors,
        "screenshot_max_mb": f"{max_bytes / (1024 * 1024):g}",
    }
    return render(request, "showcase/new.html", context, status_code=status)


@router.get("/apps/new")
def app_form(
    request: Request, dataset: int | None = None, actor: Actor = signed_in_policy("showcase.submit")
) -> Response:
    return _form(request, AppForm(datasets=str(dataset or "")), {})


@router.post("/apps/new")
def app_submit(
    request: Request,
    form: Annotated[AppForm, Form()],
    screenshot: UploadFile | None = File(default=None),
    actor: Actor = signed_in_policy("showcase.submit"),
) -> Response:
    """Save the submission (with its screenshot, if any) for review, or show what to fix.

    A refused screenshot refuses the whole submission: nothing is saved or stored.
    """
    gettext = i18n.gettext_for(page_locale(request))
    runtime = get_runtime(request)
    max_bytes = runtime.settings.showcase_screenshot_max_bytes
    shot = None
    if screenshot is not None and screenshot.filename:
        # One byte over the limit is enough to know it is too large.
        shot = screenshot.file.read(max_bytes + 1)
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
        with runtime.db.unit_of_work() as session:
            app_id = showcase_service.submit_app(session, actor=actor, data=data).id
            if shot is not None:
                showcase_service.attach_screenshot(
                    session,
                    actor=actor,
                    blobs=runtime.blobs,
                    app_id=app_id,
                    data=shot,
                    max_bytes=max_bytes,
                )
    except DomainError as exc:
        field = "screenshot" if _about_screenshot(exc) else "dataset_ids"
        return _form(request, form, {field: exc.message}, error_status(exc))
    return redirect(f"/apps/{app_id}", sent=1)


def _about_screenshot(exc: DomainError) -> bool:
    return isinstance(exc.details, dict) and exc.details.get("field") == "screenshot"


@router.get("/apps/{app_id}/screenshot")
def app_screenshot(
    app_id: int, request: Request, v: str = "", actor: Actor = policy(None)
) -> Response:
    """The app's re-encoded screenshot, to whoever may see the app (approved: everyone)."""
    with get_runtime(request).db.unit_of_work(write=False) as session:
        app, reader = showcase_service.open_screenshot(
            session, actor=actor, blobs=get_runtime(request).blobs, app_id=app_id
        )
        key, public = str(app.screenshot_key), app.status == "approved"
    headers = {
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": _cache_control(public=public, versioned=v == key),
        "ETag": f'"{key}"',
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Content-Disposition": f'inline; filename="app-{app_id}.webp"',
    }
    with reader:
        if request.headers.get("if-none-match") == headers["ETag"]:
            return Response(status_code=304, headers=headers)
        data = reader.read()
    return Response(data, media_type=SCREENSHOT_TYPE, headers=headers)


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


def _cache_control(*, public: bool, versioned: bool) -> str:
    """Apps under review stay out of shared caches; a versioned address never changes."""
    if not public:
        return PRIVATE_CACHE
    return IMMUTABLE_CACHE if versioned else PUBLIC_CACHE
