"""The open index (开放指数): four layers modelled on the China Open Data Index (中国开放数林指数).

No official weights are published (the Fudan reports show them only in a figure; see
shared/reference/china-open-data.md §1.3), so the weights below are our own defaults, are
stored with every snapshot and can be overridden per computation. Within a layer, indicator
weights are relative and are normalised to sum to 1 over the indicators that apply.

Scoring: shares score 100 × share; counts score 100 × value ÷ the best peer of the same kind
(organizations against organizations, regions against regions); readiness values are entered
by the bureau on a 0-100 scale, with an evidence link, and count 0 until entered. An indicator
with no basis (e.g. application timeliness with no applications) is left out of its layer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kaifang.access.service import sla_figures
from kaifang.audit import service as audit_service
from kaifang.auth.actor import Actor
from kaifang.auth.models import Organization, Region
from kaifang.auth.service import authorize
from kaifang.catalog.models import Dataset, VocabularyTerm
from kaifang.catalog.vocabularies import DEFAULT_DOMAINS, domain_code
from kaifang.db import utcnow
from kaifang.errors import InvalidInput, NotFound
from kaifang.governance.models import IndexSnapshot, ReadinessValue
from kaifang.governance.openlists import china_date
from kaifang.governance.statistics import MACHINE_READABLE_UPPER, published_datasets

KEY_DOMAINS = DEFAULT_DOMAINS[:8]
KEY_DOMAIN_CODES = tuple(domain_code(d) for d in KEY_DOMAINS)
METADATA_FIELDS = ("summary", "contact_name", "licence", "update_frequency", "spatial_coverage")
DEFAULT_MAX_DAYS = {
    "realtime": 1,
    "daily": 1,
    "weekly": 7,
    "monthly": 31,
    "quarterly": 92,
    "semiannual": 183,
    "yearly": 366,
}


@dataclass(frozen=True)
class Layer:
    """A first-level layer of the index and its default weight in the total."""

    code: str
    name_zh: str
    name_en: str
    weight: float


@dataclass(frozen=True)
class Indicator:
    """One indicator: what it measures, where the number comes from, how it scores, its weight."""

    code: str
    layer: str
    name_zh: str
    name_en: str
    definition: str
    source: str
    scale: str  # "share" | "relative" | "manual"
    weight: float


LAYERS: tuple[Layer, ...] = (
    Layer("readiness", "准备度", "Readiness", 0.20),
    Layer("platform", "平台层", "Platform", 0.20),
    Layer("data", "数据层", "Data", 0.40),
    Layer("use", "利用层", "Use", 0.20),
)

INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "R1",
        "readiness",
        "法规政策",
        "Laws and policies",
        "Strength and content of open-data rules and policies, scored 0-100 by the bureau.",
        "Entered by the bureau with an evidence link (readiness_values).",
        "manual",
        1.0,
    ),
    Indicator(
        "R2",
        "readiness",
        "标准规范",
        "Standards",
        "Open-data standards and specifications adopted, scored 0-100 by the bureau.",
        "Entered by the bureau with an evidence link (readiness_values).",
        "manual",
        1.0,
    ),
    Indicator(
        "R3",
        "readiness",
        "组织与领导",
        "Organization and leadership",
        "Leadership, staffing and assessment of open-data work, scored 0-100 by the bureau.",
        "Entered by the bureau with an evidence link (readiness_values).",
        "manual",
        1.0,
    ),
    Indicator(
        "P1",
        "platform",
        "元数据完整度",
        "Metadata completeness",
        "Share of required metadata fields (summary, contact, licence, update frequency, "
        "spatial coverage, data items) filled on published datasets.",
        "Catalogue: datasets and data items.",
        "share",
        0.4,
    ),
    Indicator(
        "P2",
        "platform",
        "接口提供",
        "API provision",
        "Share of published datasets offered through an API.",
        "Catalogue: dataset formats (API).",
        "share",
        0.3,
    ),
    Indicator(
        "P3",
        "platform",
        "申请受理及时率",
        "Application acceptance on time",
        "Share of conditional-open applications accepted within the deadline.",
        "access.service.sla_figures (accept_on_time_share).",
        "share",
        0.3,
    ),
    Indicator(
        "D1",
        "data",
        "数据集数量",
        "Dataset quantity",
        "Number of published datasets.",
        "Catalogue: published datasets.",
        "relative",
        0.2,
    ),
    Indicator(
        "D2",
        "data",
        "数据容量",
        "Data capacity",
        "Sum over published datasets of rows × data items.",
        "Catalogue: row_count and item_count.",
        "relative",
        0.2,
    ),
    Indicator(
        "D3",
        "data",
        "更新及时率",
        "Update timeliness",
        "Share of published datasets with a periodic update frequency whose last update "
        "lies within that frequency's maximum days of the index date.",
        "Catalogue: last_updated_at; vocabulary update_frequency extra.max_days.",
        "share",
        0.2,
    ),
    Indicator(
        "D4",
        "data",
        "机器可读比例",
        "Machine-readable share",
        "Share of published format entries that are machine readable (MACHINE_READABLE).",
        "Catalogue: dataset formats.",
        "share",
        0.15,
    ),
    Indicator(
        "D5",
        "data",
        "重点领域覆盖",
        "Key-domain coverage",
        "Share of the plan's key domains covered by at least one published dataset.",
        "Catalogue: dataset domains against the first 8 default domains.",
        "share",
        0.1,
    ),
    Indicator(
        "D6",
        "data",
        "有条件开放覆盖",
        "Conditional-open coverage",
        "Share of published datasets that open data under conditions (受限开放).",
        "Catalogue: dataset and item open attributes.",
        "share",
        0.15,
    ),
    Indicator(
        "U1",
        "use",
        "下载量",
        "Downloads",
        "Downloads of published datasets.",
        "Catalogue: datasets.downloads.",
        "relative",
        0.4,
    ),
    Indicator(
        "U2",
        "use",
        "接口调用量",
        "API calls",
        "API calls to published datasets.",
        "Catalogue: datasets.api_calls.",
        "relative",
        0.4,
    ),
    Indicator(
        "U3",
        "use",
        "服务申请数",
        "Applications served",
        "Conditional-open applications decided.",
        "access.service.sla_figures (decided).",
        "relative",
        0.2,
    ),
)

INDICATOR_BY_CODE = {i.code: i for i in INDICATORS}
WEIGHT_NOTE = (
    "No official weights of the China Open Data Index are published; these are Kaifang's "
    "configurable defaults (data layer heaviest), stored with each snapshot."
)


def effective_weights(overrides: Mapping[str, float] | None = None) -> dict[str, dict[str, float]]:
    """Layer and indicator weights after overrides (keys are layer or indicator codes)."""
    overrides = dict(overrides or {})
    unknown = set(overrides) - {lay.code for lay in LAYERS} - set(INDICATOR_BY_CODE)
    if unknown or any(v < 0 for v in overrides.values()):
        raise InvalidInput(
            "权重无效 (unknown code or negative weight)", details={"unknown": sorted(unknown)}
        )
    return {
        "layers": {lay.code: float(overrides.get(lay.code, lay.weight)) for lay in LAYERS},
        "indicators": {i.code: float(overrides.get(i.code, i.weight)) for i in INDICATORS},
    }


# --- raw values -----------------------------------------------------------------------------


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _metadata_share(datasets: Sequence[Dataset]) -> float | None:
    filled = sum(bool(getattr(d, f)) for d in datasets for f in METADATA_FIELDS)
    filled += sum(bool(d.items) for d in datasets)
    return _share(filled, len(datasets) * (len(METADATA_FIELDS) + 1))


def _timeliness(
    datasets: Sequence[Dataset], as_of: dt.date, max_days: Mapping[str, int]
) -> float | None:
    periodic = [d for d in datasets if max_days.get(d.update_frequency, 0) > 0]
    fresh = sum(
        1
        for d in periodic
        if d.last_updated_at is not None
        and (as_of - china_date(d.last_updated_at)).days <= max_days[d.update_frequency]
    )
    return _share(fresh, len(periodic))


def _machine_readable(datasets: Sequence[Dataset]) -> float | None:
    formats = [str(f).upper() for d in datasets for f in d.formats or []]
    return _share(sum(f in MACHINE_READABLE_UPPER for f in formats), len(formats))


def _conditional(d: Dataset) -> bool:
    return d.open_attribute == "conditional" or any(
        i.open_attribute == "conditional" for i in d.items
    )


def data_raw(
    datasets: Sequence[Dataset], as_of: dt.date, max_days: Mapping[str, int]
) -> dict[str, float | None]:
    """Platform and data-layer raw values of a group of published datasets."""
    n = len(datasets)
    domains = {dom for d in datasets for dom in d.domains or []}
    return {
        "P1": _metadata_share(datasets),
        "P2": _share(sum("API" in [str(f).upper() for f in d.formats or []] for d in datasets), n),
        "D1": float(n),
        "D2": float(sum(d.row_count * d.item_count for d in datasets)),
        "D3": _timeliness(datasets, as_of, max_days),
        "D4": _machine_readable(datasets),
        "D5": _share(sum(k in domains for k in KEY_DOMAIN_CODES), len(KEY_DOMAINS)) if n else 0.0,
        "D6": _share(sum(_conditional(d) for d in datasets), n),
        "U1": float(sum(d.downloads for d in datasets)),
        "U2": float(sum(d.api_calls for d in datasets)),
    }


def _sla_raw(session: Session, org_ids: Iterable[int], as_of: dt.date) -> dict[str, float | None]:
    figures = [sla_figures(session, organization_id=i, today=as_of) for i in org_ids]
    accepted = sum(f.accepted for f in figures)
    on_time = sum((f.accept_on_time_share or 0) * f.accepted for f in figures)
    return {
        "P3": round(on_time / accepted, 4) if accepted else None,
        "U3": float(sum(f.decided for f in figures)),
    }


def _readiness(session: Session) -> dict[tuple[str, str], float]:
    """Latest readiness value per (scope key, indicator); scope keys are "org:ID"/"region:CODE"."""
    values: dict[tuple[str, str], float] = {}
    for row in session.scalars(select(ReadinessValue).order_by(ReadinessValue.id)):
        scope = f"org:{row.organization_id}" if row.organization_id else f"region:{row.region_code}"
        values[(scope, row.indicator)] = row.value
    return values


def _max_days(session: Session) -> dict[str, int]:
    terms = session.scalars(select(VocabularyTerm).where(VocabularyTerm.kind == "update_frequency"))
    found = {t.code: int((t.extra or {}).get("max_days", 0)) for t in terms}
    return found or dict(DEFAULT_MAX_DAYS)


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
    session: Session, as_of: dt.date, readiness: Mapping[tuple[str, str], float]
) -> tuple[dict[str, dict[str, float | None]], dict[str, Organization]]:
    max_days = _max_days(session)
    by_org: dict[int, list[Dataset]] = {}
    for ds in published_datasets(session):
        if ds.first_published_at is None or china_date(ds.first_published_at) <= as_of:
            by_org.setdefault(ds.organization_id, []).append(ds)
    orgs = {str(o.id): o for o in session.scalars(select(Organization).order_by(Organization.id))}
    raws = {
        key: {
            **data_raw(by_org.get(org.id, []), as_of, max_days),
            **_sla_raw(session, [org.id], as_of),
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
) -> dict[str, dict[str, float | None]]:
    max_days = _max_days(session)
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
            **data_raw(mine, as_of, max_days),
            **_sla_raw(session, ids, as_of),
            **{c: readiness.get((f"region:{code}", c)) for c in ("R1", "R2", "R3")},
        }
    return raws


def compute_index(
    session: Session,
    *,
    as_of: dt.date,
    weights: Mapping[str, float] | None = None,
    actor: Actor | None = None,
) -> IndexSnapshot:
    """Score every organization and region as of a date and store the snapshot (history kept)."""
    if actor is not None:
        authorize(actor, "index.manage")
    effective = effective_weights(weights)
    readiness = _readiness(session)
    org_raws, orgs = _organization_raws(session, as_of, readiness)
    region_names = {c: n for c, n in session.execute(select(Region.code, Region.name))}
    org_scores = score_entities(org_raws, effective)
    region_scores = score_entities(_region_raws(session, as_of, orgs, readiness), effective)
    results = {
        "organizations": [{"key": k, "name": orgs[k].name, **v} for k, v in org_scores.items()],
        "regions": [
            {"key": k, "name": region_names.get(k, k), **v} for k, v in region_scores.items()
        ],
    }
    for entities in results.values():
        entities.sort(key=lambda e: e["rank"])
    snapshot = IndexSnapshot(as_of=as_of, computed_at=utcnow(), weights=effective, results=results)
    session.add(snapshot)
    session.flush()
    audit_service.record(
        session,
        action="index.compute",
        actor=actor,
        object_type="index_snapshot",
        object_id=snapshot.id,
        details={"as_of": as_of.isoformat()},
    )
    return snapshot


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
        "method": __doc__,
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
