"""Feedback pages: the form, the thank-you page, one work order with its actions, my feedback
and the staff queue. Every form posts and redirects; every page reads without JavaScript."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy.orm import Session

from kaifang.auth import service as auth_service
from kaifang.auth.actor import Actor
from kaifang.auth.policy import can
from kaifang.catalog import service as catalog_service
from kaifang.catalog.models import Dataset
from kaifang.errors import DomainError, NotFound
from kaifang.feedback import queries
from kaifang.feedback import service as feedback_service
from kaifang.feedback.models import KINDS, STATES, WorkOrder
from kaifang.feedback.schemas import FeedbackIn
from kaifang.web import i18n
from kaifang.web.apikeys import rate_limiter
from kaifang.web.deps import get_runtime, policy, signed_in_policy
from kaifang.web.middleware import client_ip
from kaifang.web.pages.guards import STAFF_ROLES, error_status, redirect, require_role
from kaifang.web.pages.presenters import page_locale
from kaifang.web.templating import render

router = APIRouter(include_in_schema=False)

KIND_MSGIDS = {
    "error_report": "Error report",
    "consultation": "Question",
    "data_request": "Data request",
    "complaint": "Complaint",
}
FIELD_ERROR_MSGIDS = {
    "kind": "Choose what kind of feedback this is",
    "title": "Enter a title of 4 to 200 characters",
    "body": "Describe it in 10 to 5,000 characters",
    "contact": "Contact details of at most 200 characters",
    "dataset_id": "Choose a dataset",
}
EVENT_MSGIDS = {
    "submit": "Submitted",
    "assign": "Routed to the provider",
    "answer": "Answered",
    "close": "Closed",
    "reopen": "Reopened",
}
STATE_MSGIDS = {
    "submitted": "Awaiting routing",
    "assigned": "With the provider",
    "answered": "Answered",
    "closed": "Closed",
}


class FeedbackForm(BaseModel):
    """What the feedback form posts (checked again by ``FeedbackIn``)."""

    kind: str = Field(default="consultation", max_length=20)
    title: str = Field(default="", max_length=400)
    body: str = Field(default="", max_length=10000)
    contact: str = Field(default="", max_length=400)
    public: str = ""
    dataset_id: int | None = None
    organization_id: int | None = None


def _vocab(context: dict[str, Any]) -> dict[str, Any]:
    vocab = {"kind_msgids": KIND_MSGIDS, "state_msgids": STATE_MSGIDS, "event_msgids": EVENT_MSGIDS}
    return {**context, **vocab}


def _dataset_or_none(session: Session, actor: Actor, dataset_id: int | None) -> Dataset | None:
    if dataset_id is None:
        return None
    try:
        return catalog_service.get_dataset(session, actor=actor, dataset_id=dataset_id)
    except NotFound:
        return None


def _form_page(
    request: Request, actor: Actor, values: FeedbackForm, errors: dict[str, str], status: int = 200
) -> Response:
    with get_runtime(request).db.unit_of_work(write=False) as session:
        context = {
            "values": values,
            "errors": errors,
            "dataset": _dataset_or_none(session, actor, values.dataset_id),
            "organizations": auth_service.list_organizations(session),
            "kinds": [k for k in KINDS if k != "complaint" or actor.is_authenticated],
        }
        return render(request, "feedback/new.html", _vocab(context), status_code=status)


@router.get("/feedback/new")
def feedback_form(
    request: Request,
    dataset: int | None = None,
    kind: str = "consultation",
    actor: Actor = policy("feedback.submit"),
) -> Response:
    """The feedback form, preset to a dataset and a kind when linked from a dataset page."""
    values = FeedbackForm(kind=kind if kind in KINDS else "consultation", dataset_id=dataset)
    return _form_page(request, actor, values, {})


@router.post("/feedback/new")
def feedback_submit(
    request: Request,
    form: Annotated[FeedbackForm, Form()],
    actor: Actor = policy("feedback.submit"),
) -> Response:
    """Create the work order, or show the form again with what to fix."""
    try:
        data = FeedbackIn(**{**form.model_dump(), "public": bool(form.public)})
    except ValidationError as exc:
        gettext = i18n.gettext_for(page_locale(request))
        fields = {str(e["loc"][0]) for e in exc.errors() if e["loc"]}
        errors = {f: gettext(FIELD_ERROR_MSGIDS.get(f, "Check this field")) for f in fields}
        return _form_page(request, actor, form, errors, 422)
    runtime = get_runtime(request)
    try:
        with runtime.db.unit_of_work() as session:
            order = feedback_service.submit_feedback(
                session,
                actor=actor,
                data=data,
                settings=runtime.settings,
                limiter=rate_limiter(runtime),
                client_ip=client_ip(request.scope, runtime.settings.trusted_proxies),
            )
            order_id = order.id
    except DomainError as exc:
        field = exc.details.get("field", "body") if isinstance(exc.details, dict) else "body"
        return _form_page(request, actor, form, {str(field): exc.message}, error_status(exc))
    if actor.is_authenticated:
        return redirect(f"/feedback/{order_id}", sent=1)
    return redirect("/feedback/sent", ref=order_id)


@router.get("/feedback/sent")
def feedback_sent(request: Request, ref: int = 0, actor: Actor = policy(None)) -> Response:
    """Thanks, with the reference number an anonymous visitor can quote."""
    return render(request, "feedback/sent.html", {"ref": ref})


@router.get("/feedback/{work_order_id}")
def work_order_page(
    work_order_id: int, request: Request, actor: Actor = signed_in_policy("feedback.read")
) -> Response:
    """One work order with its timeline and the actions the viewer may take."""
    with get_runtime(request).db.unit_of_work(write=False) as session:
        order = feedback_service.get_work_order(session, actor=actor, work_order_id=work_order_id)
        context = {
            "order": order,
            "dataset": _dataset_or_none(session, actor, order.dataset_id),
            "organization": auth_service.get_organization(session, order.organization_id)
            if order.organization_id
            else None,
            "organizations": auth_service.list_organizations(session)
            if can(actor, "feedback.assign", order)
            else [],
            "may": _allowed_actions(actor, order),
            "overdue": feedback_service.is_overdue(order),
        }
        return render(request, "feedback/detail.html", _vocab(context))


def _allowed_actions(actor: Actor, order: WorkOrder) -> set[str]:
    """Which buttons to show; the service checks again when one is pressed."""
    allowed = set()
    if order.status == "assigned" and can(actor, "feedback.answer", order):
        allowed.add("answer")
    if order.status in ("submitted", "assigned") and can(actor, "feedback.assign", order):
        allowed.add("assign")
    mine = actor.user_id is not None and actor.user_id == order.submitter_id
    closable = order.status != "closed" and (mine or order.status == "answered")
    if closable and can(actor, "feedback.close", order):
        allowed.add("close")
    if mine and order.status in ("answered", "closed") and order.organization_id:
        allowed.add("reopen")
    return allowed


@router.post("/feedback/{work_order_id}/answer")
def answer_submit(
    work_order_id: int,
    request: Request,
    answer: Annotated[str, Form(max_length=5000)],
    actor: Actor = signed_in_policy("feedback.answer"),
) -> Response:
    with get_runtime(request).db.unit_of_work() as session:
        feedback_service.answer_work_order(
            session, actor=actor, work_order_id=work_order_id, answer=answer.strip()
        )
    return redirect(f"/feedback/{work_order_id}", done="answer")


@router.post("/feedback/{work_order_id}/close")
def close_submit(
    work_order_id: int,
    request: Request,
    comment: Annotated[str, Form(max_length=2000)] = "",
    actor: Actor = signed_in_policy("feedback.close"),
) -> Response:
    with get_runtime(request).db.unit_of_work() as session:
        feedback_service.close_work_order(
            session, actor=actor, work_order_id=work_order_id, comment=comment.strip()
        )
    return redirect(f"/feedback/{work_order_id}", done="close")


@router.post("/feedback/{work_order_id}/reopen")
def reopen_submit(
    work_order_id: int,
    request: Request,
    comment: Annotated[str, Form(max_length=2000)] = "",
    actor: Actor = signed_in_policy("feedback.reopen"),
) -> Response:
    runtime = get_runtime(request)
    with runtime.db.unit_of_work() as session:
        feedback_service.reopen_work_order(
            session,
            actor=actor,
            work_order_id=work_order_id,
            comment=comment.strip(),
            settings=runtime.settings,
        )
    return redirect(f"/feedback/{work_order_id}", done="reopen")


@router.post("/feedback/{work_order_id}/assign")
def assign_submit(
    work_order_id: int,
    request: Request,
    organization_id: Annotated[int, Form()],
    actor: Actor = signed_in_policy("feedback.assign"),
) -> Response:
    runtime = get_runtime(request)
    with runtime.db.unit_of_work() as session:
        feedback_service.assign_work_order(
            session,
            actor=actor,
            work_order_id=work_order_id,
            organization_id=organization_id,
            settings=runtime.settings,
        )
    return redirect(f"/feedback/{work_order_id}", done="assign")


@router.get("/account/feedback")
def my_feedback(request: Request, actor: Actor = signed_in_policy("account.read_own")) -> Response:
    """My feedback, newest first."""
    with get_runtime(request).db.unit_of_work(write=False) as session:
        orders = queries.my_work_orders(session, actor=actor)
        return render(request, "feedback/mine.html", _vocab({"orders": orders}))


@router.get("/workbench/feedback")
def feedback_queue(
    request: Request, status: str = "", actor: Actor = signed_in_policy("feedback.queue")
) -> Response:
    """The work orders to answer (officers) or to route and supervise (reviewers, admins)."""
    require_role(actor, STAFF_ROLES, "feedback.queue")
    with get_runtime(request).db.unit_of_work(write=False) as session:
        orders = queries.work_order_queue(session, actor=actor, status=status or None)
        context = {
            "orders": orders,
            "status": status if status in STATES else "",
            "states": STATES,
            "overdue": {o.id for o in orders if feedback_service.is_overdue(o)},
        }
        return render(request, "workbench/feedback.html", _vocab(context))
