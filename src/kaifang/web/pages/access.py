"""The applicant's pages of conditional opening: my applications, one application with its
timeline, my grants, usage reports and renewal. Plain HTML forms; every step calls a service."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import ValidationError

from kaifang.access import service
from kaifang.access.rules import AccessRules
from kaifang.access.schemas import UsageReportIn
from kaifang.auth.actor import Actor
from kaifang.errors import Conflict, InvalidInput
from kaifang.web.deps import get_runtime, signed_in_policy
from kaifang.web.pages.access_forms import error_messages, grant_summary
from kaifang.web.pages.access_labels import page_labels
from kaifang.web.pages.guards import error_status, redirect
from kaifang.web.templating import render

router = APIRouter(include_in_schema=False)

NOTICES = {
    "saved": "Draft saved. Submit it when it is complete.",
    "submitted": "Application submitted. The provider must accept it by the date shown.",
    "withdrawn": "Application withdrawn.",
    "report": "Usage report received.",
    "renewed": "A renewal draft was made from your grant: check it and submit it.",
}


def uow(request: Request, write: bool = True) -> Any:
    """A unit of work on the request's database."""
    return get_runtime(request).db.unit_of_work(write=write)


def rules(request: Request) -> AccessRules:
    """The configured deadlines and review chain (Settings ``access_*``)."""
    return AccessRules.from_settings(get_runtime(request).settings)


@router.get("/access/applications")
def applications_page(
    request: Request, actor: Actor = signed_in_policy("application.read")
) -> Response:
    """The applicant's own applications with status and due dates."""
    with uow(request, write=False) as session:
        mine = [
            service.application_out(a)
            for a in service.list_applications(session, actor=actor, mine=True)
        ]
    context = {"mine": mine, "notice": NOTICES.get(request.query_params.get("done", ""))}
    return render(request, "access/applications.html", context | page_labels())


def application_context(session: Any, actor: Actor, application_id: int) -> dict[str, Any]:
    """One application with its items, attachments, grants and timeline, for either side."""
    app, events = service.application_timeline(session, actor=actor, application_id=application_id)
    return {
        "app": service.application_out(app),
        "events": events,
        "items": service.requested_items(session, actor=actor, app=app),
        "attachments": service.list_attachments(
            session, actor=actor, application_id=application_id
        ),
        "grants": [
            (service.grant_out(g), grant_summary(g))
            for g in service.application_grants(session, actor=actor, application_id=app.id)
        ],
        "applicant_steps": service.applicant_steps(actor, app),
    } | page_labels()


@router.get("/access/applications/{application_id}")
def application_page(
    application_id: int, request: Request, actor: Actor = signed_in_policy("application.read")
) -> Response:
    """One application with its items, attachments, grants and timeline, as both sides see it."""
    notice = NOTICES.get(request.query_params.get("done", ""))
    with uow(request, write=False) as session:
        context = application_context(session, actor, application_id)
    return render(request, "access/application.html", context | {"notice": notice})


def _applicant_step(
    request: Request, actor: Actor, application_id: int, step: Any, done: str, **kwargs: Any
) -> Response:
    try:
        with uow(request) as session:
            step(session, actor=actor, application_id=application_id, **kwargs)
    except (InvalidInput, Conflict) as exc:
        with uow(request, write=False) as session:
            context = application_context(session, actor, application_id)
        context["error"] = exc.message
        return render(request, "access/application.html", context, status_code=error_status(exc))
    return redirect(f"/access/applications/{application_id}", done=done)


@router.post("/access/applications/{application_id}/submit")
def submit(
    application_id: int,
    request: Request,
    comment: Annotated[str, Form(max_length=2000)] = "",
    actor: Actor = signed_in_policy("application.edit"),
) -> Response:
    """Submit a complete draft, or resubmit a corrected one."""
    days = rules(request).accept_working_days
    return _applicant_step(
        request,
        actor,
        application_id,
        service.submit_application,
        "submitted",
        comment=comment,
        accept_working_days=days,
    )


@router.post("/access/applications/{application_id}/withdraw")
def withdraw(
    application_id: int,
    request: Request,
    comment: Annotated[str, Form(max_length=2000)] = "",
    actor: Actor = signed_in_policy("application.edit"),
) -> Response:
    """Withdraw before a decision."""
    return _applicant_step(
        request, actor, application_id, service.withdraw_application, "withdrawn", comment=comment
    )


# --- grants, usage reports, renewal --------------------------------------------------------------


@router.get("/access/grants")
def grants_page(request: Request, actor: Actor = signed_in_policy("grant.read")) -> Response:
    """The grants the actor holds, with validity, quota, report due dates and what to do next."""
    with uow(request, write=False) as session:
        grants = [
            (service.grant_out(g), grant_summary(g))
            for g in service.list_grants(session, actor=actor)
        ]
    notice = NOTICES.get(request.query_params.get("done", ""))
    return render(
        request, "access/grants.html", {"grants": grants, "notice": notice} | page_labels()
    )


def _report_page(
    request: Request, actor: Actor, grant_id: int, *, errors: dict[str, str], status: int = 200
) -> Response:
    with uow(request, write=False) as session:
        grant = service.get_grant(session, actor=actor, grant_id=grant_id)
        context = {
            "grant": service.grant_out(grant),
            "summary": grant_summary(grant),
            "reports": service.list_usage_reports(session, actor=actor, grant_id=grant_id),
            "errors": errors,
        }
    return render(request, "access/report.html", context | page_labels(), status_code=status)


@router.get("/access/grants/{grant_id}/report")
def report_form(
    grant_id: int, request: Request, actor: Actor = signed_in_policy("usage_report.submit")
) -> Response:
    """The usage report (数据利用报告) form of a grant, with the reports filed so far."""
    return _report_page(request, actor, grant_id, errors={})


@router.post("/access/grants/{grant_id}/report")
def submit_report(
    grant_id: int,
    request: Request,
    used_for: Annotated[str, Form(max_length=5000)] = "",
    results: Annotated[str, Form(max_length=5000)] = "",
    incidents: Annotated[str, Form(max_length=5000)] = "",
    actor: Actor = signed_in_policy("usage_report.submit"),
) -> Response:
    """File a usage report; the next one falls due one interval later."""
    try:
        data = UsageReportIn(used_for=used_for, results=results, incidents=incidents)
        with uow(request) as session:
            service.submit_usage_report(session, actor=actor, grant_id=grant_id, data=data)
    except (ValidationError, InvalidInput, Conflict) as exc:
        status = 422 if isinstance(exc, ValidationError) else error_status(exc)
        return _report_page(request, actor, grant_id, errors=error_messages(exc), status=status)
    return redirect("/access/grants", done="report")


@router.post("/access/grants/{grant_id}/renew")
def renew(
    grant_id: int, request: Request, actor: Actor = signed_in_policy("application.create")
) -> Response:
    """Start a renewal: a new draft with the grant's terms, to check and submit."""
    try:
        with uow(request) as session:
            app = service.renew_application(session, actor=actor, grant_id=grant_id)
            app_id = app.id
    except (InvalidInput, Conflict) as exc:
        return render(
            request,
            "error.html",
            {"status": error_status(exc), "message": exc.message},
            status_code=error_status(exc),
        )
    return redirect(f"/access/applications/{app_id}/edit", done="renewed")
