"""Read-only pages of conditional opening: the applications list and one application's record."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from kaifang.access import service
from kaifang.access.deadlines import china_today
from kaifang.auth.actor import Actor
from kaifang.web.deps import get_runtime, signed_in_policy
from kaifang.web.templating import render

router = APIRouter(include_in_schema=False)

STATUS_LABELS = {
    "draft": "草稿",
    "submitted": "待受理",
    "accepted": "已受理",
    "returned": "待补正",
    "under_review": "审核中",
    "approved": "已批准",
    "rejected": "未批准",
    "active": "授权生效",
    "expired": "已到期",
    "revoked": "已撤销",
    "withdrawn": "已撤回",
}


@router.get("/access/applications")
def applications_page(
    request: Request, actor: Actor = signed_in_policy("application.read")
) -> Response:
    """The applicant's applications, and for staff those waiting on them."""
    with get_runtime(request).db.unit_of_work(write=False) as session:
        mine = [
            service.application_out(a)
            for a in service.list_applications(session, actor=actor, mine=True)
        ]
        inbox = []
        if actor.role in ("officer", "reviewer", "admin", "auditor"):
            inbox = [
                service.application_out(a)
                for a in service.list_applications(session, actor=actor, mine=False)
            ]
    return render(
        request,
        "access/applications.html",
        {"mine": mine, "inbox": inbox, "labels": STATUS_LABELS, "today": china_today()},
    )


@router.get("/access/applications/{application_id}")
def application_page(
    application_id: int, request: Request, actor: Actor = signed_in_policy("application.read")
) -> Response:
    """One application with its items, attachments and timeline, as both sides see it."""
    with get_runtime(request).db.unit_of_work(write=False) as session:
        app, events = service.application_timeline(
            session, actor=actor, application_id=application_id
        )
        context = {
            "app": service.application_out(app),
            "events": events,
            "attachments": service.list_attachments(
                session, actor=actor, application_id=application_id
            ),
            "labels": STATUS_LABELS,
        }
    return render(request, "access/application.html", context)
