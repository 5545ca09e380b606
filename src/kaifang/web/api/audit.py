"""Read-only audit log access for auditors, and chain verification."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request

from kaifang.audit import service as audit_service
from kaifang.auth.actor import Actor
from kaifang.auth.policy import Target
from kaifang.auth.service import authorize
from kaifang.web.api.schemas import AuditOut
from kaifang.web.deps import get_runtime, signed_in_policy

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])


@router.get("/records")
def list_audit_records(
    request: Request,
    actor: Actor = signed_in_policy("audit.read"),
    before: int | None = Query(default=None, description="keyset cursor: id of the last row seen"),
    action: str | None = None,
    limit: int = Query(default=100, ge=1, le=500),
) -> dict[str, Any]:
    """Newest first; pass ``next`` back as ``before`` for the next page."""
    authorize(actor, "audit.read", Target(region_code=actor.region_scope))
    with get_runtime(request).db.unit_of_work(write=False) as session:
        rows = audit_service.list_records(session, after_id=before, limit=limit, action=action)
        items = [AuditOut.model_validate(r).model_dump(mode="json") for r in rows]
    return {"items": items, "next": items[-1]["id"] if len(items) == limit else None}


@router.post("/verify")
def verify_audit_chain(
    request: Request, actor: Actor = signed_in_policy("audit.verify")
) -> dict[str, Any]:
    """Seal pending records and verify the whole chain."""
    authorize(actor, "audit.verify")
    runtime = get_runtime(request)
    with runtime.db.unit_of_work() as session:
        audit_service.seal_pending(
            session, algorithm=runtime.settings.audit_hash, anchor=runtime.audit_anchor
        )
    with runtime.db.unit_of_work(write=False) as session:
        result = audit_service.verify_chain(session, anchor=runtime.audit_anchor)
    return {
        "ok": result.ok,
        "checked": result.checked,
        "bad_seq": result.bad_seq,
        "reason": result.reason,
    }
