"""Data-API call logs: buffered in process and written in batches by a background thread.

One committed row per call would cap the API at a few hundred requests a second on SQLite
(see the security notes), so requests only append to a buffer (``kaifang.batching``).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from kaifang.access.models import CallLog
from kaifang.auth.actor import Actor
from kaifang.auth.policy import Target
from kaifang.auth.service import authorize, get_organization
from kaifang.batching import BatchWriter, install_writer
from kaifang.db import Database, utcnow
from kaifang.runtime import Runtime

log = logging.getLogger("kaifang.access.calllog")
Scope = Literal["mine", "organization", "all"]


@dataclass(frozen=True)
class CallRecord:
    """One served (or refused) data-API call."""

    dataset_id: int | None
    status: int
    user_id: int | None = None
    key_id: int | None = None
    organization_id: int | None = None
    region_code: str = ""
    grant_id: int | None = None
    items: tuple[str, ...] = ()
    rows: int = 0
    latency_ms: int = 0
    channel: str = "api"
    ip: str = ""
    created_at: dt.datetime = field(default_factory=utcnow)


class CallLogBuffer(BatchWriter[CallRecord]):
    """Collects call records and writes them in batches; ``flush`` writes synchronously."""

    def __init__(
        self,
        db: Database,
        *,
        max_batch: int = 500,
        interval: float = 1.0,
        max_pending: int = 100_000,
    ) -> None:
        super().__init__(
            db,
            CallLog,
            name="calllog",
            max_batch=max_batch,
            interval=interval,
            max_pending=max_pending,
        )


def install_call_log(runtime: Runtime) -> CallLogBuffer:
    """The runtime's one buffer, created on first use and started and stopped with the process."""
    return install_writer(runtime.extras, "access_call_log", lambda: CallLogBuffer(runtime.db))


def list_call_logs(
    session: Session,
    *,
    actor: Actor,
    scope: Scope = "mine",
    organization_id: int | None = None,
    dataset_id: int | None = None,
    before_id: int | None = None,
    limit: int = 100,
) -> list[CallLog]:
    """Calls the actor may see: their own, to an organization's data, or all (auditors)."""
    stmt = select(CallLog).order_by(CallLog.id.desc()).limit(limit)
    if scope == "mine":
        authorize(actor, "calllog.read_own")
        stmt = stmt.where(CallLog.user_id == actor.user_id)
    elif scope == "organization":
        org = organization_id if organization_id is not None else actor.organization_id
        authorize(actor, "calllog.read_org", _org_target(session, org))
        stmt = stmt.where(CallLog.organization_id == org)
    else:
        authorize(
            actor,
            "calllog.read_all",
            Target(region_code=actor.region_scope) if actor.region_scope else None,
        )
        if actor.region_scope:
            stmt = stmt.where(CallLog.region_code.startswith(actor.region_scope))
    if dataset_id is not None:
        stmt = stmt.where(CallLog.dataset_id == dataset_id)
    if before_id is not None:
        stmt = stmt.where(CallLog.id < before_id)
    return list(session.scalars(stmt).all())


def _org_target(session: Session, organization_id: int | None) -> Target | None:
    if organization_id is None:
        return None
    org = get_organization(session, organization_id)
    return Target(organization_id=org.id, region_code=org.region_code)
