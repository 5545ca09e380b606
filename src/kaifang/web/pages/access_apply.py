"""The application form: a new draft from a dataset page's apply button, editing a draft or a
returned application, attachments, and saving or submitting in one post (no JavaScript)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from kaifang.access import attachments as attachment_rules
from kaifang.access import service
from kaifang.auth.actor import Actor
from kaifang.errors import Conflict, InvalidInput, NotFound
from kaifang.web.deps import get_runtime, signed_in_policy
from kaifang.web.pages.access import rules, uow
from kaifang.web.pages.access_forms import (
    ApplicationForm,
    error_messages,
    form_from_application,
    read_application_form,
    to_application_in,
    to_application_patch,
    uploads,
)
from kaifang.web.pages.access_labels import page_labels
from kaifang.web.pages.guards import error_status, redirect
from kaifang.web.templating import render

router = APIRouter(include_in_schema=False)
Files = list[tuple[str, bytes]]
FormError = ValidationError | InvalidInput
# One byte over the limit is enough for the service to refuse an oversize file.
MAX_READ = attachment_rules.MAX_ATTACHMENT_BYTES + 1


def _dataset_id(value: object) -> int:
    text = str(value or "")
    if not text.isdigit():
        raise NotFound("数据集不存在 (dataset not found)")
    return int(text)


def _form_page(
    request: Request,
    actor: Actor,
    *,
    dataset_ids: list[int],
    form: ApplicationForm,
    app_id: int | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    with uow(request, write=False) as session:
        choices = [
            choice
            for dataset_id in dataset_ids
            for choice in service.requestable_items(session, actor=actor, dataset_id=dataset_id)[1]
        ]
        context = {
            "form": form,
            "choices": choices,
            "dataset_id": dataset_ids[0],
            "agreement": service.current_agreement(session),
            "app": None,
            "attachments": [],
            "errors": errors or {},
            "max_mb": attachment_rules.MAX_ATTACHMENT_BYTES // (1024 * 1024),
        }
        if app_id is not None:
            app = service.get_application(session, actor=actor, application_id=app_id)
            context["app"] = service.application_out(app)
            context["attachments"] = service.list_attachments(
                session, actor=actor, application_id=app_id
            )
    return render(request, "access/form.html", context | page_labels(), status_code=status)


@router.get("/access/applications/new")
def new_application(
    request: Request, actor: Actor = signed_in_policy("application.create")
) -> Response:
    """The application form for the conditional items of the dataset named by ``?dataset=``."""
    dataset_id = _dataset_id(request.query_params.get("dataset"))
    return _form_page(request, actor, dataset_ids=[dataset_id], form=ApplicationForm())


async def _read(request: Request) -> tuple[FormData, ApplicationForm | FormError, Files]:
    """The posted form and its files, or what is wrong with them (too many files, oversize)."""
    posted = await request.form()
    try:
        files: Files = [
            (upload.filename or "attachment", await upload.read(MAX_READ))
            for upload in uploads(posted)
        ]
        return posted, read_application_form(posted), files
    except (ValidationError, InvalidInput) as exc:
        return posted, exc, []


def _attach(session: Any, request: Request, actor: Actor, app_id: int, files: Files) -> None:
    blobs = get_runtime(request).blobs
    for filename, data in files:
        service.add_attachment(
            session, actor=actor, blobs=blobs, application_id=app_id, filename=filename, data=data
        )


def _submit_or_show(request: Request, actor: Actor, app_id: int, form: ApplicationForm) -> Response:
    """After saving: submit when asked; a refused submit shows the saved draft with the reason."""
    if form.submitting:
        days = rules(request).accept_working_days
        try:
            with uow(request) as session:
                service.submit_application(
                    session, actor=actor, application_id=app_id, accept_working_days=days
                )
        except (InvalidInput, Conflict) as exc:
            with uow(request, write=False) as session:
                app = service.get_application(session, actor=actor, application_id=app_id)
                ids = list(dict.fromkeys(i.dataset_id for i in app.items))
            return _form_page(
                request,
                actor,
                dataset_ids=ids,
                form=form,
                app_id=app_id,
                errors=error_messages(exc),
                status=error_status(exc),
            )
        return redirect(f"/access/applications/{app_id}", done="submitted")
    return redirect(f"/access/applications/{app_id}", done="saved")


@router.post("/access/applications/new")
async def create_application(
    request: Request, actor: Actor = signed_in_policy("application.create")
) -> Response:
    """Save a new draft with its attachments, and submit it when the submit button was used."""
    posted, form, files = await _read(request)
    dataset_id = _dataset_id(posted.get("dataset"))
    if not isinstance(form, ApplicationForm):
        errors = error_messages(form)
        return _form_page(
            request,
            actor,
            dataset_ids=[dataset_id],
            form=ApplicationForm(),
            errors=errors,
            status=400,
        )
    try:
        data = to_application_in(form)
        with uow(request) as session:
            app = service.create_application(session, actor=actor, data=data)
            _attach(session, request, actor, app.id, files)
            app_id = app.id
    except (ValidationError, InvalidInput) as exc:
        status = 422 if isinstance(exc, ValidationError) else error_status(exc)
        return _form_page(
            request,
            actor,
            dataset_ids=[dataset_id],
            form=form,
            errors=error_messages(exc),
            status=status,
        )
    return _submit_or_show(request, actor, app_id, form)


def _dataset_ids_of(request: Request, actor: Actor, app_id: int) -> list[int]:
    with uow(request, write=False) as session:
        app = service.get_application(session, actor=actor, application_id=app_id)
        return list(dict.fromkeys(i.dataset_id for i in app.items))


@router.get("/access/applications/{application_id}/edit")
def edit_application(
    application_id: int, request: Request, actor: Actor = signed_in_policy("application.edit")
) -> Response:
    """The form of a draft or a returned application, pre-filled."""
    with uow(request, write=False) as session:
        app = service.get_application(session, actor=actor, application_id=application_id)
        form = form_from_application(app)
        ids = list(dict.fromkeys(i.dataset_id for i in app.items))
    return _form_page(request, actor, dataset_ids=ids, form=form, app_id=application_id)


@router.post("/access/applications/{application_id}/edit")
async def update_application(
    application_id: int, request: Request, actor: Actor = signed_in_policy("application.edit")
) -> Response:
    """Save the edits and new attachments; submit (or resubmit) when asked."""
    _posted, form, files = await _read(request)
    ids = _dataset_ids_of(request, actor, application_id)
    try:
        if not isinstance(form, ApplicationForm):
            raise form
        patch = to_application_patch(form)
        with uow(request) as session:
            service.update_application(
                session, actor=actor, application_id=application_id, patch=patch
            )
            _attach(session, request, actor, application_id, files)
    except (ValidationError, InvalidInput, Conflict) as exc:
        status = 422 if isinstance(exc, ValidationError) else error_status(exc)
        shown = form if isinstance(form, ApplicationForm) else ApplicationForm()
        return _form_page(
            request,
            actor,
            dataset_ids=ids,
            form=shown,
            app_id=application_id,
            errors=error_messages(exc),
            status=status,
        )
    return _submit_or_show(request, actor, application_id, form)
