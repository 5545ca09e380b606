"""The access domain's public entry points, gathered for the web layer and other domains."""

from __future__ import annotations

import datetime as dt

from kaifang.access.agreements import (
    current_agreement,
    get_agreement,
    publish_agreement,
    seed_default_agreement,
)
from kaifang.access.applications import (
    application_timeline,
    create_application,
    get_application,
    list_applications,
    renew_application,
    submit_application,
    update_application,
    withdraw_application,
)
from kaifang.access.attachments import add_attachment, list_attachments, open_attachment
from kaifang.access.calllog import CallLogBuffer, CallRecord, list_call_logs
from kaifang.access.deadlines import (
    add_working_days,
    china_today,
    find_due_soon,
    is_working_day,
    organization_sla,
    overdue_stage,
    provider_officers,
    send_deadline_reminders,
    sla_figures,
    working_days_between,
)
from kaifang.access.grants import (
    get_grant,
    list_grants,
    refresh_grant_states,
    reinstate_grant,
    revoke_grant,
    suspend_grant,
)
from kaifang.access.keys import (
    KeyIdentity,
    RequestParts,
    authenticate_api_key,
    create_api_key,
    identify_api_key,
    list_api_keys,
    require_scope,
    revoke_api_key,
    rotate_api_key,
    sign_request,
)
from kaifang.access.masking import MaskerFactory, default_masker_factory
from kaifang.access.models import Application, Grant
from kaifang.access.queries import (
    ItemChoice,
    applicant_steps,
    application_grants,
    available_steps,
    overseen_grants,
    requestable_items,
    requested_items,
    review_queue,
)
from kaifang.access.quotas import (
    RateLimiter,
    RateLimitState,
    charge_grant,
    enforce_rate_limit,
    make_rate_limiter,
    quota_remaining,
)
from kaifang.access.reports import (
    enforce_usage_reports,
    is_report_overdue,
    list_usage_reports,
    submit_usage_report,
)
from kaifang.access.resolve import AccessDecision, resolve_access, resolve_data_access
from kaifang.access.reviews import (
    accept_application,
    approve_application,
    reject_application,
    return_application,
    review_application,
)
from kaifang.access.schemas import ApplicationOut, GrantOut
from kaifang.access.timeline import list_events, render_timeline_html
from kaifang.access.timeline_pdf import render_timeline_pdf


def application_out(app: Application, *, today: dt.date | None = None) -> ApplicationOut:
    """The API shape of an application, naming the step that is overdue (if any)."""
    out = ApplicationOut.model_validate(app)
    out.overdue = overdue_stage(app, today or china_today())
    return out


def grant_out(grant: Grant, *, today: dt.date | None = None) -> GrantOut:
    """The API shape of a grant, flagging an overdue usage report."""
    out = GrantOut.model_validate(grant)
    out.report_overdue = grant.status == "active" and is_report_overdue(
        grant, today or china_today()
    )
    return out


__all__ = [
    "AccessDecision",
    "CallLogBuffer",
    "CallRecord",
    "ItemChoice",
    "KeyIdentity",
    "MaskerFactory",
    "RateLimitState",
    "RateLimiter",
    "RequestParts",
    "accept_application",
    "add_attachment",
    "add_working_days",
    "applicant_steps",
    "application_grants",
    "application_out",
    "application_timeline",
    "approve_application",
    "authenticate_api_key",
    "available_steps",
    "charge_grant",
    "create_api_key",
    "create_application",
    "current_agreement",
    "default_masker_factory",
    "enforce_rate_limit",
    "enforce_usage_reports",
    "find_due_soon",
    "get_agreement",
    "get_application",
    "get_grant",
    "grant_out",
    "identify_api_key",
    "is_working_day",
    "list_api_keys",
    "list_applications",
    "list_attachments",
    "list_call_logs",
    "list_events",
    "list_grants",
    "list_usage_reports",
    "make_rate_limiter",
    "open_attachment",
    "organization_sla",
    "overseen_grants",
    "provider_officers",
    "publish_agreement",
    "quota_remaining",
    "refresh_grant_states",
    "reinstate_grant",
    "reject_application",
    "render_timeline_html",
    "render_timeline_pdf",
    "renew_application",
    "requestable_items",
    "requested_items",
    "require_scope",
    "resolve_access",
    "resolve_data_access",
    "return_application",
    "review_application",
    "review_queue",
    "revoke_api_key",
    "revoke_grant",
    "rotate_api_key",
    "seed_default_agreement",
    "send_deadline_reminders",
    "sign_request",
    "sla_figures",
    "submit_application",
    "submit_usage_report",
    "suspend_grant",
    "update_application",
    "withdraw_application",
    "working_days_between",
]
