"""The workbench side of conditional opening: review queues with working-day due dates, one
application with its timeline and the steps of the review chain, grants, agreement texts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import ValidationError

from kaifang.access import service
from kaifang.access.reviews import chain_of
from kaifang.auth.actor import Actor
from kaifang.errors import Conflict, DomainError, InvalidInput
from kaifang.web.deps import signed_in_policy
from kaifang.web.pages.access import application_context, rules, uow
from kaifang.web.pages.access_forms import (
    error_messages,
    grant_defaults,
    grant_summary,
    read_grant_terms,
)
from kaifang.web.pages.access_labels import CHAIN_MSGIDS, page_labels
from kaifang.web.pages.guards import STAFF_ROLES, error_status, redirect, require_role
from kaifang.web.templating import render

router = APIRouter(include_in_schema=False)

QUEUE = "/workbench/applications"
DONE = {
    "accept": "Accepted: the decision deadline is now running.",
    "return": "Returned to the applicant with what to fix.",
    "forward": "Forwarded to the bureau reviewer with your opinion.",
    "approve": "Approved: the grant is issued.",
    "reject": "Rejected with your reason.",
    "revoke": "Grant revoked: the next data call is refused.",
    "suspend": "Grant suspended.",
    "reinstate": "Grant reinstated.",
    "agreement": "A new version of the agreement is published; new applications accept it.",
}


@router.get("/workbench/applications")
def review_queue(request: Request, actor: Actor = signed_in_policy("application.read")) -> Response:
    """What waits on the actor (with due dates and overdue flags), then everything in scope."""
    require_role(actor, (*STAFF_ROLES, "auditor"), "application.read")
    with uow(request, write=False) as session:
        waiting = [service.application_out(a) for a in service.review_queue(session, actor=actor)]
        scope = [
            service.application_out(a)
            for a in service.list_applications(session, actor=actor, mine=False, limit=200)
        ]
    context = {"waiting": waiting, "scope": scope, "notice": DONE.get(_done(request))}
    return render(request, "access/queue.html", context | page_labels())


def _done(request: Request) -> str:
    return request.query_params.get("done", "")


def _detail(
    request: Request, actor: Actor, application_id: int, *, error: str = "", status: int = 200
) -> Response:
    chain = rules(request).review_chain
    with uow(request, write=False) as session:
        context = application_context(session, actor, application_id)
        app = service.get_application(session, actor=actor, application_id=application_id)
        context |= {
            "steps": service.available_steps(actor, app, chain),
            "decided_by": CHAIN_MSGIDS[",".join(chain_of(app, chain))],
            "grant_forms": grant_defaults(app, context["items"]),
            "notice": DONE.get(_done(request)),
            "error": error,
        }
    return render(request, "access/review.html", context, status_code=status)


@router.get("/workbench/applications/{application_id}")
def review_page(
    application_id: int, request: Request, actor: Actor = signed_in_policy("application.read")
) -> Response:
    """One application, its timeline and the review steps the actor may take now."""
    require_role(actor, (*STAFF_ROLES, "auditor"), "application.read")
    return _detail(request, actor, application_id)


def _step(
    request: Request,
    actor: Actor,
    application_id: int,
    done: str,
    step: Callable[..., Any],
    **kwargs: Any,
) -> Response:
    try:
        with uow(request) as session:
            step(session, actor=actor, application_id=application_id, **kwargs)
    except (InvalidInput, Conflict) as exc:
        return _refused(request, actor, application_id, exc)
    return redirect(f"{QUEUE}/{application_id}", done=done)


def _refused(request: Request, actor: Actor, application_id: int, exc: DomainError) -> Response:
    return _detail(request, actor, application_id, error=exc.message, status=error_status(exc))


@router.post("/workbench/applications/{application_id}/accept")
def accept(
    application_id: int,
    request: Request,
    comment: Annotated[str, Form(max_length=2000)] = "",
    actor: Actor = signed_in_policy("application.review_org"),
) -> Response:
    """受理: take the application on; the decision deadline starts."""
    days = rules(request).decide_working_days
    return _step(
        request,
        actor,
        application_id,
        "accept",
        service.accept_application,
        comment=comment,
        decide_working_days=days,
    )


@router.post("/workbench/applications/{application_id}/return")
def return_for_correction(
    application_id: int,
    request: Request,
    reason: Annotated[str, Form(max_length=2000)] = "",
    actor: Actor = signed_in_policy("application.review_org"),
) -> Response:
    """补正: send it back saying what to fix."""
    return _step(
        request, actor, application_id, "return", service.return_application, reason=reason
    )


@router.post("/workbench/applications/{application_id}/forward")
def forward(
    application_id: int,
    request: Request,
    opinion: Annotated[str, Form(max_length=10)] = "approve",
    comment: Annotated[str, Form(max_length=2000)] = "",
    actor: Actor = signed_in_policy("application.review_org"),
) -> Response:
    """The provider's opinion; the bureau reviewer decides next."""
    return _step(
        request,
        actor,
        application_id,
        "forward",
        service.review_application,
        opinion=opinion,
        comment=comment,
        chain=rules(request).review_chain,
    )


@router.post("/workbench/applications/{application_id}/reject")
def reject(
    application_id: int,
    request: Request,
    reason: Annotated[str, Form(max_length=2000)] = "",
    actor: Actor = signed_in_policy("application.review_bureau"),
) -> Response:
    """不予批准 with the reason the applicant reads."""
    return _step(
        request,
        actor,
        application_id,
        "reject",
        service.reject_application,
        reason=reason,
        chain=rules(request).review_chain,
    )


@router.post("/workbench/applications/{application_id}/approve")
async def approve(
    application_id: int,
    request: Request,
    actor: Actor = signed_in_policy("application.review_bureau"),
) -> Response:
    """Approve with one grant per dataset: items, row filter, channels, masking, quota, validity."""
    posted = await request.form()
    with uow(request, write=False) as session:
        app = service.get_application(session, actor=actor, application_id=application_id)
        requested: dict[int, list[str]] = {}
        for item in app.items:
            requested.setdefault(item.dataset_id, []).append(item.item_name)
    try:
        terms = [read_grant_terms(posted, d, names) for d, names in requested.items()]
    except (ValidationError, InvalidInput) as exc:
        message = "; ".join(error_messages(exc).values())
        return _detail(request, actor, application_id, error=message, status=422)
    return _step(
        request,
        actor,
        application_id,
        "approve",
        service.approve_application,
        grants=terms,
        comment=str(posted.get("comment") or "")[:2000],
        chain=rules(request).review_chain,
    )


# --- grants -------------------------------------------------------------------------------------


def _grants_page(request: Request, actor: Actor, *, error: str = "", status: int = 200) -> Response:
    with uow(request, write=False) as session:
        grants = [
            (service.grant_out(g), grant_summary(g))
            for g in service.overseen_grants(session, actor=actor)
        ]
    context = {"grants": grants, "notice": DONE.get(_done(request)), "error": error}
    return render(request, "access/oversee.html", context | page_labels(), status_code=status)


@router.get("/workbench/grants")
def grants_page(request: Request, actor: Actor = signed_in_policy("grant.read")) -> Response:
    """Grants on the data the actor oversees, with revoke, suspend and reinstate."""
    require_role(actor, (*STAFF_ROLES, "auditor"), "grant.read")
    return _grants_page(request, actor)


def _grant_step(
    request: Request, actor: Actor, done: str, step: Callable[..., Any], **kwargs: Any
) -> Response:
    try:
        with uow(request) as session:
            step(session, actor=actor, **kwargs)
    except (InvalidInput, Conflict) as exc:
        return _grants_page(request, actor, error=exc.message, status=error_status(exc))
    return redirect("/workbench/grants", done=done)


@router.post("/workbench/grants/{grant_id}/revoke")
def revoke(
    grant_id: int,
    request: Request,
    reason: Annotated[str, Form(max_length=2000)] = "",
    actor: Actor = signed_in_policy("grant.revoke"),
) -> Response:
    """Revoke at once."""
    return _grant_step(
        request, actor, "revoke", service.revoke_grant, grant_id=grant_id, reason=reason
    )


@router.post("/workbench/grants/{grant_id}/suspend")
def suspend(
    grant_id: int,
    request: Request,
    reason: Annotated[str, Form(max_length=2000)] = "",
    actor: Actor = signed_in_policy("grant.suspend"),
) -> Response:
    """Suspend until reinstated."""
    return _grant_step(
        request, actor, "suspend", service.suspend_grant, grant_id=grant_id, reason=reason
    )


@router.post("/workbench/grants/{grant_id}/reinstate")
def reinstate(
    grant_id: int,
    request: Request,
    comment: Annotated[str, Form(max_length=2000)] = "",
    actor: Actor = signed_in_policy("grant.suspend"),
) -> Response:
    """Reinstate a suspended grant."""
    return _grant_step(
        request, actor, "reinstate", service.reinstate_grant, grant_id=grant_id, comment=comment
    )


# --- agreement texts ----------------------------------------------------------------------------


def _agreement_page(
    request: Request, *, errors: dict[str, str] | None = None, status: int = 200
) -> Response:
    with uow(request, write=False) as session:
        current = service.current_agreement(session)
    context = {"agreement": current, "errors": errors or {}, "notice": DONE.get(_done(request))}
    return render(request, "access/agreement.html", context, status_code=status)


@router.get("/workbench/agreements")
def agreement_page(
    request: Request, actor: Actor = signed_in_policy("agreement.manage")
) -> Response:
    """The current agreement and security commitment, editable as a new version (admins)."""
    require_role(actor, ("admin",), "agreement.manage")
    return _agreement_page(request)


@router.post("/workbench/agreements")
def publish_agreement(
    request: Request,
    title: Annotated[str, Form(max_length=200)] = "",
    agreement_text: Annotated[str, Form(max_length=50_000)] = "",
    commitment_text: Annotated[str, Form(max_length=50_000)] = "",
    actor: Actor = signed_in_policy("agreement.manage"),
) -> Response:
    """Publish the edited texts as a new version; earlier applications keep theirs."""
    try:
        with uow(request) as session:
            service.publish_agreement(
                session,
                actor=actor,
                title=title,
                agreement_text=agreement_text,
                commitment_text=commitment_text,
            )
    except InvalidInput as exc:
        return _agreement_page(request, errors=error_messages(exc), status=error_status(exc))
    return redirect("/workbench/agreements", done="agreement")
