"""Usage events: page views, downloads and data-API calls per dataset, recorded in batches.

Requests only queue a ``UsageRecord`` (see ``kaifang.batching``); the writer inserts them in
one transaction per batch and adds the batch's page views to the datasets' running view
counters (one UPDATE per dataset, not per view). Statistics over time read the events.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from kaifang.auth.models import Organization
from kaifang.batching import BatchWriter, install_writer
from kaifang.catalog.models import Dataset
from kaifang.db import Database, utcnow
from kaifang.errors import InvalidInput
from kaifang.governance.models import UsageEvent
from kaifang.runtime import Runtime

UsageKind = Literal["view", "download", "api_call"]
USAGE_KINDS: tuple[str, ...] = ("view", "download", "api_call")
COLUMN_OF_KIND = {"view": "views", "download": "downloads", "api_call": "api_calls"}
CHINA = dt.timezone(dt.timedelta(hours=8))


@dataclass(frozen=True)
class UsageRecord:
    """One use of a dataset; ``day`` and ``month`` are China-local, for grouping by period."""

    kind: str
    dataset_id: int
    organization_id: int
    region_code: str
    user_key: str
    occurred_at: dt.datetime = field(default_factory=utcnow)
    day: dt.date = field(init=False)
    month: str = field(init=False)

    def __post_init__(self) -> None:
        local = self.occurred_at.astimezone(CHINA).date()
        object.__setattr__(self, "day", local)
        object.__setattr__(self, "month", local.strftime("%Y-%m"))


def user_key(*, user_id: int | None, key_id: int | None, address: str, agent: str) -> str:
    """A distinct-user key that names no one: the account, the API key, or a one-way hash."""
    if user_id is not None:
        return f"u:{user_id}"
    if key_id is not None:
        return f"k:{key_id}"
    digest = hashlib.sha256(f"{address}\n{agent}".encode()).hexdigest()
    return f"a:{digest[:32]}"


class UsageWriter(BatchWriter[UsageRecord]):
    """Inserts usage events in batches and adds each batch's views to the dataset counters."""

    def __init__(self, db: Database, **options: Any) -> None:
        super().__init__(db, UsageEvent, name="usage", **options)

    def after_insert(self, session: Session, batch: Sequence[UsageRecord]) -> None:
        add_view_counts(session, batch)


def add_view_counts(session: Session, batch: Sequence[UsageRecord]) -> None:
    """Add the batch's page views to the datasets' running view counters."""
    views = Counter(r.dataset_id for r in batch if r.kind == "view")
    for dataset_id, count in sorted(views.items()):
        session.execute(
            update(Dataset).where(Dataset.id == dataset_id).values(views=Dataset.views + count)
        )


def record_usage(session: Session, records: Sequence[UsageRecord]) -> int:
    """Write usage events in the caller's transaction, as the batch writer does (for loaders)."""
    if records:
        session.execute(insert(UsageEvent), [dataclasses.asdict(r) for r in records])
        add_view_counts(session, records)
    return len(records)


def install_usage_log(runtime: Runtime) -> UsageWriter:
    """The runtime's one usage writer, started and stopped with the process."""
    return install_writer(runtime.extras, "usage_log", lambda: UsageWriter(runtime.db))


# --- statistics over time -------------------------------------------------------------------

USAGE_TIME_COLUMNS = (
    ("period", "期间"),
    ("key", "编码"),
    ("label", "名称"),
    ("views", "浏览量"),
    ("downloads", "下载量"),
    ("api_calls", "接口调用量"),
    ("users", "独立用户"),
)


@dataclass(frozen=True)
class UsageQuery:
    """Which events to count: a date range, a grouping and optionally some organizations."""

    start: dt.date
    end: dt.date
    by: Literal["dataset", "organization"] = "organization"
    granularity: Literal["month", "day", "total"] = "month"
    organization_ids: Collection[int] | None = None


def _key_column(by: str) -> Any:
    return UsageEvent.dataset_id if by == "dataset" else UsageEvent.organization_id


def _grouping(query: UsageQuery) -> list[Any]:
    if query.granularity == "total":
        return [_key_column(query.by)]
    period = UsageEvent.day if query.granularity == "day" else UsageEvent.month
    return [_key_column(query.by), period]


def _filtered(stmt: Any, query: UsageQuery) -> Any:
    stmt = stmt.where(UsageEvent.day >= query.start, UsageEvent.day <= query.end)
    if query.organization_ids is not None:
        stmt = stmt.where(UsageEvent.organization_id.in_(list(query.organization_ids)))
    return stmt


def _labels(session: Session, by: str, keys: set[int]) -> dict[int, tuple[str, str]]:
    """(key, label) per dataset id (catalogue code, title) or organization id (id, name)."""
    if not keys:
        return {}
    if by == "dataset":
        rows = session.execute(
            select(Dataset.id, Dataset.catalog_code, Dataset.title).where(Dataset.id.in_(keys))
        )
        return {i: (code or str(i), title) for i, code, title in rows}
    names = session.execute(
        select(Organization.id, Organization.name).where(Organization.id.in_(keys))
    )
    return {i: (str(i), name) for i, name in names}


def usage_over_time(session: Session, query: UsageQuery) -> list[dict[str, Any]]:
    """Views, downloads, API calls and distinct users per period and dataset or organization."""
    if query.by not in ("dataset", "organization") or query.end < query.start:
        raise InvalidInput("统计条件无效 (invalid usage query)", details={"by": query.by})
    group = _grouping(query)
    counts = session.execute(
        _filtered(select(*group, UsageEvent.kind, func.count()), query).group_by(
            *group, UsageEvent.kind
        )
    ).all()
    users = session.execute(
        _filtered(select(*group, func.count(func.distinct(UsageEvent.user_key))), query).group_by(
            *group
        )
    ).all()
    return _usage_rows(session, query, counts, users)


def _usage_rows(
    session: Session, query: UsageQuery, counts: Sequence[Any], users: Sequence[Any]
) -> list[dict[str, Any]]:
    total_label = f"{query.start.isoformat()}—{query.end.isoformat()}"
    labels = _labels(session, query.by, {r[0] for r in users})
    out: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in users:
        key, label = labels.get(row[0], (str(row[0]), ""))
        period = total_label if query.granularity == "total" else str(row[1])
        out[tuple(row[:-1])] = {
            "period": period,
            "key": key,
            "label": label,
            **{column: 0 for column in COLUMN_OF_KIND.values()},
            "users": row[-1],
        }
    for row in counts:
        *group, kind, count = row
        if kind in COLUMN_OF_KIND:
            out[tuple(group)][COLUMN_OF_KIND[kind]] = count
    return sorted(out.values(), key=_rank)


def usage_by_dataset(
    session: Session, *, start: dt.date, end: dt.date
) -> dict[int, dict[str, int]]:
    """Events per dataset and kind over China-local days ``start``..``end`` (both included)."""
    stmt = (
        select(UsageEvent.dataset_id, UsageEvent.kind, func.count())
        .where(UsageEvent.day >= start, UsageEvent.day <= end)
        .group_by(UsageEvent.dataset_id, UsageEvent.kind)
    )
    counts: dict[int, dict[str, int]] = {}
    for dataset_id, kind, count in session.execute(stmt):
        counts.setdefault(int(dataset_id), {})[kind] = int(count)
    return counts


def _rank(row: dict[str, Any]) -> tuple[Any, ...]:
    return (row["period"], -(row["views"] + row["downloads"] + row["api_calls"]), row["key"])
