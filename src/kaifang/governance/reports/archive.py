"""Stored reports: who may list and download them, and the scheduled generation after each
month and quarter ends (platform-wide and per organization, idempotent per period)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kaifang.auth.actor import Actor
from kaifang.auth.models import Organization
from kaifang.auth.policy import Target
from kaifang.auth.service import authorize
from kaifang.db import Database
from kaifang.errors import NotFound
from kaifang.governance.models import StoredReport
from kaifang.governance.reports.content import ReportScope
from kaifang.governance.reports.periods import periods_ended_before
from kaifang.governance.reports.service import PLATFORM_SCOPE, record_rendered, render_for_scope
from kaifang.storage import BlobStore


def _visible(actor: Actor) -> Any:
    """The SQL condition for the stored reports an actor may read."""
    if actor.organization_id is not None and actor.role == "officer":
        return StoredReport.organization_id == actor.organization_id
    if actor.region_scope is None:
        return StoredReport.id.is_not(None)
    in_region = select(Organization.id).where(
        Organization.region_code.startswith(actor.region_scope)
    )
    return StoredReport.organization_id.in_(in_region) | StoredReport.region_code.startswith(
        actor.region_scope
    )


def list_stored_reports(
    session: Session,
    *,
    actor: Actor,
    period: str | None = None,
    before_id: int | None = None,
    limit: int = 50,
) -> list[StoredReport]:
    """Stored reports the actor may read, newest first (keyset paging by id)."""
    authorize(
        actor,
        "report.generate",
        Target(region_code=actor.region_scope, organization_id=actor.organization_id),
    )
    stmt = select(StoredReport).where(_visible(actor)).order_by(StoredReport.id.desc()).limit(limit)
    if period:
        stmt = stmt.where(StoredReport.period == period)
    if before_id is not None:
        stmt = stmt.where(StoredReport.id < before_id)
    return list(session.scalars(stmt))


def get_stored_report(
    session: Session, blobs: BlobStore, *, actor: Actor, report_id: int
) -> tuple[StoredReport, bytes]:
    """One stored report and its content; NotFound when missing or out of the actor's reach."""
    row = session.scalars(
        select(StoredReport).where(StoredReport.id == report_id, _visible(actor))
    ).first()
    if row is None:
        raise NotFound("报告不存在 (report not found)")
    with blobs.open(row.blob_key) as stream:
        return row, stream.read()


def _scheduled_scopes(session: Session) -> list[ReportScope]:
    orgs = session.execute(select(Organization.id, Organization.name).order_by(Organization.id))
    return [PLATFORM_SCOPE] + [
        ReportScope(f"org:{i}", name, frozenset({i}), organization_id=i) for i, name in orgs
    ]


def _already_stored(session: Session, period: str, scope_key: str, fmt: str) -> bool:
    found = session.scalars(
        select(StoredReport.id).where(
            StoredReport.period == period,
            StoredReport.scope_key == scope_key,
            StoredReport.format == fmt,
            StoredReport.trigger == "scheduled",
        )
    ).first()
    return found is not None


def generate_due_reports(
    db: Database, blobs: BlobStore, *, today: dt.date, formats: Sequence[str]
) -> list[StoredReport]:
    """Store every report due by ``today`` (last month; last quarter in a quarter's first
    month) for the platform and each organization, skipping those already stored.

    Each report is rendered in a read-only session and recorded in its own short write, so
    a hundred organizations' PDFs never hold SQLite's write lock (which would stop every
    sign-in, upload and audit record for minutes).
    """
    with db.unit_of_work(write=False) as session:
        due = [
            (period.label, scope, fmt)
            for period in periods_ended_before(today)
            for scope in _scheduled_scopes(session)
            for fmt in formats
            if not _already_stored(session, period.label, scope.key, fmt)
        ]
    stored = []
    for period, scope, fmt in due:
        with db.unit_of_work(write=False) as session:
            report = render_for_scope(session, period, scope, fmt)
        blob = blobs.put_bytes(report.content)
        with db.unit_of_work() as session:
            if _already_stored(session, period, scope.key, fmt):  # another worker was quicker
                continue
            stored.append(
                record_rendered(
                    session,
                    blob,
                    report,
                    period=period,
                    scope=scope,
                    fmt=fmt,
                    actor=None,
                    trigger="scheduled",
                )
            )
    return stored
