"""Conditional opening over HTTP: applications and their steps, grants, reports, agreements,
developer keys, call logs, SLA figures and a credentials/quota check."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, BinaryIO, Literal

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, Response, StreamingResponse

from kaifang.access import attachments as attachment_rules
from kaifang.access import service
from kaifang.access.rules import AccessRules
from kaifang.access.schemas import (
    AgreementIn,
    AgreementOut,
    ApplicationIn,
    ApplicationOut,
    ApplicationPatch,
    ApproveIn,
    AttachmentOut,
    CommentIn,
    EventOut,
    GrantOut,
    ReasonIn,
    ReviewIn,
    SLAOut,
    UsageReportIn,
    UsageReportOut,
)
from kaifang.access.service import application_out as _app
from kaifang.access.service import grant_out as _grant
from kaifang.auth.actor import Actor
from kaifang.datastore.export import content_disposition
from kaifang.errors import NotFound
from kaifang.web.apikeys import developer_router, key_aware_policy
from kaifang.web.deps import get_runtime, policy, signed_in_policy

router = APIRouter(prefix="/api/v1", tags=["access"])

PRIVATE_FILE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "private, no-store",
    "Content-Security-Policy": "default-src 'none'; sandbox",
}


def _uow(request: Request, write: bool = True) -> Any:
    return get_runtime(request).db.unit_of_work(write=write)


def rules(request: Request) -> AccessRules:
    """The configured deadlines and review chain (Settings ``access_*``)."""
    return AccessRules.from_settings(get_runtime(request).settings)


def _page(items: list[Any], limit: int) -> str | None:
    return str(items[-1].id) if len(items) == limit else None


# --- applications ----------------------------------------------------------------------------


@router.post("/applications", status_code=201)
def create_application(
    request: Request,
    body: ApplicationIn,
    actor: Actor = key_aware_policy("application.create", scope="access:write"),
) -> ApplicationOut:
    """Save a draft application for conditional items of one provider's datasets."""
    with _uow(request) as session:
        return _app(service.create_application(session, actor=actor, data=body))


@router.get("/applications")
def list_applications(
    request: Request,
    view: Literal["mine", "inbox"] = Query(default="mine", description="inbox: to handle"),
    status: str | None = None,
    before: int | None = Query(default=None, description="keyset cursor from `next`"),
    limit: int = Query(default=50, ge=1, le=200),
    actor: Actor = key_aware_policy("application.read", scope="access:read"),
) -> dict[str, Any]:
    """The actor's applications, or (staff) those addressed to their organization or region."""
    with _uow(request, write=False) as session:
        apps = service.list_applications(
            session, actor=actor, mine=view == "mine", status=status, before_id=before, limit=limit
        )
        return {
            "items": [_app(a).model_dump(mode="json") for a in apps],
            "next": _page(apps, limit),
        }


@router.get("/applications/{application_id}")
def get_application(
    application_id: int,
    request: Request,
    actor: Actor = key_aware_policy("application.read", scope="access:read"),
) -> ApplicationOut:
    """One application (applicant, provider officers, reviewers and auditors of the region)."""
    with _uow(request, write=False) as session:
        return _app(service.get_application(session, actor=actor, application_id=application_id))


@router.patch("/applications/{application_id}")
def update_application(
    application_id: int,
    body: ApplicationPatch,
    request: Request,
    actor: Actor = key_aware_policy("application.edit", scope="access:write"),
) -> ApplicationOut:
    """Edit a draft or a returned application."""
    with _uow(request) as session:
        return _app(
            service.update_application(
                session, actor=actor, application_id=application_id, patch=body
            )
        )


def _step(
    request: Request, fn: Callable[..., Any], out: Callable[[Any], Any] = _app, **kwargs: Any
) -> Any:
    with _uow(request) as session:
        return out(fn(session, **kwargs))


@router.post("/applications/{application_id}/submit")
def submit_application(
    application_id: int,
    body: CommentIn,
    request: Request,
    actor: Actor = key_aware_policy("application.edit", scope="access:write"),
) -> ApplicationOut:
    """Submit (or resubmit after correction); the acceptance deadline is set in working days."""
    return _step(
        request,
        service.submit_application,
        actor=actor,
        application_id=application_id,
        comment=body.comment,
        accept_working_days=rules(request).accept_working_days,
    )


@router.post("/applications/{application_id}/withdraw")
def withdraw_application(
    application_id: int,
    body: CommentIn,
    request: Request,
    actor: Actor = key_aware_policy("application.edit", scope="access:write"),
) -> ApplicationOut:
    """Withdraw before a decision."""
    return _step(
        request,
        service.withdraw_application,
        actor=actor,
        application_id=application_id,
        comment=body.comment,
    )


@router.post("/applications/{application_id}/accept")
def accept_application(
    application_id: int,
    body: CommentIn,
    request: Request,
    actor: Actor = signed_in_policy("application.review_org"),
) -> ApplicationOut:
    """受理 by the provider's officer; the decision deadline is set."""
    return _step(
        request,
        service.accept_application,
        actor=actor,
        application_id=application_id,
        comment=body.comment,
        decide_working_days=rules(request).decide_working_days,
    )


@router.post("/applications/{application_id}/return")
def return_application(
    application_id: int,
    body: ReasonIn,
    request: Request,
    actor: Actor = signed_in_policy("application.review_org"),
) -> ApplicationOut:
    """补正: return with what to fix."""
    return _step(
        request,
        service.return_application,
        actor=actor,
        application_id=application_id,
        reason=body.reason,
    )


@router.post("/applications/{application_id}/review")
def review_application(
    application_id: int,
    body: ReviewIn,
    request: Request,
    actor: Actor = signed_in_policy("application.review_org"),
) -> ApplicationOut:
    """The provider's review opinion; forwards to the bureau reviewer."""
    return _step(
        request,
        service.review_application,
        actor=actor,
        application_id=application_id,
        opinion=body.opinion,
        comment=body.comment,
        chain=rules(request).review_chain,
    )


@router.post("/applications/{application_id}/approve")
def approve_application(
    application_id: int,
    request: Request,
    body: ApproveIn,
    actor: Actor = signed_in_policy("application.review_bureau"),
) -> dict[str, Any]:
    """Approve; creates one grant per dataset (items, row filter, channels, masks, quota)."""
    with _uow(request) as session:
        app, grants = service.approve_application(
            session,
            actor=actor,
            application_id=application_id,
            grants=body.grants or None,
            comment=body.comment,
            chain=rules(request).review_chain,
        )
        return {
            "application": _app(app).model_dump(mode="json"),
            "grants": [_grant(g).model_dump(mode="json") for g in grants],
        }


@router.post("/applications/{application_id}/reject")
def reject_application(
    application_id: int,
    body: ReasonIn,
    request: Request,
    actor: Actor = signed_in_policy("application.review_bureau"),
) -> ApplicationOut:
    """Reject with a reason."""
    return _step(
        request,
        service.reject_application,
        actor=actor,
        application_id=application_id,
        reason=body.reason,
        chain=rules(request).review_chain,
    )


@router.get("/applications/{application_id}/timeline")
def application_timeline(
    application_id: int,
    request: Request,
    actor: Actor = key_aware_policy("application.read", scope="access:read"),
) -> list[EventOut]:
    """Every step with actor, time and comment, oldest first."""
    with _uow(request, write=False) as session:
        _app_row, events = service.application_timeline(
            session, actor=actor, application_id=application_id
        )
        return [EventOut.model_validate(e) for e in events]


@router.get("/applications/{application_id}/timeline.{fmt}", response_class=HTMLResponse)
def export_timeline(
    application_id: int,
    fmt: Literal["html", "pdf"],
    request: Request,
    actor: Actor = signed_in_policy("application.read"),
) -> Response:
    """The timeline as a printable document: self-contained HTML, or an A4 PDF."""
    with _uow(request, write=False) as session:
        app, events = service.application_timeline(
            session, actor=actor, application_id=application_id
        )
        html = fmt == "html"
        body = (
            service.render_timeline_html(app, events)
            if html
            else service.render_timeline_pdf(app, events)
        )
    stem = f"application-{application_id}-timeline"
    headers = {
        # An HTML export may use its own inline style and nothing else (no script at all).
        "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
        "Content-Disposition": content_disposition(stem, fmt, inline=html),
        "Cache-Control": "private, no-store",
    }
    return Response(body, media_type="text/html" if html else "application/pdf", headers=headers)


# --- attachments -----------------------------------------------------------------------------


@router.post("/applications/{application_id}/attachments", status_code=201)
async def upload_attachment(
    application_id: int,
    request: Request,
    file: UploadFile = File(...),
    actor: Actor = signed_in_policy("application.edit"),
) -> AttachmentOut:
    """Attach a PDF, PNG or JPEG (checked by content; HTML and other types are refused)."""
    data = await file.read(attachment_rules.MAX_ATTACHMENT_BYTES + 1)
    runtime = get_runtime(request)
    with _uow(request) as session:
        row = service.add_attachment(
            session,
            actor=actor,
            blobs=runtime.blobs,
            application_id=application_id,
            filename=file.filename or "attachment",
            data=data,
        )
        return AttachmentOut.model_validate(row)


@router.get("/applications/{application_id}/attachments")
def list_attachments(
    application_id: int, request: Request, actor: Actor = signed_in_policy("application.read")
) -> list[AttachmentOut]:
    """The application's attachments."""
    with _uow(request, write=False) as session:
        rows = service.list_attachments(session, actor=actor, application_id=application_id)
        return [AttachmentOut.model_validate(r) for r in rows]


@router.get(
    "/applications/{application_id}/attachments/{attachment_id}", response_class=StreamingResponse
)
def download_attachment(
    application_id: int,
    attachment_id: int,
    request: Request,
    actor: Actor = signed_in_policy("application.read"),
) -> Response:
    """Download an attachment (always as an attachment, never rendered inline)."""
    runtime = get_runtime(request)
    with _uow(request, write=False) as session:
        row, reader = service.open_attachment(
            session,
            actor=actor,
            blobs=runtime.blobs,
            application_id=application_id,
            attachment_id=attachment_id,
        )
        stem, _, ext = row.filename.rpartition(".")
        headers = {
            **PRIVATE_FILE_HEADERS,
            "Content-Disposition": content_disposition(stem or row.filename, ext),
        }
        media_type = row.content_type
    return StreamingResponse(_chunks(reader), media_type=media_type, headers=headers)


def _chunks(reader: BinaryIO) -> Iterator[bytes]:
    with reader:
        yield from iter(lambda: reader.read(64 * 1024), b"")


# --- grants and usage reports ----------------------------------------------------------------


@router.get("/grants")
def list_grants(
    request: Request,
    view: Literal["mine", "provider"] = "mine",
    actor: Actor = key_aware_policy("grant.read", scope="access:read"),
) -> list[GrantOut]:
    """Grants the actor holds, or (provider) grants on the actor's organization's data."""
    with _uow(request, write=False) as session:
        rows = service.list_grants(session, actor=actor, as_provider=view == "provider")
        return [_grant(g) for g in rows]


@router.get("/grants/{grant_id}")
def get_grant(
    grant_id: int,
    request: Request,
    actor: Actor = key_aware_policy("grant.read", scope="access:read"),
) -> GrantOut:
    """One grant the actor holds or oversees."""
    with _uow(request, write=False) as session:
        return _grant(service.get_grant(session, actor=actor, grant_id=grant_id))


@router.post("/grants/{grant_id}/revoke")
def revoke_grant(
    grant_id: int, body: ReasonIn, request: Request, actor: Actor = signed_in_policy("grant.revoke")
) -> GrantOut:
    """Revoke at once; the next data call is refused."""
    return _step(
        request, service.revoke_grant, _grant, actor=actor, grant_id=grant_id, reason=body.reason
    )


@router.post("/grants/{grant_id}/suspend")
def suspend_grant(
    grant_id: int,
    body: ReasonIn,
    request: Request,
    actor: Actor = signed_in_policy("grant.suspend"),
) -> GrantOut:
    """Suspend until a usage report arrives and the grant is reinstated."""
    return _step(
        request, service.suspend_grant, _grant, actor=actor, grant_id=grant_id, reason=body.reason
    )


@router.post("/grants/{grant_id}/reinstate")
def reinstate_grant(
    grant_id: int,
    body: CommentIn,
    request: Request,
    actor: Actor = signed_in_policy("grant.suspend"),
) -> GrantOut:
    """Reinstate a suspended grant once a usage report has arrived."""
    return _step(
        request,
        service.reinstate_grant,
        _grant,
        actor=actor,
        grant_id=grant_id,
        comment=body.comment,
    )


@router.post("/grants/{grant_id}/renew", status_code=201)
def renew_grant(
    grant_id: int,
    request: Request,
    actor: Actor = key_aware_policy("application.create", scope="access:write"),
) -> ApplicationOut:
    """Start a renewal application linked to this grant."""
    return _step(request, service.renew_application, actor=actor, grant_id=grant_id)


@router.post("/grants/{grant_id}/reports", status_code=201)
def submit_report(
    grant_id: int,
    body: UsageReportIn,
    request: Request,
    actor: Actor = key_aware_policy("usage_report.submit", scope="access:write"),
) -> UsageReportOut:
    """File a usage report (数据利用报告) for a grant the actor holds."""
    with _uow(request) as session:
        report = service.submit_usage_report(session, actor=actor, grant_id=grant_id, data=body)
        return UsageReportOut.model_validate(report)


@router.get("/grants/{grant_id}/reports")
def list_reports(
    grant_id: int,
    request: Request,
    actor: Actor = key_aware_policy("grant.read", scope="access:read"),
) -> list[UsageReportOut]:
    """Usage reports of a grant."""
    with _uow(request, write=False) as session:
        rows = service.list_usage_reports(session, actor=actor, grant_id=grant_id)
        return [UsageReportOut.model_validate(r) for r in rows]


# --- agreements and SLA figures --------------------------------------------------------------


@router.get("/agreements/current", dependencies=[policy(None)])
def current_agreement(request: Request) -> AgreementOut:
    """The data-use agreement and security commitment applicants accept (by its id)."""
    with _uow(request, write=False) as session:
        agreement = service.current_agreement(session)
        if agreement is None:
            raise NotFound("尚未发布开放协议 (no agreement published)")
        return AgreementOut.model_validate(agreement)


@router.post("/agreements", status_code=201)
def publish_agreement(
    body: AgreementIn, request: Request, actor: Actor = signed_in_policy("agreement.manage")
) -> AgreementOut:
    """Publish a new version (platform admins); earlier versions stay for earlier applications."""
    with _uow(request) as session:
        agreement = service.publish_agreement(session, actor=actor, **body.model_dump())
        return AgreementOut.model_validate(agreement)


@router.get("/access/sla")
def sla(
    request: Request, organization_id: int, actor: Actor = signed_in_policy("access.sla_read")
) -> SLAOut:
    """Median working days to accept and decide, and the share on time, for one organization."""
    with _uow(request, write=False) as session:
        figures = service.organization_sla(session, actor=actor, organization_id=organization_id)
        return SLAOut.model_validate(figures)


router.include_router(developer_router)
