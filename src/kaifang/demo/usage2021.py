"""Demo usage over 2021 (page views, downloads, API calls) and a first open-index snapshot,
dated at the end of the demo plan year and marked as demo data.

Events go through ``kaifang.governance.usage.record_usage`` (the batch writer's insert and view
counters); every demo event's user key starts with ``demo:`` so it can be told apart.
"""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select
from sqlalchemy.orm import Session

from kaifang.auth.actor import SYSTEM
from kaifang.catalog.models import Dataset
from kaifang.demo.plan2021 import AS_OF, YEAR
from kaifang.governance import index as index_service
from kaifang.governance.models import IndexSnapshot, UsageEvent
from kaifang.governance.usage import UsageRecord, record_usage

SEED = 2022
DEMO_USER_PREFIX = "demo:"
DEMO_USERS = 400
MONTHLY_EVENTS = 900  # across all datasets in a month, before growth and noise
KINDS = (("view", 75), ("download", 18), ("api_call", 7))


def _published(session: Session) -> list[Dataset]:
    stmt = select(Dataset).where(Dataset.status == "published").order_by(Dataset.id)
    return list(session.scalars(stmt).unique())


def _popularity(datasets: list[Dataset], rng: random.Random) -> dict[int, float]:
    """Zipf-like shares: a few popular datasets, a long tail."""
    order = [d.id for d in datasets]
    rng.shuffle(order)
    weights = {ds_id: 1.0 / (rank + 1) for rank, ds_id in enumerate(order)}
    total = sum(weights.values())
    return {k: w / total for k, w in weights.items()}


def _first_month(ds: Dataset) -> int:
    published = ds.first_published_at
    return published.month if published is not None and published.year == YEAR else 1


def _month_events(ds: Dataset, month: int, count: int, rng: random.Random) -> list[UsageRecord]:
    kinds = [k for k, _ in KINDS]
    weights = [w for _, w in KINDS]
    return [
        UsageRecord(
            kind=rng.choices(kinds, weights=weights)[0],
            dataset_id=ds.id,
            organization_id=ds.organization_id,
            region_code=ds.region_code or "",
            user_key=f"{DEMO_USER_PREFIX}{rng.randrange(DEMO_USERS)}",
            # 01:00-13:59 UTC stays on the same China-local day
            occurred_at=dt.datetime(
                YEAR,
                month,
                rng.randint(1, 28),
                rng.randint(1, 13),
                rng.randrange(60),
                tzinfo=dt.UTC,
            ),
        )
        for _ in range(count)
    ]


def _has_demo_usage(session: Session) -> bool:
    stmt = select(UsageEvent.id).where(UsageEvent.user_key.startswith(DEMO_USER_PREFIX)).limit(1)
    return session.scalar(stmt) is not None


def load_demo_usage(session: Session) -> int:
    """Record the demo usage of 2021 once; returns how many events were written."""
    if _has_demo_usage(session):
        return 0
    rng = random.Random(SEED)
    datasets = _published(session)
    shares = _popularity(datasets, rng)
    records: list[UsageRecord] = []
    for ds in datasets:
        for month in range(_first_month(ds), 13):
            growth = 1 + month / 12  # use grows over the year
            count = round(MONTHLY_EVENTS * shares[ds.id] * growth * rng.uniform(0.6, 1.4))
            records += _month_events(ds, month, count, rng)
    return record_usage(session, records)


def load_demo_index(session: Session, *, as_of: dt.date = AS_OF) -> int:
    """Compute the first open-index snapshot when there is none, as of the demo plan's date
    (not today: the demo's lists and usage are of 2021); returns snapshots created."""
    if session.scalar(select(IndexSnapshot.id).limit(1)) is not None:
        return 0
    index_service.compute_index(session, as_of=as_of, actor=SYSTEM, is_demo=True)
    return 1
