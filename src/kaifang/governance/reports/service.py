"""Report use cases: generate on demand, store in the blob store, list, download, and the
scheduled generation after each month and quarter ends."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from kaifang.audit import service as audit_service
from kaifang.auth.actor import Actor
from kaifang.auth.models import Organization, Region
from kaifang.auth.policy import Target
from kaifang.auth.service import authorize, get_organization
from kaifang.codes import region_contains
from kaifang.errors import InvalidInput, NotFound
from kaifang.governance.models import StoredReport
from kaifang.governance.openlists import org_target
from kaifang.governance.reports.content import ReportScope, report_tables
from kaifang.governance.reports.formats import MEDIA_TYPES, ReportFormat, render
from kaifang.governance.reports.periods import parse_period
from kaifang.storage import BlobStore
from kaifang.storage.interfaces import BlobInfo

PLATFORM_SCOPE = ReportScope("platform", "全平台")


@dataclass(frozen=True)
class Report:
    """A generated report file."""

    filename: str
    media_type: str
    content: bytes


def _region_scope(session: Session, region_code: str) -> ReportScope:
    region = session.get(Region, region_code)
    if region is None:
        raise NotFound("区划不存在 (region not found)")
    ids = frozenset(
        i
        for i, code in session.execute(select(Organization.id, Organization.region_code))
        if region_contains(region_code, code)
    )
    return ReportScope(f"region:{region_code}", region.name, ids, region_code=region_code)


def resolve_scope(
    session: Session,
    *,
    actor: Actor | None,
    organization_id: int | None = None,
    region_code: str | None = None,
    action: str = "report.generate",
) -> ReportScope:
    """One organization, a region (a region-bound actor's own by default) or the platform.

    Raises NotFound for an unknown organization or region and PermissionDenied outside the
    actor's reach; ``actor=None`` is the system (command line, scheduled job).
    """
    if organization_id is not None:
        org = get_organization(session, organization_id)
        if actor is not None:
            authorize(actor, action, org_target(org))
        return ReportScope(f"org:{org.id}", org.name, frozenset({org.id}), organization_id=org.id)
    region = region_code or (actor.region_scope if actor is not None else None)
    if actor is not None:
        authorize(actor, action, Target(region_code=region))
    return _region_scope(session, region) if region else PLATFORM_SCOPE


def generate_report(
    session: Session,
    *,
    period: str,
    organization_id: int | None = None,
    region_code: str | None = None,
    fmt: ReportFormat = "html",
    actor: Actor | None = None,
) -> Report:
    """The operations report of a month or quarter for the platform, a region or one
    organization; raises InvalidInput for a bad period or format."""
    parsed = parse_period(period)
    if fmt not in MEDIA_TYPES:
        raise InvalidInput(
            "格式须为 html、pdf 或 xlsx (format must be html, pdf or xlsx)",
            details={"field": "format"},
        )
    scope = resolve_scope(
        session, actor=actor, organization_id=organization_id, region_code=region_code
    )
    return _render(session, parsed.label, scope, fmt)


def _render(session: Session, period: str, scope: ReportScope, fmt: str) -> Report:
    title = f"{scope.name} {period} 公共数据开放运营报告"
    tables = report_tables(session, parse_period(period), scope)
    return Report(f"{title}.{fmt}", MEDIA_TYPES[fmt], render(fmt, title, tables))


def store_for_scope(
    session: Session,
    blobs: BlobStore,
    *,
    period: str,
    scope: ReportScope,
    fmt: str,
    actor: Actor | None,
    trigger: str,
) -> StoredReport:
    report = render_for_scope(session, period, scope, fmt)
    return record_rendered(
        session,
        blobs.put_bytes(report.content),
        report,
        period=period,
        scope=scope,
        fmt=fmt,
        actor=actor,
        trigger=trigger,
    )


def render_for_scope(session: Session, period: str, scope: ReportScope, fmt: str) -> Report:
    """The report's bytes; reads only, so it may run outside any write transaction."""
    return _render(session, period, scope, fmt)


def record_rendered(
    session: Session,
    blob: BlobInfo,
    report: Report,
    *,
    period: str,
    scope: ReportScope,
    fmt: str,
    actor: Actor | None,
    trigger: str,
) -> StoredReport:
    """Record a rendered report whose bytes are already in the blob store (a short write)."""
    row = StoredReport(
        period=period,
        scope_key=scope.key,
        organization_id=scope.organization_id,
        region_code=scope.region_code,
        format=fmt,
        title=report.filename.rsplit(".", 1)[0],
        filename=report.filename,
        media_type=report.media_type,
        blob_key=blob.key,
        size_bytes=blob.size,
        trigger=trigger,
        generated_by=actor.user_id if actor is not None else None,
    )
    session.add(row)
    session.flush()
    audit_service.record(
        session,
        action="report.store",
        actor=actor,
        object_type="stored_report",
        object_id=row.id,
        details={"period": period, "scope": scope.key, "format": fmt, "trigger": trigger},
    )
    return row


def store_report(
    session: Session,
    *,
    blobs: BlobStore,
    period: str,
    organization_id: int | None = None,
    region_code: str | None = None,
    fmt: ReportFormat = "pdf",
    actor: Actor | None = None,
) -> StoredReport:
    """Generate a report on demand and keep it in the blob store; see ``generate_report``."""
    parsed = parse_period(period)
    if fmt not in MEDIA_TYPES:
        raise InvalidInput("格式须为 html、pdf 或 xlsx (format must be html, pdf or xlsx)")
    scope = resolve_scope(
        session, actor=actor, organization_id=organization_id, region_code=region_code
    )
    return store_for_scope(
        session,
        blobs,
        period=parsed.label,
        scope=scope,
        fmt=fmt,
        actor=actor,
        trigger="on_demand",
    )
