"""Scoring raw values into indicator, layer and total scores and storing a snapshot."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kaifang.audit import service as audit_service
from kaifang.auth.actor import Actor
from kaifang.auth.models import Organization, Region
from kaifang.auth.service import authorize
from kaifang.catalog.models import Dataset
from kaifang.db import utcnow
from kaifang.governance.index.definitions import (
    INDICATORS,
    LAYERS,
    Indicator,
    effective_weights,
)
from kaifang.governance.index.raw import (
    data_raw,
    max_days_by_frequency,
    period_usage,
    readiness_values,
    sla_raw,
)
from kaifang.governance.models import IndexSnapshot
from kaifang.governance.openlists import china_date
from kaifang.governance.statistics import published_datasets

# --- scoring --------------------------------------------------------------------------------


def _score(indicator: Indicator, raw: float | None, best: float) -> float | None:
    if raw is None:
        return 0.0 if indicator.scale == "manual" else None
    if indicator.scale == "relative":
        return round(100 * raw / best, 2) if best > 0 else 0.0
    if indicator.scale == "share":
        return round(100 * raw, 2)
    return round(min(max(raw, 0.0), 100.0), 2)


def _layer_scores(
    scores: Mapping[str, float | None], weights: Mapping[str, float]
) -> dict[str, float]:
    layers: dict[str, float] = {}
    for layer in LAYERS:
        parts = [
            (weights[i.code], s)
            for i in INDICATORS
            if i.layer == layer.code and (s := scores[i.code]) is not None
        ]
        total_w = sum(w for w, _ in parts)
        layers[layer.code] = round(sum(w * s for w, s in parts) / total_w, 2) if total_w else 0.0
    return layers


def score_entities(
    raws: Mapping[str, Mapping[str, float | None]], weights: Mapping[str, Mapping[str, float]]
) -> dict[str, dict[str, Any]]:
    """Indicator scores, layer scores, totals and ranks of peers given their raw values."""
    best = {
        i.code: max((r.get(i.code) or 0.0 for r in raws.values()), default=0.0) for i in INDICATORS
    }
    layer_w = weights["layers"]
    out: dict[str, dict[str, Any]] = {}
    for key, raw in raws.items():
        scores = {i.code: _score(i, raw.get(i.code), best[i.code]) for i in INDICATORS}
        layers = _layer_scores(scores, weights["indicators"])
        weight_sum = sum(layer_w.values()) or 1.0
        total = round(sum(layer_w[c] * s for c, s in layers.items()) / weight_sum, 2)
        out[key] = {
            "total": total,
            "layers": layers,
            "indicators": {c: {"raw": raw.get(c), "score": scores[c]} for c in scores},
        }
    for rank, key in enumerate(sorted(out, key=lambda k: -out[k]["total"]), start=1):
        out[key]["rank"] = rank
    return out


def _organization_raws(
    session: Session,
    as_of: dt.date,
    readiness: Mapping[tuple[str, str], float],
    usage: Mapping[int, Mapping[str, int]],
) -> tuple[dict[str, dict[str, float | None]], dict[str, Organization]]:
    max_days = max_days_by_frequency(session)
    by_org: dict[int, list[Dataset]] = {}
    for ds in published_datasets(session):
        if ds.first_published_at is None or china_date(ds.first_published_at) <= as_of:
            by_org.setdefault(ds.organization_id, []).append(ds)
    orgs = {str(o.id): o for o in session.scalars(select(Organization).order_by(Organization.id))}
    raws = {
        key: {
            **data_raw(by_org.get(org.id, []), as_of, max_days, usage),
            **sla_raw(session, [org.id], as_of),
            **{c: readiness.get((f"org:{org.id}", c)) for c in ("R1", "R2", "R3")},
        }
        for key, org in orgs.items()
    }
    return raws, orgs


def _region_raws(
    session: Session,
    as_of: dt.date,
    orgs: Mapping[str, Organization],
    readiness: Mapping[tuple[str, str], float],
    usage: Mapping[int, Mapping[str, int]],
) -> dict[str, dict[str, float | None]]:
    max_days = max_days_by_frequency(session)
    members: dict[str, list[int]] = {}
    for org in orgs.values():
        members.setdefault(org.region_code, []).append(org.id)
    datasets = [
        d
        for d in published_datasets(session)
        if d.first_published_at is None or china_date(d.first_published_at) <= as_of
    ]
    raws: dict[str, dict[str, float | None]] = {}
    for code, ids in members.items():
        mine = [d for d in datasets if d.organization_id in ids]
        raws[code] = {
            **data_raw(mine, as_of, max_days, usage),
            **sla_raw(session, ids, as_of),
            **{c: readiness.get((f"region:{code}", c)) for c in ("R1", "R2", "R3")},
        }
    return raws


def compute_index(
    session: Session,
    *,
    as_of: dt.date,
    weights: Mapping[str, float] | None = None,
    actor: Actor | None = None,
    is_demo: bool = False,
) -> IndexSnapshot:
    """Score every organization and region as of a date and store the snapshot (history kept);
    ``is_demo`` marks a snapshot computed over demo data."""
    if actor is not None:
        authorize(actor, "index.manage")
    effective = effective_weights(weights)
    readiness = readiness_values(session)
    usage = period_usage(session, as_of)
    org_raws, orgs = _organization_raws(session, as_of, readiness, usage)
    region_names = {c: n for c, n in session.execute(select(Region.code, Region.name))}
    org_scores = score_entities(org_raws, effective)
    region_scores = score_entities(_region_raws(session, as_of, orgs, readiness, usage), effective)
    results = {
        "organizations": [{"key": k, "name": orgs[k].name, **v} for k, v in org_scores.items()],
        "regions": [
            {"key": k, "name": region_names.get(k, k), **v} for k, v in region_scores.items()
        ],
    }
    for entities in results.values():
        entities.sort(key=lambda e: e["rank"])
    snapshot = IndexSnapshot(
        as_of=as_of, computed_at=utcnow(), weights=effective, results=results, is_demo=is_demo
    )
    session.add(snapshot)
    session.flush()
    audit_service.record(
        session,
        action="index.compute",
        actor=actor,
        object_type="index_snapshot",
        object_id=snapshot.id,
        details={"as_of": as_of.isoformat(), "is_demo": is_demo},
    )
    return snapshot
