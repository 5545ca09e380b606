"""Raw indicator values computed from the catalogue, usage events, applications and readiness
entries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from kaifang.access.service import sla_figures
from kaifang.catalog.models import Dataset, VocabularyTerm
from kaifang.clock import CHINA_TZ
from kaifang.governance.index.definitions import (
    DEFAULT_MAX_DAYS,
    KEY_DOMAIN_CODES,
    KEY_DOMAINS,
    METADATA_FIELDS,
)
from kaifang.governance.models import ReadinessValue
from kaifang.governance.openlists import china_date
from kaifang.governance.statistics import MACHINE_READABLE_UPPER
from kaifang.governance.usage import usage_by_dataset

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


def index_period(as_of: dt.date) -> tuple[dt.date, dt.date]:
    """The period the use layer counts: 1 January of the index year to the index date."""
    return dt.date(as_of.year, 1, 1), as_of


def period_usage(session: Session, as_of: dt.date) -> dict[int, dict[str, int]]:
    """Usage events per dataset and kind within the index period (China-local days)."""
    start, end = index_period(as_of)
    return usage_by_dataset(session, start=start, end=end)


def _used(datasets: Sequence[Dataset], usage: Mapping[int, Mapping[str, int]], kind: str) -> float:
    return float(sum(usage.get(d.id, {}).get(kind, 0) for d in datasets))


def data_raw(
    datasets: Sequence[Dataset],
    as_of: dt.date,
    max_days: Mapping[str, int],
    usage: Mapping[int, Mapping[str, int]] | None = None,
) -> dict[str, float | None]:
    """Platform, data and use-layer raw values of a group of published datasets; ``usage`` is
    ``period_usage`` (events in the index period, not the datasets' lifetime counters)."""
    usage = usage or {}
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
        "U1": _used(datasets, usage, "download"),
        "U2": _used(datasets, usage, "api_call"),
    }


def sla_raw(session: Session, org_ids: Iterable[int], as_of: dt.date) -> dict[str, float | None]:
    """P3 and U3 over the applications submitted within the index period (China-local days)."""
    start, end = index_period(as_of)
    since = dt.datetime.combine(start, dt.time(), tzinfo=CHINA_TZ)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tzinfo=CHINA_TZ)
    figures = [
        sla_figures(session, organization_id=i, since=since, until=until, today=as_of)
        for i in org_ids
    ]
    accepted = sum(f.accepted for f in figures)
    on_time = sum((f.accept_on_time_share or 0) * f.accepted for f in figures)
    return {
        "P3": round(on_time / accepted, 4) if accepted else None,
        "U3": float(sum(f.decided for f in figures)),
    }


def readiness_values(session: Session) -> dict[tuple[str, str], float]:
    """Latest readiness value per (scope key, indicator); scope keys are "org:ID"/"region:CODE"."""
    values: dict[tuple[str, str], float] = {}
    for row in session.scalars(select(ReadinessValue).order_by(ReadinessValue.id)):
        scope = f"org:{row.organization_id}" if row.organization_id else f"region:{row.region_code}"
        values[(scope, row.indicator)] = row.value
    return values


def max_days_by_frequency(session: Session) -> dict[str, int]:
    terms = session.scalars(select(VocabularyTerm).where(VocabularyTerm.kind == "update_frequency"))
    found = {t.code: int((t.extra or {}).get("max_days", 0)) for t in terms}
    return found or dict(DEFAULT_MAX_DAYS)
