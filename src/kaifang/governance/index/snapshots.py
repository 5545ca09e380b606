"""Reading snapshots: history, drill-down, evaluators' export, and readiness entry."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kaifang.audit import service as audit_service
from kaifang.auth.actor import Actor
from kaifang.auth.service import authorize
from kaifang.errors import InvalidInput, NotFound
from kaifang.governance.index.definitions import (
    INDICATOR_BY_CODE,
    INDICATORS,
    KEY_DOMAINS,
    LAYERS,
    METHOD,
    WEIGHT_NOTE,
)
from kaifang.governance.models import IndexSnapshot, ReadinessValue

# --- reading snapshots ----------------------------------------------------------------------


def latest_snapshot(
    session: Session, *, on_or_before: dt.date | None = None
) -> IndexSnapshot | None:
    """The newest snapshot (optionally with ``as_of`` on or before a date), or None."""
    stmt = select(IndexSnapshot).order_by(IndexSnapshot.as_of.desc(), IndexSnapshot.id.desc())
    if on_or_before is not None:
        stmt = stmt.where(IndexSnapshot.as_of <= on_or_before)
    return session.scalars(stmt.limit(1)).first()


def get_snapshot(session: Session, snapshot_id: int) -> IndexSnapshot:
    """One snapshot; NotFound otherwise."""
    snapshot = session.get(IndexSnapshot, snapshot_id)
    if snapshot is None:
        raise NotFound("指数快照不存在 (index snapshot not found)")
    return snapshot


def snapshot_history(session: Session, *, limit: int = 50) -> list[dict[str, Any]]:
    """Snapshots newest first, with the top organization of each."""
    rows = session.scalars(select(IndexSnapshot).order_by(IndexSnapshot.id.desc()).limit(limit))
    return [
        {
            "id": s.id,
            "as_of": s.as_of.isoformat(),
            "computed_at": s.computed_at.isoformat(),
            "is_demo": s.is_demo,
            "top": (s.results.get("organizations") or [{}])[0].get("name"),
        }
        for s in rows
    ]


def definitions() -> dict[str, Any]:
    """Every layer and indicator with definition, source, scale and default weight."""
    return {
        "layers": [asdict(lay) for lay in LAYERS],
        "indicators": [asdict(i) for i in INDICATORS],
        "key_domains": list(KEY_DOMAINS),
        "weight_note": WEIGHT_NOTE,
    }


def explain(snapshot: IndexSnapshot, *, kind: str, key: str) -> dict[str, Any]:
    """Drill-down of one organization or region: each indicator's raw value, score and share."""
    entities = snapshot.results.get("regions" if kind == "region" else "organizations", [])
    entity = next((e for e in entities if e["key"] == key), None)
    if entity is None:
        raise NotFound("指数中没有该单位或区域 (not in this snapshot)")
    weights = snapshot.weights
    rows = [
        {**asdict(i), "weight": weights["indicators"][i.code], **entity["indicators"][i.code]}
        for i in INDICATORS
    ]
    return {
        "snapshot_id": snapshot.id,
        "as_of": snapshot.as_of.isoformat(),
        "kind": kind,
        "key": key,
        "name": entity["name"],
        "total": entity["total"],
        "rank": entity["rank"],
        "layers": [
            {
                **asdict(lay),
                "weight": weights["layers"][lay.code],
                "score": entity["layers"][lay.code],
            }
            for lay in LAYERS
        ],
        "indicators": rows,
    }


def export_snapshot(snapshot: IndexSnapshot) -> dict[str, Any]:
    """The evaluators' export: method, definitions, weights used and all raw values and scores."""
    return {
        "snapshot_id": snapshot.id,
        "as_of": snapshot.as_of.isoformat(),
        "computed_at": snapshot.computed_at.isoformat(),
        "is_demo": snapshot.is_demo,
        "method": METHOD,
        "definitions": definitions(),
        "weights": snapshot.weights,
        "results": snapshot.results,
    }


def set_readiness(
    session: Session,
    *,
    actor: Actor,
    indicator: str,
    value: float,
    evidence_url: str,
    organization_id: int | None = None,
    region_code: str | None = None,
    note: str = "",
) -> ReadinessValue:
    """Record a 0-100 readiness value with its evidence; InvalidInput for bad input."""
    authorize(actor, "index.manage")
    if INDICATOR_BY_CODE.get(indicator) is None or indicator[0] != "R":
        raise InvalidInput(
            "不是准备度指标 (not a readiness indicator)", details={"field": "indicator"}
        )
    if not 0 <= value <= 100:
        raise InvalidInput("分值须在0-100之间 (value must be 0-100)", details={"field": "value"})
    if not evidence_url.startswith(("https://", "http://")):
        raise InvalidInput(
            "须提供证明材料链接 (an evidence link is required)", details={"field": "evidence_url"}
        )
    if (organization_id is None) == (region_code is None):
        raise InvalidInput("须指定单位或区域之一 (give an organization or a region)")
    row = ReadinessValue(
        indicator=indicator,
        value=value,
        evidence_url=evidence_url,
        note=note,
        organization_id=organization_id,
        region_code=region_code,
        entered_by=actor.user_id,
    )
    session.add(row)
    audit_service.record(
        session,
        action="index.readiness",
        actor=actor,
        object_type="readiness_value",
        object_id=indicator,
        details={
            "value": value,
            "organization_id": organization_id,
            "region_code": region_code,
            "evidence_url": evidence_url,
        },
    )
    return row
